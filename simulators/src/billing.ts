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
import {
  createCatalog,
  currencyInfo,
  entryName,
  expectedFromEntry,
  primaryPrice,
  type CatalogEntry,
  type MalformKind,
} from './catalog.js';
import { bearer, intParam, json, startHttpCore, type Call, type FaultReplies, type Reply } from './http.js';
import { itemStreams, stream } from './random.js';
import { QueryCache, SortedList } from './sorted.js';
import type { ExpectedProduct, FaultConfig, RunningSimulator, SimulatorOptions, SimulatorStore } from './types.js';

export const BILLING_ITEM_PRICES_PATH = '/api/v2/item_prices';
export const BILLING_DEFAULT_CREDENTIALS = { apiKey: 'test_LyraSimulatorBillingKey' };

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export interface BillingItemPrice {
  id?: string;
  name?: string;
  external_name?: string;
  item_family_id: string;
  item_id: string;
  description: string;
  status: 'active' | 'archived' | 'deleted';
  pricing_model: 'flat_fee' | 'per_unit';
  /** Integer minor units; a string only in malformed items. */
  price: number | string;
  currency_code: string;
  period?: number;
  period_unit?: 'day' | 'week' | 'month' | 'year';
  item_type: 'plan' | 'addon' | 'charge';
  free_quantity: number;
  channel: string;
  is_taxable: boolean;
  resource_version: number;
  updated_at: number;
  created_at: number;
  archived_at?: number;
  show_description_in_invoices: boolean;
  show_description_in_quotes: boolean;
  metadata: Record<string, string | number>;
  object: 'item_price';
}

export interface BillingOptions extends SimulatorOptions {
  apiKey?: string;
}

interface ItemRec {
  seq: number;
  createdMs: number;
  updatedMs: number;
  /** Deleted before the simulator started, or by store.remove(). */
  deleted: boolean;
  /** Frozen at first materialization: Chargebee ids never change when an item is renamed. */
  id?: string;
  entry?: CatalogEntry;
  json?: { epoch: number; text: string };
}

const errorBody = (status: number, apiErrorCode: string, message: string, type?: string, param?: string) =>
  json(status, { message, ...(type ? { type } : {}), api_error_code: apiErrorCode, ...(param ? { param } : {}), error_code: apiErrorCode, http_status_code: status });

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

const slug = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

const PERIOD_LABEL: Record<string, string> = { 'day:1': 'Daily', 'week:1': 'Weekly', 'month:1': 'Monthly', 'month:3': 'Every-3-months', 'year:1': 'Yearly' };

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

export async function startBillingSimulator(o: BillingOptions = {}): Promise<RunningSimulator<BillingItemPrice>> {
  const seed = o.seed ?? 1;
  const currency = o.currency ?? 'SAR';
  currencyInfo(currency);
  const apiKey = o.apiKey ?? BILLING_DEFAULT_CREDENTIALS.apiKey;
  const catalog = createCatalog(seed, o.catalogOf ?? 'billing', currency);
  const recStreams = itemStreams(seed, 'billing:records');
  const mutationRng = stream(seed, 'billing:mutations');
  let malformedRate = o.faults?.malformedRate ?? 0;
  let renderEpoch = 0;
  let dataVersion = 0;
  let lastStamp = 0;

  const makeRec = (seq: number, createdMs?: number): ItemRec => {
    const rng = recStreams(seq);
    const created = createdMs ?? catalog.createdMs(seq);
    const edited = createdMs !== undefined || rng() < 0.5 ? 0 : Math.floor(rng() * 90 * 86_400_000);
    // About 1% were deleted before we started: a client must not create them.
    return { seq, createdMs: created, updatedMs: created + edited, deleted: createdMs === undefined && rng() < 0.01 };
  };

  // Items are never removed (deleted ones keep a status), so position in this array = seq.
  const recs: ItemRec[] = [];
  for (let seq = 0, count = o.items ?? 200; seq < count; seq++) {
    const r = makeRec(seq);
    recs.push(r);
    lastStamp = Math.max(lastStamp, r.updatedMs);
  }
  const byUpdated = new SortedList<ItemRec>((a, b) => a.updatedMs - b.updatedMs || a.seq - b.seq, () => recs);
  const filtered = new QueryCache<ItemRec[]>();

  const nextStamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return lastStamp;
  };

  const entryOf = (r: ItemRec): CatalogEntry => {
    if (!r.entry) {
      const e = catalog.make(r.seq);
      const p = primaryPrice(e);
      const period = p.kind === 'recurring' ? `-${PERIOD_LABEL[`${p.period}:${p.periodLength ?? 1}`] ?? 'Monthly'}` : '';
      r.id = `${slug(entryName(e))}-${String(r.seq).padStart(6, '0')}-${currency}${period}`;
      r.entry = e;
    }
    return r.entry;
  };
  const idOf = (r: ItemRec): string => {
    entryOf(r);
    return r.id as string;
  };

  const malformOf = (r: ItemRec): MalformKind | undefined => {
    if (malformedRate === 0) return undefined;
    const m = catalog.malformation(r.seq);
    return m.u < malformedRate ? m.kind : undefined;
  };

  const statusOf = (r: ItemRec): BillingItemPrice['status'] => {
    if (r.deleted) return 'deleted';
    const l = entryOf(r).lifecycle;
    return l === 'Launched' || l === 'Active' ? 'active' : 'archived';
  };

  const renderItem = (r: ItemRec): BillingItemPrice => {
    const e = entryOf(r);
    const m = malformOf(r);
    const p = primaryPrice(e);
    const status = statusOf(r);
    const itemType: BillingItemPrice['item_type'] = p.kind === 'oneTime' ? 'charge' : e.productType === 'bundle' || e.productType === 'device' ? 'plan' : 'addon';
    const metadata: Record<string, string | number> = { product_type: e.productType, category: e.family };
    const f = e.features;
    const amount = (n: number) => (n === -1 ? 'unlimited' : n);
    if (f.data_gb !== undefined) metadata.data_gb = amount(f.data_gb);
    if (f.voice_minutes !== undefined) metadata.voice_minutes = amount(f.voice_minutes);
    if (f.sms !== undefined) metadata.sms = amount(f.sms);
    const upfront = e.prices.find((x) => x.kind === 'oneTime');
    if (e.productType === 'device' && p.kind === 'recurring' && upfront) metadata.upfront_price = upfront.minor;
    const name = entryName(e);
    const item: BillingItemPrice = {
      id: idOf(r),
      name,
      external_name: name,
      item_family_id: 'mobile-catalog',
      item_id: idOf(r).replace(/-[A-Z]{3}(-[A-Za-z0-9-]+)?$/, ''),
      description: e.description,
      status,
      pricing_model: e.family === 'Add-ons' ? 'per_unit' : 'flat_fee',
      price: m === 'bad-price' ? 'N/A' : p.minor,
      currency_code: m === 'bad-currency' ? 'XXX' : currency,
      ...(p.kind === 'recurring' ? { period: p.periodLength ?? 1, period_unit: p.period ?? 'month' } : {}),
      item_type: itemType,
      free_quantity: 0,
      channel: 'web',
      is_taxable: true,
      resource_version: r.updatedMs,
      updated_at: Math.floor(r.updatedMs / 1000),
      created_at: Math.floor(r.createdMs / 1000),
      ...(status === 'archived' ? { archived_at: Math.floor(r.updatedMs / 1000) } : {}),
      show_description_in_invoices: false,
      show_description_in_quotes: false,
      metadata,
      object: 'item_price',
    };
    if (m === 'missing-id') delete item.id;
    if (m === 'missing-name') {
      delete item.name;
      delete item.external_name;
    }
    return item;
  };

  const itemJson = (r: ItemRec): string => {
    if (r.json?.epoch !== renderEpoch) r.json = { epoch: renderEpoch, text: `{"item_price":${JSON.stringify(renderItem(r))}}` };
    return r.json.text;
  };

  // -------------------------------------------------------------------------------------------
  // Store

  const isValid = (r: ItemRec) => !r.deleted && malformOf(r) === undefined;

  const pickValid = (n: number): ItemRec[] => {
    const chosen = new Set<ItemRec>();
    for (let attempts = 0; chosen.size < n && attempts < n * 20 + 100 && recs.length > 0; attempts++) {
      const r = recs[Math.floor(mutationRng() * recs.length)];
      if (r && isValid(r)) chosen.add(r);
    }
    return [...chosen];
  };

  const bump = (r: ItemRec) => {
    byUpdated.remove(r);
    r.updatedMs = nextStamp();
    byUpdated.insert(r);
    delete r.json;
    dataVersion += 1;
  };

  const changeItems = (items: ItemRec[]) => {
    for (const r of items) {
      catalog.mutate(entryOf(r), mutationRng);
      bump(r);
    }
    return items.map(idOf);
  };

  const removeItems = (items: ItemRec[]) => {
    for (const r of items) {
      r.deleted = true;
      bump(r);
    }
    return items.map(idOf);
  };

  const addItems = (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = makeRec(recs.length, nextStamp());
      recs.push(r);
      byUpdated.insert(r);
      dataVersion += 1;
      if (malformOf(r) !== 'missing-id') ids.push(idOf(r));
    }
    return ids;
  };

  let truncateKeep: number | undefined;

  const store: SimulatorStore<BillingItemPrice> = {
    all: () => recs.map(renderItem),
    validIds: () => recs.filter(isValid).map(idOf),
    malformedIds: () => recs.filter((r) => { const m = malformOf(r); return m !== undefined && m !== 'missing-id'; }).map(idOf),
    change: (n) => changeItems(pickValid(n)),
    remove: (n) => removeItems(pickValid(n)),
    add: (n) => addItems(n),
    truncateNextListing: (keep) => {
      truncateKeep = Math.max(0, Math.floor(keep));
    },
    expected: (id): ExpectedProduct | undefined => {
      const r = findById(id);
      if (!r || !isValid(r)) return undefined;
      return expectedFromEntry(entryOf(r), idOf(r), currency, statusOf(r) === 'active');
    },
  };

  /** The seq is part of every id, so a lookup needs no id index. */
  function findById(id: string): ItemRec | undefined {
    const m = /-(\d{6,})-[A-Z]{3}(?:-[A-Za-z0-9-]+)?$/.exec(id);
    const r = m ? recs[Number(m[1])] : undefined;
    return r && idOf(r) === id ? r : undefined;
  }

  const mutateWhilePaging = (n: number) => {
    for (let i = 0; i < n; i++) {
      const u = mutationRng();
      if (u < 0.6) changeItems(pickValid(1));
      else if (u < 0.8) removeItems(pickValid(1));
      else addItems(1);
    }
  };

  // -------------------------------------------------------------------------------------------
  // HTTP

  const invalid = (param: string, message: string) => errorBody(400, 'invalid_request', message, 'invalid_request', param);

  const list = (call: Call): Reply => {
    const params = call.url.searchParams;
    const limit = intParam(call.url, 'limit') ?? DEFAULT_LIMIT;
    if (Number.isNaN(limit) || limit < 1 || limit > MAX_LIMIT) return invalid('limit', `limit : The value ${params.get('limit')} is invalid. It should be between 1 and ${MAX_LIMIT}.`);
    const sortAsc = params.get('sort_by[asc]');
    if (params.has('sort_by[desc]')) return invalid('sort_by[desc]', 'sort_by[desc] : descending order is not supported');
    if (sortAsc !== null && sortAsc !== 'updated_at' && sortAsc !== 'created_at') return invalid('sort_by[asc]', `sort_by[asc] : The value ${sortAsc} is invalid. Allowed values are [updated_at, created_at].`);
    const byUpdate = sortAsc === 'updated_at';

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
    const filteredByTime = fromMs !== -Infinity || toMs !== Infinity;

    let view: readonly ItemRec[];
    let lo = 0;
    let hi: number;
    if (byUpdate) {
      view = byUpdated.items;
      lo = filteredByTime ? byUpdated.lowerBound((r) => (r.updatedMs < fromMs ? -1 : 0)) : 0;
      hi = filteredByTime ? Math.max(lo, byUpdated.lowerBound((r) => (r.updatedMs < toMs ? -1 : 0))) : view.length;
    } else if (filteredByTime) {
      view = filtered.get(`${fromMs}:${toMs}`, dataVersion, () => {
        const from = byUpdated.lowerBound((r) => (r.updatedMs < fromMs ? -1 : 0));
        const to = byUpdated.lowerBound((r) => (r.updatedMs < toMs ? -1 : 0));
        return byUpdated.items.slice(from, Math.max(from, to)).sort((a, b) => a.seq - b.seq);
      });
      hi = view.length;
    } else {
      view = recs;
      hi = recs.length;
    }

    const offsetRaw = params.get('offset');
    let start = lo;
    let remaining: number | undefined;
    if (offsetRaw !== null && offsetRaw !== '') {
      const pos = decodeOffset(offsetRaw);
      if (!pos) return invalid('offset', 'offset : The value is invalid.');
      remaining = pos.remaining;
      // Keyset: the first item strictly after the last one served, so deletes never shift pages.
      if (byUpdate) {
        start = Math.max(lo, byUpdated.lowerBound((r) => (r.updatedMs < pos.sortValue || (r.updatedMs === pos.sortValue && r.seq <= pos.seq) ? -1 : 0)));
      } else if (view === recs) {
        start = pos.seq + 1;
      } else {
        let a = lo;
        let b = hi;
        while (a < b) {
          const mid = (a + b) >>> 1;
          if ((view[mid] as ItemRec).seq <= pos.seq) a = mid + 1;
          else b = mid;
        }
        start = a;
      }
    }

    const full = !filteredByTime && offsetRaw === null;
    const truncStarts = full && truncateKeep !== undefined;
    if (truncStarts) remaining = truncateKeep;
    const count = Math.max(0, Math.min(limit, hi - start, remaining ?? Infinity));
    const page = view.slice(start, start + count);
    const left = remaining === undefined ? undefined : remaining - count;
    const last = page[page.length - 1];
    const more = start + count < hi && (left === undefined || left > 0);
    const next = more && last ? encodeOffset(byUpdate ? last.updatedMs : last.createdMs, last.seq, left) : undefined;
    const body = `{"list":[${page.map(itemJson).join(',')}]${next ? `,"next_offset":${JSON.stringify(next)}` : ''}}`;
    const mutations = core.faults.current.mutateWhilePaging;
    return {
      status: 200,
      body,
      commit: () => {
        if (truncStarts) truncateKeep = undefined;
        if (offsetRaw !== null && mutations > 0) mutateWhilePaging(mutations);
      },
    };
  };

  const authenticate = (call: Call): Reply | undefined => {
    const basic = bearer(call.headers, 'Basic');
    const user = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined;
    if (user === apiKey) return undefined;
    return {
      ...errorBody(401, 'api_authentication_failed', 'Sorry, authentication failed. Invalid api key', 'authentication'),
      headers: { 'www-authenticate': 'Basic realm="chargebee"' },
    };
  };

  const handle = (call: Call): Reply => {
    if (call.path !== BILLING_ITEM_PRICES_PATH && !call.path.startsWith(`${BILLING_ITEM_PRICES_PATH}/`)) {
      return errorBody(404, 'resource_not_found', 'Sorry, we couldn\'t find that resource', 'invalid_request');
    }
    const denied = authenticate(call);
    if (denied) return denied;
    if (call.method !== 'GET') return errorBody(405, 'invalid_request', `HTTP method ${call.method} is not supported here`, 'invalid_request');
    if (call.path === BILLING_ITEM_PRICES_PATH) return list(call);
    const id = decodeURIComponent(call.path.slice(BILLING_ITEM_PRICES_PATH.length + 1));
    const r = findById(id);
    if (!r || malformOf(r) === 'missing-id') return errorBody(404, 'resource_not_found', `Sorry, we couldn't find that resource`, 'invalid_request');
    return { status: 200, body: itemJson(r) };
  };

  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined && patch.malformedRate !== malformedRate) {
      malformedRate = patch.malformedRate;
      renderEpoch += 1;
    }
  };

  const core = await startHttpCore({
    system: 'billing',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle,
    faultReplies: billingFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    // API keys do not expire; there is nothing to invalidate.
    expireTokens: () => undefined,
    counts: () => {
      let valid = 0;
      let malformed = 0;
      for (const r of recs) {
        if (malformOf(r) !== undefined) malformed++;
        else if (!r.deleted) valid++;
      }
      return { items: recs.length, valid, malformed };
    },
    describe: () => ({ credentials: { apiKey }, itemPricesPath: BILLING_ITEM_PRICES_PATH, maxLimit: MAX_LIMIT }),
  });

  return { url: core.url, port: core.port, close: core.close, setFaults, store, stats: core.stats, expireTokens: () => undefined };
}
