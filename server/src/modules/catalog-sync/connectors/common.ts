/**
 * Helpers shared by the connectors: reading loosely typed JSON, the mapping rules that are the
 * same for every source (billing periods, product types, allowances, money, time), and the
 * per-run bookkeeping that turns re-read records into at-most-once emissions.
 */
import { isCurrencyCode, type BillingCycle, type ProductType } from '@lyra/contracts';
import { HttpError, type HttpClient } from '../../../lib/http-client.js';
import { MoneyError, amountFromFloat, normalizeAmount } from '../../../lib/money.js';
import { parseTimestamp } from '../../../lib/time.js';
import type { ConnectorPage, ItemError, MappedProduct, ReadOptions, SourceItem } from './types.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objects = (v: unknown): Json[] => asArray(v).filter(isObject);

/** A non-empty string (numbers too: some sources send numeric ids). */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** Raised by mappers: the record is skipped and reported, the run goes on. */
export class ItemProblem extends Error {}

/** Any timestamp with an offset (or naive = UTC) as UTC ISO; null when absent or unreadable. */
export function toUtcIso(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  return parseTimestamp(v)?.toISOString() ?? null;
}

export function epochSecondsToIso(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) ? new Date(v * 1000).toISOString() : null;
}

const PERIOD_UNITS: Record<string, 'day' | 'week' | 'month' | 'year'> = {
  day: 'day', days: 'day', daily: 'day',
  week: 'week', weeks: 'week', weekly: 'week',
  month: 'month', months: 'month', monthly: 'month',
  year: 'year', years: 'year', yearly: 'year', annual: 'year', annually: 'year',
};

/** Period unit + length -> cycle; null for periods Lyra has no cycle for (e.g. every 6 months). */
export function cycleFromPeriod(unit: unknown, length: unknown): BillingCycle | null {
  const u = typeof unit === 'string' ? PERIOD_UNITS[unit.trim().toLowerCase()] : undefined;
  const n = length === undefined || length === null || length === 0 ? 1 : Number(length);
  if (!u || !Number.isInteger(n) || n < 1) return null;
  if (u === 'day') return n === 1 ? 'daily' : n === 7 ? 'weekly' : null;
  if (u === 'week') return n === 1 ? 'weekly' : null;
  if (u === 'month') return n === 1 ? 'monthly' : n === 3 ? 'quarterly' : n === 12 ? 'yearly' : null;
  return n === 1 ? 'yearly' : null;
}

const PRODUCT_TYPES: readonly ProductType[] = ['voice', 'data', 'sms', 'bundle', 'device', 'service', 'addon'];

/** Family / category names seen in operator catalogs; order matters ("Data Bundles" is data). */
const FAMILY_TYPES: Array<[RegExp, ProductType]> = [
  [/add-?ons?\b|roaming/i, 'addon'],
  [/device|handset|phone|router|hotspot|tablet|watch/i, 'device'],
  [/\bsms\b|text message/i, 'sms'],
  [/voice|minutes|calls?\b/i, 'voice'],
  [/data|internet|broadband/i, 'data'],
  [/plan|bundle|postpaid|prepaid|tariff/i, 'bundle'],
  [/service|\bvas\b|subscription/i, 'service'],
];

/** An explicit type value ("Add-on", "data") or else the first family name that says one. */
function productTypeFrom(explicit: unknown, ...families: unknown[]): ProductType | null {
  const e = typeof explicit === 'string' ? explicit.trim().toLowerCase().replace(/[^a-z]/g, '') : '';
  if ((PRODUCT_TYPES as readonly string[]).includes(e)) return e as ProductType;
  for (const f of families) {
    if (typeof f !== 'string') continue;
    const hit = FAMILY_TYPES.find(([re]) => re.test(f));
    if (hit) return hit[1];
  }
  return null;
}

const ALLOWANCE_TYPES: Record<AllowanceKey, ProductType> = { data_gb: 'data', voice_minutes: 'voice', sms: 'sms' };

/** What the allowances say: one kind -> that kind (only SMS -> sms); several kinds -> bundle; none -> null. */
function productTypeFromAllowances(features: Record<string, unknown>): ProductType | null {
  const kinds = (Object.keys(ALLOWANCE_TYPES) as AllowanceKey[]).filter((k) => typeof features[k] === 'number' && features[k] !== 0);
  if (kinds.length === 0) return null;
  return kinds.length > 1 ? 'bundle' : ALLOWANCE_TYPES[kinds[0]!];
}

/** Category name -> product type, set per external system by an administrator (keys compared case-insensitively). */
/** A mapped product's price fields: whatever the source, only a one-time charge does not recur. */
export function priceFields(price: string | null, currency: string, cycle: BillingCycle): Pick<MappedProduct, 'price' | 'currency' | 'recurring' | 'billing_cycle'> {
  return { price, currency, recurring: cycle !== 'one_time', billing_cycle: cycle };
}

export type CategoryTypeMap = Readonly<Record<string, ProductType>>;

export interface TypeEvidence {
  /** A type the source states (TMF productType characteristic, Product_Type__c, metadata). */
  explicit?: unknown;
  /** Category / family names, most specific first. */
  categories: unknown[];
  /** Mapped allowances (data_gb, voice_minutes, sms). */
  features: Record<string, unknown>;
  /** Specification or item family names: weaker than a category, which names what is sold. */
  specifications?: unknown[];
  /** When nothing above decides (e.g. bundle flag, item type). */
  fallback: ProductType;
  categoryMap?: CategoryTypeMap | undefined;
}

/**
 * The product type, strongest evidence first: the administrator's category mapping (a deliberate
 * local decision); a type the source states; a category name that names a type; the allowances
 * (a "Messaging" offer whose only allowance is SMS is an sms product, not a service); a
 * specification name; the fallback.
 */
export function inferProductType(e: TypeEvidence): ProductType {
  if (e.categoryMap) {
    const byName = new Map(Object.entries(e.categoryMap).map(([k, v]) => [k.trim().toLowerCase(), v]));
    for (const c of e.categories) {
      const hit = typeof c === 'string' ? byName.get(c.trim().toLowerCase()) : undefined;
      if (hit) return hit;
    }
  }
  return (
    productTypeFrom(e.explicit, ...e.categories) ??
    productTypeFromAllowances(e.features) ??
    productTypeFrom(null, ...(e.specifications ?? [])) ??
    e.fallback
  );
}

export type AllowanceKey = 'data_gb' | 'voice_minutes' | 'sms';
const DATA_PER_GB: Record<string, number> = { gb: 1, mb: 1024, kb: 1024 * 1024, tb: 1 / 1024 };

/**
 * One allowance value in the feature's canonical unit; "Unlimited" is -1. Data is converted
 * to GB with 1 GB = 1024 MB (512 MB -> 0.5). Null when the value is not a number.
 */
export function allowanceValue(key: AllowanceKey, value: unknown, unit?: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (/^unlimited$/i.test(text)) return -1;
  const m = /^(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  if (n === -1) return -1;
  if (key !== 'data_gb') return n;
  const u = (m[2] || (typeof unit === 'string' ? unit : '') || 'GB').toLowerCase();
  const per = DATA_PER_GB[u];
  return per === undefined ? null : n / per;
}

export function requireCurrency(code: unknown): string {
  const c = typeof code === 'string' ? code.trim().toUpperCase() : '';
  if (!c) throw new ItemProblem('price has no currency');
  if (!isCurrencyCode(c)) throw new ItemProblem(`unknown currency "${String(code)}"`);
  return c;
}

/** A JSON number (TMF Money.value, Salesforce UnitPrice) or a plain decimal string -> exact decimal. */
export function decimalAmount(value: unknown, currency: string): string {
  try {
    if (typeof value === 'number') return amountFromFloat(value, currency);
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return normalizeAmount(value, currency);
  } catch (err) {
    if (err instanceof MoneyError) throw new ItemProblem(`price ${JSON.stringify(value)} ${currency}: ${err.message}`);
    throw err;
  }
  throw new ItemProblem(`price ${JSON.stringify(value)} is not a number`);
}

/** The records of a list answer: a bare array or one wrapped in {results|data|items|list}. */
export function listRecords(body: unknown): Json[] | null {
  if (Array.isArray(body)) return body.filter(isObject);
  if (!isObject(body)) return null;
  for (const key of ['results', 'data', 'items', 'list']) if (Array.isArray(body[key])) return objects(body[key]);
  return null;
}

export function headerInt(headers: Headers, name: string): number | null {
  const v = headers.get(name);
  return v !== null && /^\s*\d+\s*$/.test(v) ? Number(v) : null;
}

/** `base` + relative path, keeping base's path (`http://h/api` + `x/` -> `http://h/api/x/`). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Like joinUrl, but segments the base already ends with are not repeated: an administrator may
 * paste the API root, the `/tmf-api` prefix or the whole catalog path, and
 * `http://h/api/tmf-api` + `tmf-api/productCatalogManagement/v4/` must not become
 * `.../tmf-api/tmf-api/...`. The longest overlap of the base's last segments with the path's
 * first ones is dropped once.
 */
export function joinUrlOnce(base: string, path: string): string {
  const u = new URL(base);
  const baseSegs = u.pathname.split('/').filter(Boolean);
  const pathSegs = path.split('/').filter(Boolean);
  let k = Math.min(baseSegs.length, pathSegs.length);
  while (k > 0 && baseSegs.slice(-k).join('/') !== pathSegs.slice(0, k).join('/')) k--;
  const rest = pathSegs.slice(k).join('/');
  const trailing = path.endsWith('/') && rest !== '' ? '/' : '';
  const root = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  return rest === '' ? `${root}${path.endsWith('/') ? '/' : ''}` : `${root}/${rest}${trailing}`;
}

/** A URL fit to show in answers and logs: no user info, no query string (either may hold a secret). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

export function isHttpStatus(err: unknown, ...statuses: number[]): err is HttpError {
  return err instanceof HttpError && err.status !== null && statuses.includes(err.status);
}

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

/**
 * What one read has emitted so far. Offset paging with overlap, catch-up passes and
 * verification passes re-read records; each id goes out again only when its source version
 * changed, so the engine sees every record once per version.
 */
export class ReadState {
  private readonly versions = new Map<string, string>();
  private readonly anonymous = new Set<string>();
  total: number | null = null;

  isCurrent(id: string, version: string): boolean {
    return this.versions.get(id) === version;
  }

  has(id: string): boolean {
    return this.versions.has(id);
  }

  ids(): IterableIterator<string> {
    return this.versions.keys();
  }

  record(id: string, version: string): void {
    this.versions.set(id, version);
  }

  /** A record without an id can only be recognised by its content; true the first time. */
  recordAnonymous(raw: unknown): boolean {
    const key = JSON.stringify(raw);
    if (this.anonymous.has(key)) return false;
    this.anonymous.add(key);
    return true;
  }

  get read(): number {
    return this.versions.size + this.anonymous.size;
  }

  page(items: SourceItem[], errors: ItemError[]): ConnectorPage {
    return { items, errors, read: this.read, total: this.total };
  }
}

/**
 * What every connector's read starts from: its settings, client and options, the emission
 * bookkeeping, the moment it began (catch-up passes reach back from there) and a log that is
 * silent when the caller gave none.
 */
export abstract class ConnectorRead<S> {
  protected readonly state = new ReadState();
  protected readonly startedAt = Date.now();
  protected readonly log: (m: string, level?: 'info' | 'warn') => void;

  constructor(
    protected readonly s: S,
    protected readonly http: HttpClient,
    protected readonly opts: ReadOptions,
  ) {
    this.log = opts.log ?? (() => undefined);
  }
}

/** Maps one record, or turns the mapper's complaint into an ItemError. */
export function mapOrError(
  id: string | null,
  position: number,
  map: () => SourceItem,
): { item: SourceItem; error?: undefined } | { item?: undefined; error: ItemError } {
  try {
    return { item: map() };
  } catch (err) {
    if (err instanceof ItemProblem) return { error: { externalId: id, position, reason: err.message } };
    throw err;
  }
}
