/**
 * Offset paging that does not lose rows when the list changes under it, nor when the server
 * miscounts it.
 *
 * With plain offset paging, a row deleted before the current offset shifts every later row one
 * place left and the row at the page boundary is never seen. So each page is requested a few
 * rows before where the previous one ended (OVERLAP) in a stable order (sort=id), and must
 * contain one of the last ids already covered (the anchors). If none is there, more rows than
 * the overlap vanished before our position: step back a page and re-read; re-read rows are
 * de-duplicated by the caller. Rows inserted behind our position are not seen by any offset
 * scheme: the callers catch up on them with a lastUpdate filter and verify with an id listing.
 *
 * Where the list ends: X-Total-Count is a hint (TMF630) and real servers get it wrong -- stale
 * behind a cache, or the page size in its place -- so it never ends a scan. Paging goes on while
 * the answer is 206 Partial Content, carries a `Link: <...>; rel="next"`, or is a full page; it
 * stops on an empty page, a 416, or a short 200 page without a next link. "Full" is measured
 * against the largest page this server has returned in the read (it may cap `limit`, as bare
 * capped arrays do): until that is known, a page is taken as possibly full, which costs one
 * request that answers empty or 416. X-Result-Count, when sent, counts the page too.
 */
import { HttpError, type HttpClient } from '../../../lib/http-client.js';
import { headerInt, isHttpStatus, listRecords, str, type Json } from './common.js';

export interface ScanPage {
  records: Json[];
  offset: number;
  /** X-Total-Count of this answer: a hint, for progress only. */
  total: number | null;
}

export interface ScanEnd {
  complete: boolean;
  reason?: string;
  /** Every id the scan returned. */
  ids: Set<string>;
  /**
   * Answers that brought rows not seen before in this scan: 1 means the result came in one
   * answer, a consistent snapshot (the overlap, empty and 416 answers around it add nothing).
   */
  pages: number;
  total: number | null;
}

export interface ScanRequest {
  url: string;
  query: Record<string, string>;
  limit: number;
  signal: AbortSignal;
  note?: (message: string) => void;
  /** Largest page the server has returned, shared by the scans of one read. */
  cap?: { rows: number };
}

const OVERLAP = 5;
const MAX_STEP_BACKS = 100;
/** Pages in a row that say more follows but hold nothing new: the server repeats itself. */
const MAX_STALE_PAGES = 3;

/** True when a Link header (RFC 8288) names a rel="next" target. */
export function hasNextLink(headers: Headers): boolean {
  const link = headers.get('link');
  if (!link) return false;
  return link.split(/,(?=\s*<)/).some((part) => /;\s*rel\s*=\s*"?(?:[^"]*\s)?next(?:\s[^"]*)?"?\s*(?:;|$)/i.test(part));
}

export async function* scanOffsets(http: HttpClient, req: ScanRequest): AsyncGenerator<ScanPage, ScanEnd, void> {
  const ids = new Set<string>();
  const query: Record<string, string> = { ...req.query };
  const cap = req.cap ?? { rows: 0 };
  let offset = 0;
  let pages = 0;
  let total: number | null = null;
  let stepBacks = 0;
  let stale = 0;
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
    if (res.status === 416) return end(true);
    const records = listRecords(res.body);
    if (records === null) throw new HttpError(`${req.url}: the answer is not a list`, res.status, req.url, false, JSON.stringify(res.body).slice(0, 300));
    // Rows the server says it sent: a page of records we could not all parse is still full.
    const served = Math.max(records.length, headerInt(res.headers, 'x-result-count') ?? 0);
    const counted = headerInt(res.headers, 'x-total-count');
    // A count equal to a page size (the limit asked, or the largest page served) on an answer
    // holding fewer rows is the page size in the count's place: a list that long would have
    // filled the page. (A server that caps pages below a count that happens to equal our limit
    // loses its hint this way; the hint only feeds progress and the engine's small-snapshot check.)
    if (counted !== null && !(served < counted && (counted === req.limit || counted === cap.rows))) total = counted;
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
    if (fresh > 0) pages++;
    yield { records, offset, total };

    const more = res.status === 206 || hasNextLink(res.headers);
    const short = cap.rows > 0 && served < Math.min(req.limit, cap.rows);
    cap.rows = Math.max(cap.rows, Math.min(served, req.limit));
    if (short && !more) return end(true);
    if (fresh === 0) {
      // A page of rows already seen: a server that clamps the offset to its last page.
      if (!more) return end(true);
      if (++stale >= MAX_STALE_PAGES) return end(false, `the server kept answering rows already read (offset ${offset}) while saying more follows`);
    } else {
      stale = 0;
    }
    const reached = offset + records.length;
    if (short) {
      // The tail: the next answer is empty or a 416, unless rows were added meanwhile (new rows,
      // so no overlap to check them against).
      anchors = [];
      offset = Math.max(offset + 1, reached);
      continue;
    }
    anchors = pageIds.slice(-OVERLAP);
    offset = Math.max(offset + 1, reached - Math.min(OVERLAP, Math.floor(records.length / 2)));
  }
}
