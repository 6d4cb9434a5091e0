/**
 * Offset paging that does not lose rows when the list changes under it.
 *
 * With plain offset paging, a row deleted before the current offset shifts every later row one
 * place left and the row at the page boundary is never seen. So each page is requested a few
 * rows before where the previous one ended (OVERLAP) in a stable order (sort=id), and must
 * contain one of the last ids already covered (the anchors). If none is there, more rows than
 * the overlap vanished before our position: step back a page and re-read; re-read rows are
 * de-duplicated by the caller. Rows inserted behind our position are not seen by any offset
 * scheme: the callers catch up on them with a lastUpdate filter and verify with an id listing.
 *
 * The end is an empty page, a 416, X-Total-Count reached, or (when the server gives no count,
 * as bare capped arrays do) a page with nothing new. Works whatever page size the server caps to;
 * once a read has seen that cap, a first page shorter than it is the whole result, which keeps the
 * small catch-up listings at one request (one snapshot) on servers without counts.
 */
import { HttpError, type HttpClient } from '../../../lib/http-client.js';
import { headerInt, isHttpStatus, listRecords, str, type Json } from './common.js';

export interface ScanPage {
  records: Json[];
  offset: number;
  total: number | null;
}

export interface ScanEnd {
  complete: boolean;
  reason?: string;
  /** Every id the scan returned. */
  ids: Set<string>;
  pages: number;
  total: number | null;
}

export interface ScanRequest {
  url: string;
  query: Record<string, string>;
  limit: number;
  signal: AbortSignal;
  note?: (message: string) => void;
  /** Largest page the server returned without a count, shared by the scans of one read. */
  cap?: { rows: number };
}

const OVERLAP = 5;
const MAX_STEP_BACKS = 100;

export async function* scanOffsets(http: HttpClient, req: ScanRequest): AsyncGenerator<ScanPage, ScanEnd, void> {
  const ids = new Set<string>();
  const query: Record<string, string> = { ...req.query };
  let offset = 0;
  let pages = 0;
  let total: number | null = null;
  let stepBacks = 0;
  let anchors: string[] = [];
  let firstId: string | undefined;
  const end = (complete: boolean, reason?: string): ScanEnd => ({ complete, ...(reason && { reason }), ids, pages, total });

  for (;;) {
    if (req.signal.aborted) throw req.signal.reason ?? new Error('aborted');
    let res: Awaited<ReturnType<HttpClient['getJson']>>;
    try {
      res = await http.getJson(req.url, { ...query, offset, limit: req.limit }, [416]);
    } catch (err) {
      // Some TMF servers reject sort parameters they do not know: fall back to their own order.
      if (pages === 0 && query.sort !== undefined && isHttpStatus(err, 400)) {
        req.note?.(`the server refused sort=${query.sort} (${err.message.slice(0, 120)}); paging in its default order`);
        delete query.sort;
        continue;
      }
      throw err;
    }
    pages++;
    if (res.status === 416) return end(true);
    const records = listRecords(res.body);
    if (records === null) throw new HttpError(`${req.url}: the answer is not a list`, res.status, req.url, false, JSON.stringify(res.body).slice(0, 300));
    total = headerInt(res.headers, 'x-total-count') ?? total;
    if (records.length === 0) return end(true);

    const pageIds = records.map((r) => str(r.id)).filter((x): x is string => x !== null);
    if (offset === 0) firstId = pageIds[0];
    else if (firstId !== undefined && pageIds[0] === firstId) {
      return end(false, `the server ignores offset: offset ${offset} returned the first page again`);
    } else if (anchors.length > 0 && pageIds.length > 0 && !pageIds.some((id) => anchors.includes(id))) {
      if (++stepBacks > MAX_STEP_BACKS) return end(false, 'the listing kept shifting under us (rows deleted faster than we could page)');
      offset = Math.max(0, offset - records.length);
      continue;
    }

    let fresh = 0;
    for (const id of pageIds) {
      if (!ids.has(id)) fresh++;
      ids.add(id);
    }
    yield { records, offset, total };

    const reached = offset + records.length;
    if (total !== null && reached >= total) return end(true);
    if (total === null && req.cap) {
      if (offset === 0 && records.length < Math.min(req.cap.rows, req.limit)) return end(true);
      req.cap.rows = Math.max(req.cap.rows, records.length);
    }
    if (total === null && fresh === 0) return end(true);
    anchors = pageIds.slice(-OVERLAP);
    offset = Math.max(offset + 1, reached - Math.min(OVERLAP, Math.floor(records.length / 2)));
  }
}
