import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, sql, type SQL } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers.js';
import type { Database } from '../../db/client.js';
import { customers, mlModelVersions, mlScores, mlScoringRuns, products } from '../../db/schema/index.js';
import { Rng } from '../customers/synthetic.random.js';
import {
  latestActiveScoringRun, productOnSale, productOpenToSegment, productSellableNow, productSellableTo, productTargetsSegment,
  productWithinCustomerValue, subscriberInAnySegment, subscriberInSegment, subscriberInValueBand, subscriberScoreAbove,
  subscriberValueAtLeast, subscriberValueAtMost,
} from './audience.sql.js';

/**
 * Each piece counts the same rows as the rule written out by hand in plain SQL (spelt differently
 * on purpose: `= any()` for `@>`, `case` for `coalesce`), over a seeded mix of subscribers,
 * products and scoring runs where every rule both holds and fails for some rows.
 */

const SEGMENTS = ['youth', 'students', 'expats', 'vip', 'travelers'];
const BANDS = ['low', 'medium', 'high', 'vip'] as const;

describe('audience pieces', () => {
  let database: Database & { dispose(): Promise<void> };
  const productIds: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    const rng = new Rng(7);
    const rnd = () => rng.next();
    const pick = <T>(xs: readonly T[]) => rng.pick(xs);
    const someSegments = () => SEGMENTS.filter(() => rnd() < 0.3);
    const day = 86_400_000;

    await db.insert(customers).values(Array.from({ length: 240 }, (_, i) => ({
      id: `AUD-${String(i).padStart(4, '0')}`, msisdn: `9665${String(i).padStart(8, '0')}`, name: `Subscriber ${i}`, status: 'active',
      segments: someSegments(), valueBand: pick(BANDS), customerValue: (rnd() * 500).toFixed(2), currency: rnd() < 0.8 ? 'SAR' : 'AED',
      planType: pick(['prepaid', 'postpaid']), activationDate: '2024-01-01',
    })));

    const now = Date.now();
    const rows = await db.insert(products).values(Array.from({ length: 60 }, (_, i) => {
      const window = rnd();
      const min = rnd() < 0.4 ? (rnd() * 200).toFixed(2) : null;
      return {
        externalSystem: 'manual', externalProductId: `AUD-P${i}`, name: `Product ${i}`, productType: pick(['data', 'addon', 'bundle']),
        currency: rnd() < 0.85 ? 'SAR' : 'AED', price: rnd() < 0.1 ? null : (rnd() * 100).toFixed(2),
        isActive: rnd() < 0.85, sourceIsAvailable: rnd() < 0.8, availabilityOverride: pick([null, null, null, true, false]),
        retiredAt: rnd() < 0.1 ? new Date(now - day).toISOString() : null,
        targetSegments: rnd() < 0.5 ? [] : someSegments(),
        minCustomerValue: min, maxCustomerValue: rnd() < 0.4 ? (Number(min ?? 0) + rnd() * 300).toFixed(2) : null,
        // The insert trigger sets in_validity_window from the window.
        validFrom: window < 0.1 ? new Date(now + 5 * day).toISOString() : null,
        validTo: window > 0.9 ? new Date(now - 5 * day).toISOString() : null,
      };
    })).returning({ id: products.id });
    productIds.push(...rows.map((r) => r.id));

    // Two versions of churn (v2 active) and one of propensity. The active version has an older and a
    // newer succeeded run, a newest failed one; the inactive version has the newest run of all.
    const version = async (modelName: string, v: number, isActive: boolean) => (await db.insert(mlModelVersions).values({
      modelName, version: v, status: 'ready', isActive, algorithm: 'gbdt', hyperParameters: {}, seed: 1, progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test',
    }).returning())[0]!;
    const run = async (v: { id: string; modelName: string; version: number }, status: string, minutesAgo: number) => (await db.insert(mlScoringRuns).values({
      modelName: v.modelName, modelVersionId: v.id, version: v.version, status, requestedBy: 'test', finishedAt: new Date(now - minutesAgo * 60_000).toISOString(),
    }).returning())[0]!;
    const [churn1, churn2, propensity] = [await version('churn', 1, false), await version('churn', 2, true), await version('propensity_to_buy', 1, true)];
    const runs = [
      await run(churn2, 'succeeded', 300), await run(churn2, 'succeeded', 100), await run(churn2, 'failed', 50),
      await run(churn1, 'succeeded', 10), await run(propensity, 'succeeded', 20),
    ];
    const all = await db.select({ id: customers.id }).from(customers);
    for (const r of runs) {
      const v = [churn1, churn2, propensity].find((x) => x.id === r.modelVersionId)!;
      const scored = all.filter(() => rnd() < 0.9);
      const values = scored.flatMap((c) => {
        const base = { customerId: c.id, modelName: v.modelName, modelVersionId: v.id, version: v.version, runId: r.id, scoredAt: r.finishedAt! };
        if (v.modelName !== 'propensity_to_buy') return [{ ...base, productId: null, score: rnd() }];
        return [{ ...base, productId: null, score: rnd() }, ...[0, 1, 2].map(() => ({ ...base, productId: pick(productIds.slice(0, 6)), score: rnd() }))];
      });
      await db.insert(mlScores).values(values);
    }
  }, 120_000);
  afterAll(() => database?.dispose());

  const byPiece = async (table: typeof customers | typeof products, where: SQL) =>
    Number((await database.db.select({ n: count() }).from(table).where(where))[0]!.n);
  const byHand = async (text: string, values: unknown[] = []) => Number((await database.executeSql(text, values)).rows[0]!.n);

  /** Equal counts, and the rule neither keeps every row nor none (else the comparison proves little). */
  async function expectSame(piece: Promise<number>, hand: Promise<number>, total: number) {
    const [a, b] = await Promise.all([piece, hand]);
    expect(a).toBe(b);
    expect(b).toBeGreaterThan(0);
    expect(b).toBeLessThan(total);
  }

  it('subscriber pieces: segment, any of several segments, value band, value range', async () => {
    const all = await byHand('select count(*) as n from customers');
    await expectSame(byPiece(customers, subscriberInSegment('youth')), byHand(`select count(*) as n from customers where 'youth' = any(segments)`), all);
    await expectSame(
      byPiece(customers, subscriberInAnySegment(['vip', 'travelers'])),
      byHand(`select count(*) as n from customers where 'vip' = any(segments) or 'travelers' = any(segments)`),
      all,
    );
    await expectSame(byPiece(customers, subscriberInValueBand('high')), byHand(`select count(*) as n from customers where value_band = 'high'`), all);
    await expectSame(byPiece(customers, subscriberInValueBand('low', 'vip')), byHand(`select count(*) as n from customers where value_band in ('low', 'vip')`), all);
    await expectSame(byPiece(customers, subscriberValueAtLeast('250')), byHand('select count(*) as n from customers where customer_value >= 250'), all);
    await expectSame(byPiece(customers, subscriberValueAtMost('99.5')), byHand('select count(*) as n from customers where customer_value <= 99.5'), all);
  });

  it('product pieces: on sale, sellable now, targeting, value range', async () => {
    const all = await byHand('select count(*) as n from products');
    await expectSame(byPiece(products, productOnSale), byHand('select count(*) as n from products where is_active and retired_at is null and price is not null'), all);
    await expectSame(
      byPiece(products, productSellableNow),
      byHand(`select count(*) as n from products
        where retired_at is null and is_active and price is not null and in_validity_window
          and case when availability_override is null then source_is_available else availability_override end`),
      all,
    );
    // The fixture has windows that have not opened and that have closed: the flag is part of the rule.
    expect(await byHand('select count(*) as n from products where not in_validity_window')).toBeGreaterThan(0);
    await expectSame(byPiece(products, productTargetsSegment('expats')), byHand(`select count(*) as n from products where 'expats' = any(target_segments)`), all);
    await expectSame(
      byPiece(products, productOpenToSegment('expats')),
      byHand(`select count(*) as n from products where target_segments = '{}' or 'expats' = any(target_segments)`),
      all,
    );
    await expectSame(
      byPiece(products, productWithinCustomerValue('120')),
      byHand('select count(*) as n from products where coalesce(min_customer_value, 120) <= 120 and coalesce(max_customer_value, 120) >= 120'),
      all,
    );
  });

  it('product sellable to a subscriber: sellable now, currency, segments and value range of each pair', async () => {
    const pairs = await byHand('select count(*) as n from customers, products');
    const piece = Number((await database.db.select({ n: count() }).from(customers).innerJoin(products, productSellableTo()))[0]!.n);
    await expectSame(
      Promise.resolve(piece),
      byHand(`select count(*) as n from customers c, products p
        where p.retired_at is null and p.is_active and p.price is not null and p.in_validity_window
          and case when p.availability_override is null then p.source_is_available else p.availability_override end
          and p.currency = c.currency
          and (p.target_segments = '{}' or exists (select 1 from unnest(p.target_segments) s where s = any(c.segments)))
          and coalesce(p.min_customer_value, c.customer_value) <= c.customer_value
          and coalesce(p.max_customer_value, c.customer_value) >= c.customer_value`),
      pairs,
    );
  });

  it('latest active score of a model above x: the newest succeeded run of the active version, overall or per product', async () => {
    const [run] = (await database.db.select({ id: sql<string>`${latestActiveScoringRun('churn')}` }).from(sql`(select 1) as one`));
    const newestOfActive = await database.executeSql(`select r.id from ml_scoring_runs r join ml_model_versions v on v.id = r.model_version_id
      where v.model_name = 'churn' and v.is_active and r.status = 'succeeded' order by r.finished_at desc limit 1`);
    expect(run!.id).toBe(newestOfActive.rows[0]!.id);
    const [none] = (await database.db.select({ id: sql<string | null>`${latestActiveScoringRun('payment_default_risk')}` }).from(sql`(select 1) as one`));
    expect(none!.id).toBeNull();

    const all = await byHand('select count(*) as n from customers');
    await expectSame(
      byPiece(customers, subscriberScoreAbove('churn', 0.7)),
      byHand('select count(distinct customer_id) as n from ml_scores where run_id = $1 and score > 0.7', [run!.id]),
      all,
    );
    const propensityRun = (await database.executeSql(`select id from ml_scoring_runs where model_name = 'propensity_to_buy'`)).rows[0]!.id as string;
    await expectSame(
      byPiece(customers, subscriberScoreAbove('propensity_to_buy', 0.5, { product: null })),
      byHand('select count(*) as n from ml_scores where run_id = $1 and product_id is null and score > 0.5', [propensityRun]),
      all,
    );
    await expectSame(
      byPiece(customers, subscriberScoreAbove('propensity_to_buy', 0.2, { product: productIds[0]! })),
      byHand('select count(distinct customer_id) as n from ml_scores where run_id = $1 and product_id = $2 and score > 0.2', [propensityRun, productIds[0]]),
      all,
    );
    // Per pair: the product column of the query's products row.
    const pairs = Number((await database.db.select({ n: count() }).from(customers).innerJoin(products, subscriberScoreAbove('propensity_to_buy', 0.3, { product: products.id })))[0]!.n);
    expect(pairs).toBe(await byHand('select count(distinct (customer_id, product_id)) as n from ml_scores where run_id = $1 and product_id is not null and score > 0.3', [propensityRun]));
    expect(pairs).toBeGreaterThan(0);
    // A model without an active run selects nobody.
    expect(await byPiece(customers, subscriberScoreAbove('payment_default_risk', 0))).toBe(0);
  });
});
