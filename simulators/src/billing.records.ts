/**
 * The billing simulator's data: item prices in creation order (position = seq) and by
 * updated_at, rendered to Chargebee's JSON, changed by the test store. The mapping to
 * ExpectedProduct is described in billing.ts.
 */
import { createCatalog, currencyInfo, entryName, expectedFromEntry, primaryPrice, type CatalogEntry, type CatalogGenerator, type MalformKind } from './catalog.js';
import type { BillingItemPrice } from './billing.wire.js';
import { itemStreams, stream, type Rng } from './random.js';
import { malformationAt, malformedWithId, mutateRandomly, pickValid } from './records.js';
import { QueryCache, SortedList } from './sorted.js';
import type { ExpectedProduct, SimulatorStore } from './types.js';

export interface ItemRec {
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

/** The items a listing walks, and the slice [lo, hi) of them its filter keeps. */
export interface ListingView {
  items: readonly ItemRec[];
  lo: number;
  hi: number;
  /** Ordered by updated_at (else by seq). */
  byUpdate: boolean;
}

const slug = (s: string) => s.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

const PERIOD_LABEL: Record<string, string> = { 'day:1': 'Daily', 'week:1': 'Weekly', 'month:1': 'Monthly', 'month:3': 'Every-3-months', 'year:1': 'Yearly' };

export interface BillingRecordsOptions {
  seed: number;
  currency: string;
  catalogOf: string;
  items: number;
  malformedRate: number;
}

export class BillingRecords {
  readonly currency: string;
  private readonly catalog: CatalogGenerator;
  private readonly recStreams: (index: number) => Rng;
  private readonly mutationRng: Rng;
  private malformedRate: number;
  /** Bumped when every item's JSON must be rendered again (the malformed share changed). */
  private renderEpoch = 0;
  /** Bumped on every change: the key of the cached filtered listings. */
  private dataVersion = 0;
  private lastStamp = 0;
  /** Items are never removed (deleted ones keep a status), so position in this array = seq. */
  readonly recs: ItemRec[] = [];
  private readonly byUpdated: SortedList<ItemRec>;
  private readonly filtered = new QueryCache<ItemRec[]>();
  /** A one-shot cut of the next full listing (the store's truncateNextListing). */
  truncateKeep: number | undefined;
  readonly store: SimulatorStore<BillingItemPrice>;

  constructor(o: BillingRecordsOptions) {
    this.currency = o.currency;
    currencyInfo(o.currency);
    this.catalog = createCatalog(o.seed, o.catalogOf, o.currency);
    this.recStreams = itemStreams(o.seed, 'billing:records');
    this.mutationRng = stream(o.seed, 'billing:mutations');
    this.malformedRate = o.malformedRate;
    for (let seq = 0; seq < o.items; seq++) {
      const r = this.makeRec(seq);
      this.recs.push(r);
      this.lastStamp = Math.max(this.lastStamp, r.updatedMs);
    }
    this.byUpdated = new SortedList<ItemRec>((a, b) => a.updatedMs - b.updatedMs || a.seq - b.seq, () => this.recs);
    this.store = this.createStore();
  }

  private makeRec(seq: number, createdMs?: number): ItemRec {
    const rng = this.recStreams(seq);
    const created = createdMs ?? this.catalog.createdMs(seq);
    const edited = createdMs !== undefined || rng() < 0.5 ? 0 : Math.floor(rng() * 90 * 86_400_000);
    // About 1% were deleted before we started: a client must not create them.
    return { seq, createdMs: created, updatedMs: created + edited, deleted: createdMs === undefined && rng() < 0.01 };
  }

  private nextStamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private entryOf(r: ItemRec): CatalogEntry {
    if (!r.entry) {
      const e = this.catalog.make(r.seq);
      const p = primaryPrice(e);
      const period = p.kind === 'recurring' ? `-${PERIOD_LABEL[`${p.period}:${p.periodLength ?? 1}`] ?? 'Monthly'}` : '';
      r.id = `${slug(entryName(e))}-${String(r.seq).padStart(6, '0')}-${this.currency}${period}`;
      r.entry = e;
    }
    return r.entry;
  }

  idOf(r: ItemRec): string {
    this.entryOf(r);
    return r.id as string;
  }

  malformOf(r: ItemRec): MalformKind | undefined {
    return malformationAt(this.catalog, r.seq, this.malformedRate);
  }

  setMalformedRate(rate: number): void {
    if (rate === this.malformedRate) return;
    this.malformedRate = rate;
    this.renderEpoch += 1;
  }

  private statusOf(r: ItemRec): BillingItemPrice['status'] {
    if (r.deleted) return 'deleted';
    const l = this.entryOf(r).lifecycle;
    return l === 'Launched' || l === 'Active' ? 'active' : 'archived';
  }

  /** The seq is part of every id, so a lookup needs no id index. */
  findById(id: string): ItemRec | undefined {
    const m = /-(\d{6,})-[A-Z]{3}(?:-[A-Za-z0-9-]+)?$/.exec(id);
    const r = m ? this.recs[Number(m[1])] : undefined;
    return r && this.idOf(r) === id ? r : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Rendering

  renderItem(r: ItemRec): BillingItemPrice {
    const e = this.entryOf(r);
    const m = this.malformOf(r);
    const p = primaryPrice(e);
    const status = this.statusOf(r);
    const itemType: BillingItemPrice['item_type'] = p.kind === 'oneTime' ? 'charge' : e.productType === 'bundle' || e.productType === 'device' ? 'plan' : 'addon';
    const name = entryName(e);
    const item: BillingItemPrice = {
      id: this.idOf(r),
      name,
      external_name: name,
      item_family_id: 'mobile-catalog',
      item_id: this.idOf(r).replace(/-[A-Z]{3}(-[A-Za-z0-9-]+)?$/, ''),
      description: e.description,
      status,
      pricing_model: e.family === 'Add-ons' ? 'per_unit' : 'flat_fee',
      price: m === 'bad-price' ? 'N/A' : p.minor,
      currency_code: m === 'bad-currency' ? 'XXX' : this.currency,
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
      metadata: metadataOf(e),
      object: 'item_price',
    };
    if (m === 'missing-id') delete item.id;
    if (m === 'missing-name') {
      delete item.name;
      delete item.external_name;
    }
    return item;
  }

  itemJson(r: ItemRec): string {
    if (r.json?.epoch !== this.renderEpoch) r.json = { epoch: this.renderEpoch, text: `{"item_price":${JSON.stringify(this.renderItem(r))}}` };
    return r.json.text;
  }

  // -------------------------------------------------------------------------------------------
  // Listing

  /**
   * The items a listing pages through: by updated_at (the index itself), a cached seq-ordered
   * copy of an updated_at window, or every item by seq. [fromMs, toMs) is the updated_at window.
   */
  listingView(byUpdate: boolean, fromMs: number, toMs: number): ListingView {
    const filteredByTime = fromMs !== -Infinity || toMs !== Infinity;
    const byUpdated = this.byUpdated;
    const lowerUpdated = (ms: number) => byUpdated.lowerBound((r) => (r.updatedMs < ms ? -1 : 0));
    if (byUpdate) {
      const lo = filteredByTime ? lowerUpdated(fromMs) : 0;
      const hi = filteredByTime ? Math.max(lo, lowerUpdated(toMs)) : byUpdated.items.length;
      return { items: byUpdated.items, lo, hi, byUpdate };
    }
    if (filteredByTime) {
      const items = this.filtered.get(`${fromMs}:${toMs}`, this.dataVersion, () => {
        const from = lowerUpdated(fromMs);
        return byUpdated.items.slice(from, Math.max(from, lowerUpdated(toMs))).sort((a, b) => a.seq - b.seq);
      });
      return { items, lo: 0, hi: items.length, byUpdate };
    }
    return { items: this.recs, lo: 0, hi: this.recs.length, byUpdate };
  }

  /** Keyset: the position of the first item strictly after (sortValue, seq), so deletes never shift pages. */
  positionAfter(view: ListingView, sortValue: number, seq: number): number {
    if (view.byUpdate) {
      return Math.max(view.lo, this.byUpdated.lowerBound((r) => (r.updatedMs < sortValue || (r.updatedMs === sortValue && r.seq <= seq) ? -1 : 0)));
    }
    if (view.items === this.recs) return seq + 1;
    let a = view.lo;
    let b = view.hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((view.items[mid] as ItemRec).seq <= seq) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  // -------------------------------------------------------------------------------------------
  // Changes

  private isValid(r: ItemRec): boolean {
    return !r.deleted && this.malformOf(r) === undefined;
  }

  private pickValid(n: number): ItemRec[] {
    return pickValid(this.mutationRng, this.recs, n, (r) => this.isValid(r));
  }

  private bump(r: ItemRec): void {
    this.byUpdated.remove(r);
    r.updatedMs = this.nextStamp();
    this.byUpdated.insert(r);
    delete r.json;
    this.dataVersion += 1;
  }

  private changeItems(items: ItemRec[]): string[] {
    for (const r of items) {
      this.catalog.mutate(this.entryOf(r), this.mutationRng);
      this.bump(r);
    }
    return items.map((r) => this.idOf(r));
  }

  private removeItems(items: ItemRec[]): string[] {
    for (const r of items) {
      r.deleted = true;
      this.bump(r);
    }
    return items.map((r) => this.idOf(r));
  }

  private addItems(n: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.makeRec(this.recs.length, this.nextStamp());
      this.recs.push(r);
      this.byUpdated.insert(r);
      this.dataVersion += 1;
      if (this.malformOf(r) !== 'missing-id') ids.push(this.idOf(r));
    }
    return ids;
  }

  /** The fault "mutateWhilePaging": n random changes, removals and additions between two pages. */
  mutateWhilePaging(n: number): void {
    mutateRandomly(this.mutationRng, n, {
      change: () => this.changeItems(this.pickValid(1)),
      remove: () => this.removeItems(this.pickValid(1)),
      add: () => this.addItems(1),
    });
  }

  /** Items, valid ones (neither malformed nor deleted) and malformed ones, for the control API. */
  counts(): { items: number; valid: number; malformed: number } {
    let valid = 0;
    let malformed = 0;
    for (const r of this.recs) {
      if (this.malformOf(r) !== undefined) malformed++;
      else if (!r.deleted) valid++;
    }
    return { items: this.recs.length, valid, malformed };
  }

  private createStore(): SimulatorStore<BillingItemPrice> {
    return {
      all: () => this.recs.map((r) => this.renderItem(r)),
      validIds: () => this.recs.filter((r) => this.isValid(r)).map((r) => this.idOf(r)),
      malformedIds: () => malformedWithId(this.recs, (r) => this.malformOf(r)).map((r) => this.idOf(r)),
      change: (n) => this.changeItems(this.pickValid(n)),
      remove: (n) => this.removeItems(this.pickValid(n)),
      add: (n) => this.addItems(n),
      truncateNextListing: (keep) => {
        this.truncateKeep = Math.max(0, Math.floor(keep));
      },
      expected: (id): ExpectedProduct | undefined => {
        const r = this.findById(id);
        if (!r || !this.isValid(r)) return undefined;
        return expectedFromEntry(this.entryOf(r), this.idOf(r), this.currency, this.statusOf(r) === 'active');
      },
    };
  }
}

/** product_type, category, allowances ("unlimited" for -1) and a device's upfront price. */
function metadataOf(e: CatalogEntry): Record<string, string | number> {
  const p = primaryPrice(e);
  const metadata: Record<string, string | number> = { product_type: e.productType, category: e.family };
  const f = e.features;
  const amount = (n: number) => (n === -1 ? 'unlimited' : n);
  if (f.data_gb !== undefined) metadata.data_gb = amount(f.data_gb);
  if (f.voice_minutes !== undefined) metadata.voice_minutes = amount(f.voice_minutes);
  if (f.sms !== undefined) metadata.sms = amount(f.sms);
  const upfront = e.prices.find((x) => x.kind === 'oneTime');
  if (e.productType === 'device' && p.kind === 'recurring' && upfront) metadata.upfront_price = upfront.minor;
  return metadata;
}
