import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers.js';
import { rowsOf, type Database } from '../../db/client.js';
import { customers, mlModelVersions, mlScores, mlScoringRuns, products } from '../../db/schema/index.js';

/**
 * Scores go with what they belong to: their run (a trigger since migration 0019 dropped the run and
 * version keys), their run's version, their subscriber and their product (foreign keys).
 */
describe('ml_scores follow their runs, versions, subscribers and products', () => {
  let database: Database & { dispose(): Promise<void> };
  const count = async (where = sql`true`) => rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from ml_scores where ${where}`))[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.dispose();
  });

  async function seed() {
    const db = database.db;
    await db.execute(sql`truncate ml_model_versions, customers, products cascade`);
    await db.insert(customers).values(['C1', 'C2', 'C3'].map((id, i) => ({
      id, msisdn: `96650000000${i}`, name: id, status: 'active', valueBand: 'medium', customerValue: '10', currency: 'SAR', planType: 'prepaid', activationDate: '2024-01-01',
    })));
    const [product] = await db.insert(products).values({ externalSystem: 'manual', externalProductId: 'P1', name: 'P1', productType: 'data', currency: 'SAR', price: '1.00' }).returning();
    const version = async (v: number) => (await db.insert(mlModelVersions).values({
      modelName: 'propensity_to_buy', version: v, status: 'ready', isActive: v === 1, algorithm: 'gbdt', hyperParameters: {}, seed: 1, progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test',
    }).returning())[0]!;
    const [v1, v2] = [await version(1), await version(2)];
    const run = async (v: typeof v1) => (await db.insert(mlScoringRuns).values({ modelName: v.modelName, modelVersionId: v.id, version: v.version, status: 'succeeded', requestedBy: 'test' }).returning())[0]!;
    const runs = [await run(v1), await run(v1), await run(v2)];
    for (const r of runs) {
      await db.insert(mlScores).values(['C1', 'C2', 'C3'].flatMap((customerId) => [null, product!.id].map((productId) => ({
        customerId, productId, modelName: r.modelName, modelVersionId: r.modelVersionId, version: r.version, runId: r.id, score: 0.5, scoredAt: new Date().toISOString(),
      }))));
    }
    return { product: product!, v1, v2, runs };
  }

  it('deleting runs deletes their scores, and only theirs; a deleted version takes its runs and their scores', async () => {
    const { v1, v2, runs } = await seed();
    expect(await count()).toBe(18);
    await database.db.delete(mlScoringRuns).where(eq(mlScoringRuns.id, runs[0]!.id));
    expect(await count(sql`run_id = ${runs[0]!.id}::uuid`)).toBe(0);
    expect(await count()).toBe(12);
    await database.db.delete(mlModelVersions).where(eq(mlModelVersions.id, v2.id));
    expect(await count(sql`run_id = ${runs[2]!.id}::uuid`)).toBe(0);
    expect(await count(sql`model_version_id = ${v1.id}::uuid`)).toBe(6);
    await database.db.execute(sql`truncate ml_scoring_runs cascade`);
    expect(await count()).toBe(0);
  });

  it('deleting a subscriber or a product deletes their scores', async () => {
    const { product } = await seed();
    await database.db.delete(customers).where(eq(customers.id, 'C1'));
    expect(await count(sql`customer_id = 'C1'`)).toBe(0);
    await database.db.delete(products).where(eq(products.id, product.id));
    expect(await count(sql`product_id is not null`)).toBe(0);
    expect(await count()).toBe(6);
  });
});
