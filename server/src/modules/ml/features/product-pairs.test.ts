import { mulberry32, type Row } from '@lyra/ml';
import { describe, expect, it } from 'vitest';
import { ColumnBuilder, customerRow, featureDefs, productRows, type CustomerFacts, type FeatureDef, type ProductInfo } from './features.js';

const PRE = { segments: ['mass', 'youth', 'expats'] };
const SEGMENTS = ['mass', 'youth', 'expats', 'travelers', 'business'];

/** Products and subscribers with what real data rarely has: missing, empty, NaN and textual values, unseen categories, other currencies. */
function randomData(seed: number, products: number, subscribers: number) {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const sometimes = <T>(x: T, missing: T | null = null, p = 0.25): T | null => (random() < p ? missing : x);
  const catalog: ProductInfo[] = Array.from({ length: products }, (_, i) => ({
    id: `p${i}`,
    productType: pick(['bundle', 'data', 'voice', 'device', 'addon', `type_${i}`]),
    category: pick(['plans', 'passes', 'roaming', '', `category_${i}`]),
    price: pick([null, NaN, 0, 9.99, Math.round(random() * 50_000) / 100]),
    currency: pick(['AED', 'AED', 'USD']),
    recurring: random() < 0.5,
    billingCycle: pick(['daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'one_time', 'fortnightly']),
    features: {
      data_gb: pick([undefined, 5, -1, '10', ' 2.5 ', 'lots', NaN]),
      voice_minutes: pick([undefined, 100, -1, '300']),
      sms: pick([undefined, 50, -1]),
      brand: pick([undefined, '', '  ', ' Acme ', 'acme', 'Zeta', `brand_${i}`, 7]),
    },
    targetSegments: random() < 0.4 ? [pick(SEGMENTS)] : [],
    minCustomerValue: sometimes(100, null, 0.6),
    maxCustomerValue: sometimes(2_000, null, 0.6),
  }));
  const facts: CustomerFacts[] = Array.from({ length: subscribers }, (_, i) => {
    const held = Array.from({ length: Math.floor(random() * 4) }, () => {
      const p = pick(catalog);
      return { productId: p.id, productType: p.productType, features: p.features };
    });
    const purchases = Array.from({ length: Math.floor(random() * 6) }, () => {
      const p = pick(catalog);
      return { productId: p.id, productType: p.productType, category: p.category, daysAgo: Math.floor(random() * 365), price: p.price ?? 0 };
    });
    const amount = (scale: number) => pick([null, 0, NaN, Math.round(random() * scale * 100) / 100]);
    return {
      id: `c${i}`, asOf: '2026-09-01', planType: pick(['prepaid', 'postpaid', '']), valueBand: pick(['low', 'high']), customerValue: amount(3_000),
      status: 'active', segments: SEGMENTS.filter(() => random() < 0.3), region: sometimes('north'), ageBand: sometimes('25-34'), deviceType: sometimes('smartphone'),
      deviceOs: sometimes('android', ''), activationDate: '2024-02-10', currency: pick(['AED', 'AED', 'USD']), usageMonths6m: 6,
      data1m: amount(20), data3m: amount(60), dataPrev3m: amount(60), data6m: amount(120), voice1m: amount(300), voice3m: amount(900), voicePrev3m: amount(900),
      sms3m: amount(40), spend1m: amount(200), spend3m: amount(600), spendPrev3m: amount(600), spend6m: amount(1_200), topups3m: amount(4), topupAmount3m: amount(100),
      held, lastDeviceDate: sometimes('2025-05-01'), purchases, purchasesTotal: purchases.length, daysSincePurchase: sometimes(30),
      contacts180d: 1, responses180d: 0, contactsTotal: 3, responsesTotal: 1, daysSinceContact: sometimes(10), bills12m: 6, lateBills12m: 1,
      avgDaysLate12m: 2, maxDaysLate12m: 4, overdueBills: 0, overdueAmount: null, unpaidShare12m: 0, avgBillAmount3: 80,
    };
  });
  return { catalog, facts, random };
}

/** The same page built both ways: each subscriber's rows by productRows into addGroup, and by addProductPairs. */
function bothWays(defs: readonly FeatureDef[], page: { shared: Row[]; f: CustomerFacts; products: ProductInfo[] }[], room: number) {
  const rows = new ColumnBuilder(defs, room);
  const pairs = new ColumnBuilder(defs, room);
  for (const { shared, f, products } of page) {
    rows.addGroup(shared, productRows(f, products));
    pairs.addProductPairs(shared, f, products);
  }
  expect(pairs.rows).toBe(rows.rows);
  return { rows: rows.columns(), pairs: pairs.columns() };
}

describe('ColumnBuilder.addProductPairs', () => {
  it('gives the columns, codes and vocabularies (in order) of productRows added by addGroup, for random subscribers and products', () => {
    for (const seed of [1, 2, 3]) {
      const { catalog, facts, random } = randomData(seed, 60, 120);
      // Each subscriber's own list, in an order of its own: their currency's products (so the pool differs), candidates, held products included.
      const page = facts.map((f) => {
        const pool = random() < 0.5 ? catalog.filter((p) => p.currency === f.currency) : catalog.filter(() => random() < 0.5);
        const held = f.held.map((h) => catalog.find((p) => p.id === h.productId)!);
        const products = [...pool, ...held].sort(() => random() - 0.5);
        return { shared: [customerRow(f, PRE)], f, products };
      });
      // Room for 16 rows: both builders grow many times.
      const { rows, pairs } = bothWays(featureDefs('propensity', PRE), page, 16);
      expect(pairs).toEqual(rows);
      // The page has what the comparison is about.
      const column = (name: string) => rows.find((c) => c.name === name)!;
      const values = (name: string) => Array.from((column(name) as { values: Float64Array }).values);
      expect(values('holds_product')).toContain(1);
      expect(values('product_purchases_365d').some((v) => v > 0)).toBe(true);
      expect(values('product_price').some(Number.isNaN)).toBe(true);
      expect(values('within_value_range').some(Number.isNaN)).toBe(true);
      const brand = column('product_brand');
      expect(brand.kind === 'categorical' && brand.vocabulary.length > 3 && Array.from(brand.codes).includes(-1)).toBe(true);
    }
  });

  it('lets shared parts win over product features (scoring overrides), and leaves features of neither missing', () => {
    const { catalog, facts } = randomData(4, 30, 40);
    const overrides = { product_type: 'bundle', holds_product: 0, product_brand: null, contacted: 1 };
    const defs = featureDefs('response', PRE);
    // Overrides on some subscribers only, so a product's own features are first encoded by a later subscriber.
    const page = facts.map((f, i) => ({ shared: i % 3 === 0 ? [overrides, customerRow(f, PRE)] : [customerRow(f, PRE)], f, products: catalog.slice(i % 7) }));
    const { rows, pairs } = bothWays(defs, page, 1024);
    expect(pairs).toEqual(rows);
    const channel = pairs.find((c) => c.name === 'channel')!;
    expect(channel.kind === 'categorical' && channel.vocabulary).toEqual([]);
  });

  it('keeps no product between builders: a second page encodes its own vocabularies', () => {
    const { catalog, facts } = randomData(5, 20, 10);
    const defs = featureDefs('propensity', PRE);
    const page = (fs: CustomerFacts[], products: ProductInfo[]) => fs.map((f) => ({ shared: [customerRow(f, PRE)], f, products }));
    const first = bothWays(defs, page(facts.slice(0, 5), catalog), 64);
    const second = bothWays(defs, page(facts.slice(5), [...catalog].reverse()), 64);
    expect(first.pairs).toEqual(first.rows);
    expect(second.pairs).toEqual(second.rows);
  });
});
