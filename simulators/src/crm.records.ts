/**
 * The CRM simulator's data: Product2 records with their PricebookEntry records, indexed by id and
 * by SystemModstamp, rendered to Salesforce's JSON, changed by the test store, and queried with a
 * parsed SOQL query. The mapping to ExpectedProduct is described in crm.ts.
 */
import {
  billingCycle,
  createCatalog,
  currencyInfo,
  entryName,
  expectedFromEntry,
  lifecycleIsActive,
  minorToFloat,
  primaryPrice,
  type CatalogGenerator,
  type CatalogEntry,
  type MalformKind,
} from './catalog.js';
import { BASE62, CRM_API_VERSION, CRM_CORPORATE_PRICEBOOK_ID, CRM_STANDARD_PRICEBOOK_ID, FAMILY_CODE, FREQUENCY, TYPE_LABEL, sfDate, sfId, toSecond, type CrmPricebookEntry, type CrmProduct } from './crm.wire.js';
import { itemStreams, stream, type Rng } from './random.js';
import { SortedList } from './sorted.js';
import { malformationAt, malformedWithId, mutateRandomly, pickValid } from './records.js';
import { matches, type Query, type SObject } from './soql.js';
import type { ExpectedProduct, SimulatorStore } from './types.js';

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

export type Rec = ProductRec | PbeRec;

interface RenderCache {
  epoch: number;
  fieldsKey: string;
  text: string;
}

interface ObjectIndex {
  byId: SortedList<Rec>;
  byMod: SortedList<Rec>;
}

const byIdCmp = (a: Rec, b: Rec) => a.num - b.num;
const byModCmp = (a: Rec, b: Rec) => a.modMs - b.modMs || a.num - b.num;
const isPbe = (r: Rec): r is PbeRec => 'slot' in r;
const objectOf = (r: Rec): SObject => (isPbe(r) ? 'PricebookEntry' : 'Product2');

export interface CrmRecordsOptions {
  seed: number;
  currency: string;
  catalogOf: string;
  items: number;
  malformedRate: number;
}

export class CrmRecords {
  readonly currency: string;
  private readonly secondCurrency: string;
  private readonly catalog: CatalogGenerator;
  private readonly shapeStreams: (index: number) => Rng;
  private readonly mutationRng: Rng;
  private malformedRate: number;
  /** Bumped when every record's JSON must be rendered again (the malformed share changed). */
  private renderEpoch = 0;
  private lastStamp = 0;
  private nextIndex = 0;
  private readonly index: Record<SObject, ObjectIndex>;
  /** Deletions per object, oldest first, for the getDeleted replication call. */
  readonly deletedLog: Record<SObject, Array<{ id: string; ms: number }>> = { Product2: [], PricebookEntry: [] };
  /** A one-shot cut of the next unfiltered Product2 listing (the store's truncateNextListing). */
  truncateKeep: number | undefined;
  readonly store: SimulatorStore<CrmProduct>;

  constructor(o: CrmRecordsOptions) {
    this.currency = o.currency;
    currencyInfo(o.currency);
    this.secondCurrency = o.currency === 'USD' ? 'EUR' : 'USD';
    this.catalog = createCatalog(o.seed, o.catalogOf, o.currency);
    this.shapeStreams = itemStreams(o.seed, 'crm:records');
    this.mutationRng = stream(o.seed, 'crm:mutations');
    this.malformedRate = o.malformedRate;
    this.index = this.initialIndex(o.items);
    this.store = this.createStore();
  }

  private initialIndex(count: number): Record<SObject, ObjectIndex> {
    const products: ProductRec[] = [];
    const entries: PbeRec[] = [];
    for (; this.nextIndex < count; this.nextIndex++) {
      const r = this.makeProduct(this.nextIndex);
      products.push(r);
      this.lastStamp = Math.max(this.lastStamp, r.modMs);
      for (const e of r.entries) {
        entries.push(e);
        this.lastStamp = Math.max(this.lastStamp, e.modMs);
      }
    }
    const productsById = new SortedList<Rec>(byIdCmp, products);
    const entriesById = new SortedList<Rec>(byIdCmp, entries);
    return {
      Product2: { byId: productsById, byMod: new SortedList<Rec>(byModCmp, () => productsById.items) },
      PricebookEntry: { byId: entriesById, byMod: new SortedList<Rec>(byModCmp, () => entriesById.items) },
    };
  }

  private nextStamp(): number {
    // Whole seconds like Salesforce, so several changes may share one SystemModstamp.
    this.lastStamp = Math.max(toSecond(Date.now()), this.lastStamp);
    return this.lastStamp;
  }

  private makeProduct(index: number, createdMs?: number): ProductRec {
    const rng = this.shapeStreams(index);
    const created = createdMs ?? toSecond(this.catalog.createdMs(index));
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
  }

  idOf(r: Rec): string {
    return (r.id ??= sfId(isPbe(r) ? '01u' : '01t', r.num));
  }

  /** Finds a live record by 15- or 18-character id: decode the counter, then binary search. */
  findById(object: SObject, id: string): Rec | undefined {
    const m = /^(01t|01u)5g0000([0-9A-Za-z]{6})(?:[A-Z0-5]{3})?$/.exec(id);
    if (!m || (m[1] === '01t') !== (object === 'Product2')) return undefined;
    let num = 0;
    for (const ch of m[2] as string) num = num * 62 + BASE62.indexOf(ch);
    const list = this.index[object].byId;
    const r = list.items[list.lowerBound((x) => x.num - num)];
    return r && r.num === num && this.idOf(r).startsWith(id.slice(0, 15)) ? r : undefined;
  }

  private entryOf(p: ProductRec): CatalogEntry {
    return (p.entry ??= this.catalog.make(p.index));
  }

  malformOf(p: ProductRec): MalformKind | undefined {
    return malformationAt(this.catalog, p.index, this.malformedRate);
  }

  setMalformedRate(rate: number): void {
    if (rate === this.malformedRate) return;
    this.malformedRate = rate;
    this.renderEpoch += 1;
  }

  products(): ProductRec[] {
    return this.index.Product2.byId.items as ProductRec[];
  }

  // -------------------------------------------------------------------------------------------
  // Field values

  productFields(p: ProductRec): CrmProduct {
    const e = this.entryOf(p);
    const m = this.malformOf(p);
    const f = e.features;
    return {
      attributes: { type: 'Product2', url: `/services/data/${CRM_API_VERSION}/sobjects/Product2/${this.idOf(p)}` },
      Id: m === 'missing-id' ? null : this.idOf(p),
      ProductCode: productCode(e, p),
      Name: m === 'missing-name' ? null : entryName(e),
      Description: e.description,
      Family: e.family,
      IsActive: lifecycleIsActive(e.lifecycle),
      IsArchived: e.lifecycle === 'Retired',
      IsDeleted: false,
      CurrencyIsoCode: this.currency,
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
  }

  /** UnitPrice of an entry, in minor units of its currency. */
  private entryPrice(r: PbeRec): { minor: number; currency: string } {
    const base = primaryPrice(this.entryOf(r.product)).minor;
    if (r.slot === 'standard') return { minor: base, currency: this.currency };
    if (r.slot === 'corporate') return { minor: Math.round(base * 0.9), currency: this.currency };
    // The second currency keeps 2 decimals: its amount is a plain conversion, not a list price.
    const from = currencyInfo(this.currency);
    const to = currencyInfo(this.secondCurrency);
    const major = (base / 10 ** from.exponent / from.perSar) * to.perSar;
    return { minor: Math.round(major * 10 ** to.exponent), currency: this.secondCurrency };
  }

  private pbeFields(r: PbeRec): CrmPricebookEntry {
    const p = r.product;
    const e = this.entryOf(p);
    const m = this.malformOf(p);
    const price = this.entryPrice(r);
    return {
      attributes: { type: 'PricebookEntry', url: `/services/data/${CRM_API_VERSION}/sobjects/PricebookEntry/${this.idOf(r)}` },
      Id: this.idOf(r),
      Name: m === 'missing-name' ? null : entryName(e),
      Pricebook2Id: r.slot === 'corporate' ? CRM_CORPORATE_PRICEBOOK_ID : CRM_STANDARD_PRICEBOOK_ID,
      Product2Id: m === 'missing-id' ? null : this.idOf(p),
      ProductCode: productCode(e, p),
      UnitPrice: m === 'bad-price' ? 'N/A' : minorToFloat(price.minor, price.currency),
      CurrencyIsoCode: m === 'bad-currency' ? 'XXX' : price.currency,
      IsActive: true,
      UseStandardPrice: false,
      IsDeleted: false,
      CreatedDate: sfDate(p.createdMs),
      LastModifiedDate: sfDate(r.modMs),
      SystemModstamp: sfDate(r.modMs),
    };
  }

  fieldsOf(r: Rec): Record<string, unknown> {
    return (isPbe(r) ? this.pbeFields(r) : this.productFields(r)) as unknown as Record<string, unknown>;
  }

  /** Comparable value of a field for WHERE: dates as epoch ms, the rest as served. */
  private valueOf(r: Rec, field: string): unknown {
    if (field === 'SystemModstamp' || field === 'LastModifiedDate') return r.modMs;
    if (field === 'CreatedDate') return isPbe(r) ? r.product.createdMs : r.createdMs;
    if (field === 'Id') return this.idOf(r);
    return this.fieldsOf(r)[field];
  }

  /** The record's JSON with the selected fields, cached until the record or the epoch changes. */
  render(r: Rec, fields: string[], fieldsKey: string): string {
    if (r.json && r.json.epoch === this.renderEpoch && r.json.fieldsKey === fieldsKey) return r.json.text;
    const all = this.fieldsOf(r);
    const out: Record<string, unknown> = { attributes: all.attributes };
    for (const f of fields) out[f] = all[f];
    const text = JSON.stringify(out);
    r.json = { epoch: this.renderEpoch, fieldsKey, text };
    return text;
  }

  // -------------------------------------------------------------------------------------------
  // Changes

  private isValid(p: ProductRec): boolean {
    return !p.deleted && this.malformOf(p) === undefined;
  }

  private pickValid(n: number): ProductRec[] {
    return pickValid(this.mutationRng, this.products(), n, (p) => this.isValid(p));
  }

  private touch(r: Rec, ms: number): void {
    const { byMod } = this.index[objectOf(r)];
    byMod.remove(r);
    r.modMs = ms;
    byMod.insert(r);
    delete r.json;
  }

  /** A name change moves the Product2's SystemModstamp; a price change its entries' only. */
  private changeProducts(recs: ProductRec[]): string[] {
    for (const p of recs) {
      const what = this.catalog.mutate(this.entryOf(p), this.mutationRng);
      const now = this.nextStamp();
      if (what.name) this.touch(p, now);
      else delete p.json;
      if (what.price) for (const e of p.entries) this.touch(e, now);
      else for (const e of p.entries) delete e.json;
    }
    return recs.map((p) => this.idOf(p));
  }

  private removeProducts(recs: ProductRec[]): string[] {
    const now = Date.now();
    for (const p of recs) {
      for (const r of [p, ...p.entries]) {
        const object = objectOf(r);
        r.deleted = true;
        this.index[object].byId.remove(r);
        this.index[object].byMod.remove(r);
        this.deletedLog[object].push({ id: this.idOf(r), ms: now });
      }
    }
    return recs.map((p) => this.idOf(p));
  }

  private addProducts(n: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = this.makeProduct(this.nextIndex++, this.nextStamp());
      for (const r of [p, ...p.entries]) {
        this.index[objectOf(r)].byId.insert(r);
        this.index[objectOf(r)].byMod.insert(r);
      }
      if (this.malformOf(p) !== 'missing-id') ids.push(this.idOf(p));
    }
    return ids;
  }

  /** The fault "mutateWhilePaging": n random changes, removals and additions between two pages. */
  mutateWhilePaging(n: number): void {
    mutateRandomly(this.mutationRng, n, {
      change: () => this.changeProducts(this.pickValid(1)),
      remove: () => this.removeProducts(this.pickValid(1)),
      add: () => this.addProducts(1),
    });
  }

  private createStore(): SimulatorStore<CrmProduct> {
    return {
      all: () => this.products().map((p) => this.productFields(p)),
      validIds: () => this.products().filter((p) => this.isValid(p)).map((p) => this.idOf(p)),
      malformedIds: () => malformedWithId(this.products(), (p) => this.malformOf(p)).map((p) => this.idOf(p)),
      change: (n) => this.changeProducts(this.pickValid(n)),
      remove: (n) => this.removeProducts(this.pickValid(n)),
      add: (n) => this.addProducts(n),
      truncateNextListing: (keep) => {
        this.truncateKeep = Math.max(0, Math.floor(keep));
      },
      expected: (id): ExpectedProduct | undefined => {
        const p = this.findById('Product2', id) as ProductRec | undefined;
        if (!p || !this.isValid(p)) return undefined;
        const e = this.entryOf(p);
        return expectedFromEntry(e, this.idOf(p), this.currency, lifecycleIsActive(e.lifecycle));
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Query execution

  /** Result set of a query, fixed when the query runs (like a Salesforce query locator). */
  execute(q: Query): Rec[] {
    const idx = this.index[q.object];
    const stampConds = q.conditions.filter((c) => (c.field === 'SystemModstamp' || c.field === 'LastModifiedDate') && c.op !== '=' && c.op !== '!=' && c.op !== 'in' && typeof c.value === 'number');
    const rest = q.conditions.filter((c) => !stampConds.includes(c));
    let recs: Rec[];
    if (stampConds.length > 0) {
      recs = stampRange(idx.byMod, stampConds as Array<{ op: '>' | '>=' | '<' | '<='; value: number }>);
      if (q.order === 'Id') recs.sort(byIdCmp);
    } else {
      recs = (q.order === 'Id' ? idx.byId : idx.byMod).items.slice();
    }
    if (rest.length > 0) recs = recs.filter((r) => rest.every((c) => matches(this.valueOf(r, c.field), c.op, c.value)));
    if (q.limit !== undefined) recs = recs.slice(0, q.limit);
    return recs;
  }
}

function productCode(e: CatalogEntry, p: ProductRec): string {
  return `LYR-${FAMILY_CODE[e.family] ?? 'GEN'}-${String(p.index + 1).padStart(6, '0')}`;
}

/** Range on the SystemModstamp index: a binary search, not a scan. */
function stampRange(byMod: SortedList<Rec>, conds: Array<{ op: '>' | '>=' | '<' | '<='; value: number }>): Rec[] {
  let from = 0;
  let to = byMod.length;
  for (const c of conds) {
    const t = c.value;
    if (c.op === '>=') from = Math.max(from, byMod.lowerBound((r) => (r.modMs < t ? -1 : 0)));
    if (c.op === '>') from = Math.max(from, byMod.lowerBound((r) => (r.modMs <= t ? -1 : 0)));
    if (c.op === '<') to = Math.min(to, byMod.lowerBound((r) => (r.modMs < t ? -1 : 0)));
    if (c.op === '<=') to = Math.min(to, byMod.lowerBound((r) => (r.modMs <= t ? -1 : 0)));
  }
  return byMod.items.slice(from, Math.max(from, to));
}
