/**
 * The Xiva simulator's data: offerings indexed by id (UUID order) and by lastUpdate, each derived
 * from its catalog index on first use, changed by the test store. Rendering is in xiva.render.ts;
 * the mapping to ExpectedProduct is described in xiva.ts.
 */
import { createCatalog, currencyInfo, expectedFromEntry, lifecycleIsActive, type CatalogEntry, type CatalogGenerator, type MalformKind } from './catalog.js';
import { formatUuid, itemStreams, stream, uuidOrderKey, uuidWords, type Rng } from './random.js';
import { malformationAt, malformedWithId, mutateRandomly, pickValid } from './records.js';
import { QueryCache, SortedList, compareStrings } from './sorted.js';
import type { ExpectedProduct, SimulatorStore } from './types.js';
import type { XivaOffering } from './xiva.wire.js';

/**
 * Only the id and lastUpdate of every offering are built at start; everything else is derived
 * from the index on first use, so 100,000 offerings start in a fraction of a second.
 */
export interface OfferingRec {
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

export interface Look {
  /** Half the offerings show lastUpdate in +03:00 (Riyadh) instead of Z: clients must parse offsets. */
  plusThree: boolean;
  allowancesAsCharacteristic: boolean;
  /** Used by priceStyle 'mixed'. */
  embedInMixed: boolean;
}

/** A lastUpdate window: each bound inclusive or not; `key` names it for the listing cache. */
export interface LastUpdateRange {
  lo?: { ms: number; inclusive: boolean };
  hi?: { ms: number; inclusive: boolean };
  key: string;
}

/**
 * Pending truncation of the next full listing; `active` once its first page was served, `ended`
 * once its last one was. It stays in force (requests past its end answer as past the end) until
 * a listing starts again at offset 0: a client probing for more must see a consistent end.
 */
export interface Truncation {
  keep: number;
  active: boolean;
  ended: boolean;
}

export interface XivaRecordsOptions {
  seed: number;
  currency: string;
  catalogOf: string;
  items: number;
  malformedRate: number;
}

export class XivaRecords {
  readonly currency: string;
  private readonly catalog: CatalogGenerator;
  private readonly mutationRng: Rng;
  private readonly idStreams: (index: number) => Rng;
  private readonly lookStreams: (index: number) => Rng;
  private malformedRate: number;
  /** Bumped when malformedRate changes: every cached rendering becomes stale at once. */
  renderEpoch = 0;
  /** Bumped on every data change: keys the cache of filtered listings. */
  private dataVersion = 0;
  private nextIndex = 0;
  private lastStamp = 0;
  readonly byId: SortedList<OfferingRec>;
  private readonly byUpdate: SortedList<OfferingRec>;
  private readonly filtered = new QueryCache<OfferingRec[]>();
  /** Prefix sums of price counts in id order, so price number `offset` is found by binary search. */
  private readonly priceOffsets = new QueryCache<Uint32Array>(2);
  truncation: Truncation | undefined;
  readonly store: SimulatorStore<XivaOffering>;

  constructor(
    o: XivaRecordsOptions,
    /** The v5 rendering, for store.all(). */
    private readonly renderV5: (rec: OfferingRec) => XivaOffering,
  ) {
    this.currency = o.currency;
    currencyInfo(o.currency);
    this.catalog = createCatalog(o.seed, o.catalogOf, o.currency);
    this.mutationRng = stream(o.seed, 'xiva:mutations');
    this.idStreams = itemStreams(o.seed, 'xiva:ids');
    this.lookStreams = itemStreams(o.seed, 'xiva:look');
    this.malformedRate = o.malformedRate;
    const initial: OfferingRec[] = [];
    for (; this.nextIndex < o.items; this.nextIndex++) {
      const r = this.makeRec(this.nextIndex);
      initial.push(r);
      this.lastStamp = Math.max(this.lastStamp, r.lastUpdateMs);
    }
    const cmpId = (a: OfferingRec, b: OfferingRec) => this.cmpId(a, b);
    this.byId = new SortedList<OfferingRec>(cmpId, initial);
    this.byUpdate = new SortedList<OfferingRec>((a, b) => a.lastUpdateMs - b.lastUpdateMs || cmpId(a, b), () => this.byId.items);
    this.store = this.createStore();
  }

  private nextStamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private makeRec(index: number, lastUpdateMs?: number): OfferingRec {
    const idRng = this.idStreams(index);
    const [w1, w2] = uuidWords(idRng);
    // Half the offerings were never edited after creation, which keeps the bulk-load ties.
    const editedAfterDays = idRng() < 0.5 ? 0 : Math.floor(idRng() * 90);
    return { index, k1: w1, k2: uuidOrderKey(w2), lastUpdateMs: lastUpdateMs ?? this.catalog.createdMs(index) + editedAfterDays * 86_400_000 };
  }

  /** Same draws as makeRec, so the text matches k1/k2. */
  keyOf(rec: OfferingRec): string {
    return (rec.key ??= formatUuid(uuidWords(this.idStreams(rec.index))));
  }

  /** Price ids embed the offering id (pop-<n>-<offering id>), so a price is found without a second index. */
  popId(rec: OfferingRec, n: number): string {
    return `pop-${n}-${this.keyOf(rec)}`;
  }

  cmpId(a: OfferingRec, b: OfferingRec): number {
    return a.k1 - b.k1 || a.k2 - b.k2 || compareStrings(this.keyOf(a), this.keyOf(b));
  }

  lookOf(rec: OfferingRec): Look {
    if (rec.look) return rec.look;
    const rng = this.lookStreams(rec.index);
    return (rec.look = { plusThree: rng() < 0.5, allowancesAsCharacteristic: rng() < 0.3, embedInMixed: rng() < 0.5 });
  }

  pricesOf(rec: OfferingRec): number {
    return (rec.priceCount ??= this.catalog.priceCount(rec.index));
  }

  /** Finds an offering by UUID text with a binary search on its first word: no string index needed. */
  findByKey(id: string): OfferingRec | undefined {
    if (!/^[0-9a-f]{8}-/.test(id)) return undefined;
    const k1 = parseInt(id.slice(0, 8), 16);
    const { byId } = this;
    for (let i = byId.lowerBound((r) => r.k1 - k1); i < byId.length; i++) {
      const r = byId.items[i] as OfferingRec;
      if (r.k1 !== k1) break;
      if (this.keyOf(r) === id) return r;
    }
    return undefined;
  }

  entryOf(rec: OfferingRec): CatalogEntry {
    return (rec.entry ??= this.catalog.make(rec.index));
  }

  malformOf(rec: OfferingRec): MalformKind | undefined {
    return malformationAt(this.catalog, rec.index, this.malformedRate);
  }

  setMalformedRate(rate: number): void {
    if (rate === this.malformedRate) return;
    this.malformedRate = rate;
    this.renderEpoch += 1;
    this.dataVersion += 1;
  }

  // -------------------------------------------------------------------------------------------
  // Listing

  /**
   * The offerings a listing pages through and the slice [lo, hi) it serves: in lastUpdate order
   * (the index itself), a cached id-ordered copy of a lastUpdate window, or every offering.
   */
  offeringsView(sort: 'id' | 'lastUpdate', range: LastUpdateRange | undefined): { items: readonly OfferingRec[]; lo: number; hi: number } {
    const { byUpdate } = this;
    if (!range) {
      const items = sort === 'lastUpdate' ? byUpdate.items : this.byId.items;
      return { items, lo: 0, hi: items.length };
    }
    const { lo: low, hi: high } = range;
    const from = low ? byUpdate.lowerBound((x) => ((low.inclusive ? x.lastUpdateMs < low.ms : x.lastUpdateMs <= low.ms) ? -1 : 0)) : 0;
    const to = high ? byUpdate.lowerBound((x) => ((high.inclusive ? x.lastUpdateMs <= high.ms : x.lastUpdateMs < high.ms) ? -1 : 0)) : byUpdate.length;
    if (sort === 'lastUpdate') return { items: byUpdate.items, lo: from, hi: Math.max(from, to) };
    const items = this.filtered.get(range.key, this.dataVersion, () => byUpdate.items.slice(from, Math.max(from, to)).sort((a, b) => this.cmpId(a, b)));
    return { items, lo: 0, hi: items.length };
  }

  /** Every price of every offering, in id order: how many, and `count` of them from number `start` (0-based). */
  prices(): { total: number; slice(start: number, count: number): Array<[OfferingRec, number]> } {
    const { byId } = this;
    const sums = this.priceOffsets.get('prices', this.dataVersion, () => {
      const s = new Uint32Array(byId.length + 1);
      for (let i = 0; i < byId.length; i++) s[i + 1] = (s[i] as number) + this.pricesOf(byId.items[i] as OfferingRec);
      return s;
    });
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
        for (; n <= this.pricesOf(rec) && out.length < count; n++) out.push([rec, n]);
      }
      return out;
    };
    return { total: sums[sums.length - 1] ?? 0, slice };
  }

  // -------------------------------------------------------------------------------------------
  // Changes

  private invalidate(rec: OfferingRec): void {
    delete rec.json;
    delete rec.priceJson;
    this.dataVersion += 1;
  }

  private isValid(r: OfferingRec): boolean {
    return this.malformOf(r) === undefined;
  }

  private pickValid(n: number): OfferingRec[] {
    return pickValid(this.mutationRng, this.byId.items, n, (r) => this.isValid(r));
  }

  private changeRecs(recs: OfferingRec[]): string[] {
    for (const r of recs) {
      this.byUpdate.remove(r);
      this.catalog.mutate(this.entryOf(r), this.mutationRng);
      r.lastUpdateMs = this.nextStamp();
      this.byUpdate.insert(r);
      this.invalidate(r);
    }
    return recs.map((r) => this.keyOf(r));
  }

  private removeRecs(recs: OfferingRec[]): string[] {
    for (const r of recs) {
      this.byId.remove(r);
      this.byUpdate.remove(r);
      this.invalidate(r);
    }
    return recs.map((r) => this.keyOf(r));
  }

  private addRecs(n: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.makeRec(this.nextIndex++, this.nextStamp());
      this.byId.insert(r);
      this.byUpdate.insert(r);
      this.dataVersion += 1;
      if (this.malformOf(r) !== 'missing-id') ids.push(this.keyOf(r));
    }
    return ids;
  }

  /** The fault "mutateWhilePaging": n random changes, removals and additions between two pages. */
  mutateWhilePaging(n: number): void {
    mutateRandomly(this.mutationRng, n, {
      change: () => this.changeRecs(this.pickValid(1)),
      remove: () => this.removeRecs(this.pickValid(1)),
      add: () => this.addRecs(1),
    });
  }

  counts(): { items: number; valid: number; malformed: number } {
    let malformed = 0;
    for (const r of this.byId.items) if (this.malformOf(r) !== undefined) malformed++;
    return { items: this.byId.length, valid: this.byId.length - malformed, malformed };
  }

  private createStore(): SimulatorStore<XivaOffering> {
    const keys = (recs: readonly OfferingRec[]) => recs.map((r) => this.keyOf(r));
    return {
      all: () => this.byId.items.map((r) => this.renderV5(r)),
      validIds: () => keys(this.byId.items.filter((r) => this.isValid(r))),
      malformedIds: () => keys(malformedWithId(this.byId.items, (r) => this.malformOf(r))),
      change: (n) => this.changeRecs(this.pickValid(n)),
      remove: (n) => this.removeRecs(this.pickValid(n)),
      add: (n) => this.addRecs(n),
      truncateNextListing: (keep) => {
        this.truncation = { keep: Math.max(0, Math.floor(keep)), active: false, ended: false };
      },
      expected: (id): ExpectedProduct | undefined => {
        const r = this.findByKey(id);
        if (!r || !this.isValid(r)) return undefined;
        const e = this.entryOf(r);
        return expectedFromEntry(e, this.keyOf(r), this.currency, lifecycleIsActive(e.lifecycle));
      },
    };
  }
}
