import { sql } from 'drizzle-orm';
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/**
 * The model registry. A version is written while it trains (status, progress) and is immutable once
 * ready or failed: only `is_active` / `activated_*` change afterwards, and the partial unique index
 * keeps exactly one active version per model.
 */
export const mlModelVersions = pgTable(
  'ml_model_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelName: text('model_name').notNull(),
    version: integer('version').notNull(),
    status: text('status').notNull(),
    isActive: boolean('is_active').notNull().default(false),
    algorithm: text('algorithm').notNull(),
    hyperParameters: jsonb('hyper_parameters').$type<Record<string, unknown>>().notNull(),
    seed: integer('seed').notNull(),
    featureList: jsonb('feature_list').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** GBDT (with its fitted bins and category lists), calibrator, T-learner, logistic baseline, scorecard. */
    artifact: jsonb('artifact').$type<Record<string, unknown>>(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>(),
    dataSnapshot: jsonb('data_snapshot').$type<Record<string, unknown>>(),
    /** Quantiles of the training scores: the expected distribution of the PSI. */
    trainingScores: jsonb('training_scores').$type<number[]>(),
    progress: jsonb('progress').$type<{ stage: string; iteration: number; total: number }>().notNull(),
    error: text('error'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    activatedAt: ts('activated_at'),
    activatedBy: text('activated_by'),
  },
  (t) => [
    uniqueIndex('ml_model_versions_model_version_uq').on(t.modelName, t.version),
    uniqueIndex('ml_model_versions_one_active_uq').on(t.modelName).where(sql`${t.isActive}`),
  ],
);

/** A batch scoring run of one model version over (a segment of) the subscribers. */
export const mlScoringRuns = pgTable(
  'ml_scoring_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelName: text('model_name').notNull(),
    modelVersionId: uuid('model_version_id').notNull().references(() => mlModelVersions.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    status: text('status').notNull(),
    segment: text('segment'),
    campaignId: text('campaign_id'),
    total: integer('total').notNull().default(0),
    scored: integer('scored').notNull().default(0),
    /** The run is worked as partitions (ml_scoring_partitions); done counts the succeeded ones. */
    partitionsTotal: integer('partitions_total').notNull().default(0),
    partitionsDone: integer('partitions_done').notNull().default(0),
    psi: doublePrecision('psi'),
    psiBins: jsonb('psi_bins').$type<Record<string, unknown>[]>(),
    error: text('error'),
    requestedBy: text('requested_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    /**
     * When the run's scores were deleted to keep ml_scores to the model's newest runs (the run's
     * record stays: who asked, when, how many, its PSI); see MlRepository.deleteOldScores.
     */
    scoresDeletedAt: ts('scores_deleted_at'),
  },
  (t) => [index('ml_scoring_runs_model_idx').on(t.modelName, t.createdAt), index('ml_scoring_runs_version_idx').on(t.modelVersionId, t.finishedAt)],
);

/**
 * A scoring run's share of the subscribers, worked by one `ml-score-partition` job on whichever
 * instance takes it: the scorable ids in (after_id, last_id] (null: unbounded), cut from the ids at
 * the run's claim. `attempts` fences the writes: only the attempt that claimed it last may write
 * its scores or finish it. `psi_counts`: its PSI sample's counts per bin of the version's training scores.
 */
export const mlScoringPartitions = pgTable(
  'ml_scoring_partitions',
  {
    runId: uuid('run_id').notNull().references(() => mlScoringRuns.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    afterId: text('after_id'),
    lastId: text('last_id'),
    subscribers: integer('subscribers').notNull(),
    status: text('status').notNull(),
    scored: integer('scored').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    worker: text('worker'),
    psiCounts: jsonb('psi_counts').$type<number[]>(),
    error: text('error'),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.index] })],
);

/** Scores written by batch runs: one row per subscriber and model (propensity: also per top product). */
export const mlScores = pgTable(
  'ml_scores',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // No foreign key (migration 0020), nor on product_id: a scoring page locks its subscribers and
    // products once (ml.repository writePartitionScores) instead of the keys' check of each of its
    // ~600 rows, which cost ~5 ms of the database's CPU a page (bench scale). Deleting a subscriber
    // or a product deletes their scores (triggers customers_delete_scores, products_delete_scores).
    customerId: text('customer_id').notNull(),
    modelName: text('model_name').notNull(),
    // No foreign key: a score's version is its run's (a run is deleted with its version, and its scores
    // with it by the trigger of migration 0019); see run_id.
    modelVersionId: uuid('model_version_id').notNull(),
    version: integer('version').notNull(),
    productId: uuid('product_id'),
    campaignId: text('campaign_id'),
    score: doublePrecision('score').notNull(),
    uplift: doublePrecision('uplift'),
    // [feature, value, contribution] triples (modules/ml/scoring/stored-reasons.ts); older rows hold objects.
    reasons: jsonb('reasons').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    scoredAt: ts('scored_at').notNull(),
    // No foreign key (migration 0019): a scoring page holds its partition's row locked while it writes
    // (ml.repository lockAttempt), so its run cannot go meanwhile, and the per-row check of ~700 rows
    // a page cost ~5 ms of the database's CPU a page with model_version_id's (bench scale). Deleting a
    // run deletes its scores (trigger ml_scoring_runs_delete_scores), as the cascade did.
    runId: uuid('run_id').notNull(),
  },
  (t) => [
    index('ml_scores_customer_idx').on(t.customerId, t.modelName, t.scoredAt),
    // Audiences read a run by score ("latest active score of model M above x", audience.sql.ts); the
    // run_id prefix also serves what the former (run_id) index did. Migration 0017 adds
    // INCLUDE (customer_id), which Drizzle cannot express: score sets come from index-only scans.
    index('ml_scores_run_score_idx').on(t.runId, t.productId, t.score),
    // Audiences join a subscriber's own scores of a run (default risk, response, uplift rank).
    index('ml_scores_run_customer_idx').on(t.runId, t.customerId),
  ],
);
