import { and, asc, count, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { copyEncoded } from '../../db/bulk-copy.js';
import { rowsOf, type DbOrTx } from '../../db/client.js';
import { paged } from '../../db/unit-of-work.js';
import { customers } from '../../db/schema/customers.js';
import { mlModelVersions, mlScores, mlScoringPartitions, mlScoringRuns } from '../../db/schema/ml.js';
import { products } from '../../db/schema/products.js';
import { SCORE_COLUMNS, type EncodedScores } from './scores-copy.js';

export type ModelVersionRow = typeof mlModelVersions.$inferSelect;
export type NewModelVersionRow = typeof mlModelVersions.$inferInsert;
export type ScoringRunRow = typeof mlScoringRuns.$inferSelect;
export type ScoringPartitionRow = typeof mlScoringPartitions.$inferSelect;
export type ScoreRow = typeof mlScores.$inferSelect;
type Cuts = { high: number; medium: number } | null;
/** A stored score with the cut points of the version that made it (for its level). */
export type ScoreWithCutsRow = ScoreRow & { thresholds: Cuts; anyThresholds: Cuts };
export type NewScoreRow = typeof mlScores.$inferInsert;

/** Version columns without the (large) serialized model, for lists and status reads. */
const versionSummary = {
  id: mlModelVersions.id, modelName: mlModelVersions.modelName, version: mlModelVersions.version, status: mlModelVersions.status,
  isActive: mlModelVersions.isActive, algorithm: mlModelVersions.algorithm, hyperParameters: mlModelVersions.hyperParameters,
  seed: mlModelVersions.seed, featureList: mlModelVersions.featureList, metrics: mlModelVersions.metrics, dataSnapshot: mlModelVersions.dataSnapshot,
  progress: mlModelVersions.progress, error: mlModelVersions.error, createdBy: mlModelVersions.createdBy, createdAt: mlModelVersions.createdAt,
  startedAt: mlModelVersions.startedAt, finishedAt: mlModelVersions.finishedAt, activatedAt: mlModelVersions.activatedAt, activatedBy: mlModelVersions.activatedBy,
};
export type VersionSummaryRow = Pick<ModelVersionRow, keyof typeof versionSummary>;

/** A partition's subscribers: ids in (after_id, last_id], null ends unbounded. */
const inPartition = (p: Pick<ScoringPartitionRow, 'afterId' | 'lastId'>) =>
  and(p.afterId === null ? undefined : sql`${mlScores.customerId} > ${p.afterId}`, p.lastId === null ? undefined : sql`${mlScores.customerId} <= ${p.lastId}`) ?? sql`true`;

/** Locks the partition's row if `attempt` is still its latest attempt and it is running in a running run. */
async function lockAttempt(db: DbOrTx, runId: string, index: number, attempt: number): Promise<boolean> {
  const rows = await db.execute(sql`
    select 1 from ${mlScoringPartitions} p
    where p.run_id = ${runId}::uuid and p.index = ${index}::int and p.attempts = ${attempt}::int and p.status = 'running'
      and exists (select 1 from ${mlScoringRuns} r where r.id = p.run_id and r.status = 'running')
    for update of p`);
  return rowsOf(rows).length > 0;
}

/** Only a version still training may be written; ready and failed versions are immutable. */
const stillTraining = (id: string) => and(eq(mlModelVersions.id, id), eq(mlModelVersions.status, 'training'));

/**
 * Model versions, scoring runs and scores. Bound to the database or to a unit of work's transaction
 * (`createMlRepository(tx)`): a version's insert and its training job, a completed version and its
 * first activation, commit together.
 */
export function createMlRepository(db: DbOrTx) {
  return {
    /** The next version number of the model, taken under a lock so concurrent requests get distinct numbers. */
    async insertVersion(values: Omit<NewModelVersionRow, 'version'>): Promise<ModelVersionRow> {
      await db.execute(sql`select pg_advisory_xact_lock(7301002, hashtext(${values.modelName}))`);
      const [next] = await db
        .select({ v: sql<number>`coalesce(max(${mlModelVersions.version}), 0)::int + 1` })
        .from(mlModelVersions)
        .where(eq(mlModelVersions.modelName, values.modelName));
      const [row] = await db.insert(mlModelVersions).values({ ...values, version: next!.v }).returning();
      return row!;
    },

    async findVersion(modelName: string, version: number): Promise<ModelVersionRow | undefined> {
      const [row] = await db.select().from(mlModelVersions).where(and(eq(mlModelVersions.modelName, modelName), eq(mlModelVersions.version, version))).limit(1);
      return row;
    },

    async findVersionById(id: string): Promise<ModelVersionRow | undefined> {
      const [row] = await db.select().from(mlModelVersions).where(eq(mlModelVersions.id, id)).limit(1);
      return row;
    },

    listVersions(modelName: string, page: { limit: number; offset: number }): Promise<{ count: number; results: VersionSummaryRow[] }> {
      const cond = eq(mlModelVersions.modelName, modelName);
      return paged(
        db.select(versionSummary).from(mlModelVersions).where(cond).orderBy(desc(mlModelVersions.version)).limit(page.limit).offset(page.offset),
        db.select({ n: count() }).from(mlModelVersions).where(cond),
      );
    },

    /** Per model: version count, the active version and the newest version. */
    async overview(): Promise<{ counts: Map<string, number>; active: VersionSummaryRow[]; latest: VersionSummaryRow[] }> {
      const [counts, active, latest] = await Promise.all([
        db.select({ name: mlModelVersions.modelName, n: count() }).from(mlModelVersions).groupBy(mlModelVersions.modelName),
        db.select(versionSummary).from(mlModelVersions).where(eq(mlModelVersions.isActive, true)),
        db
          .selectDistinctOn([mlModelVersions.modelName], versionSummary)
          .from(mlModelVersions)
          .orderBy(asc(mlModelVersions.modelName), desc(mlModelVersions.version)),
      ]);
      return { counts: new Map(counts.map((c) => [c.name, c.n])), active, latest };
    },

    /** The active version's id and number: one indexed read per prediction, the model itself comes from the cache. */
    async activeRef(modelName: string): Promise<{ id: string; version: number } | null> {
      const [row] = await db
        .select({ id: mlModelVersions.id, version: mlModelVersions.version })
        .from(mlModelVersions)
        .where(and(eq(mlModelVersions.modelName, modelName), eq(mlModelVersions.isActive, true)))
        .limit(1);
      return row ?? null;
    },

    async hasAnyVersion(modelName: string): Promise<boolean> {
      const [row] = await db.select({ id: mlModelVersions.id }).from(mlModelVersions).where(eq(mlModelVersions.modelName, modelName)).limit(1);
      return row !== undefined;
    },

    async markStarted(id: string, progress: ModelVersionRow['progress']): Promise<boolean> {
      const rows = await db.update(mlModelVersions).set({ startedAt: sql`now()`, progress }).where(stillTraining(id)).returning({ id: mlModelVersions.id });
      return rows.length > 0;
    },

    async updateProgress(id: string, progress: ModelVersionRow['progress']): Promise<void> {
      await db.update(mlModelVersions).set({ progress }).where(stillTraining(id));
    },

    async complete(id: string, values: Pick<NewModelVersionRow, 'artifact' | 'metrics' | 'dataSnapshot' | 'trainingScores' | 'featureList' | 'hyperParameters' | 'progress'>): Promise<ModelVersionRow | undefined> {
      const [row] = await db
        .update(mlModelVersions)
        .set({ ...values, status: 'ready', finishedAt: sql`now()`, error: null })
        .where(stillTraining(id))
        .returning();
      return row;
    },

    async fail(id: string, error: string, progress: ModelVersionRow['progress']): Promise<void> {
      await db.update(mlModelVersions).set({ status: 'failed', error, progress, finishedAt: sql`now()` }).where(stillTraining(id));
    },

    /** Moves the model's active flag to this version (the partial unique index allows one at a time). */
    async activate(modelName: string, id: string, by: string): Promise<ModelVersionRow> {
      await db.execute(sql`select pg_advisory_xact_lock(7301003, hashtext(${modelName}))`);
      await db
        .update(mlModelVersions)
        .set({ isActive: false })
        .where(and(eq(mlModelVersions.modelName, modelName), eq(mlModelVersions.isActive, true)));
      const [row] = await db
        .update(mlModelVersions)
        .set({ isActive: true, activatedAt: sql`now()`, activatedBy: by })
        .where(and(eq(mlModelVersions.id, id), eq(mlModelVersions.status, 'ready')))
        .returning();
      return row!;
    },

    // -------------------------------------------------------------------------------------------
    // Batch scoring runs

    async insertRun(values: typeof mlScoringRuns.$inferInsert): Promise<ScoringRunRow> {
      const [row] = await db.insert(mlScoringRuns).values(values).returning();
      return row!;
    },

    async findRun(id: string): Promise<ScoringRunRow | undefined> {
      const [row] = await db.select().from(mlScoringRuns).where(eq(mlScoringRuns.id, id)).limit(1);
      return row;
    },

    listRuns(modelName: string, page: { limit: number; offset: number }): Promise<{ count: number; results: ScoringRunRow[] }> {
      const cond = eq(mlScoringRuns.modelName, modelName);
      return paged(
        db.select().from(mlScoringRuns).where(cond).orderBy(desc(mlScoringRuns.createdAt), desc(mlScoringRuns.id)).limit(page.limit).offset(page.offset),
        db.select({ n: count() }).from(mlScoringRuns).where(cond),
      );
    },

    /** queued -> running with its total and partition count; false when another worker took it or it already finished. */
    async claimRun(id: string, values: { startedAt: string; total: number; partitions: number }): Promise<boolean> {
      const rows = await db
        .update(mlScoringRuns)
        .set({ status: 'running', startedAt: values.startedAt, total: values.total, partitionsTotal: values.partitions })
        .where(and(eq(mlScoringRuns.id, id), eq(mlScoringRuns.status, 'queued')))
        .returning({ id: mlScoringRuns.id });
      return rows.length > 0;
    },

    /** A running run succeeded (once: false when it was finished or failed already). */
    async finishRun(id: string, values: { scored: number; psi: number | null; psiBins: Record<string, unknown>[] | null }): Promise<boolean> {
      const rows = await db
        .update(mlScoringRuns)
        .set({ ...values, status: 'succeeded', finishedAt: sql`now()` })
        .where(and(eq(mlScoringRuns.id, id), eq(mlScoringRuns.status, 'running')))
        .returning({ id: mlScoringRuns.id });
      return rows.length > 0;
    },

    /**
     * After a large run (PGlite has no autovacuum to do it; on PostgreSQL it comes sooner): fresh
     * planner statistics of ml_scores, and its new pages marked all-visible, so the audiences' score
     * sets are index-only scans (migration 0017) rather than a visit to every table page they name.
     * Also frees the rows of runs deleted since. Outside any transaction (VACUUM cannot run in one).
     */
    async refreshScoreStatistics(): Promise<void> {
      await db.execute(sql`vacuum (analyze) ${mlScores}`);
    },

    /**
     * Deletes the scores of model M's runs that no reader takes any more, and marks those runs (their
     * records stay). Readers take the newest succeeded run of the active version (audiences), or per
     * subscriber the newest succeeded run of it that scored them (a run over one segment scores only
     * that segment: older runs hold everyone else's latest scores). So a run's scores go only when
     * it finished before the newest succeeded run of the active version over the whole base, and it
     * is not one of the `keep` newest succeeded runs of the model (kept for a look back, and for a
     * version activated again). Scores of failed runs before that run go too. Runs still queued or
     * running are never touched; the runs deleted are locked, so two instances do not both delete them.
     */
    async deleteOldScores(model: string, keep: number): Promise<{ runId: string; version: number; status: string; rows: number }[]> {
      const doomed = rowsOf<{ id: string; version: number; status: string }>(await db.execute(sql`
        with whole_base as (
          select r.finished_at, r.id from ${mlScoringRuns} r
          join ${mlModelVersions} v on v.id = r.model_version_id and v.is_active
          where r.model_name = ${model} and r.status = 'succeeded' and r.segment is null and r.scores_deleted_at is null
          order by r.finished_at desc, r.id desc limit 1),
        kept as (
          select r.id from ${mlScoringRuns} r
          where r.model_name = ${model} and r.status = 'succeeded' and r.scores_deleted_at is null
          order by r.finished_at desc, r.id desc limit ${keep}::int)
        select r.id, r.version, r.status from ${mlScoringRuns} r, whole_base w
        where r.model_name = ${model} and r.status in ('succeeded', 'failed') and r.scores_deleted_at is null
          and r.id not in (select id from kept) and (r.finished_at, r.id) < (w.finished_at, w.id)
        order by r.finished_at, r.id
        for update of r skip locked`));
      const out: { runId: string; version: number; status: string; rows: number }[] = [];
      for (const run of doomed) {
        // counted first (an index-only range of the run): a delete returning its rows would hold them all
        const [counted] = rowsOf<{ rows: number }>(await db.execute(sql`select count(*)::int as rows from ${mlScores} where ${mlScores.runId} = ${run.id}::uuid`));
        await db.execute(sql`delete from ${mlScores} where ${mlScores.runId} = ${run.id}::uuid`);
        out.push({ runId: run.id, version: run.version, status: run.status, rows: counted!.rows });
      }
      if (doomed.length > 0) {
        await db.update(mlScoringRuns).set({ scoresDeletedAt: sql`now()` }).where(inArray(mlScoringRuns.id, doomed.map((r) => r.id)));
      }
      return out;
    },

    async failRun(id: string, error: string): Promise<void> {
      await db.update(mlScoringRuns).set({ status: 'failed', error, finishedAt: sql`now()` }).where(and(eq(mlScoringRuns.id, id), inArray(mlScoringRuns.status, ['queued', 'running'])));
    },

    // -------------------------------------------------------------------------------------------
    // Partitions of a run: each worked by one job, on any instance

    async insertPartitions(runId: string, ranges: { afterId: string | null; lastId: string | null; subscribers: number }[]): Promise<void> {
      if (ranges.length === 0) return;
      await db.insert(mlScoringPartitions).values(ranges.map((r, index) => ({ runId, index, ...r, status: 'queued' })));
    },

    async listPartitions(runId: string): Promise<ScoringPartitionRow[]> {
      return db.select().from(mlScoringPartitions).where(eq(mlScoringPartitions.runId, runId)).orderBy(asc(mlScoringPartitions.index));
    },

    /**
     * A new attempt at a partition of a running run: its attempt number goes up (fencing off any
     * earlier attempt still writing), the scores an earlier attempt left in its range are deleted and
     * the run's scored count follows, in one transaction. Null when the run is not running or the
     * partition is finished (succeeded or failed). When `maxAttempts` were made already and the
     * last neither finished nor recorded its failure (its instance died), nothing changes and the
     * answer says `exhausted`, for the caller to fail it.
     */
    async claimPartition(
      runId: string, index: number, worker: string, maxAttempts: number,
    ): Promise<{ run: ScoringRunRow; partition: ScoringPartitionRow; exhausted: boolean } | null> {
      return db.transaction(async (tx) => {
        const at = and(eq(mlScoringPartitions.runId, runId), eq(mlScoringPartitions.index, index));
        // What an earlier attempt counted, under the row's lock, to take back from the run.
        const [before] = await tx.select().from(mlScoringPartitions).where(at).for('update');
        if (before && before.status === 'running' && before.attempts >= maxAttempts) {
          const [run] = await tx.select().from(mlScoringRuns).where(and(eq(mlScoringRuns.id, runId), eq(mlScoringRuns.status, 'running')));
          return run ? { run, partition: before, exhausted: true } : null;
        }
        const [partition] = await tx
          .update(mlScoringPartitions)
          .set({ status: 'running', attempts: sql`${mlScoringPartitions.attempts} + 1`, worker, scored: 0, psiCounts: null, error: null, startedAt: sql`now()`, finishedAt: null })
          .where(and(
            at, inArray(mlScoringPartitions.status, ['queued', 'running']),
            sql`exists (select 1 from ${mlScoringRuns} r where r.id = ${runId}::uuid and r.status = 'running')`,
          ))
          .returning();
        if (!partition) return null;
        await tx.execute(sql`delete from ${mlScores} where ${mlScores.runId} = ${runId}::uuid and ${inPartition(partition)}`);
        const [run] = await tx
          .update(mlScoringRuns)
          .set({ scored: sql`${mlScoringRuns.scored} - ${before?.scored ?? 0}::int` })
          .where(eq(mlScoringRuns.id, runId))
          .returning();
        return { run: run!, partition, exhausted: false };
      });
    },

    /**
     * A page of an attempt's score rows (one COPY) and its scored count, in one transaction that
     * holds the partition's row: false, and nothing written, when a newer attempt has claimed the
     * partition since (this one was presumed dead and retried) or the run has ended.
     */
    async writePartitionScores(runId: string, index: number, attempt: number, scores: EncodedScores, subscribers: number): Promise<boolean> {
      return db.transaction(async (tx) => {
        if (!(await lockAttempt(tx, runId, index, attempt))) return false;
        if (scores.rows > 0) {
          // What the subscriber and product keys did row by row (migration 0020): neither can be
          // deleted until the rows naming them are committed, and rows naming one already gone fail.
          const [held] = rowsOf<{ customers: number; products: number }>(await tx.execute(sql`
            with c as (select 1 from ${customers} where ${customers.id} = any(${sql.param(scores.customers)}::text[]) for key share),
              p as (select 1 from ${products} where ${products.id} = any(${sql.param(scores.products)}::uuid[]) for key share)
            select (select count(*) from c)::int as customers, (select count(*) from p)::int as products`));
          if (held!.customers < scores.customers.length || held!.products < scores.products.length) {
            throw new Error(`scores not written: ${scores.customers.length - held!.customers} of the page's subscribers and ${scores.products.length - held!.products} of its products were deleted meanwhile`);
          }
          await copyEncoded(tx, 'ml_scores', SCORE_COLUMNS, scores.text);
        }
        await tx
          .update(mlScoringPartitions)
          .set({ scored: sql`${mlScoringPartitions.scored} + ${subscribers}::int` })
          .where(and(eq(mlScoringPartitions.runId, runId), eq(mlScoringPartitions.index, index)));
        // Increments, not a recount: a concurrent partition's uncommitted page would be missed by a sum read here.
        await tx.update(mlScoringRuns).set({ scored: sql`${mlScoringRuns.scored} + ${subscribers}::int` }).where(eq(mlScoringRuns.id, runId));
        return true;
      });
    },

    /**
     * The attempt's partition succeeded with its PSI counts, and the run counts it done (its row
     * locked, so concurrent finishers are serialised): the run's partitions done and total after
     * it, or null when a newer attempt holds the partition or the run is no longer running.
     */
    async completePartition(runId: string, index: number, attempt: number, psiCounts: number[] | null): Promise<{ done: number; total: number; scored: number } | null> {
      if (!(await lockAttempt(db, runId, index, attempt))) return null;
      await db
        .update(mlScoringPartitions)
        .set({ status: 'succeeded', psiCounts, finishedAt: sql`now()` })
        .where(and(eq(mlScoringPartitions.runId, runId), eq(mlScoringPartitions.index, index)));
      const [run] = await db
        .update(mlScoringRuns)
        .set({ partitionsDone: sql`${mlScoringRuns.partitionsDone} + 1` })
        .where(and(eq(mlScoringRuns.id, runId), eq(mlScoringRuns.status, 'running')))
        .returning({ done: mlScoringRuns.partitionsDone, total: mlScoringRuns.partitionsTotal, scored: mlScoringRuns.scored });
      return run ?? null;
    },

    /** The PSI counts of the run's succeeded partitions. */
    async partitionPsiCounts(runId: string): Promise<number[][]> {
      const rows = await db
        .select({ counts: mlScoringPartitions.psiCounts })
        .from(mlScoringPartitions)
        .where(and(eq(mlScoringPartitions.runId, runId), eq(mlScoringPartitions.status, 'succeeded'), isNotNull(mlScoringPartitions.psiCounts)));
      return rows.map((r) => r.counts!);
    },

    /** The attempt's partition failed for good, and its run with it (the reason naming the partition). */
    async failPartition(runId: string, index: number, attempt: number, error: string, runError: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await lockAttempt(tx, runId, index, attempt))) return;
        await tx
          .update(mlScoringPartitions)
          .set({ status: 'failed', error, finishedAt: sql`now()` })
          .where(and(eq(mlScoringPartitions.runId, runId), eq(mlScoringPartitions.index, index)));
        await tx
          .update(mlScoringRuns)
          .set({ status: 'failed', error: runError, finishedAt: sql`now()` })
          .where(and(eq(mlScoringRuns.id, runId), eq(mlScoringRuns.status, 'running')));
      });
    },

    /** Per version, its newest finished scoring run with a PSI (the stability shown with the version). */
    async latestRuns(versionIds: string[]): Promise<Map<string, ScoringRunRow>> {
      if (versionIds.length === 0) return new Map();
      const rows = await db
        .selectDistinctOn([mlScoringRuns.modelVersionId])
        .from(mlScoringRuns)
        .where(and(inArray(mlScoringRuns.modelVersionId, versionIds), eq(mlScoringRuns.status, 'succeeded'), isNotNull(mlScoringRuns.psi)))
        .orderBy(asc(mlScoringRuns.modelVersionId), desc(mlScoringRuns.finishedAt), desc(mlScoringRuns.id));
      return new Map(rows.map((r) => [r.modelVersionId, r]));
    },

    // -------------------------------------------------------------------------------------------
    // Scores

    /**
     * Per model, the subscriber's rows (the overall score and, for propensity, its top products) of
     * the newest succeeded run of the active version that scored them: the scores audiences target
     * by, not a run still writing, one that failed part-way, or one of a version since replaced.
     */
    async latestScores(customerId: string): Promise<ScoreWithCutsRow[]> {
      const result = await db.execute(sql`
        select s.id, s.customer_id as "customerId", s.model_name as "modelName", s.model_version_id as "modelVersionId", s.version,
          s.product_id as "productId", s.campaign_id as "campaignId", s.score, s.uplift, s.reasons, s.scored_at as "scoredAt", s.run_id as "runId",
          v.metrics -> 'thresholds' as thresholds, v.metrics -> 'any_product' -> 'thresholds' as "anyThresholds"
        from ${mlScores} s
        join ${mlModelVersions} v on v.id = s.model_version_id
        join (
          select distinct on (ls.model_name) ls.model_name, ls.run_id from ${mlScores} ls
          join ${mlScoringRuns} r on r.id = ls.run_id and r.status = 'succeeded' and r.scores_deleted_at is null
          join ${mlModelVersions} av on av.id = r.model_version_id and av.is_active
          where ls.customer_id = ${customerId} order by ls.model_name, r.finished_at desc, r.id desc
        ) latest on latest.model_name = s.model_name and latest.run_id = s.run_id
        where s.customer_id = ${customerId}
        order by s.model_name, s.product_id nulls first, s.score desc, s.id`);
      return rowsOf<ScoreWithCutsRow>(result);
    },
  };
}
export type MlRepository = ReturnType<typeof createMlRepository>;
