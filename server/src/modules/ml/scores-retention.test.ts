import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers.js';
import { rowsOf, type Database } from '../../db/client.js';
import { customers, mlModelVersions, mlScores, mlScoringRuns } from '../../db/schema/index.js';
import { latestActiveScoringRun } from '../audience/audience.sql.js';
import { createMlRepository } from './ml.repository.js';

/**
 * Which runs' scores go when a run finishes (MlRepository.deleteOldScores): only those no reader
 * takes any more, beyond the newest runs kept.
 */
describe('old scoring runs\' scores are deleted, and only those nothing reads', () => {
  let database: Database & { dispose(): Promise<void> };
  const MODEL = 'payment_default_risk';

  beforeAll(async () => {
    database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.dispose();
  });

  const rowsOfRun = async (runId: string) =>
    rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from ml_scores where run_id = ${runId}::uuid`))[0]!.n;
  const latest = async () => rowsOf<{ id: string | null }>(await database.db.execute(sql`select ${latestActiveScoringRun(MODEL)} as id`))[0]!.id;

  /** Versions 1 (inactive) and 2 (active); runs finished a minute apart in the order given, each with a score per subscriber. */
  async function seed(runs: { v: 1 | 2; status: string; segment?: string }[]) {
    const db = database.db;
    await db.execute(sql`truncate ml_model_versions, customers cascade`);
    await db.insert(customers).values(['C1', 'C2'].map((id, i) => ({
      id, msisdn: `96650000000${i}`, name: id, status: 'active', valueBand: 'medium', customerValue: '10', currency: 'SAR', planType: 'prepaid', activationDate: '2024-01-01',
    })));
    const versions = [];
    for (const v of [1, 2]) {
      versions.push((await db.insert(mlModelVersions).values({
        modelName: MODEL, version: v, status: 'ready', isActive: v === 2, algorithm: 'gbdt', hyperParameters: {}, seed: 1, progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test',
      }).returning())[0]!);
    }
    const out = [];
    for (const [i, r] of runs.entries()) {
      const v = versions[r.v - 1]!;
      const at = new Date(Date.UTC(2026, 11, 1, 0, i)).toISOString();
      const [run] = await db.insert(mlScoringRuns).values({
        modelName: MODEL, modelVersionId: v.id, version: v.version, status: r.status, segment: r.segment ?? null, requestedBy: 'test', createdAt: at, finishedAt: r.status === 'running' ? null : at,
      }).returning();
      await db.insert(mlScores).values(['C1', 'C2'].map((customerId) => ({
        customerId, modelName: MODEL, modelVersionId: v.id, version: v.version, runId: run!.id, score: 0.5, scoredAt: at,
      })));
      out.push(run!);
    }
    return { runs: out, versions };
  }

  it('keeps the newest runs and every run since the active version\'s newest run over the whole base', async () => {
    const { runs } = await seed([
      { v: 1, status: 'succeeded' }, // 0: an older version's
      { v: 2, status: 'failed' }, // 1
      { v: 2, status: 'succeeded' }, // 2
      { v: 2, status: 'running' }, // 3: still running: never touched
      { v: 2, status: 'succeeded', segment: 'youth' }, // 4
      { v: 2, status: 'succeeded' }, // 5: the newest over the whole base
      { v: 2, status: 'succeeded', segment: 'youth' }, // 6
      { v: 2, status: 'failed' }, // 7: after the whole base's newest: kept
    ]);
    const deleted = await createMlRepository(database.db).deleteOldScores(MODEL, 2);
    // kept: 6 and 5 (the 2 newest succeeded), 7 (after 5), 3 (running)
    expect(deleted.map((d) => d.runId).sort()).toEqual([0, 1, 2, 4].map((i) => runs[i]!.id).sort());
    expect(deleted.every((d) => d.rows === 2)).toBe(true);
    expect(deleted.find((d) => d.runId === runs[1]!.id)).toMatchObject({ status: 'failed', version: 2 });
    for (const [i, r] of runs.entries()) {
      const gone = [0, 1, 2, 4].includes(i);
      expect(await rowsOfRun(r.id), `run ${i}`).toBe(gone ? 0 : 2);
      const [row] = await database.db.select().from(mlScoringRuns).where(eq(mlScoringRuns.id, r.id));
      expect(row!.scoresDeletedAt === null, `run ${i}`).toBe(!gone);
    }
    expect(await latest()).toBe(runs[6]!.id);
    // again: nothing more to delete
    expect(await createMlRepository(database.db).deleteOldScores(MODEL, 2)).toEqual([]);
  });

  it('keeps `keep` newest succeeded runs even when they are older than the whole base\'s newest', async () => {
    const { runs } = await seed([{ v: 2, status: 'succeeded' }, { v: 2, status: 'succeeded' }, { v: 2, status: 'succeeded' }, { v: 2, status: 'succeeded' }]);
    const deleted = await createMlRepository(database.db).deleteOldScores(MODEL, 3);
    expect(deleted.map((d) => d.runId)).toEqual([runs[0]!.id]);
    expect(await rowsOfRun(runs[1]!.id)).toBe(2);
  });

  it('deletes nothing while the active version has no succeeded run over the whole base (older runs hold the latest scores)', async () => {
    await seed([{ v: 2, status: 'succeeded', segment: 'youth' }, { v: 1, status: 'succeeded' }, { v: 2, status: 'succeeded', segment: 'youth' }, { v: 2, status: 'succeeded', segment: 'adults' }]);
    expect(await createMlRepository(database.db).deleteOldScores(MODEL, 1)).toEqual([]);
  });

  it('a version activated again has no latest run once its runs\' scores are gone', async () => {
    const { runs, versions } = await seed([{ v: 1, status: 'succeeded' }, { v: 2, status: 'succeeded' }, { v: 2, status: 'succeeded' }]);
    await createMlRepository(database.db).deleteOldScores(MODEL, 1);
    expect(await rowsOfRun(runs[0]!.id)).toBe(0);
    await database.db.update(mlModelVersions).set({ isActive: false }).where(eq(mlModelVersions.id, versions[1]!.id));
    await database.db.update(mlModelVersions).set({ isActive: true }).where(eq(mlModelVersions.id, versions[0]!.id));
    // version 1's only run lost its scores: audiences find no run of it (rather than an empty one)
    expect(await latest()).toBeNull();
  });
});
