import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers.js';
import type { Database } from '../../db/client.js';
import { customers, mlModelVersions, mlScores, mlScoringRuns, products } from '../../db/schema/index.js';
import { createFeaturesRepository } from '../ml/features/features.repository.js';
import { sellableToRule } from './sellable-to.js';

/**
 * The JS twin of the availability rule's subscriber side lets through exactly what the SQL rule
 * (`offerableProductIds`: `productSellableTo` and `subscriberOverRiskCap`) does, on random catalogs
 * and subscribers built to sit on its edges: values equal to a bound written with another scale,
 * decimals beyond a double's precision, numeric NaN and infinities, risk scores equal to a cap,
 * segments lists with and without overlap (and a null element), products not sellable now.
 */

const SEGMENTS = ['youth', 'expats', 'vip'];
/** Decimal text that collide with each other and with the bounds (same value, other scale; beyond a double). */
const VALUES = ['0', '0.00', '-5', '10', '10.0', '10.005', '10.01', '99.99', '100', '100.000', '12345678901234567890.01', '12345678901234567890.02', 'NaN', 'Infinity', '-Infinity'];
const RISKS = [0, 0.2, 0.3, 0.30000000000000004, 0.5, 0.9, 1, Number.NaN];
const CAPS = ['0.3', '0.2', '0.5', '0.0', '1', 'NaN'];

const product = fc.record({
  currency: fc.constantFrom('SAR', 'AED'),
  // A null element counts in cardinality() but matches nothing in &&.
  segments: fc.subarray<string | null>([...SEGMENTS, null]),
  min: fc.option(fc.constantFrom(...VALUES), { nil: null }),
  max: fc.option(fc.constantFrom(...VALUES), { nil: null }),
  cap: fc.option(fc.constantFrom(...CAPS), { nil: null }),
  sellable: fc.boolean(),
});
const subscriber = fc.record({
  currency: fc.constantFrom('SAR', 'AED'),
  segments: fc.subarray(SEGMENTS),
  value: fc.constantFrom(...VALUES),
  risks: fc.array(fc.constantFrom(...RISKS), { maxLength: 2 }),
});

describe('the availability rule in JS (sellableToRule) against its SQL', () => {
  let database: Database & { dispose(): Promise<void> };
  let run: { id: string; modelVersionId: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    const [version] = await database.db.insert(mlModelVersions).values({
      modelName: 'payment_default_risk', version: 1, status: 'ready', isActive: true, algorithm: 'gbdt', hyperParameters: {}, seed: 1,
      progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test',
    }).returning();
    run = (await database.db.insert(mlScoringRuns).values({
      modelName: 'payment_default_risk', modelVersionId: version!.id, version: 1, status: 'succeeded', requestedBy: 'test', finishedAt: new Date().toISOString(),
    }).returning())[0]!;
  }, 120_000);
  afterAll(async () => {
    await database?.dispose();
  });

  it('offers each subscriber exactly the products the SQL rule offers them', async () => {
    const features = createFeaturesRepository(database.db);
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(product, { minLength: 1, maxLength: 10 }), fc.array(subscriber, { minLength: 1, maxLength: 12 }), async (catalog, subscribers) => {
        const db = database.db;
        await db.execute(sql`delete from ml_scores`);
        await db.execute(sql`delete from customers`);
        await db.execute(sql`delete from products`);
        const tag = seq++;
        await db.insert(products).values(catalog.map((p, i) => ({
          externalSystem: 'manual', externalProductId: `ST-${tag}-${i}`, name: `Product ${i}`, productType: 'data', currency: p.currency, price: '10.00',
          // The schema types segments as strings; PostgreSQL keeps a null element all the same.
          isActive: true, sourceIsAvailable: p.sellable, targetSegments: p.segments as string[], minCustomerValue: p.min, maxCustomerValue: p.max, maxDefaultRisk: p.cap,
        })));
        const ids = subscribers.map((_, i) => `ST-${String(i).padStart(3, '0')}`);
        await db.insert(customers).values(subscribers.map((s, i) => ({
          id: ids[i]!, msisdn: `9665${String(i).padStart(8, '0')}`, name: `Subscriber ${i}`, status: 'active', segments: s.segments, valueBand: 'medium',
          customerValue: s.value, currency: s.currency, planType: 'prepaid', activationDate: '2024-01-01',
        })));
        const scores = subscribers.flatMap((s, i) => s.risks.map((score) => ({
          customerId: ids[i]!, modelName: 'payment_default_risk', modelVersionId: run.modelVersionId, version: 1, runId: run.id, productId: null, score, scoredAt: new Date().toISOString(),
        })));
        if (scores.length > 0) await db.insert(mlScores).values(scores);

        const bySql = await features.offerableProductIds(ids);
        const rule = sellableToRule(await features.sellableNowForRule());
        const takers = await features.offerTakers(ids);
        expect(takers.map((t) => t.id)).toEqual(ids);
        for (const t of takers) expect(rule(t).map((p) => p.id).sort(), `subscriber ${JSON.stringify(t)}`).toEqual([...(bySql.get(t.id) ?? [])].sort());
      }),
      { numRuns: 40, seed: 20261205 },
    );
  }, 300_000);
});
