/**
 * Fake CRM in the style of Salesforce: OAuth2 client credentials, SOQL over Product2 and
 * PricebookEntry with query cursors, and the getDeleted replication endpoint.
 *
 * Raw records -> ExpectedProduct (the ground truth of store.expected(id)):
 * - external_product_id = Product2.Id (18 characters). A Product2 with Id null is malformed.
 * - name = Product2.Name.
 * - price/currency come from ONE PricebookEntry: Product2Id = the product, Pricebook2Id =
 *   CRM_STANDARD_PRICEBOOK_ID and CurrencyIsoCode = the simulator currency (default SAR).
 *   Every well-formed product has exactly one such entry, always active. Some products also
 *   have a standard entry in a second currency (USD, or EUR when the catalog is in USD) and/or
 *   an entry in the "Corporate" price book (CRM_CORPORATE_PRICEBOOK_ID, 10% off): ignore them.
 *   price = UnitPrice (a JSON number) as an exact decimal with the currency's minor units.
 *   A price change bumps that PricebookEntry's SystemModstamp, not the Product2's, so an
 *   incremental client must query both objects.
 * - billing_cycle = Billing_Frequency__c: Daily -> daily, Weekly -> weekly, Monthly -> monthly,
 *   Quarterly -> quarterly, Yearly -> yearly, One-Time -> one_time; recurring = not One-Time.
 *   (Device instalment offers are Monthly with the instalment as UnitPrice.)
 * - product_type = Product_Type__c lower-cased, "Add-on" -> addon. It always agrees with Family:
 *   Postpaid Plans / Prepaid Plans -> bundle, Data Bundles -> data, Voice Packs -> voice,
 *   SMS Packs -> sms, Roaming -> addon, Devices -> device, Value Added Services -> service,
 *   Add-ons -> addon.
 * - features: Data_GB__c -> data_gb, Voice_Minutes__c -> voice_minutes, SMS__c -> sms;
 *   null -> absent; -1 means unlimited (the CRM admin's convention) and stays -1.
 * - is_active = IsActive && !IsArchived.
 * Malformed products (malformedRate): Id null (their entries have Product2Id null), Name null,
 * UnitPrice the string "N/A", or CurrencyIsoCode "XXX" on their price book entries.
 * Deleted products disappear from queries (and their entries with them) and are listed by
 * GET .../sobjects/Product2/deleted/ for deletedRetentionDays.
 */
import { randomBytes } from 'node:crypto';
import {
  billingCycle,
  createCatalog,
  currencyInfo,
  entryName,
  expectedFromEntry,
  lifecycleIsActive,
  minorToFloat,
  primaryPrice,
  type CatalogEntry,
  type MalformKind,
} from './catalog.js';
import { bearer, json, startHttpCore, type Call, type FaultReplies, type Reply } from './http.js';
import { itemStreams, stream } from './random.js';
import { SortedList } from './sorted.js';
import { SoqlError, matches, parseSoql, type Query, type SObject } from './soql.js';
import type { BillingCycle, ExpectedProduct, FaultConfig, ProductType, RunningSimulator, SimulatorOptions, SimulatorStore } from './types.js';

export const CRM_API_VERSION = 'v59.0';
export const CRM_TOKEN_PATH = '/services/oauth2/token';
export const CRM_QUERY_PATH = `/services/data/${CRM_API_VERSION}/query`;
export const CRM_DEFAULT_CREDENTIALS = { clientId: '3MVG9LyraSimulatorClientId', clientSecret: 'crm-secret' };

const DEFAULT_PAGE_SIZE = 2000;
const CURSOR_IDLE_MS = 15 * 60_000;
const MAX_CURSORS = 200;

// ---------------------------------------------------------------------------------------------
// Salesforce-like ids

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * 15-character id (key prefix, pod "5g", zero run, base62 counter) plus Salesforce's real
 * 3-character case checksum. Base62 digits are in ASCII order, so ids sort like counters.
 */
function sfId(prefix: string, n: number): string {
  let digits = '';
  for (let i = 0; i < 6; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = `${prefix}5g0000${digits}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM[bits];
  }
  return id15 + suffix;
}

export const CRM_STANDARD_PRICEBOOK_ID = sfId('01s', 1);
export const CRM_CORPORATE_PRICEBOOK_ID = sfId('01s', 2);

/** Salesforce's datetime format: 2026-11-20T10:15:30.000+0000. */
function sfDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Salesforce keeps whole seconds, which makes equal SystemModstamps common. */
const toSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

// ---------------------------------------------------------------------------------------------
// Wire types

export interface SfAttributes {
  type: string;
  url: string;
}

export interface CrmProduct {
  attributes?: SfAttributes;
  Id: string | null;
  ProductCode: string;
  Name: string | null;
  Description: string;
  Family: string;
  IsActive: boolean;
  IsArchived: boolean;
  IsDeleted: boolean;
  CurrencyIsoCode: string;
  QuantityUnitOfMeasure: string;
  CreatedDate: string;
  LastModifiedDate: string;
  SystemModstamp: string;
  Product_Type__c: string;
  Billing_Frequency__c: string;
  Data_GB__c: number | null;
  Voice_Minutes__c: number | null;
  SMS__c: number | null;
}

export interface CrmPricebookEntry {
  attributes?: SfAttributes;
  Id: string;
  Name: string | null;
  Pricebook2Id: string;
  Product2Id: string | null;
  ProductCode: string;
  UnitPrice: number | string;
  CurrencyIsoCode: string;
  IsActive: boolean;
  UseStandardPrice: boolean;
  IsDeleted: boolean;
  CreatedDate: string;
  LastModifiedDate: string;
  SystemModstamp: string;
}

export interface CrmOptions extends SimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  pageSize?: number;
  deletedRetentionDays?: number;
}

const FREQUENCY: Record<BillingCycle, string> = {
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  quarterly: 'Quarterly',
  yearly: 'Yearly',
  one_time: 'One-Time',
};
const TYPE_LABEL: Record<ProductType, string> = {
  bundle: 'Bundle',
  data: 'Data',
  voice: 'Voice',
  sms: 'SMS',
  device: 'Device',
  service: 'Service',
  addon: 'Add-on',
};
const FAMILY_CODE: Record<string, string> = {
  'Postpaid Plans': 'POST',
  'Prepaid Plans': 'PRE',
  'Data Bundles': 'DATA',
  'Voice Packs': 'VOICE',
  'SMS Packs': 'SMS',
  Roaming: 'ROAM',
  Devices: 'DEV',
  'Value Added Services': 'VAS',
  'Add-ons': 'ADD',
};

// ---------------------------------------------------------------------------------------------
// Records

/**
 * Records keep a numeric id (the base62 counter); the 18-character text is built on first use.
 * Id order equals numeric order, so indexes sort and search on numbers.
 */
interface ProductRec {
  index: number;
  num: number;
  id?: string;
  createdMs: number;
  modMs: number;
  deleted: boolean;
  entry?: CatalogEntry;
  entries: PbeRec[];
  json?: RenderCache;
}

type PbeSlot = 'standard' | 'second-currency' | 'corporate';

interface PbeRec {
  num: number;
  id?: string;
  product: ProductRec;
  slot: PbeSlot;
  modMs: number;
  deleted: boolean;
  json?: RenderCache;
}

type Rec = ProductRec | PbeRec;

interface RenderCache {
  epoch: number;
  fieldsKey: string;
  text: string;
}

interface Cursor {
  id: string;
  query: Query;
  pageSize: number;
  recs: Rec[];
  lastUsed: number;
}

const sfError = (status: number, errorCode: string, message: string): Reply => json(status, [{ message, errorCode }]);

const crmFaultReplies: FaultReplies = {
  rateLimited: (retryAfter) => ({ ...sfError(429, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), headers: { 'retry-after': String(retryAfter) } }),
  serverError: (status, retryAfter) => {
    if (status === 500) return sfError(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1406371937-51530 (-1285401358)');
    if (status === 502) return { status, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' };
    return { ...sfError(503, 'SERVER_UNAVAILABLE', 'Server is temporarily unavailable, please retry your request.'), headers: { 'retry-after': String(retryAfter) } };
  },
};

/** ISO 8601 from a query string: '+' decoded to a space is restored, +0000 accepted, naive means UTC. */
function parseIsoLenient(raw: string): number {
  let s = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(s)) s += 'Z';
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// Simulator

export async function startCrmSimulator(o: CrmOptions = {}): Promise<RunningSimulator<CrmProduct>> {
  const seed = o.seed ?? 1;
  const currency = o.currency ?? 'SAR';
  currencyInfo(currency);
  const secondCurrency = currency === 'USD' ? 'EUR' : 'USD';
  const credentials = { clientId: o.clientId ?? CRM_DEFAULT_CREDENTIALS.clientId, clientSecret: o.clientSecret ?? CRM_DEFAULT_CREDENTIALS.clientSecret };
  const pageSize = o.pageSize ?? DEFAULT_PAGE_SIZE;
  const retentionMs = (o.deletedRetentionDays ?? 15) * 86_400_000;
  const tokenTtlMs = (o.tokenTtlSeconds ?? 7200) * 1000;
  const catalog = createCatalog(seed, o.catalogOf ?? 'crm', currency);
  const shapeStreams = itemStreams(seed, 'crm:records');
  const mutationRng = stream(seed, 'crm:mutations');
  let malformedRate = o.faults?.malformedRate ?? 0;
  let renderEpoch = 0;
  let origin = '';
  const tokens = new Map<string, number>();
  const cursors = new Map<string, Cursor>();
  const deletedLog: Record<SObject, Array<{ id: string; ms: number }>> = { Product2: [], PricebookEntry: [] };
  let lastStamp = 0;
  let nextIndex = 0;
  // Cursor ids differ between runs so a stale nextRecordsUrl from another run is rejected.
  let cursorCounter = Math.floor(Math.random() * 1_000_000) * 1000;

  const nextStamp = () => {
    // Whole seconds like Salesforce, so several changes may share one SystemModstamp.
    lastStamp = Math.max(toSecond(Date.now()), lastStamp);
    return lastStamp;
  };

  const makeProduct = (index: number, createdMs?: number): ProductRec => {
    const rng = shapeStreams(index);
    const created = createdMs ?? toSecond(catalog.createdMs(index));
    const edited = createdMs !== undefined || rng() < 0.5 ? 0 : Math.floor(rng() * 90 * 86_400) * 1000;
    const rec: ProductRec = { index, num: index + 1, createdMs: created, modMs: created + edited, deleted: false, entries: [] };
    const slots: PbeSlot[] = ['standard'];
    if (rng() < 0.12) slots.push('second-currency');
    if (rng() < 0.08) slots.push('corporate');
    // Price book entries were priced at creation, or later when a price was revised.
    rec.entries = slots.map((slot, i) => ({
      num: index * 4 + i + 1,
      product: rec,
      slot,
      modMs: createdMs !== undefined || rng() < 0.7 ? created : created + Math.floor(rng() * 60 * 86_400) * 1000,
      deleted: false,
    }));
    return rec;
  };

  const initial: ProductRec[] = [];
  const initialEntries: PbeRec[] = [];
  for (const count = o.items ?? 200; nextIndex < count; nextIndex++) {
    const r = makeProduct(nextIndex);
    initial.push(r);
    lastStamp = Math.max(lastStamp, r.modMs);
    for (const e of r.entries) {
      initialEntries.push(e);
      lastStamp = Math.max(lastStamp, e.modMs);
    }
  }
  const byIdCmp = (a: Rec, b: Rec) => a.num - b.num;
  const byModCmp = (a: Rec, b: Rec) => a.modMs - b.modMs || a.num - b.num;
  const productsById = new SortedList<Rec>(byIdCmp, initial);
  const entriesById = new SortedList<Rec>(byIdCmp, initialEntries);
  const index: Record<SObject, { byId: SortedList<Rec>; byMod: SortedList<Rec> }> = {
    Product2: { byId: productsById, byMod: new SortedList<Rec>(byModCmp, () => productsById.items) },
    PricebookEntry: { byId: entriesById, byMod: new SortedList<Rec>(byModCmp, () => entriesById.items) },
  };

  const isPbe = (r: Rec): r is PbeRec => 'slot' in r;
  const idOf = (r: Rec): string => (r.id ??= sfId(isPbe(r) ? '01u' : '01t', r.num));

  /** Finds a live record by 15- or 18-character id: decode the counter, then binary search. */
  const findById = (object: SObject, id: string): Rec | undefined => {
    const m = /^(01t|01u)5g0000([0-9A-Za-z]{6})(?:[A-Z0-5]{3})?$/.exec(id);
    if (!m || (m[1] === '01t') !== (object === 'Product2')) return undefined;
    let num = 0;
    for (const ch of m[2] as string) num = num * 62 + BASE62.indexOf(ch);
    const list = index[object].byId;
    const r = list.items[list.lowerBound((x) => x.num - num)];
    return r && r.num === num && idOf(r).startsWith(id.slice(0, 15)) ? r : undefined;
  };

  const entryOf = (p: ProductRec): CatalogEntry => (p.entry ??= catalog.make(p.index));
  const malformOf = (p: ProductRec): MalformKind | undefined => {
    if (malformedRate === 0) return undefined;
    const m = catalog.malformation(p.index);
    return m.u < malformedRate ? m.kind : undefined;
  };
  // -------------------------------------------------------------------------------------------
  // Field values

  const productFields = (p: ProductRec): CrmProduct => {
    const e = entryOf(p);
    const m = malformOf(p);
    const f = e.features;
    const active = lifecycleIsActive(e.lifecycle);
    return {
      attributes: { type: 'Product2', url: `/services/data/${CRM_API_VERSION}/sobjects/Product2/${idOf(p)}` },
      Id: m === 'missing-id' ? null : idOf(p),
      ProductCode: `LYR-${FAMILY_CODE[e.family] ?? 'GEN'}-${String(p.index + 1).padStart(6, '0')}`,
      Name: m === 'missing-name' ? null : entryName(e),
      Description: e.description,
      Family: e.family,
      IsActive: active,
      IsArchived: e.lifecycle === 'Retired',
      IsDeleted: false,
      CurrencyIsoCode: currency,
      QuantityUnitOfMeasure: 'Each',
      CreatedDate: sfDate(p.createdMs),
      LastModifiedDate: sfDate(p.modMs),
      SystemModstamp: sfDate(p.modMs),
      Product_Type__c: TYPE_LABEL[e.productType],
      Billing_Frequency__c: FREQUENCY[billingCycle(primaryPrice(e))],
      Data_GB__c: f.data_gb ?? null,
      Voice_Minutes__c: f.voice_minutes ?? null,
      SMS__c: f.sms ?? null,
    };
  };

  /** UnitPrice of an entry, in minor units of its currency. */
  const entryPrice = (r: PbeRec): { minor: number; currency: string } => {
    const base = primaryPrice(entryOf(r.product)).minor;
    if (r.slot === 'standard') return { minor: base, currency };
    if (r.slot === 'corporate') return { minor: Math.round(base * 0.9), currency };
    // The second currency keeps 2 decimals: its amount is a plain conversion, not a list price.
    const from = currencyInfo(currency);
    const to = currencyInfo(secondCurrency);
    const major = (base / 10 ** from.exponent / from.perSar) * to.perSar;
    return { minor: Math.round(major * 10 ** to.exponent), currency: secondCurrency };
  };

  const pbeFields = (r: PbeRec): CrmPricebookEntry => {
    const p = r.product;
    const e = entryOf(p);
    const m = malformOf(p);
    const price = entryPrice(r);
    return {
      attributes: { type: 'PricebookEntry', url: `/services/data/${CRM_API_VERSION}/sobjects/PricebookEntry/${idOf(r)}` },
      Id: idOf(r),
      Name: m === 'missing-name' ? null : entryName(e),
      Pricebook2Id: r.slot === 'corporate' ? CRM_CORPORATE_PRICEBOOK_ID : CRM_STANDARD_PRICEBOOK_ID,
      Product2Id: m === 'missing-id' ? null : idOf(p),
      ProductCode: `LYR-${FAMILY_CODE[e.family] ?? 'GEN'}-${String(p.index + 1).padStart(6, '0')}`,
      UnitPrice: m === 'bad-price' ? 'N/A' : minorToFloat(price.minor, price.currency),
      CurrencyIsoCode: m === 'bad-currency' ? 'XXX' : price.currency,
      IsActive: true,
      UseStandardPrice: false,
      IsDeleted: false,
      CreatedDate: sfDate(p.createdMs),
      LastModifiedDate: sfDate(r.modMs),
      SystemModstamp: sfDate(r.modMs),
    };
  };

  const fieldsOf = (r: Rec): Record<string, unknown> => (isPbe(r) ? pbeFields(r) : productFields(r)) as unknown as Record<string, unknown>;

  /** Comparable value of a field for WHERE: dates as epoch ms, the rest as served. */
  const valueOf = (r: Rec, field: string): unknown => {
    if (field === 'SystemModstamp' || field === 'LastModifiedDate') return r.modMs;
    if (field === 'CreatedDate') return isPbe(r) ? r.product.createdMs : r.createdMs;
    if (field === 'Id') return idOf(r);
    return fieldsOf(r)[field];
  };

  const render = (r: Rec, fields: string[], fieldsKey: string): string => {
    if (r.json && r.json.epoch === renderEpoch && r.json.fieldsKey === fieldsKey) return r.json.text;
    const all = fieldsOf(r);
    const out: Record<string, unknown> = { attributes: all.attributes };
    for (const f of fields) out[f] = all[f];
    const text = JSON.stringify(out);
    r.json = { epoch: renderEpoch, fieldsKey, text };
    return text;
  };

  // -------------------------------------------------------------------------------------------
  // Store

  const isValid = (p: ProductRec) => !p.deleted && malformOf(p) === undefined;

  const pickValid = (n: number): ProductRec[] => {
    const items = index.Product2.byId.items;
    const chosen = new Set<ProductRec>();
    for (let attempts = 0; chosen.size < n && attempts < n * 20 + 100 && items.length > 0; attempts++) {
      const r = items[Math.floor(mutationRng() * items.length)] as ProductRec | undefined;
      if (r && isValid(r)) chosen.add(r);
    }
    return [...chosen];
  };

  const touch = (object: SObject, r: Rec, ms: number) => {
    index[object].byMod.remove(r);
    r.modMs = ms;
    index[object].byMod.insert(r);
    delete r.json;
  };

  const changeProducts = (recs: ProductRec[]) => {
    for (const p of recs) {
      const what = catalog.mutate(entryOf(p), mutationRng);
      const now = nextStamp();
      if (what.name) touch('Product2', p, now);
      else delete p.json;
      if (what.price) for (const e of p.entries) touch('PricebookEntry', e, now);
      else for (const e of p.entries) delete e.json;
    }
    return recs.map(idOf);
  };

  const removeProducts = (recs: ProductRec[]) => {
    const now = Date.now();
    for (const p of recs) {
      for (const r of [p, ...p.entries]) {
        const object: SObject = isPbe(r) ? 'PricebookEntry' : 'Product2';
        r.deleted = true;
        index[object].byId.remove(r);
        index[object].byMod.remove(r);
        deletedLog[object].push({ id: idOf(r), ms: now });
      }
    }
    return recs.map(idOf);
  };

  const addProducts = (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = makeProduct(nextIndex++, nextStamp());
      for (const r of [p, ...p.entries]) {
        const object: SObject = isPbe(r) ? 'PricebookEntry' : 'Product2';
        index[object].byId.insert(r);
        index[object].byMod.insert(r);
      }
      if (malformOf(p) !== 'missing-id') ids.push(idOf(p));
    }
    return ids;
  };

  let truncateKeep: number | undefined;
  const products = () => index.Product2.byId.items as ProductRec[];

  const store: SimulatorStore<CrmProduct> = {
    all: () => products().map(productFields),
    validIds: () => products().filter(isValid).map(idOf),
    malformedIds: () => products().filter((p) => { const m = malformOf(p); return m !== undefined && m !== 'missing-id'; }).map(idOf),
    change: (n) => changeProducts(pickValid(n)),
    remove: (n) => removeProducts(pickValid(n)),
    add: (n) => addProducts(n),
    truncateNextListing: (keep) => {
      truncateKeep = Math.max(0, Math.floor(keep));
    },
    expected: (id): ExpectedProduct | undefined => {
      const p = findById('Product2', id) as ProductRec | undefined;
      if (!p || !isValid(p)) return undefined;
      const e = entryOf(p);
      return expectedFromEntry(e, idOf(p), currency, lifecycleIsActive(e.lifecycle));
    },
  };

  const mutateWhilePaging = (n: number) => {
    for (let i = 0; i < n; i++) {
      const u = mutationRng();
      if (u < 0.6) changeProducts(pickValid(1));
      else if (u < 0.8) removeProducts(pickValid(1));
      else addProducts(1);
    }
  };

  // -------------------------------------------------------------------------------------------
  // Query execution

  /** Result set of a query, fixed when the query runs (like a Salesforce query locator). */
  const execute = (q: Query): Rec[] => {
    const idx = index[q.object];
    const stampConds = q.conditions.filter((c) => (c.field === 'SystemModstamp' || c.field === 'LastModifiedDate') && c.op !== '=' && c.op !== '!=' && c.op !== 'in' && typeof c.value === 'number');
    const rest = q.conditions.filter((c) => !stampConds.includes(c));
    let recs: Rec[];
    if (stampConds.length > 0) {
      // Range on the SystemModstamp index: a binary search, not a scan.
      let from = 0;
      let to = idx.byMod.length;
      for (const c of stampConds) {
        const t = c.value as number;
        if (c.op === '>=') from = Math.max(from, idx.byMod.lowerBound((r) => (r.modMs < t ? -1 : 0)));
        if (c.op === '>') from = Math.max(from, idx.byMod.lowerBound((r) => (r.modMs <= t ? -1 : 0)));
        if (c.op === '<') to = Math.min(to, idx.byMod.lowerBound((r) => (r.modMs < t ? -1 : 0)));
        if (c.op === '<=') to = Math.min(to, idx.byMod.lowerBound((r) => (r.modMs <= t ? -1 : 0)));
      }
      recs = idx.byMod.items.slice(from, Math.max(from, to));
      if (q.order === 'Id') recs.sort(byIdCmp);
    } else {
      recs = (q.order === 'Id' ? idx.byId : idx.byMod).items.slice();
    }
    if (rest.length > 0) recs = recs.filter((r) => rest.every((c) => matches(valueOf(r, c.field), c.op, c.value)));
    if (q.limit !== undefined) recs = recs.slice(0, q.limit);
    return recs;
  };

  const pageBody = (cursor: Cursor, start: number): { body: string; next?: number } => {
    const q = cursor.query;
    const fieldsKey = q.fields.join(',');
    const end = Math.min(start + cursor.pageSize, cursor.recs.length);
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      const r = cursor.recs[i] as Rec;
      // Records deleted after the query ran are skipped, as Salesforce does.
      if (!r.deleted) parts.push(render(r, q.fields, fieldsKey));
    }
    const done = end >= cursor.recs.length;
    const next = done ? '' : `,"nextRecordsUrl":"${CRM_QUERY_PATH}/${cursor.id}-${end}"`;
    return { body: `{"totalSize":${cursor.recs.length},"done":${done}${next},"records":[${parts.join(',')}]}`, ...(done ? {} : { next: end }) };
  };

  const remember = (cursor: Cursor) => {
    cursors.set(cursor.id, cursor);
    const now = Date.now();
    for (const [id, c] of cursors) if (now - c.lastUsed > CURSOR_IDLE_MS || cursors.size > MAX_CURSORS) cursors.delete(id);
  };

  const runQuery = (call: Call): Reply => {
    const soql = call.url.searchParams.get('q');
    if (!soql) return sfError(400, 'MALFORMED_QUERY', 'A query string (q) is required');
    let q: Query;
    try {
      q = parseSoql(soql);
    } catch (err) {
      if (err instanceof SoqlError) return sfError(400, err.code, err.message);
      throw err;
    }
    let recs = execute(q);
    if (q.count) return json(200, { totalSize: recs.length, done: true, records: [] });
    const trunc = q.object === 'Product2' && q.conditions.length === 0 && truncateKeep !== undefined ? truncateKeep : undefined;
    if (trunc !== undefined) recs = recs.slice(0, trunc);
    // Like Salesforce, a client may ask for smaller batches (200..2000) with Sforce-Query-Options.
    const batch = /batchSize\s*=\s*(\d+)/i.exec(String(call.headers['sforce-query-options'] ?? ''));
    const size = batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : pageSize;
    const cursor: Cursor = { id: sfId('01g', (cursorCounter += 1)), query: q, pageSize: size, recs, lastUsed: Date.now() };
    const { body, next } = pageBody(cursor, 0);
    return {
      status: 200,
      body,
      commit: () => {
        if (trunc !== undefined) truncateKeep = undefined;
        if (next !== undefined) remember(cursor);
      },
    };
  };

  const continueQuery = (cursorId: string, start: number): Reply => {
    const cursor = cursors.get(cursorId);
    if (!cursor || start > cursor.recs.length) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    cursor.lastUsed = Date.now();
    const { body } = pageBody(cursor, start);
    const mutations = core.faults.current.mutateWhilePaging;
    return { status: 200, body, commit: () => mutations > 0 && mutateWhilePaging(mutations) };
  };

  const getDeleted = (object: SObject, call: Call): Reply => {
    const startRaw = call.url.searchParams.get('start');
    const endRaw = call.url.searchParams.get('end');
    if (!startRaw || !endRaw) return sfError(400, 'MISSING_ARGUMENT', 'Missing required parameters: start, end');
    const start = parseIsoLenient(startRaw);
    const end = parseIsoLenient(endRaw);
    if (Number.isNaN(start) || Number.isNaN(end)) return sfError(400, 'INVALID_REPLICATION_DATE', 'start and end must be ISO 8601 date-times');
    if (end < start) return sfError(400, 'INVALID_REPLICATION_DATE', 'end must be after start');
    const now = Date.now();
    const earliest = now - retentionMs;
    const log = deletedLog[object];
    while (log.length > 0 && (log[0] as { ms: number }).ms < earliest) log.shift();
    const covered = Math.min(end, now);
    const deletedRecords = log.filter((d) => d.ms >= start && d.ms <= covered).map((d) => ({ id: d.id, deletedDate: sfDate(d.ms) }));
    return json(200, { deletedRecords, earliestDateAvailable: sfDate(earliest), latestDateCovered: sfDate(covered) });
  };

  const getRecord = (object: SObject, id: string): Reply => {
    const r = findById(object, id);
    if (!r || r.deleted) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return json(200, fieldsOf(r));
  };

  // -------------------------------------------------------------------------------------------
  // Auth and routing

  const token = (call: Call): Reply => {
    if (call.method !== 'POST') return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${call.method}' not allowed. Allowed are POST`);
    const form = new URLSearchParams(call.body);
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = bearer(call.headers, 'Basic');
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      clientId ??= decodeURIComponent(id ?? '');
      clientSecret ??= decodeURIComponent(secret ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    if (clientId !== credentials.clientId) return json(400, { error: 'invalid_client_id', error_description: 'client identifier invalid' });
    if (clientSecret !== credentials.clientSecret) return json(400, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const access = `00D5g000004LyRa!${randomBytes(48).toString('base64url')}`;
    const issuedAt = Date.now();
    return {
      ...json(200, {
        access_token: access,
        signature: randomBytes(32).toString('base64'),
        scope: 'api',
        instance_url: origin,
        id: `${origin}/id/00D5g000004LyRaEAK/0055g00000LyRaSAAV`,
        token_type: 'Bearer',
        issued_at: String(issuedAt),
        expires_in: Math.round(tokenTtlMs / 1000),
      }),
      commit: () => {
        tokens.set(access, issuedAt + tokenTtlMs);
        core.countToken();
      },
    };
  };

  const authenticate = (call: Call): Reply | undefined => {
    const t = bearer(call.headers, 'Bearer') ?? bearer(call.headers, 'OAuth');
    const expires = t ? tokens.get(t) : undefined;
    if (expires !== undefined && expires > Date.now()) return undefined;
    if (t && expires !== undefined) tokens.delete(t);
    return { ...sfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid'), headers: { 'www-authenticate': 'Token' } };
  };

  const sobject = (name: string): SObject | undefined => (['Product2', 'PricebookEntry'] as const).find((o) => o.toLowerCase() === name.toLowerCase());

  const handle = (call: Call): Reply => {
    if (call.path === CRM_TOKEN_PATH) return token(call);
    const m = /^\/services\/data\/v\d+\.\d+\/(.+)$/.exec(call.path);
    if (!m) return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (call.method !== 'GET') return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${call.method}' not allowed. Allowed are GET,HEAD`);
    const denied = authenticate(call);
    if (denied) return denied;
    const rest = m[1] as string;
    if (rest === 'query') return runQuery(call);
    const next = /^query\/([0-9A-Za-z]{15,18})-(\d+)$/.exec(rest);
    if (next) return continueQuery(next[1] as string, Number(next[2]));
    const deleted = /^sobjects\/(\w+)\/deleted$/.exec(rest);
    if (deleted && sobject(deleted[1] as string)) return getDeleted(sobject(deleted[1] as string) as SObject, call);
    const record = /^sobjects\/(\w+)\/([0-9A-Za-z]{15,18})$/.exec(rest);
    if (record && sobject(record[1] as string)) return getRecord(sobject(record[1] as string) as SObject, record[2] as string);
    return sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  const setFaults = (patch: Partial<FaultConfig>) => {
    core.faults.set(patch);
    if (patch.malformedRate !== undefined && patch.malformedRate !== malformedRate) {
      malformedRate = patch.malformedRate;
      renderEpoch += 1;
    }
  };

  const core = await startHttpCore({
    system: 'crm',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed,
    faults: o.faults ?? {},
    handle,
    faultReplies: crmFaultReplies,
    store: store as SimulatorStore<unknown>,
    setFaults,
    expireTokens: () => tokens.clear(),
    counts: () => {
      let malformed = 0;
      for (const p of products()) if (malformOf(p) !== undefined) malformed++;
      return { items: products().length, valid: products().length - malformed, malformed };
    },
    describe: () => ({
      credentials,
      tokenPath: CRM_TOKEN_PATH,
      queryPath: CRM_QUERY_PATH,
      standardPricebookId: CRM_STANDARD_PRICEBOOK_ID,
      corporatePricebookId: CRM_CORPORATE_PRICEBOOK_ID,
      pageSize,
      openCursors: cursors.size,
    }),
  });
  origin = core.url;

  return { url: core.url, port: core.port, close: core.close, setFaults, store, stats: core.stats, expireTokens: () => tokens.clear() };
}
