/**
 * Xiva BSS connector: TMF620 productOffering over Django JWT auth (see shared/docs/domain.md).
 *
 * Full read: (1) page the catalog by id with overlapping offsets (xiva-paging.ts); (2) list
 * every id again (fields=id, large pages) and compare: ids present but never emitted are fetched
 * one by one, or, when many are missing (a truncated listing), the catalog is read again;
 * (3) catch up on everything whose lastUpdate is after the run start minus the look-back:
 * rows added behind our position and rows changed after we read them. Only a read whose last
 * verification listing completed and is fully covered claims a complete snapshot. No listing
 * ends on X-Total-Count (see xiva-paging.ts); the count only feeds progress and the engine's
 * check that a snapshot is not far smaller than the source said.
 *
 * Incremental read: lastUpdate.gt=<cursor - look-back> (the TMF630 form), else lastUpdate.gte
 * for servers that know only that one, then the same catch-up. A server that ignores both (older
 * offerings come back) gets a full read instead, reported as such.
 */
import type { HttpClient } from '../../../lib/http-client.js';
import { describeUpstreamError } from '../../../lib/upstream-errors.js';
import { staticAuth, basicAuthorization } from './auth.js';
import { ConnectorRead, displayUrl, formatCount, headerInt, isHttpStatus, joinUrlOnce, listRecords, mapLimit, mapOrError, str, toUtcIso, type CategoryTypeMap, type Json } from './common.js';
import { XivaJwtAuth } from './xiva-auth.js';
import { mapOffering, offeringVersion, priceRefIds } from './xiva-map.js';
import { hasNextLink, scanOffsets, type ScanEnd, type ScanPage } from './xiva-paging.js';
import type { ConnectionTestResult, Connector, ConnectorConfig, ConnectorFactory, ConnectorPage, ItemError, ReadResult, SourceItem } from './types.js';

type ApiVersion = 'v4' | 'v5';
const CATALOG_PATHS: Record<ApiVersion, string> = { v5: 'productCatalogManagement/v5/', v4: 'tmf-api/productCatalogManagement/v4/' };
/** Up to this many ids missing after a full pass are fetched one by one; more means re-read. */
const MISSING_FETCH_MAX = 50;
const MAX_FULL_PASSES = 3;
const CATCH_UP_ROUNDS = 3;
/** lastUpdate lower bounds, in the order tried: `.gt` is the TMF630 form, some servers know only `.gte`. */
const SINCE_OPERATORS = ['gt', 'gte'] as const;
type SinceOperator = (typeof SINCE_OPERATORS)[number];

/**
 * The API root the JWT endpoints hang from: the base URL without a catalog prefix an
 * administrator may have pasted with it (`.../api/tmf-api` or `.../api/productCatalogManagement/v5`).
 */
function xivaApiRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/(?:\/tmf-api)?(?:\/productCatalogManagement(?:\/v\d+)?)?$/i, '');
}

interface Settings {
  baseUrl: string;
  /** Where auth/jwt/... live. */
  apiRoot: string;
  version: ApiVersion;
  catalogUrl: string;
  pageSize: number;
  verifyPageSize: number;
  concurrency: number;
  defaultCurrency: string | null;
  categoryTypeMap: CategoryTypeMap;
}

function settingsOf(config: ConnectorConfig): Settings {
  const version: ApiVersion = /^v?4/i.test(config.apiVersion ?? '') ? 'v4' : 'v5';
  const num = (key: string, fallback: number) => {
    const v = Number(config.options[key]);
    return Number.isInteger(v) && v > 0 ? v : fallback;
  };
  return {
    baseUrl: config.baseUrl,
    apiRoot: xivaApiRoot(config.baseUrl),
    version,
    catalogUrl: joinUrlOnce(config.baseUrl, CATALOG_PATHS[version]),
    // Xiva serves up to 1000 offerings a page; a server that caps lower answers smaller pages,
    // which the paging takes as they come (xiva-paging.ts). Fewer, larger pages: less overlap
    // re-read and fewer round trips.
    pageSize: num('page_size', 1000),
    verifyPageSize: num('verify_page_size', 1000),
    concurrency: num('concurrency', 4),
    defaultCurrency: config.defaultCurrency,
    categoryTypeMap: config.categoryTypeMap,
  };
}

function authFor(config: ConnectorConfig, s: Settings) {
  const { type, username, secret } = config.auth;
  if (type === 'bearer') return staticAuth({ authorization: `Bearer ${secret ?? ''}` }, 'bearer token');
  if (type === 'basic') return staticAuth({ authorization: basicAuthorization(username ?? '', secret ?? '') }, 'user name and password');
  return new XivaJwtAuth(s.apiRoot, username ?? '', secret ?? '');
}

const offeringsUrl = (s: Settings) => `${s.catalogUrl}productOffering/`;

/** State and steps of one read. */
class XivaRead extends ConnectorRead<Settings> {
  /** Referenced ProductOfferingPrice entities, per run; null = 404. */
  private readonly prices = new Map<string, Json | null>();
  private readonly pageCap = { rows: 0 };
  /** lastUpdate operators still worth trying; narrowed to the one that worked. */
  private sinceOperators: SinceOperator[] = [...SINCE_OPERATORS];

  async *run(): AsyncGenerator<ConnectorPage, ReadResult, void> {
    let needsFullSync: string | undefined;
    if (this.opts.mode === 'incremental' && this.opts.cursor) {
      const since = Date.parse(this.opts.cursor.updatedAt) - this.opts.lookbackMs;
      if (Number.isNaN(since)) {
        needsFullSync = `the stored cursor "${this.opts.cursor.updatedAt}" is not a timestamp`;
      } else {
        const r = yield* this.changedSince(since);
        if (!r.ignored) {
          yield* this.catchUp();
          return { mode: 'incremental', completeSnapshot: false, deletedIds: [] };
        }
        needsFullSync = `the server ignored ${SINCE_OPERATORS.map((op) => `lastUpdate.${op}`).join(' and ')} (offerings last updated before ${new Date(since).toISOString()} came back)`;
        this.log(`Xiva: ${needsFullSync}; reading the whole catalog instead`, 'warn');
      }
    }
    const incomplete = yield* this.full();
    return { mode: 'full', completeSnapshot: incomplete === null, deletedIds: [], ...(incomplete !== null && { incompleteReason: incomplete }), ...(needsFullSync && { needsFullSync }) };
  }

  private scan(query: Record<string, string>, limit: number) {
    return scanOffsets(this.http, { url: offeringsUrl(this.s), query, limit, signal: this.opts.signal, note: (m) => this.log(`Xiva: ${m}`, 'warn'), cap: this.pageCap });
  }

  /**
   * Pages a listing, emitting what is new. Returns how the scan ended, or null when `stopIf`
   * refused a page (not emitted; the abandoned scan holds no connection: every answer was read in full).
   * `whole`: the listing is the whole catalog, so its count is the catalog's (a filtered
   * listing's count says how many changed, not how many exist).
   */
  private async *emitScan(scan: AsyncGenerator<ScanPage, ScanEnd, void>, opts: { whole: boolean; stopIf?: (p: ScanPage) => boolean }): AsyncGenerator<ConnectorPage, ScanEnd | null, void> {
    for (;;) {
      const step = await scan.next();
      if (step.done) return step.value;
      const page = step.value;
      // Checked before mapping: a page that shows the server ignored a filter is not worth its prices.
      if (opts.stopIf?.(page)) return null;
      if (opts.whole) this.state.total = page.total ?? this.state.total;
      const out = await this.mapRecords(page.records, page.offset);
      if (out) yield out;
    }
  }

  /** Reads the whole catalog; returns null for a complete snapshot, else why it is not one. */
  private async *full(): AsyncGenerator<ConnectorPage, string | null, void> {
    for (let pass = 1; ; pass++) {
      const main = (yield* this.emitScan(this.scan({ sort: 'id' }, this.s.pageSize), { whole: true }))!;
      if (!main.complete) this.log(`Xiva: catalog listing did not finish cleanly: ${main.reason ?? 'unknown'}`, 'warn');
      const check = await this.verify();
      if (!check.complete) {
        const why = `the verification listing of offering ids did not finish (${check.reason ?? 'unknown'})`;
        this.log(`Xiva: ${why}; not a complete snapshot`, 'warn');
        yield* this.catchUp();
        return why;
      }
      if (check.missing.length > 0) this.log(`Xiva: verification found ${check.missing.length} offering(s) present at the source that the listing did not return`, 'warn');
      if (check.missing.length <= MISSING_FETCH_MAX) {
        yield* this.fetchOfferings(check.missing);
        yield* this.catchUp();
        return null;
      }
      if (pass >= MAX_FULL_PASSES) {
        yield* this.catchUp();
        const why = `${check.missing.length} offering(s) listed by id were still missing from the catalog listing after ${pass} passes`;
        this.log(`Xiva: ${why}; not a complete snapshot`, 'warn');
        return why;
      }
      this.log('Xiva: reading the catalog again');
    }
  }

  /**
   * Lists offerings changed since `sinceMs`, trying each lastUpdate operator the server may know;
   * `ignored` when every one returned older offerings anyway (or was refused). The operator that
   * works is kept for the rest of the read.
   */
  private async *changedSince(sinceMs: number): AsyncGenerator<ConnectorPage, { ignored: boolean; pages: number }, void> {
    const older = (p: ScanPage) =>
      p.records.some((r) => {
        const at = toUtcIso(r.lastUpdate);
        return at !== null && Date.parse(at) < sinceMs;
      });
    for (const op of [...this.sinceOperators]) {
      let end: ScanEnd | null;
      try {
        // Large pages: a change list that fits in one page is one consistent snapshot.
        end = yield* this.emitScan(this.scan({ [`lastUpdate.${op}`]: new Date(sinceMs).toISOString(), sort: 'id' }, this.s.verifyPageSize), { whole: false, stopIf: older });
      } catch (err) {
        // A server that refuses a filter it does not know (rather than ignoring it).
        if (!isHttpStatus(err, 400)) throw err;
        end = null;
      }
      if (end === null) {
        this.sinceOperators = this.sinceOperators.filter((x) => x !== op);
        if (this.sinceOperators.length) this.log(`Xiva: the server does not apply lastUpdate.${op}; trying lastUpdate.${this.sinceOperators[0]}`);
        continue;
      }
      this.sinceOperators = [op];
      if (!end.complete) throw new Error(`Xiva: the list of changed offerings did not finish: ${end.reason ?? 'unknown'}`);
      return { ignored: false, pages: end.pages };
    }
    return { ignored: true, pages: 0 };
  }

  /**
   * Re-lists what changed since the run started (minus the look-back for clock skew): rows added
   * behind our position and rows changed after we read them. A multi-page round may itself have
   * missed changes made while it paged, so another round follows, up to a bound.
   */
  private async *catchUp(): AsyncGenerator<ConnectorPage, void, void> {
    let since = this.startedAt - this.opts.lookbackMs;
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const roundStart = Date.now();
      const r = yield* this.changedSince(since);
      if (r.ignored) {
        this.log('Xiva: the server ignores lastUpdate filters; changes made during this run are read by the next sync', 'warn');
        return;
      }
      if (r.pages <= 1) return;
      since = roundStart - this.opts.lookbackMs;
    }
  }

  /** Lists every id present now and returns those this read has not emitted. */
  private async verify(): Promise<{ complete: boolean; reason?: string; missing: string[] }> {
    const scan = this.scan({ fields: 'id', sort: 'id' }, this.s.verifyPageSize);
    let step = await scan.next();
    while (!step.done) step = await scan.next();
    const end = step.value;
    const missing = [...end.ids].filter((id) => !this.state.has(id));
    return { complete: end.complete, ...(end.reason && { reason: end.reason }), missing };
  }

  private async *fetchOfferings(ids: string[]): AsyncGenerator<ConnectorPage, void, void> {
    const found = await mapLimit(ids, this.s.concurrency, async (id) => {
      const res = await this.http.getJson<Json>(`${offeringsUrl(this.s)}${encodeURIComponent(id)}/`, undefined, [404]);
      return res.status === 404 ? null : res.body;
    });
    const gone = found.filter((x) => x === null).length;
    if (gone) this.log(`Xiva: ${gone} of them were deleted meanwhile`);
    const out = await this.mapRecords(found.filter((x): x is Json => x !== null), this.state.read);
    if (out) yield out;
  }

  private async mapRecords(records: Json[], offset: number): Promise<ConnectorPage | null> {
    const pending: Array<{ raw: Json; id: string; position: number; version: string }> = [];
    const errors: ItemError[] = [];
    records.forEach((raw, i) => {
      const id = str(raw.id);
      if (!id) {
        if (this.state.recordAnonymous(raw)) errors.push({ externalId: null, position: offset + i, reason: 'offering has no id' });
        return;
      }
      const version = offeringVersion(raw);
      if (!this.state.isCurrent(id, version)) pending.push({ raw, id, position: offset + i, version });
    });
    if (pending.length === 0 && errors.length === 0) return null;
    await this.resolvePrices(pending.map((t) => ({ raw: t.raw, changed: this.state.has(t.id) })));
    const items: SourceItem[] = [];
    for (const t of pending) {
      const r = mapOrError(t.id, t.position, () => mapOffering(t.raw, this.prices, this.s.defaultCurrency, this.s.categoryTypeMap));
      this.state.record(t.id, t.version);
      if (r.item) items.push(r.item);
      else errors.push(r.error);
    }
    return this.state.page(items, errors);
  }

  /** Fetches referenced prices; an offering that changed during the run gets its prices afresh. */
  private async resolvePrices(offerings: Array<{ raw: Json; changed: boolean }>): Promise<void> {
    const wanted = new Set<string>();
    for (const o of offerings) {
      for (const id of priceRefIds(o.raw)) {
        if (o.changed) this.prices.delete(id);
        if (!this.prices.has(id)) wanted.add(id);
      }
    }
    if (wanted.size === 0) return;
    await mapLimit([...wanted], this.s.concurrency, async (id) => {
      const res = await this.http.getJson<Json>(`${this.s.catalogUrl}productOfferingPrice/${encodeURIComponent(id)}/`, undefined, [404]);
      this.prices.set(id, res.status === 404 ? null : res.body);
    });
  }
}

/**
 * How many offerings the catalog holds. X-Total-Count is believed only when it is larger than
 * the page it came with (a count equal to the page size on an answer that says more follows is
 * a page size) and the row at its last position exists with nothing after it; otherwise the ids
 * are paged to the end, by the same rules as a sync.
 */
async function countOfferings(s: Settings, http: HttpClient, signal: AbortSignal, details: Record<string, unknown>): Promise<{ count: number; complete: boolean }> {
  const url = offeringsUrl(s);
  const first = await http.getJson(url, { limit: 1, fields: 'id' }, [416]);
  if (first.status === 416) {
    details.counted_by = '416 at offset 0';
    return { count: 0, complete: true };
  }
  const rows = listRecords(first.body)?.length ?? 0;
  const claimed = headerInt(first.headers, 'x-total-count');
  const more = first.status === 206 || hasNextLink(first.headers);
  if (claimed !== null) details.x_total_count = claimed;
  if (claimed !== null && (claimed > rows || (!more && claimed === rows))) {
    if (claimed === 0) {
      details.counted_by = 'X-Total-Count';
      return { count: 0, complete: true };
    }
    const tail = await http.getJson(url, { offset: claimed - 1, limit: 2, fields: 'id' }, [416]);
    const tailRows = tail.status === 416 ? 0 : (listRecords(tail.body)?.length ?? 0);
    if (tailRows === 1 && !hasNextLink(tail.headers)) {
      details.counted_by = 'X-Total-Count, checked at its last row';
      return { count: claimed, complete: true };
    }
  }
  const scan = scanOffsets(http, { url, query: { fields: 'id', sort: 'id' }, limit: s.verifyPageSize, signal });
  let step = await scan.next();
  while (!step.done) step = await scan.next();
  details.counted_by = claimed === null ? 'paging ids (no X-Total-Count)' : 'paging ids (X-Total-Count did not match the listing)';
  if (step.value.reason) details.listing_stopped = step.value.reason;
  return { count: step.value.ids.size, complete: step.value.complete };
}

async function testConnection(s: Settings, http: HttpClient, signal: AbortSignal): Promise<ConnectionTestResult> {
  // The URL actually requested, so a doubled or missing path prefix shows at once.
  const url = displayUrl(offeringsUrl(s));
  const details: Record<string, unknown> = { api_version: s.version, catalog_url: displayUrl(s.catalogUrl), url };
  try {
    const { count, complete } = await countOfferings(s, http, signal, details);
    details.offerings = count;
    return { ok: true, message: `${s.version}, ${complete ? '' : 'at least '}${formatCount(count)} offerings at ${url}`, details };
  } catch (err) {
    let message = describeUpstreamError(err, http.redactor);
    if (isHttpStatus(err, 404)) {
      const other: ApiVersion = s.version === 'v5' ? 'v4' : 'v5';
      const probe = await http
        .getJson(`${joinUrlOnce(s.baseUrl, CATALOG_PATHS[other])}productOffering/`, { limit: 1, fields: 'id' }, [404, 416])
        .then((r) => r.status !== 404, () => false);
      message = `no TMF620 ${s.version} catalog at ${s.catalogUrl} (HTTP 404)${probe ? `; this server answers ${other}: set the API version to ${other}` : ''}`;
    }
    return { ok: false, message, details };
  }
}

export const xivaConnector: ConnectorFactory = {
  systemType: 'xiva',
  authTypes: ['jwt', 'bearer', 'basic'],
  create(config: ConnectorConfig, http: HttpClient): Connector {
    const s = settingsOf(config);
    http.setAuth(authFor(config, s));
    return {
      test: (signal) => testConnection(s, http, signal),
      read: (opts) => new XivaRead(s, http, opts).run(),
    };
  },
};
