import type { Column } from '@lyra/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../../test/helpers.js';
import type { SyntheticData } from '../../customers/synthetic.js';
import { buildCatalog } from '../../customers/synthetic.catalog.js';
import { ColumnBuilder, customerRow, CUSTOMER_FEATURES, featureDefs, productRow, productRows, type CustomerFacts, type ProductInfo } from './features.js';
import { createFeaturesRepository, type FeaturesRepository } from './features.repository.js';
import { catalogForGenerator, loadSynthetic } from '../ml.fixtures.js';

const SNAPSHOT = '2026-09-01';
const PRE = { segments: ['mass', 'youth', 'expats', 'travelers', 'high_value'] };

describe('features as of a snapshot', () => {
  let t: TestContext;
  let data: SyntheticData;
  let repo: FeaturesRepository;
  let ids: string[];
  let products: ProductInfo[];

  beforeAll(async () => {
    t = await createTestContext();
    data = await loadSynthetic(t.container, { customers: 400, seed: 11, snapshot: SNAPSHOT });
    repo = createFeaturesRepository(t.database.db);
    ids = data.customers.map((c) => c.id).sort();
    products = await repo.sellableProducts();
  });
  afterAll(() => t.close());

  /** Every customer-level and product-pair feature of every subscriber, as the models see them. */
  async function allFeatures(): Promise<unknown[]> {
    const facts = await repo.customerFacts(ids, SNAPSHOT);
    return facts.map((f) => ({ customer: customerRow(f, PRE), products: products.map((p) => productRow(f, p)) }));
  }

  it("match the generator's own view of each subscriber (the inputs of the true probabilities)", async () => {
    const facts = new Map((await repo.customerFacts(ids, SNAPSHOT)).map((f) => [f.id, f]));
    const catalog = buildCatalog(await catalogForGenerator(t.container), data.currency);
    const byId = new Map(products.map((p) => [p.id, p]));
    let compared = 0;
    for (const [id, g] of data.features) {
      const f = facts.get(id)!;
      const r = customerRow(f, PRE);
      expect(r.tenure_months, id).toBe(g.tenureMonths);
      // The generator writes 0 for "no usage"; the features keep it missing.
      if (g.avgDataGb3m > 0) expect(r.data_gb_3m as number).toBeCloseTo(g.avgDataGb3m, 6);
      else expect([null, 0]).toContain(r.data_gb_3m);
      if (g.avgSpend3m > 0) expect(r.spend_3m as number).toBeCloseTo(g.avgSpend3m, 6);
      expect(r.months_since_device ?? null).toBe(g.deviceMonths);
      expect(r.late_bills_12m ?? 0).toBe(g.lateBills12m);
      expect((r.avg_days_late_12m as number | null) ?? 0).toBeCloseTo(g.avgDaysLate12m, 3);
      expect(r.overdue_bills).toBe(g.overdueBills);
      expect(r.holdings_count).toBe(g.held.size);
      expect(Math.min(r.held_data_gb as number, 1e4)).toBeCloseTo(Math.min(g.heldDataGb, 1e4), 6);
      expect(r.segment_expats).toBe(g.segments.includes('expats') ? 1 : 0);
      for (const item of catalog) {
        const p = productRow(f, byId.get(item.product.id)!);
        expect(p.product_purchases_90d, `${id} ${item.product.id}`).toBe(g.purchases90d.get(item.index) ?? 0);
        expect(p.holds_product).toBe(g.held.has(item.index) ? 1 : 0);
        if (item.role === 'roaming') expect(p.category_purchases_365d).toBe(g.roamingPurchases12m);
      }
      compared++;
    }
    expect(compared).toBe(400);
  });

  it("are the same rows when a subscriber's products are built together (productRows, batch scoring)", async () => {
    const facts = await repo.customerFacts(ids, SNAPSHOT);
    // The facts as stored, and with what the generator rarely makes: no data usage, brands and allowances as text.
    const odd = products.map((p, i) => (i % 3 === 0 ? { ...p, features: { ...p.features, brand: ' Acme ', data_gb: '5', voice_minutes: '-1' } } : p));
    let pairs = 0;
    for (const f of [...facts, ...facts.slice(0, 20).map((x) => ({ ...x, data3m: null }))]) {
      for (const list of [products, odd]) {
        const together = productRows(f, list);
        // once more: each product's own features come from the first call's cache
        expect(productRows(f, list)).toEqual(together);
        expect(together, f.id).toEqual(list.map((p) => productRow(f, p)));
        pairs += list.length;
      }
    }
    expect(facts.some((f) => f.purchases.length > 0 && f.held.length > 0)).toBe(true);
    expect(pairs).toBeGreaterThan(400 * products.length);
  });

  it("are the same columns when a page's pairs go straight into the builder (addProductPairs, batch scoring)", async () => {
    const facts = await repo.customerFacts(ids, SNAPSHOT);
    const defs = featureDefs('propensity', PRE);
    const rows = new ColumnBuilder(defs, 1024);
    const pairs = new ColumnBuilder(defs, 1024);
    for (const f of facts) {
      const own = products.filter((p) => p.currency === f.currency);
      rows.addGroup([customerRow(f, PRE)], productRows(f, own));
      pairs.addProductPairs([customerRow(f, PRE)], f, own);
    }
    expect(pairs.rows).toBeGreaterThan(400 * 0.9 * products.length);
    // Compared as bytes: toEqual walks ~100k rows x 74 columns one element at a time.
    const bytes = (c: Column) => {
      const a = c.kind === 'numeric' ? c.values : c.codes;
      return { name: c.name, vocabulary: c.kind === 'categorical' ? c.vocabulary : null, bytes: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
    };
    expect(pairs.columns().map(bytes)).toEqual(rows.columns().map(bytes));
  });

  it('leave what cannot be computed missing, never 0', async () => {
    const [f] = await repo.customerFacts([ids[0]!], SNAPSHOT);
    const empty: CustomerFacts = { ...f!, data1m: null, data3m: null, dataPrev3m: null, data6m: null, spend3m: null, usageMonths6m: 0, bills12m: 0, lastDeviceDate: null };
    const row = customerRow(empty, PRE);
    expect(row.data_gb_3m).toBeNull();
    expect(row.data_trend_3m).toBeNull();
    expect(row.late_bills_12m).toBeNull();
    expect(row.months_since_device).toBeNull();
    const noData = productRow(empty, { ...products[0]!, features: {} });
    expect(noData.product_data_gb).toBeNull();
    expect(noData.product_price_to_spend).toBeNull();
    const b = new ColumnBuilder(featureDefs('propensity', PRE));
    b.add(row, noData);
    const col = b.columns().find((c) => c.name === 'data_gb_3m')!;
    expect(col.kind === 'numeric' && Number.isNaN(col.values[0])).toBe(true);
  });

  it('hand over columns of exactly the rows added, once (the builder is spent)', () => {
    const defs = featureDefs('propensity', PRE);
    const rowOf = (i: number) => ({ ...Object.fromEntries(defs.map((d) => [d.name, d.kind === 'numeric' ? i : `c${i % 3}`])) });
    // 40 rows into room for 16: two growths, then an array too empty to hand over (copied); 14 into
    // room for 16: a view of its first rows; 16 into room for 16: handed over as it is.
    for (const [room, rows] of [[16, 40], [16, 14], [16, 16]] as const) {
      const b = new ColumnBuilder(defs, room);
      for (let i = 0; i < rows; i++) b.add(rowOf(i));
      const cols = b.columns();
      const num = cols.find((c) => c.kind === 'numeric')!;
      const cat = cols.find((c) => c.kind === 'categorical')!;
      expect(num.kind === 'numeric' && Array.from(num.values)).toEqual(Array.from({ length: rows }, (_, i) => i));
      expect(cat.kind === 'categorical' && [Array.from(cat.codes), cat.vocabulary]).toEqual([Array.from({ length: rows }, (_, i) => i % 3), ['c0', 'c1', 'c2']]);
      expect(() => b.columns()).toThrow(/already called/);
      expect(() => b.add(rowOf(0))).toThrow(/after columns/);
    }
  });

  it('count usage back from the newest month loaded when the usage feed lags behind S', async () => {
    // The generator's usage ends with the month before the snapshot; scoring two months later sees the same usage months.
    const usage = (f: CustomerFacts) => [f.usageMonths6m, f.data1m, f.data3m, f.dataPrev3m, f.data6m, f.voice1m, f.spend1m, f.spend3m, f.topups3m];
    const atSnapshot = await repo.customerFacts(ids.slice(0, 50), SNAPSHOT);
    const later = await repo.customerFacts(ids.slice(0, 50), '2026-11-15');
    expect(later.map(usage)).toEqual(atSnapshot.map(usage));
    expect(atSnapshot.filter((f) => f.data1m !== null).length).toBeGreaterThan(25);
    // A month with usage inside the window moves the anchor: the months before it are read, never the month of S itself.
    const earlier = await createFeaturesRepository(t.database.db).customerFacts(ids.slice(0, 50), '2026-08-20');
    expect(earlier.map((f) => f.data1m)).not.toEqual(atSnapshot.map((f) => f.data1m));
  });

  it('never read the label window: identical after deleting every row dated on or after the snapshot', async () => {
    const before = await allFeatures();
    // The label data is there before the deletion (so the comparison below means something).
    expect((await repo.purchasesBetween(ids, SNAPSHOT, '2026-10-01')).size).toBeGreaterThan(0);
    expect((await repo.contactsBetween(SNAPSHOT, '2026-10-01', 14)).length).toBeGreaterThan(0);
    expect((await repo.billsDueBetween(SNAPSHOT, '2026-10-01', 30)).length).toBeGreaterThan(0);

    // What an extract taken at the snapshot would hold: nothing dated on or after it, no end dates or responses from later.
    const s = `'${SNAPSHOT}'`;
    await t.database.executeSql(`
      delete from customer_purchases where purchased_at >= ${s}::date;
      delete from customer_holdings where started_at >= ${s}::date;
      update customer_holdings set ended_at = null where ended_at > ${s}::date;
      delete from campaign_contacts where contacted_at >= ${s}::date;
      update campaign_contacts set responded = false, responded_at = null where responded_at >= ${s}::date;
      delete from customer_payments where paid_date >= ${s}::date;
      delete from customer_bills where bill_date >= ${s}::date;
      delete from customer_usage where month >= date_trunc('month', ${s}::date);`);
    expect((await repo.purchasesBetween(ids, SNAPSHOT, '2026-10-01')).size).toBe(0);

    const after = await allFeatures();
    expect(after).toEqual(before);
    expect(CUSTOMER_FEATURES.length).toBeGreaterThan(40);
  });
});
