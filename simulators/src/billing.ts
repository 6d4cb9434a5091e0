/**
 * Fake billing/OCS in the style of Chargebee: item prices behind an API key, opaque
 * keyset `next_offset` paging, `updated_at[after]` incremental filter, archived and deleted
 * items that keep appearing with their status.
 *
 * Raw item_price -> ExpectedProduct (the ground truth of store.expected(id)):
 * - external_product_id = `id`. An item price without `id` is malformed.
 * - name = `name` (equal to `external_name`).
 * - price = `price` (integer minor units) / 10^exponent of `currency_code`, as an exact
 *   decimal: 4900 SAR -> "49.00", 1250 KWD -> "1.250", 1980 JPY -> "1980". currency = `currency_code`.
 * - billing_cycle from `period_unit` + `period`: day/1 daily, week/1 weekly, month/1 monthly,
 *   month/3 quarterly, year/1 yearly. `item_type` "charge" has no period: one_time.
 *   recurring = item_type is not "charge". (Device instalments are monthly plans whose price is
 *   the instalment; metadata.upfront_price holds the one-time part, in minor units.)
 * - product_type = metadata.product_type (voice|data|sms|bundle|device|service|addon);
 *   metadata.category holds the family name.
 * - features: metadata.data_gb (GB, may be fractional), metadata.voice_minutes, metadata.sms;
 *   the string "unlimited" -> -1; absent -> absent.
 * - is_active = status is "active". Archived items are present and inactive; deleted items
 *   (status "deleted") are not in validIds() and expected() returns undefined for them.
 * Malformed item prices (malformedRate): no `id`, no `name`, `price` the string "N/A", or
 * currency_code "XXX".
 */
import { BillingRecords, type ListingView } from './billing.records.js';
import { BILLING_DEFAULT_CREDENTIALS, BILLING_ITEM_PRICES_PATH, type BillingItemPrice } from './billing.wire.js';
import { bearer, intParam, json, startHttpCore, type Call, type FaultReplies, type Reply } from './http.js';
import type { FaultConfig, RunningSimulator, SimulatorOptions, SimulatorStore } from './types.js';

export { BILLING_DEFAULT_CREDENTIALS, BILLING_ITEM_PRICES_PATH, type BillingItemPrice } from './billing.wire.js';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export interface BillingOptions extends SimulatorOptions {
  apiKey?: string;
}

const errorBody = (status: number, apiErrorCode: string, message: string, type?: string, param?: string) =>
  json(status, { message, ...(type ? { type } : {}), api_error_code: apiErrorCode, ...(param ? { param } : {}), error_code: apiErrorCode, http_status_code: status });

const invalid = (param: string, message: string) => errorBody(400, 'invalid_request', message, 'invalid_request', param);
const notFound = () => errorBody(404, 'resource_not_found', 'Sorry, we couldn\'t find that resource', 'invalid_request');

const billingFaultReplies: FaultReplies = {
  rateLimited: (retryAfter) => ({
    ...errorBody(429, 'api_request_limit_exceeded', 'Sorry, access has been blocked temporarily due to request count exceeding acceptable limits. Please try after some time.'),
    headers: { 'retry-after': String(retryAfter) },
  }),
  serverError: (status, retryAfter) => {
    if (status === 500) return errorBody(500, 'internal_error', 'Sorry, Something went wrong when trying to process the request.');
    if (status === 502) return { status, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' };
    return { ...errorBody(503, 'internal_temporary_error', 'Sorry, the site is temporarily unavailable. Please try after some time.'), headers: { 'retry-after': String(retryAfter) } };
  },
};

/** Keyset position: [sort value, seq, remaining items of a truncated listing?], as Chargebee-like opaque text. */
function encodeOffset(sortValue: number, seq: number, remaining?: number): string {
  return JSON.stringify(remaining === undefined ? [String(sortValue), String(seq)] : [String(sortValue), String(seq), String(remaining)]);
}

function decodeOffset(raw: string): { sortValue: number; seq: number; remaining?: number } | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v) || v.length < 2 || v.length > 3 || !v.every((x) => typeof x === 'string' && /^\d+$/.test(x))) return undefined;
    const [a, b, c] = (v as string[]).map(Number);
    return c === undefined ? { sortValue: a as number, seq: b as number } : { sortValue: a as number, seq: b as number, remaining: c };
  } catch {
    return undefined;
  }
}

interface ListParams {
  limit: number;
  byUpdate: boolean;
  /** The updated_at window [fromMs, toMs). */
  fromMs: number;
  toMs: number;
}

/** limit, sort_by[asc] and the updated_at[after|before|on] filters, or the 400 Chargebee answers. */
function parseListParams(params: URLSearchParams, url: URL): ListParams | Reply {
  const limit = intParam(url, 'limit') ?? DEFAULT_LIMIT;
  if (Number.isNaN(limit) || limit < 1 || limit > MAX_LIMIT) return invalid('limit', `limit : The value ${params.get('limit')} is invalid. It should be between 1 and ${MAX_LIMIT}.`);
  const sortAsc = params.get('sort_by[asc]');
  if (params.has('sort_by[desc]')) return invalid('sort_by[desc]', 'sort_by[desc] : descending order is not supported');
  if (sortAsc !== null && sortAsc !== 'updated_at' && sortAsc !== 'created_at') return invalid('sort_by[asc]', `sort_by[asc] : The value ${sortAsc} is invalid. Allowed values are [updated_at, created_at].`);

  // updated_at filters, in epoch seconds; updated_at > t  <=>  resource_version >= (t + 1) * 1000.
  let fromMs = -Infinity;
  let toMs = Infinity;
  for (const op of ['after', 'before', 'on'] as const) {
    const raw = params.get(`updated_at[${op}]`);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw)) return invalid(`updated_at[${op}]`, `updated_at[${op}] : The value ${raw} is invalid. It should be a timestamp in seconds.`);
    const t = Number(raw);
    if (op === 'after') fromMs = Math.max(fromMs, (t + 1) * 1000);
    if (op === 'before') toMs = Math.min(toMs, t * 1000);
    if (op === 'on') {
      fromMs = Math.max(fromMs, t * 1000);
      toMs = Math.min(toMs, (t + 1) * 1000);
    }
  }
  return { limit, byUpdate: sortAsc === 'updated_at', fromMs, toMs };
}

/** The item-prices API over the records: API-key auth, keyset-paged listing, one item by id. */
class BillingApi {
  /** Set once the server listens: the faults in force. */
  mutateWhilePaging: () => number = () => 0;

  constructor(
    private readonly records: BillingRecords,
    readonly apiKey: string,
  ) {}

  handle(call: Call): Reply {
    if (call.path !== BILLING_ITEM_PRICES_PATH && !call.path.startsWith(`${BILLING_ITEM_PRICES_PATH}/`)) return notFound();
    const denied = this.authenticate(call);
    if (denied) return denied;
    if (call.method !== 'GET') return errorBody(405, 'invalid_request', `HTTP method ${call.method} is not supported here`, 'invalid_request');
    if (call.path === BILLING_ITEM_PRICES_PATH) return this.list(call);
    return this.getOne(decodeURIComponent(call.path.slice(BILLING_ITEM_PRICES_PATH.length + 1)));
  }

  private authenticate(call: Call): Reply | undefined {
    const basic = bearer(call.headers, 'Basic');
    const user = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined;
    if (user === this.apiKey) return undefined;
    return {
      ...errorBody(401, 'api_authentication_failed', 'Sorry, authentication failed. Invalid api key', 'authentication'),
      headers: { 'www-authenticate': 'Basic realm="chargebee"' },
    };
  }

  private getOne(id: string): Reply {
    const r = this.records.findById(id);
    if (!r || this.records.malformOf(r) === 'missing-id') return notFound();
    return { status: 200, body: this.records.itemJson(r) };
  }

  private list(call: Call): Reply {
    const params = call.url.searchParams;
    const parsed = parseListParams(params, call.url);
    if ('status' in parsed) return parsed;
    const { limit, byUpdate, fromMs, toMs } = parsed;
    const filteredByTime = fromMs !== -Infinity || toMs !== Infinity;
    const view = this.records.listingView(byUpdate, fromMs, toMs);

    const offsetRaw = params.get('offset');
    let start = view.lo;
    let remaining: number | undefined;
    if (offsetRaw !== null && offsetRaw !== '') {
      const pos = decodeOffset(offsetRaw);
      if (!pos) return invalid('offset', 'offset : The value is invalid.');
      remaining = pos.remaining;
      start = this.records.positionAfter(view, pos.sortValue, pos.seq);
    }

    const { truncateKeep } = this.records;
    const truncStarts = !filteredByTime && offsetRaw === null && truncateKeep !== undefined;
    if (truncStarts) remaining = truncateKeep;
    const body = this.page(view, start, limit, remaining);
    const mutations = this.mutateWhilePaging();
    return {
      status: 200,
      body,
      commit: () => {
        if (truncStarts) this.records.truncateKeep = undefined;
        if (offsetRaw !== null && mutations > 0) this.records.mutateWhilePaging(mutations);
      },
    };
  }

  /** Up to `limit` items from `start` (and no more than `remaining` of a truncated listing), with the next offset. */
  private page(view: ListingView, start: number, limit: number, remaining: number | undefined): string {
    const count = Math.max(0, Math.min(limit, view.hi - start, remaining ?? Infinity));
    const page = view.items.slice(start, start + count);
    const left = remaining === undefined ? undefined : remaining - count;
    const last = page[page.length - 1];
    const more = start + count < view.hi && (left === undefined || left > 0);
    const next = more && last ? encodeOffset(view.byUpdate ? last.updatedMs : last.createdMs, last.seq, left) : undefined;
    return `{"list":[${page.map((r) => this.records.itemJson(r)).join(',')}]${next ? `,"next_offset":${JSON.stringify(next)}` : ''}}`;
  }
}

export async function startBillingSimulator(o: BillingOptions = {}): Promise<RunningSimulator<BillingItemPrice>> {
  const seed = o.seed ?? 1;
  const records = new BillingRecords({ seed, currency: o.currency ?? 'SAR', catalogOf: o.catalogOf ?? 'billing', items: o.items ?? 200, malformedRate: o.faults?.malformedRate ?? 0 });
  const api = new BillingApi(records, o.apiKey ?? BILLING_DEFAULT_CREDENTIALS.apiKey);
  const { store } = records;
  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined) records.setMalformedRate(patch.malformedRate);
  };

  const core = await startHttpCore({
    system: 'billing',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle: (call) => api.handle(call),
    faultReplies: billingFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    // API keys do not expire; there is nothing to invalidate.
    expireTokens: () => undefined,
    counts: () => records.counts(),
    describe: () => ({ credentials: { apiKey: api.apiKey }, itemPricesPath: BILLING_ITEM_PRICES_PATH, maxLimit: MAX_LIMIT }),
  });
  api.mutateWhilePaging = () => core.faults.current.mutateWhilePaging;

  return { url: core.url, port: core.port, close: core.close, setFaults, store, stats: core.stats, expireTokens: () => undefined };
}
