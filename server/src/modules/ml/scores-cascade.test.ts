import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers.js';
import { rowsOf, type Database } from '../../db/client.js';
import { customers, mlModelVersions, mlScores, mlScoringPartitions, mlScoringRuns, products } from '../../db/schema/index.js';
import { createMlRepository } from './ml.repository.js';
import { encodeScores } from './scores-copy.js';

/**
 * Scores go with what they belong to: their run and its version (triggers since migration 0019
 * dropped the run and version keys), their subscriber and their product (triggers since migration
 * 0020 dropped those keys; a scoring page locks them once instead, and fails when one is gone).
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

  it('deleting a subscriber or a product deletes their scores, in every run, and no other product\'s', async () => {
    const { product, runs } = await seed();
    const [other] = await database.db.insert(products).values({ externalSystem: 'manual', externalProductId: 'P2', name: 'P2', productType: 'data', currency: 'SAR', price: '2.00' }).returning();
    await database.db.insert(mlScores).values(runs.map((r) => ({
      customerId: 'C2', productId: other!.id, modelName: r.modelName, modelVersionId: r.modelVersionId, version: r.version, runId: r.id, score: 0.25, scoredAt: new Date().toISOString(),
    })));
    await database.db.delete(customers).where(eq(customers.id, 'C1'));
    expect(await count(sql`customer_id = 'C1'`)).toBe(0);
    await database.db.delete(products).where(eq(products.id, product.id));
    expect(await count(sql`product_id = ${product.id}::uuid`)).toBe(0);
    expect(await count(sql`product_id = ${other!.id}::uuid`)).toBe(3);
    expect(await count()).toBe(9);
  });

  it('a truncate of products deletes the product scores; of subscribers, every score', async () => {
    await seed();
    await database.db.execute(sql`truncate products cascade`);
    expect(await count(sql`product_id is not null`)).toBe(0);
    expect(await count()).toBe(9);
    await seed();
    await database.db.execute(sql`truncate customers cascade`);
    expect(await count()).toBe(0);
  });

  it('a scoring page is written only while its subscribers and products exist, and keeps them until it commits', async () => {
    const { product, v1 } = await seed();
    const db = database.db;
    const [run] = await db.insert(mlScoringRuns).values({ modelName: v1.modelName, modelVersionId: v1.id, version: v1.version, status: 'running', requestedBy: 'test' }).returning();
    await db.insert(mlScoringPartitions).values({ runId: run!.id, index: 0, afterId: null, lastId: null, subscribers: 2, status: 'running', attempts: 1 });
    const page = (customerIds: string[], productId: string | null) => encodeScores(customerIds.map((customerId) => ({
      customerId, productId, modelName: v1.modelName, modelVersionId: v1.id, version: v1.version, runId: run!.id, score: 0.25, scoredAt: new Date().toISOString(),
    })));
    const repo = createMlRepository(db);
    const ofRun = sql`run_id = ${run!.id}::uuid`;
    expect(await repo.writePartitionScores(run!.id, 0, 1, page(['C1', 'C2'], product.id), 2)).toBe(true);
    expect(await count(ofRun)).toBe(2);
    // A subscriber or a product deleted before the page is written: nothing of the page is written.
    await expect(repo.writePartitionScores(run!.id, 0, 1, page(['C1', 'C9'], product.id), 2)).rejects.toThrow(/1 of the page's subscribers and 0 of its products were deleted/);
    await expect(repo.writePartitionScores(run!.id, 0, 1, page(['C1'], '00000000-0000-4000-8000-000000000000'), 1)).rejects.toThrow(/0 of the page's subscribers and 1 of its products/);
    expect(await count(ofRun)).toBe(2);
    // Locked as the keys locked them: a delete (on another connection of the pool) waits for the
    // page's transaction. PostgreSQL only: PGlite has one connection.
    if (database.kind === 'postgres') {
      let deleted = false;
      let deleting: Promise<unknown> | null = null;
      await db.transaction(async (tx) => {
        await createMlRepository(tx).writePartitionScores(run!.id, 0, 1, page(['C3'], product.id), 1);
        deleting = db.delete(products).where(eq(products.id, product.id)).then(() => (deleted = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(deleted).toBe(false);
      });
      await deleting;
      expect(await count(sql`product_id is not null`)).toBe(0);
    }
  });
});
