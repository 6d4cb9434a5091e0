/**
 * Billing/OCS connector (Chargebee-style item prices). Mapping rules in billing-map.ts.
 *
 * `next_offset` is an opaque keyset position, so deletions never shift pages; archived and
 * deleted item prices keep being listed with their status, and deleted ones are reported in
 * `deletedIds` instead of being mapped.
 *
 * Full read: (1) the whole list in creation order; (2) a verification listing sorted by
 * updated_at (options.verify_full_listing, default on): the source never drops rows, so it
 * must contain every id of (1) -- rows only it has mean (1) was cut short, and rows changed
 * during (1) come back here with their new content; (3) a catch-up on updated_at since the run
 * started (minus the look-back), repeated while it spans several pages. Chargebee gives no
 * total count, so without (2) a listing that ends early cannot be told from a complete one.
 *
 * Incremental read: updated_at[after]=<cursor - look-back> sorted by updated_at; a row changed
 * while we page moves to the end of that order and is read again.
 */
import { HttpError, type HttpClient } from '../../../lib/http-client.js';
import { describeUpstreamError } from '../../../lib/upstream-errors.js';
import { basicAuthorization, staticAuth } from './auth.js';
import { ConnectorRead, isObject, joinUrl, mapOrError, objects, str, type CategoryTypeMap, type Json } from './common.js';
import { itemPriceVersion, mapItemPrice } from './billing-map.js';
import type { ConnectionTestResult, Connector, ConnectorConfig, ConnectorFactory, ConnectorPage, ItemError, ReadResult, SourceItem } from './types.js';

const MAX_LIMIT = 100;
const CATCH_UP_ROUNDS = 3;

interface Settings {
  url: string;
  pageSize: number;
  verify: boolean;
  categoryTypeMap: CategoryTypeMap;
}

function settingsOf(config: ConnectorConfig): Settings {
  const base = config.baseUrl;
  const size = Number(config.options.page_size);
  return {
    // Chargebee's documented base is https://<site>.chargebee.com/api/v2; accept the bare origin too.
    url: /\/api\/v\d+\/?$/.test(base) ? joinUrl(base, 'item_prices') : joinUrl(base, 'api/v2/item_prices'),
    pageSize: Number.isInteger(size) && size > 0 ? Math.min(size, MAX_LIMIT) : MAX_LIMIT,
    verify: config.options.verify_full_listing !== false,
    categoryTypeMap: config.categoryTypeMap,
  };
}

function authFor(config: ConnectorConfig) {
  const { type, username, secret, headerName } = config.auth;
  if (type === 'basic') return staticAuth({ authorization: basicAuthorization(username ?? '', secret ?? '') }, 'user name and password');
  // Chargebee takes the API key as the Basic user with an empty password; other gateways want a header.
  if (headerName) return staticAuth({ [headerName]: secret ?? '' }, 'API key');
  return staticAuth({ authorization: basicAuthorization(secret ?? '', '') }, 'API key');
}

interface ListEnd {
  ids: Set<string>;
  pages: number;
}

class BillingRead extends ConnectorRead<Settings> {
  private readonly deleted = new Set<string>();
  private position = 0;

  async *run(): AsyncGenerator<ConnectorPage, ReadResult, void> {
    const since = this.opts.cursor ? Date.parse(this.opts.cursor.updatedAt) - this.opts.lookbackMs : Number.NaN;
    if (this.opts.mode === 'incremental' && !Number.isNaN(since)) {
      yield* this.list(this.changedQuery(since));
      return { mode: 'incremental', completeSnapshot: false, deletedIds: [...this.deleted] };
    }
    const first = yield* this.list({});
    let incomplete: string | null = null;
    if (this.s.verify) {
      const second = yield* this.list({ 'sort_by[asc]': 'updated_at' });
      const lost = [...first.ids].filter((id) => !second.ids.has(id));
      const gained = [...second.ids].filter((id) => !first.ids.has(id)).length;
      if (gained) this.log(`Billing: the verification listing returned ${gained} item price(s) the first listing did not`, 'warn');
      if (lost.length) {
        incomplete = `the verification listing lacks ${lost.length} item price(s) the first listing had`;
        this.log(`Billing: the verification listing lacks ${lost.length} item price(s) the first listing had (e.g. ${lost[0]}); not a complete snapshot`, 'warn');
      }
    }
    yield* this.catchUp();
    return { mode: 'full', completeSnapshot: incomplete === null, ...(incomplete !== null && { incompleteReason: incomplete }), deletedIds: [...this.deleted] };
  }

  private changedQuery(sinceMs: number): Record<string, string> {
    // updated_at[after] is exclusive and in whole seconds: one second earlier keeps it inclusive.
    return { 'updated_at[after]': String(Math.max(0, Math.floor(sinceMs / 1000) - 1)), 'sort_by[asc]': 'updated_at' };
  }

  private async *catchUp(): AsyncGenerator<ConnectorPage, void, void> {
    let since = this.startedAt - this.opts.lookbackMs;
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const roundStart = Date.now();
      // The largest page: a change list that fits in one page is one consistent snapshot.
      const end = yield* this.list(this.changedQuery(since), MAX_LIMIT);
      if (end.pages <= 1) return;
      since = roundStart - this.opts.lookbackMs;
    }
  }

  private async *list(query: Record<string, string>, limit = this.s.pageSize): AsyncGenerator<ConnectorPage, ListEnd, void> {
    const ids = new Set<string>();
    const offsets = new Set<string>();
    let offset: string | undefined;
    let pages = 0;
    for (;;) {
      if (this.opts.signal.aborted) throw this.opts.signal.reason ?? new Error('aborted');
      const res = await this.http.getJson<Json>(this.s.url, { ...query, limit, offset });
      pages++;
      if (!isObject(res.body) || !Array.isArray(res.body.list)) throw new HttpError(`${this.s.url}: the answer has no "list"`, res.status, this.s.url, false);
      const rows = objects(res.body.list).map((x) => (isObject(x.item_price) ? x.item_price : x));
      for (const r of rows) {
        const id = str(r.id);
        if (id) ids.add(id);
      }
      const out = this.emit(rows);
      if (out) yield out;
      const next = str(res.body.next_offset);
      if (!next) return { ids, pages };
      if (offsets.has(next)) throw new HttpError(`${this.s.url}: next_offset ${next} repeats; the listing would never end`, res.status, this.s.url, false);
      offsets.add(next);
      offset = next;
    }
  }

  private emit(rows: Json[]): ConnectorPage | null {
    const items: SourceItem[] = [];
    const errors: ItemError[] = [];
    for (const r of rows) {
      const position = this.position++;
      const id = str(r.id);
      if (r.status === 'deleted') {
        if (id) this.deleted.add(id);
        continue;
      }
      if (!id) {
        if (this.state.recordAnonymous(r)) errors.push({ externalId: null, position, reason: 'item price has no id' });
        continue;
      }
      const version = itemPriceVersion(r);
      if (this.state.isCurrent(id, version)) continue;
      this.state.record(id, version);
      this.deleted.delete(id);
      const m = mapOrError(id, position, () => mapItemPrice(r, this.s.categoryTypeMap));
      if (m.item) items.push(m.item);
      else errors.push(m.error);
    }
    return items.length || errors.length ? this.state.page(items, errors) : null;
  }
}

async function testConnection(s: Settings, http: HttpClient): Promise<ConnectionTestResult> {
  const details: Record<string, unknown> = { url: s.url };
  try {
    const res = await http.getJson<Json>(s.url, { limit: MAX_LIMIT });
    const n = isObject(res.body) ? objects(res.body.list).length : 0;
    const more = isObject(res.body) && str(res.body.next_offset) !== null;
    details.item_prices_on_first_page = n;
    return { ok: true, message: more ? `connected, more than ${n} item prices` : `connected, ${n} item prices`, details };
  } catch (err) {
    return { ok: false, message: describeUpstreamError(err, http.redactor), details };
  }
}

export const billingConnector: ConnectorFactory = {
  systemType: 'billing',
  authTypes: ['api_key', 'basic'],
  create(config: ConnectorConfig, http: HttpClient): Connector {
    const s = settingsOf(config);
    http.setAuth(authFor(config));
    return {
      test: () => testConnection(s, http),
      read: (opts) => new BillingRead(s, http, opts).run(),
    };
  },
};
