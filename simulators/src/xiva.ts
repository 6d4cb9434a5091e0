/**
 * Fake Xiva BSS: TMF620 Product Catalog Management v5 and v4 behind Django-style JWT auth.
 *
 * Raw offering -> ExpectedProduct (the ground truth of store.expected(id)):
 * - external_product_id = `id` (a UUID). Offerings without `id` are malformed.
 * - name                = `name`.
 * - The price that counts is the FIRST entry of `productOfferingPrice` whose `priceType` is
 *   "recurring"; if there is none, the first "oneTime" entry. Device instalment offers list
 *   the one-time upfront payment first and the monthly instalment second: the instalment wins.
 *   Plans may list a one-time "SIM activation fee" before the monthly fee: the fee loses.
 *   - Embedded price (v5, and v4 in 'embedded'/'mixed' styles): a TMF ProductPriceValue,
 *     `price.taxIncludedAmount {unit, value}`; value is a JSON float.
 *   - Referenced price (v4 default, some items in 'mixed'): the entry is `{id, href, name}`;
 *     GET productOfferingPrice/{id} returns the TMF620 ProductOfferingPrice entity whose
 *     `price` is a Money `{unit, value}` that is tax included (its `tax[]` item shows the VAT part).
 *   price    = that tax-included value as an exact decimal with the currency's minor units
 *              (49.99 SAR -> "49.99", 49 SAR -> "49.00", 1.25 KWD -> "1.250", 1980 JPY -> "1980").
 *   currency = that amount's `unit`.
 * - recurring = priceType is "recurring". billing_cycle from the period type
 *   (v5 `recurringChargePeriodType`, v4 embedded `recurringChargePeriod`) and
 *   `recurringChargePeriodLength`: day/1 daily, week/1 weekly, month/1 monthly,
 *   month/3 quarterly, year/1 yearly; oneTime -> one_time.
 * - product_type = the `productType` characteristic's value (voice|data|sms|bundle|device|
 *   service|addon). It always agrees with the category name: Postpaid Plans and Prepaid Plans
 *   -> bundle, Data Bundles -> data, Voice Packs -> voice, SMS Packs -> sms, Roaming -> addon,
 *   Devices -> device, Value Added Services -> service, Add-ons -> addon.
 * - features: allowances are either in `prodSpecCharValueUse` (name dataAllowance /
 *   voiceAllowance / smsAllowance, one `productSpecCharacteristicValue` with `value` and
 *   `unitOfMeasure` GB|MB, min, SMS) or in `characteristic` with a single text value
 *   ("100 GB", "512 MB", "300 min", "100 SMS"). Never both for one offering.
 *   data_gb = GB value, or MB / 1024 (512 MB -> 0.5). "Unlimited" -> -1 for any allowance.
 *   Absent allowance -> key absent.
 * - is_active = lifecycleStatus is "Launched" or "Active" (In Design, In Test, Retired -> false;
 *   such offerings are still present and belong in validIds()).
 * Malformed offerings (malformedRate): no `id` (and no href), no `name`, price value a string
 * like "SAR 49.99", or currency "XXX" — applied to every price of that offering, embedded or not.
 */
import {
  FAMILIES,
  createCatalog,
  currencyInfo,
  dutyFreeMinor,
  entryName,
  expectedFromEntry,
  formatMinor,
  lifecycleIsActive,
  minorToFloat,
  type CatalogEntry,
  type CatalogPrice,
  type Family,
  type MalformKind,
} from './catalog.js';
import { bearer, intParam, json, startHttpCore, type Call, type FaultReplies, type Reply } from './http.js';
import { JwtIssuer } from './jwt.js';
import { formatUuid, itemStreams, stream, uuidOrderKey, uuidWords, type Rng } from './random.js';
import { QueryCache, SortedList, compareStrings } from './sorted.js';
import type { ExpectedProduct, FaultConfig, RunningSimulator, SimulatorOptions, SimulatorStore } from './types.js';

export const XIVA_V5_BASE = '/api/productCatalogManagement/v5/';
export const XIVA_V4_BASE = '/api/tmf-api/productCatalogManagement/v4/';
export const XIVA_AUTH_BASE = '/api/auth/jwt/';
export const XIVA_DEFAULT_CREDENTIALS = { email: 'lyra@operator.example', password: 'xiva-secret' };

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const BARE_PAGE = 50;
const REFRESH_TTL_SECONDS = 86_400;

export interface XivaOptions extends SimulatorOptions {
  apiVersion?: 'v4' | 'v5' | 'both';
  priceStyle?: 'embedded' | 'referenced' | 'mixed';
  pagingStyle?: 'tmf' | 'bare-capped';
  /** Shorthand kept for older callers: false = lastUpdateFilter 'none'. */
  supportsLastUpdateFilter?: boolean;
  /**
   * Which lastUpdate lower-bound operators the list honours: 'both' (default), only 'gt' or
   * only 'gte' (the other is ignored, as Django filter backends ignore unknown parameters), or
   * 'none'. Upper bounds (.lt/.lte) work whenever any form does.
   */
  lastUpdateFilter?: 'both' | 'gt' | 'gte' | 'none';
  /**
   * What X-Total-Count says on lists ('tmf' paging only; TMF630 calls it a hint): 'exact'
   * (default); 'stale', a cached count, `staleCountShare` of the real number (below 1: items were
   * added since, above 1: items were deleted since); 'page-size', the page size, as some servers
   * send; 'none', no count headers at all (nor X-Result-Count).
   */
  totalCount?: 'exact' | 'stale' | 'page-size' | 'none';
  /** Share of the real count a 'stale' count shows, default 0.5. */
  staleCountShare?: number;
  /** Send `Link: <...offset=...>; rel="next"` on pages that have a next one (default false). */
  linkNext?: boolean;
  /** 206 on a page that is not the whole result (default), or 200 on every page. */
  partialStatus?: 206 | 200;
  email?: string;
  password?: string;
}

export interface TmfMoney {
  unit: string;
  /** A JSON float; a string only in malformed offerings. */
  value: number | string;
}

export interface TmfRef {
  id: string;
  href?: string;
  name: string;
}

export interface XivaEmbeddedPrice {
  id: string;
  href: string;
  name: string;
  priceType: 'recurring' | 'oneTime';
  /** v5. */
  recurringChargePeriodType?: string;
  /** v4.1 ProductOfferingPriceRefOrValue. */
  recurringChargePeriod?: string;
  recurringChargePeriodLength: number;
  price: { taxIncludedAmount: TmfMoney; dutyFreeAmount: TmfMoney; taxRate: number };
  '@type': 'ProductOfferingPrice';
}

export interface XivaPriceRef {
  id: string;
  href: string;
  name: string;
  '@referredType': 'ProductOfferingPrice';
}

export interface XivaProductOfferingPrice {
  id: string;
  href: string;
  name: string;
  description: string;
  version: string;
  lastUpdate: string;
  lifecycleStatus: string;
  isBundle: false;
  priceType: 'recurring' | 'oneTime';
  recurringChargePeriodType?: string;
  recurringChargePeriodLength: number;
  price: TmfMoney;
  tax: Array<{ taxCategory: string; taxRate: number; taxAmount: TmfMoney }>;
  validFor: { startDateTime: string };
  '@type': 'ProductOfferingPrice';
}

export interface XivaCharValueUse {
  name: string;
  valueType: string;
  productSpecCharacteristicValue: Array<{ value: string; unitOfMeasure: string; isDefault: boolean; valueType: string }>;
}

export interface XivaOffering {
  id?: string;
  href?: string;
  name?: string;
  description: string;
  version: string;
  lastUpdate: string;
  lifecycleStatus: string;
  isBundle: boolean;
  isSellable: boolean;
  validFor: { startDateTime: string; endDateTime?: string };
  category: TmfRef[];
  productSpecification: TmfRef;
  marketSegment: TmfRef[];
  channel: TmfRef[];
  characteristic: Array<{ name: string; value: string; valueType: string }>;
  prodSpecCharValueUse?: XivaCharValueUse[];
  productOfferingPrice: Array<XivaEmbeddedPrice | XivaPriceRef>;
  '@type': 'ProductOffering';
}

type ApiVersion = 'v4' | 'v5';

/**
 * Only the id and lastUpdate of every offering are built at start; everything else is derived
 * from the index on first use, so 100,000 offerings start in a fraction of a second.
 */
interface OfferingRec {
  index: number;
  /** First word and order-relevant part of the second word of the UUID: sort keys without strings. */
  k1: number;
  k2: number;
  /** The UUID text, derived from the index on first use. */
  key?: string;
  lastUpdateMs: number;
  entry?: CatalogEntry;
  look?: Look;
  priceCount?: number;
  json?: { epoch: number; v4?: string; v5?: string };
  /** Serialized prices, by price number (1-based) then version. */
  priceJson?: { epoch: number; byKey: Map<string, string> };
}

interface Look {
  /** Half the offerings show lastUpdate in +03:00 (Riyadh) instead of Z: clients must parse offsets. */
  plusThree: boolean;
  allowancesAsCharacteristic: boolean;
  /** Used by priceStyle 'mixed'. */
  embedInMixed: boolean;
}

const slug = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function rfc3339(ms: number, plusThree: boolean): string {
  if (!plusThree) return new Date(ms).toISOString();
  return new Date(ms + 3 * 3_600_000).toISOString().replace('Z', '+03:00');
}

/** Parses a filter instant; naive timestamps are taken as UTC, '+' decoded to a space is restored. */
function parseInstant(raw: string): number {
  let s = raw.trim().replace(/ (\d\d:?\d\d)$/, '+$1');
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(s)) s += 'Z';
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(s)) return Number.NaN;
  return Date.parse(s);
}

function tmfError(status: number, reason: string, message: string): Reply {
  return json(status, { code: String(status), reason, message, status: String(status), '@type': 'Error' });
}

const nginxPage = (status: number, text: string) =>
  `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

const xivaFaultReplies: FaultReplies = {
  rateLimited: (retryAfter) => ({
    ...json(429, { detail: `Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.` }),
    headers: { 'retry-after': String(retryAfter) },
  }),
  serverError: (status, retryAfter) => {
    if (status === 500) return tmfError(500, 'Internal Server Error', 'An unexpected error occurred while processing the request');
    // 502/503 come from the reverse proxy in front of Django: HTML, not JSON.
    const text = status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable';
    return {
      status,
      body: nginxPage(status, text),
      contentType: 'text/html',
      headers: status === 503 ? { 'retry-after': String(retryAfter) } : {},
    };
  },
};

interface ListQuery {
  offset: number;
  limit: number;
  fields?: string[];
  sort: 'id' | 'lastUpdate';
  range?: { lo?: { ms: number; inclusive: boolean }; hi?: { ms: number; inclusive: boolean }; key: string };
}

type FilterSupport = 'both' | 'gt' | 'gte' | 'none';

function parseListQuery(url: URL, filter: FilterSupport): ListQuery | Reply {
  const offset = intParam(url, 'offset') ?? 0;
  const limit = intParam(url, 'limit') ?? DEFAULT_LIMIT;
  if (Number.isNaN(offset)) return tmfError(400, 'Bad Request', 'offset must be a non-negative integer');
  if (Number.isNaN(limit) || limit < 1) return tmfError(400, 'Bad Request', 'limit must be a positive integer');
  const rawSort = (url.searchParams.get('sort') ?? 'id').trim().replace(/^\+/, '');
  if (rawSort !== 'id' && rawSort !== 'lastUpdate') return tmfError(400, 'Bad Request', `sort=${rawSort} is not supported; use id or lastUpdate`);
  const fieldsRaw = url.searchParams.get('fields');
  const q: ListQuery = { offset, limit: Math.min(limit, MAX_LIMIT), sort: rawSort };
  if (fieldsRaw) q.fields = fieldsRaw.split(',').map((f) => f.trim()).filter(Boolean);
  if (filter === 'none') return q;
  const range: NonNullable<ListQuery['range']> = { key: '' };
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    // A lower-bound form the server does not know is ignored, not refused.
    if ((op === 'gt' && filter === 'gte') || (op === 'gte' && filter === 'gt')) continue;
    const raw = url.searchParams.get(`lastUpdate.${op}`);
    if (raw === null) continue;
    const ms = parseInstant(raw);
    if (Number.isNaN(ms)) return tmfError(400, 'Bad Request', `lastUpdate.${op} must be an RFC 3339 date-time`);
    if (op === 'gt' || op === 'gte') range.lo = { ms, inclusive: op === 'gte' };
    else range.hi = { ms, inclusive: op === 'lte' };
    range.key += `${op}=${ms};`;
  }
  if (range.key) q.range = range;
  return q;
}

function project<T extends object>(obj: T, fields: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  for (const f of ['id', 'href', ...fields]) if (f in src) out[f] = src[f];
  return out as Partial<T>;
}

/** How the server describes and filters its lists; changeable while it runs (setServerStyle). */
export type XivaServerStyle = Required<Pick<XivaOptions, 'lastUpdateFilter' | 'totalCount' | 'staleCountShare' | 'linkNext' | 'partialStatus'>>;

export interface RunningXivaSimulator extends RunningSimulator<XivaOffering> {
  /** Switches list behaviour from the next request on: a server upgraded or misconfigured between two syncs. */
  setServerStyle(patch: Partial<XivaServerStyle>): void;
}

export async function startXivaSimulator(o: XivaOptions = {}): Promise<RunningXivaSimulator> {
  const seed = o.seed ?? 1;
  const currency = o.currency ?? 'SAR';
  const { vatPercent } = currencyInfo(currency);
  const apiVersion = o.apiVersion ?? 'both';
  const pagingStyle = o.pagingStyle ?? 'tmf';
  const style: XivaServerStyle = {
    lastUpdateFilter: o.lastUpdateFilter ?? (o.supportsLastUpdateFilter === false ? 'none' : 'both'),
    totalCount: o.totalCount ?? 'exact',
    staleCountShare: o.staleCountShare ?? 0.5,
    linkNext: o.linkNext ?? false,
    partialStatus: o.partialStatus ?? 206,
  };
  const credentials = { email: o.email ?? XIVA_DEFAULT_CREDENTIALS.email, password: o.password ?? XIVA_DEFAULT_CREDENTIALS.password };
  const accessTtl = o.tokenTtlSeconds ?? 7200;
  const catalog = createCatalog(seed, o.catalogOf ?? 'xiva', currency);
  const mutationRng = stream(seed, 'xiva:mutations');
  const idStreams = itemStreams(seed, 'xiva:ids');
  const lookStreams = itemStreams(seed, 'xiva:look');
  const jwt = new JwtIssuer();
  let tokenGeneration = 0;
  let malformedRate = o.faults?.malformedRate ?? 0;
  /** Bumped when malformedRate changes: every cached rendering becomes stale at once. */
  let renderEpoch = 0;
  /** Bumped on every data change: keys the cache of filtered listings. */
  let dataVersion = 0;
  let origin = '';

  const filtered = new QueryCache<OfferingRec[]>();
  let nextIndex = 0;
  let lastStamp = 0;

  const nextStamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return lastStamp;
  };

  const makeRec = (index: number, lastUpdateMs?: number): OfferingRec => {
    const idRng = idStreams(index);
    const [w1, w2] = uuidWords(idRng);
    // Half the offerings were never edited after creation, which keeps the bulk-load ties.
    const editedAfterDays = idRng() < 0.5 ? 0 : Math.floor(idRng() * 90);
    return { index, k1: w1, k2: uuidOrderKey(w2), lastUpdateMs: lastUpdateMs ?? catalog.createdMs(index) + editedAfterDays * 86_400_000 };
  };

  /** Same draws as makeRec, so the text matches k1/k2. */
  const keyOf = (rec: OfferingRec): string => (rec.key ??= formatUuid(uuidWords(idStreams(rec.index))));
  /** Price ids embed the offering id (pop-<n>-<offering id>), so a price is found without a second index. */
  const popId = (rec: OfferingRec, n: number) => `pop-${n}-${keyOf(rec)}`;
  const cmpId = (a: OfferingRec, b: OfferingRec) => a.k1 - b.k1 || a.k2 - b.k2 || compareStrings(keyOf(a), keyOf(b));

  const lookOf = (rec: OfferingRec): Look => {
    if (rec.look) return rec.look;
    const rng = lookStreams(rec.index);
    return (rec.look = { plusThree: rng() < 0.5, allowancesAsCharacteristic: rng() < 0.3, embedInMixed: rng() < 0.5 });
  };

  const pricesOf = (rec: OfferingRec): number => (rec.priceCount ??= catalog.priceCount(rec.index));

  const initial: OfferingRec[] = [];
  for (const count = o.items ?? 200; nextIndex < count; nextIndex++) {
    const r = makeRec(nextIndex);
    initial.push(r);
    lastStamp = Math.max(lastStamp, r.lastUpdateMs);
  }
  const byId = new SortedList<OfferingRec>(cmpId, initial);
  const byUpdate = new SortedList<OfferingRec>((a, b) => a.lastUpdateMs - b.lastUpdateMs || cmpId(a, b), () => byId.items);

  /** Finds an offering by UUID text with a binary search on its first word: no string index needed. */
  const findByKey = (id: string): OfferingRec | undefined => {
    if (!/^[0-9a-f]{8}-/.test(id)) return undefined;
    const k1 = parseInt(id.slice(0, 8), 16);
    for (let i = byId.lowerBound((r) => r.k1 - k1); i < byId.length; i++) {
      const r = byId.items[i] as OfferingRec;
      if (r.k1 !== k1) break;
      if (keyOf(r) === id) return r;
    }
    return undefined;
  };

  const entryOf = (rec: OfferingRec): CatalogEntry => (rec.entry ??= catalog.make(rec.index));

  const malformOf = (rec: OfferingRec): MalformKind | undefined => {
    if (malformedRate === 0) return undefined;
    const m = catalog.malformation(rec.index);
    return m.u < malformedRate ? m.kind : undefined;
  };

  // -------------------------------------------------------------------------------------------
  // Rendering

  const base = (v: ApiVersion) => `${origin}${v === 'v5' ? XIVA_V5_BASE : XIVA_V4_BASE}`;

  const embedded = (v: ApiVersion, rec: OfferingRec): boolean => {
    const style = o.priceStyle ?? (v === 'v5' ? 'embedded' : 'referenced');
    return style === 'embedded' || (style === 'mixed' && lookOf(rec).embedInMixed);
  };

  const money = (minor: number, m: MalformKind | undefined): TmfMoney => ({
    unit: m === 'bad-currency' ? 'XXX' : currency,
    // A display string, not a number: rejected by Number() and parseFloat() alike.
    value: m === 'bad-price' ? `${currency} ${formatMinor(minor, currency)}` : minorToFloat(minor, currency),
  });

  const period = (p: CatalogPrice) => (p.kind === 'recurring' ? (p.period ?? 'month') : undefined);

  const renderEmbeddedPrice = (v: ApiVersion, rec: OfferingRec, n: number, p: CatalogPrice, m: MalformKind | undefined): XivaEmbeddedPrice => {
    const per = period(p);
    return {
      id: popId(rec, n),
      href: `${base(v)}productOfferingPrice/${popId(rec, n)}`,
      name: p.label,
      priceType: p.kind,
      ...(per ? (v === 'v5' ? { recurringChargePeriodType: per } : { recurringChargePeriod: per }) : {}),
      recurringChargePeriodLength: p.kind === 'recurring' ? (p.periodLength ?? 1) : 0,
      price: {
        taxIncludedAmount: money(p.minor, m),
        dutyFreeAmount: money(dutyFreeMinor(p.minor, currency), m),
        taxRate: vatPercent,
      },
      '@type': 'ProductOfferingPrice',
    };
  };

  const renderPop = (v: ApiVersion, rec: OfferingRec, n: number): XivaProductOfferingPrice => {
    const e = entryOf(rec);
    const p = e.prices[n - 1] as CatalogPrice;
    const m = malformOf(rec);
    const dutyFree = dutyFreeMinor(p.minor, currency);
    const per = period(p);
    return {
      id: popId(rec, n),
      href: `${base(v)}productOfferingPrice/${popId(rec, n)}`,
      name: p.label,
      description: `${p.label} of ${entryName(e)}, VAT included`,
      version: `1.${e.revision}`,
      lastUpdate: rfc3339(rec.lastUpdateMs, lookOf(rec).plusThree),
      lifecycleStatus: e.lifecycle,
      isBundle: false,
      priceType: p.kind,
      ...(per ? { recurringChargePeriodType: per } : {}),
      recurringChargePeriodLength: p.kind === 'recurring' ? (p.periodLength ?? 1) : 0,
      price: money(p.minor, m),
      tax: [{ taxCategory: 'VAT', taxRate: vatPercent, taxAmount: money(p.minor - dutyFree, m) }],
      validFor: { startDateTime: new Date(e.createdMs).toISOString() },
      '@type': 'ProductOfferingPrice',
    };
  };

  const familyRef = (v: ApiVersion, f: Family): TmfRef => ({ id: `cat-${slug(f)}`, href: `${base(v)}category/cat-${slug(f)}`, name: f });
  const specRef = (v: ApiVersion, f: Family): TmfRef => ({ id: `ps-${slug(f)}`, href: `${base(v)}productSpecification/ps-${slug(f)}`, name: `${f} Specification` });

  const allowanceParts = (e: CatalogEntry): Array<{ name: string; value: string; unit: string }> => {
    const parts: Array<{ name: string; value: string; unit: string }> = [];
    const f = e.features;
    const num = (n: number) => (n === -1 ? 'Unlimited' : String(n));
    if (f.data_gb !== undefined) {
      const mb = e.dataInMb && f.data_gb !== -1;
      parts.push({ name: 'dataAllowance', value: mb ? String(f.data_gb * 1024) : num(f.data_gb), unit: mb ? 'MB' : 'GB' });
    }
    if (f.voice_minutes !== undefined) parts.push({ name: 'voiceAllowance', value: num(f.voice_minutes), unit: 'min' });
    if (f.sms !== undefined) parts.push({ name: 'smsAllowance', value: num(f.sms), unit: 'SMS' });
    return parts;
  };

  const renderOffering = (v: ApiVersion, rec: OfferingRec): XivaOffering => {
    const e = entryOf(rec);
    const m = malformOf(rec);
    const allowances = allowanceParts(e);
    const characteristic: XivaOffering['characteristic'] = [
      { name: 'productType', value: e.productType, valueType: 'string' },
      { name: 'networkTechnology', value: e.network, valueType: 'string' },
    ];
    if (lookOf(rec).allowancesAsCharacteristic) {
      for (const a of allowances) characteristic.push({ name: a.name, value: a.value === 'Unlimited' ? 'Unlimited' : `${a.value} ${a.unit}`, valueType: 'string' });
    }
    const validFor: XivaOffering['validFor'] = { startDateTime: new Date(e.createdMs).toISOString() };
    if (e.lifecycle === 'Retired') validFor.endDateTime = new Date(e.createdMs + 180 * 86_400_000).toISOString();
    const out: XivaOffering = {
      id: keyOf(rec),
      href: `${base(v)}productOffering/${keyOf(rec)}`,
      name: entryName(e),
      description: e.description,
      version: `1.${e.revision}`,
      lastUpdate: rfc3339(rec.lastUpdateMs, lookOf(rec).plusThree),
      lifecycleStatus: e.lifecycle,
      isBundle: e.isBundle,
      isSellable: !(e.family === 'Add-ons' && e.index % 7 === 0),
      validFor,
      category: [familyRef(v, e.family)],
      productSpecification: specRef(v, e.family),
      marketSegment: e.segments.map((s) => ({ id: `seg-${slug(s)}`, name: s })),
      channel: e.channels.map((c) => ({ id: `ch-${slug(c)}`, name: c })),
      characteristic,
      productOfferingPrice: e.prices.map((p, i) =>
        embedded(v, rec)
          ? renderEmbeddedPrice(v, rec, i + 1, p, m)
          : { id: popId(rec, i + 1), href: `${base(v)}productOfferingPrice/${popId(rec, i + 1)}`, name: p.label, '@referredType': 'ProductOfferingPrice' as const },
      ),
      '@type': 'ProductOffering',
    };
    if (!lookOf(rec).allowancesAsCharacteristic && allowances.length > 0) {
      out.prodSpecCharValueUse = allowances.map((a) => {
        const numeric = a.value !== 'Unlimited';
        return {
          name: a.name,
          valueType: numeric ? 'number' : 'string',
          productSpecCharacteristicValue: [{ value: a.value, unitOfMeasure: a.unit, isDefault: true, valueType: numeric ? 'number' : 'string' }],
        };
      });
    }
    if (m === 'missing-id') {
      delete out.id;
      delete out.href;
    }
    if (m === 'missing-name') delete out.name;
    return out;
  };

  const offeringJson = (v: ApiVersion, rec: OfferingRec): string => {
    if (rec.json?.epoch !== renderEpoch) rec.json = { epoch: renderEpoch };
    return (rec.json[v] ??= JSON.stringify(renderOffering(v, rec)));
  };

  const popJson = (v: ApiVersion, rec: OfferingRec, n: number): string => {
    if (rec.priceJson?.epoch !== renderEpoch) rec.priceJson = { epoch: renderEpoch, byKey: new Map() };
    const key = `${v}:${n}`;
    let text = rec.priceJson.byKey.get(key);
    if (text === undefined) {
      text = JSON.stringify(renderPop(v, rec, n));
      rec.priceJson.byKey.set(key, text);
    }
    return text;
  };

  const invalidate = (rec: OfferingRec) => {
    delete rec.json;
    delete rec.priceJson;
    dataVersion += 1;
  };

  // -------------------------------------------------------------------------------------------
  // Store

  const isValid = (r: OfferingRec) => malformOf(r) === undefined;

  const pickValid = (rng: Rng, n: number): OfferingRec[] => {
    const chosen = new Set<OfferingRec>();
    const items = byId.items;
    for (let attempts = 0; chosen.size < n && attempts < n * 20 + 100 && items.length > 0; attempts++) {
      const r = items[Math.floor(rng() * items.length)];
      if (r && isValid(r)) chosen.add(r);
    }
    return [...chosen];
  };

  const changeRecs = (recs: OfferingRec[]) => {
    for (const r of recs) {
      byUpdate.remove(r);
      catalog.mutate(entryOf(r), mutationRng);
      r.lastUpdateMs = nextStamp();
      byUpdate.insert(r);
      invalidate(r);
    }
    return recs.map(keyOf);
  };

  const removeRecs = (recs: OfferingRec[]) => {
    for (const r of recs) {
      byId.remove(r);
      byUpdate.remove(r);
      invalidate(r);
    }
    return recs.map(keyOf);
  };

  const addRecs = (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = makeRec(nextIndex++, nextStamp());
      byId.insert(r);
      byUpdate.insert(r);
      dataVersion += 1;
      if (malformOf(r) !== 'missing-id') ids.push(keyOf(r));
    }
    return ids;
  };

  /**
   * Pending truncation; `active` once the first page of the truncated listing was served, `ended`
   * once its last one was. It stays in force (requests past its end answer as past the end) until
   * a listing starts again at offset 0: a client probing for more must see a consistent end.
   */
  let truncation: { keep: number; active: boolean; ended: boolean } | undefined;

  const store: SimulatorStore<XivaOffering> = {
    all: () => byId.items.map((r) => renderOffering('v5', r)),
    validIds: () => byId.items.filter(isValid).map(keyOf),
    malformedIds: () => byId.items.filter((r) => { const m = malformOf(r); return m !== undefined && m !== 'missing-id'; }).map(keyOf),
    change: (n) => changeRecs(pickValid(mutationRng, n)),
    remove: (n) => removeRecs(pickValid(mutationRng, n)),
    add: (n) => addRecs(n),
    truncateNextListing: (keep) => {
      truncation = { keep: Math.max(0, Math.floor(keep)), active: false, ended: false };
    },
    expected: (id): ExpectedProduct | undefined => {
      const r = findByKey(id);
      if (!r || !isValid(r)) return undefined;
      const e = entryOf(r);
      return expectedFromEntry(e, keyOf(r), currency, lifecycleIsActive(e.lifecycle));
    },
  };

  const mutateWhilePaging = (n: number) => {
    for (let i = 0; i < n; i++) {
      const u = mutationRng();
      if (u < 0.6) changeRecs(pickValid(mutationRng, 1));
      else if (u < 0.8) removeRecs(pickValid(mutationRng, 1));
      else addRecs(1);
    }
  };

  // -------------------------------------------------------------------------------------------
  // HTTP

  /** The count headers of one page, as the configured `totalCount` style tells them. */
  const countHeaders = (total: number, limit: number, count: number): Record<string, string> => {
    if (style.totalCount === 'none') return {};
    const shown = style.totalCount === 'stale' ? Math.floor(total * style.staleCountShare) : style.totalCount === 'page-size' ? limit : total;
    return { 'x-total-count': String(shown), 'x-result-count': String(count) };
  };

  /** Serves the page at q.offset of a `total`-long result in the configured paging style. */
  const page = <T>(
    call: Call,
    total: number,
    q: Pick<ListQuery, 'offset' | 'limit'>,
    slice: (start: number, count: number) => readonly T[],
    render: (x: T) => string,
    after?: (served: number, total: number) => void,
  ): Reply => {
    if (pagingStyle === 'bare-capped') {
      const count = Math.max(0, Math.min(BARE_PAGE, total - q.offset));
      const body = `[${slice(q.offset, count).map(render).join(',')}]`;
      return { status: 200, body, commit: () => after?.(count, total) };
    }
    if (q.offset > 0 && q.offset >= total) {
      return { ...tmfError(416, 'Range Not Satisfiable', `offset ${q.offset} is past the end of the ${total} results`), commit: () => after?.(0, total) };
    }
    const count = Math.min(q.limit, total - q.offset);
    const body = `[${slice(q.offset, count).map(render).join(',')}]`;
    const headers = countHeaders(total, q.limit, count);
    if (style.linkNext && q.offset + count < total) {
      const next = new URL(call.url);
      next.searchParams.set('offset', String(q.offset + count));
      next.searchParams.set('limit', String(q.limit));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return {
      status: q.offset === 0 && count === total ? 200 : style.partialStatus,
      body,
      headers,
      commit: () => after?.(count, total),
    };
  };

  const arraySlice =
    <T>(items: readonly T[], lo = 0) =>
    (start: number, count: number) =>
      items.slice(lo + start, lo + start + count);

  const listOfferings = (v: ApiVersion, call: Call): Reply => {
    const q = parseListQuery(call.url, style.lastUpdateFilter);
    if ('status' in q) return q;
    let view: readonly OfferingRec[];
    let lo = 0;
    let hi: number;
    if (q.range) {
      const r = q.range;
      const from = r.lo ? byUpdate.lowerBound((x) => (r.lo!.inclusive ? x.lastUpdateMs < r.lo!.ms : x.lastUpdateMs <= r.lo!.ms) ? -1 : 0) : 0;
      const to = r.hi ? byUpdate.lowerBound((x) => (r.hi!.inclusive ? x.lastUpdateMs <= r.hi!.ms : x.lastUpdateMs < r.hi!.ms) ? -1 : 0) : byUpdate.length;
      if (q.sort === 'lastUpdate') {
        view = byUpdate.items;
        lo = from;
        hi = Math.max(from, to);
      } else {
        view = filtered.get(r.key, dataVersion, () => byUpdate.items.slice(from, Math.max(from, to)).sort(cmpId));
        hi = view.length;
      }
    } else {
      view = q.sort === 'lastUpdate' ? byUpdate.items : byId.items;
      hi = view.length;
    }

    // A truncated answer looks complete to the client: fewer items, consistent counts, normal end.
    const full = !q.range;
    if (full && truncation?.ended && q.offset === 0) truncation = undefined;
    const trunc = full && truncation && (q.offset === 0 || truncation.active) ? truncation : undefined;
    if (trunc) hi = Math.min(hi, lo + trunc.keep);

    const mutations = core.faults.current.mutateWhilePaging;
    const fields = q.fields;
    const render = fields ? (r: OfferingRec) => JSON.stringify(project(renderOffering(v, r), fields)) : (r: OfferingRec) => offeringJson(v, r);
    return page(call, hi - lo, q, arraySlice(view, lo), render, (served, total) => {
      if (trunc && truncation === trunc) {
        trunc.active = true;
        if (pagingStyle === 'bare-capped' ? served < BARE_PAGE : q.offset + served >= total) trunc.ended = true;
      }
      if (q.offset > 0 && mutations > 0) mutateWhilePaging(mutations);
    });
  };

  /** Prefix sums of price counts in id order, so price number `offset` is found by binary search. */
  const priceOffsets = new QueryCache<Uint32Array>(2);
  const pricePositions = () =>
    priceOffsets.get('prices', dataVersion, () => {
      const sums = new Uint32Array(byId.length + 1);
      for (let i = 0; i < byId.length; i++) sums[i + 1] = (sums[i] as number) + pricesOf(byId.items[i] as OfferingRec);
      return sums;
    });

  const listPrices = (v: ApiVersion, call: Call): Reply => {
    const q = parseListQuery(call.url, 'none');
    if ('status' in q) return q;
    const sums = pricePositions();
    const slice = (start: number, count: number) => {
      // Offering holding price number `start`, then walk forward through its prices and the next ones.
      let lo = 0;
      let hi = byId.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((sums[mid + 1] as number) <= start) lo = mid + 1;
        else hi = mid;
      }
      const out: Array<[OfferingRec, number]> = [];
      let n = start - (sums[lo] ?? 0) + 1;
      for (let i = lo; out.length < count && i < byId.length; i++, n = 1) {
        const rec = byId.items[i] as OfferingRec;
        for (; n <= pricesOf(rec) && out.length < count; n++) out.push([rec, n]);
      }
      return out;
    };
    const fields = q.fields;
    const render = ([rec, n]: [OfferingRec, number]) => (fields ? JSON.stringify(project(renderPop(v, rec, n), fields)) : popJson(v, rec, n));
    return page(call, sums[sums.length - 1] ?? 0, q, slice, render);
  };

  const staticList = (v: ApiVersion, kind: 'category' | 'productSpecification', call: Call): Reply => {
    const q = parseListQuery(call.url, 'none');
    if ('status' in q) return q;
    const items = FAMILIES.map((f) => (kind === 'category' ? renderCategory(v, f) : renderSpec(v, f)));
    return page(call, items.length, q, arraySlice(items), (x) => JSON.stringify(q.fields ? project(x, q.fields) : x));
  };

  const renderCategory = (v: ApiVersion, f: Family) => ({
    ...familyRef(v, f),
    description: `${f} offered to mobile subscribers`,
    isRoot: true,
    lifecycleStatus: 'Launched',
    lastUpdate: '2024-01-01T00:00:00Z',
    version: '1.0',
    validFor: { startDateTime: '2024-01-01T00:00:00Z' },
    '@type': 'Category',
  });

  const renderSpec = (v: ApiVersion, f: Family) => ({
    ...specRef(v, f),
    description: `Specification of ${f.toLowerCase()}`,
    brand: 'Xiva',
    isBundle: f === 'Postpaid Plans' || f === 'Prepaid Plans',
    lifecycleStatus: 'Launched',
    lastUpdate: '2024-01-01T00:00:00Z',
    version: '1.0',
    productSpecCharacteristic: [
      { name: 'dataAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'GB', valueType: 'number' }, { unitOfMeasure: 'MB', valueType: 'number' }] },
      { name: 'voiceAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'min', valueType: 'number' }] },
      { name: 'smsAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'SMS', valueType: 'number' }] },
    ],
    '@type': 'ProductSpecification',
  });

  const getOne = (v: ApiVersion, kind: string, id: string, call: Call): Reply => {
    const fieldsRaw = call.url.searchParams.get('fields');
    const fields = fieldsRaw ? fieldsRaw.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
    const send = (obj: object, cached?: string) => ({ status: 200, body: fields ? JSON.stringify(project(obj, fields)) : (cached ?? JSON.stringify(obj)) });
    if (kind === 'productOffering') {
      const r = findByKey(id);
      if (r && malformOf(r) !== 'missing-id') return fields ? send(renderOffering(v, r)) : { status: 200, body: offeringJson(v, r) };
    } else if (kind === 'productOfferingPrice') {
      const pm = /^pop-(\d+)-(.+)$/.exec(id);
      const rec = pm ? findByKey(pm[2] as string) : undefined;
      const n = Number(pm?.[1]);
      if (rec && n >= 1 && n <= pricesOf(rec)) return fields ? send(renderPop(v, rec, n)) : { status: 200, body: popJson(v, rec, n) };
    } else {
      const f = FAMILIES.find((x) => (kind === 'category' ? `cat-${slug(x)}` : `ps-${slug(x)}`) === id);
      if (f) return send(kind === 'category' ? renderCategory(v, f) : renderSpec(v, f));
    }
    return tmfError(404, 'Not Found', `No ${kind[0]?.toUpperCase()}${kind.slice(1)} with id ${id}`);
  };

  const unauthorized = (detail: object): Reply => ({ ...json(401, detail), headers: { 'www-authenticate': 'JWT realm="api"' } });

  const authenticate = (call: Call): Reply | undefined => {
    const token = bearer(call.headers, 'JWT');
    if (!token) return unauthorized({ detail: 'Authentication credentials were not provided.' });
    const claims = jwt.verify(token, 'access');
    if (!claims || claims.gen !== tokenGeneration) {
      return unauthorized({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
      });
    }
    return undefined;
  };

  const parseForm = (call: Call): Record<string, unknown> | undefined => {
    const type = String(call.headers['content-type'] ?? '');
    if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(call.body));
    try {
      const v: unknown = call.body ? JSON.parse(call.body) : {};
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  const auth = (action: string, call: Call): Reply => {
    if (call.method !== 'POST') return json(405, { detail: `Method "${call.method}" not allowed.` });
    const body = parseForm(call);
    if (!body) return json(400, { detail: 'JSON parse error - Expecting value: line 1 column 1 (char 0)' });
    if (action === 'create') {
      const login = body.email ?? body.username;
      const missing: Record<string, string[]> = {};
      if (typeof login !== 'string' || !login) missing.email = ['This field is required.'];
      if (typeof body.password !== 'string' || !body.password) missing.password = ['This field is required.'];
      if (Object.keys(missing).length > 0) return json(400, missing);
      if (login !== credentials.email || body.password !== credentials.password) return json(401, { detail: 'No active account found with the given credentials' });
      return {
        ...json(200, { refresh: jwt.sign('refresh', REFRESH_TTL_SECONDS, tokenGeneration), access: jwt.sign('access', accessTtl, tokenGeneration) }),
        commit: () => core.countToken(),
      };
    }
    if (action === 'refresh') {
      if (typeof body.refresh !== 'string' || !body.refresh) return json(400, { refresh: ['This field is required.'] });
      if (!jwt.verify(body.refresh, 'refresh')) return json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      return { ...json(200, { access: jwt.sign('access', accessTtl, tokenGeneration) }), commit: () => core.countToken() };
    }
    if (action === 'verify') {
      if (typeof body.token !== 'string' || !body.token) return json(400, { token: ['This field is required.'] });
      const ok = jwt.verify(body.token, 'access') ?? jwt.verify(body.token, 'refresh');
      return ok ? json(200, {}) : json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
    }
    return json(404, { detail: 'Not found.' });
  };

  const apiRoute = /^(?:\/api\/productCatalogManagement\/(v5)|\/api\/tmf-api\/productCatalogManagement\/(v4))\/(productOffering|productOfferingPrice|category|productSpecification)(?:\/([^/]+))?$/;

  const handle = (call: Call): Reply => {
    const authMatch = /^\/api\/auth\/jwt\/(create|refresh|verify)$/.exec(call.path);
    if (authMatch?.[1]) return auth(authMatch[1], call);
    const m = apiRoute.exec(call.path);
    const served = m && (apiVersion === 'both' || (m[1] ?? m[2]) === apiVersion);
    if (!m || !served) return json(404, { detail: 'Not found.' });
    if (call.method !== 'GET') return json(405, { detail: `Method "${call.method}" not allowed.` });
    const denied = authenticate(call);
    if (denied) return denied;
    const v = (m[1] ?? m[2]) as ApiVersion;
    const kind = m[3] as string;
    const id = m[4];
    if (id !== undefined) return getOne(v, kind, decodeURIComponent(id), call);
    if (kind === 'productOffering') return listOfferings(v, call);
    if (kind === 'productOfferingPrice') return listPrices(v, call);
    return staticList(v, kind as 'category' | 'productSpecification', call);
  };

  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined && patch.malformedRate !== malformedRate) {
      malformedRate = patch.malformedRate;
      renderEpoch += 1;
      dataVersion += 1;
    }
  };

  const core = await startHttpCore({
    system: 'xiva',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle,
    faultReplies: xivaFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    expireTokens: () => {
      tokenGeneration += 1;
    },
    counts: () => {
      let malformed = 0;
      for (const r of byId.items) if (malformOf(r) !== undefined) malformed++;
      return { items: byId.length, valid: byId.length - malformed, malformed };
    },
    describe: () => ({
      credentials,
      basePaths: { v5: apiVersion !== 'v4' ? XIVA_V5_BASE : null, v4: apiVersion !== 'v5' ? XIVA_V4_BASE : null, auth: XIVA_AUTH_BASE },
      apiVersion,
      priceStyle: o.priceStyle ?? 'default (v5 embedded, v4 referenced)',
      pagingStyle,
      supportsLastUpdateFilter: style.lastUpdateFilter !== 'none',
      ...style,
    }),
  });
  origin = core.url;

  return {
    url: core.url,
    port: core.port,
    close: core.close,
    setFaults,
    store,
    stats: core.stats,
    expireTokens: () => {
      tokenGeneration += 1;
    },
    setServerStyle: (patch) => {
      Object.assign(style, patch);
    },
  };
}
