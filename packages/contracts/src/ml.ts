import { z } from 'zod';
import { inStorableYears, Pagination, PG_INT_MAX, YEAR_RANGE_MESSAGE } from './common.js';
import { RecordId } from './customers.js';

/**
 * ML scoring: the model registry (versions, metrics, activation), training and batch scoring runs,
 * single predictions and the per-subscriber scores the console and campaigns read.
 */

export const ML_MODEL_NAMES = ['propensity_to_buy', 'campaign_response', 'payment_default_risk'] as const;
export const MlModelName = z.enum(ML_MODEL_NAMES);
export type MlModelName = z.infer<typeof MlModelName>;

export const ML_VERSION_STATUSES = ['training', 'ready', 'failed'] as const;
export const MlVersionStatus = z.enum(ML_VERSION_STATUSES);
export type MlVersionStatus = z.infer<typeof MlVersionStatus>;

export const ML_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const MlRunStatus = z.enum(ML_RUN_STATUSES);
export type MlRunStatus = z.infer<typeof MlRunStatus>;

/** PSI bands of the documented rule: < 0.1 stable, 0.1-0.25 watch, > 0.25 retrain. */
export const ML_STABILITY = ['stable', 'watch', 'retrain'] as const;
export const MlStability = z.enum(ML_STABILITY);
export type MlStability = z.infer<typeof MlStability>;

export const LEVELS = ['high', 'medium', 'low'] as const;
export const Level = z.enum(LEVELS);
export type Level = z.infer<typeof Level>;

const DateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-10-01')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a calendar date')
  .refine((s) => inStorableYears(`${s}T00:00:00Z`), YEAR_RANGE_MESSAGE);

export const MlModelParam = z.object({ name: MlModelName }).strict();
export const MlVersionParam = z.object({ name: MlModelName, v: z.coerce.number().int().min(1).max(PG_INT_MAX) }).strict();
export const MlRunParam = z.object({ name: MlModelName, id: z.string().uuid() }).strict();
export const MlListQuery = z.object(Pagination({ max: 200 })).strict();
export type MlListQuery = z.infer<typeof MlListQuery>;

// ---------------------------------------------------------------------------------------------
// Training

/** Hyper-parameters a caller may set; everything else keeps the model's defaults. */
export const MlTrainParams = z
  .object({
    n_trees: z.number().int().min(1).max(2000),
    learning_rate: z.number().gt(0).max(1),
    max_depth: z.number().int().min(1).max(12),
    min_leaf_size: z.number().int().min(1).max(100_000),
    min_child_weight: z.number().min(0).max(1e6),
    lambda: z.number().min(0).max(1e6),
    subsample: z.number().gt(0).max(1),
    colsample: z.number().gt(0).max(1),
    early_stopping_rounds: z.number().int().min(0).max(500),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    calibration: z.enum(['platt', 'isotonic']),
    /** Days after the snapshot in which the label is observed. */
    window_days: z.number().int().min(7).max(180),
    /** Cap on labelled rows (propensity samples subscribers to stay under it). */
    max_rows: z.number().int().min(1000).max(5_000_000),
  })
  .partial()
  .strict();
export type MlTrainParams = z.infer<typeof MlTrainParams>;

export const MlTrainRequest = z
  .object({
    /** Features are computed from data before this day, labels from the window after it (default: the latest day whose window is complete). */
    snapshot_date: DateOnly.optional(),
    params: MlTrainParams.optional(),
  })
  .strict();
export type MlTrainRequest = z.infer<typeof MlTrainRequest>;

// ---------------------------------------------------------------------------------------------
// Metrics (stored with every version, immutable)

export const MlLiftRow = z.object({
  decile: z.number().int(),
  rows: z.number().int(),
  positives: z.number().int(),
  min_score: z.number().nullable(),
  max_score: z.number().nullable(),
  mean_score: z.number().nullable(),
  rate: z.number(),
  lift: z.number().nullable(),
  cumulative_gain: z.number().nullable(),
  cumulative_lift: z.number().nullable(),
});
export const MlCalibrationRow = z.object({
  bin: z.number().int(),
  rows: z.number().int(),
  mean_predicted: z.number(),
  observed_rate: z.number(),
  lower: z.number(),
  upper: z.number(),
});
export const MlRocPoint = z.object({ fpr: z.number(), tpr: z.number(), threshold: z.number().nullable() });
export const MlFeatureImportance = z.object({ feature: z.string(), importance: z.number(), share: z.number(), splits: z.number().int() });
export const MlHeadline = z.object({
  auc: z.number().nullable(),
  gini: z.number().nullable(),
  ks: z.number().nullable(),
  log_loss: z.number().nullable(),
  brier: z.number().nullable(),
});
export type MlHeadline = z.infer<typeof MlHeadline>;
export const MlUpliftDecile = z.object({
  decile: z.number().int(),
  rows: z.number().int(),
  treated: z.number().int(),
  control: z.number().int(),
  treated_rate: z.number().nullable(),
  control_rate: z.number().nullable(),
  observed_uplift: z.number().nullable(),
  mean_predicted_uplift: z.number().nullable(),
});
export const MlScorecardRow = z.object({
  feature: z.string(),
  bin: z.string(),
  rows: z.number().int(),
  events: z.number().int(),
  event_rate: z.number().nullable(),
  woe: z.number(),
  points: z.number(),
});

export const MlMetrics = MlHeadline.extend({
  /** Test split size and positives. */
  rows: z.number().int(),
  positives: z.number().int(),
  /** Expected calibration error of the calibrated probabilities on the test split. */
  calibration_error: z.number().nullable(),
  lift: z.array(MlLiftRow),
  calibration: z.array(MlCalibrationRow),
  roc: z.array(MlRocPoint),
  feature_importance: z.array(MlFeatureImportance),
  /** The same test split scored before calibration and by the transparent baseline. */
  uncalibrated: MlHeadline.extend({ calibration_error: z.number().nullable() }),
  baseline: MlHeadline.extend({ algorithm: z.literal('logistic') }),
  /** Decision thresholds fitted on the held-out calibration part: `decision` for the yes/no answer, `high`/`medium` for levels. */
  thresholds: z.object({ decision: z.number(), high: z.number(), medium: z.number() }),
  /**
   * propensity_to_buy: "buys any product" = 1 - prod(1 - p) over the subscriber's products, scored on
   * the whole snapshot per subscriber, with its own thresholds.
   */
  any_product: MlHeadline.extend({
    rows: z.number().int(),
    positives: z.number().int(),
    /** Mean P(buys any) over those subscribers, beside the share that bought (positives / rows). */
    mean_predicted: z.number().optional(),
    thresholds: z.object({ decision: z.number(), high: z.number(), medium: z.number() }),
  }).optional(),
  /** campaign_response with a control group: the T-learner's Qini and uplift by decile. */
  qini: z.object({ qini: z.number().nullable(), qini_normalized: z.number().nullable(), curve: z.array(z.object({ fraction: z.number(), incremental: z.number() })) }).optional(),
  uplift_deciles: z.array(MlUpliftDecile).optional(),
  /** payment_default_risk: the weight-of-evidence scorecard (points per bin) and its test metrics. */
  scorecard: z.object({ metrics: MlHeadline, table: z.array(MlScorecardRow) }).optional(),
});
export type MlMetrics = z.infer<typeof MlMetrics>;

export const MlDataSnapshot = z.object({
  snapshot_date: z.string(),
  window_days: z.number().int(),
  /** Labels come from [label_from, label_to). */
  label_from: z.string(),
  label_to: z.string(),
  rows: z.number().int(),
  positives: z.number().int(),
  train_rows: z.number().int(),
  calibration_rows: z.number().int(),
  test_rows: z.number().int(),
  treated: z.number().int().nullable(),
  control: z.number().int().nullable(),
  /** Distinct subscribers in the rows. */
  subscribers: z.number().int(),
  /**
   * propensity_to_buy: subscribers kept aside with every (subscriber, product) pair, the real
   * purchase rate; half calibrate the model, half give its metrics. The other subscribers' rows keep
   * every purchase and a share of the non-purchases (params.negative_sampling_rate) to fit the trees.
   */
  evaluation_subscribers: z.number().int().optional(),
  evaluation_rows: z.number().int().optional(),
  /** SHA-256 of the feature matrix and labels: the same data gives the same hash. */
  hash: z.string(),
});
export type MlDataSnapshot = z.infer<typeof MlDataSnapshot>;

export const MlProgress = z.object({ stage: z.string(), iteration: z.number().int(), total: z.number().int() });
export type MlProgress = z.infer<typeof MlProgress>;

export const MlStabilityInfo = z.object({
  psi: z.number(),
  status: MlStability,
  run_id: z.string(),
  scored_at: z.string().nullable(),
});

const versionBase = {
  id: z.string().uuid(),
  model: MlModelName,
  version: z.number().int(),
  status: MlVersionStatus,
  is_active: z.boolean(),
  algorithm: z.string(),
  params: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  features: z.array(z.string()),
  calibration: z.enum(['platt', 'isotonic']).nullable(),
  data_snapshot: MlDataSnapshot.nullable(),
  progress: MlProgress,
  error: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  activated_at: z.string().nullable(),
  activated_by: z.string().nullable(),
  /** PSI of the latest batch scoring run of this version against its training scores. */
  stability: MlStabilityInfo.nullable(),
};

export const MlModelVersion = z.object({ ...versionBase, metrics: MlMetrics.nullable() });
export type MlModelVersion = z.infer<typeof MlModelVersion>;

/** A version in lists: the headline metrics without chart data. */
export const MlModelVersionSummary = z.object({ ...versionBase, metrics: MlHeadline.nullable() });
export type MlModelVersionSummary = z.infer<typeof MlModelVersionSummary>;

export const MlModel = z.object({
  name: MlModelName,
  description: z.string(),
  label: z.string(),
  active_version: MlModelVersionSummary.nullable(),
  latest_version: MlModelVersionSummary.nullable(),
  versions: z.number().int(),
});
export type MlModel = z.infer<typeof MlModel>;

export const MlModelList = z.object({ count: z.number().int(), results: z.array(MlModel) });
export type MlModelList = z.infer<typeof MlModelList>;
export const MlVersionList = z.object({ count: z.number().int(), results: z.array(MlModelVersionSummary) });
export type MlVersionList = z.infer<typeof MlVersionList>;

// ---------------------------------------------------------------------------------------------
// Batch scoring

export const MlScoreRequest = z
  .object({
    /** Only subscribers in this segment (default: every active subscriber). */
    segment: z.string().trim().min(1).max(64).optional(),
    /** campaign_response: score the offer of this campaign (default: the newest campaign that offered a product). */
    campaign_id: RecordId.optional(),
  })
  .strict();
export type MlScoreRequest = z.infer<typeof MlScoreRequest>;

export const MlScoringRun = z.object({
  id: z.string().uuid(),
  model: MlModelName,
  version: z.number().int(),
  status: MlRunStatus,
  segment: z.string().nullable(),
  campaign_id: z.string().nullable(),
  total: z.number().int(),
  scored: z.number().int(),
  /** The run is scored in partitions (subscriber id ranges) that instances with jobs take one at a time: how many, and how many are done. */
  partitions_total: z.number().int(),
  partitions_done: z.number().int(),
  psi: z.number().nullable(),
  stability: MlStability.nullable(),
  error: z.string().nullable(),
  requested_by: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  /** When the run's scores were deleted: newer runs took their place (ML_SCORE_RUNS_KEPT); the run's figures stay. */
  scores_deleted_at: z.string().nullable(),
});
export type MlScoringRun = z.infer<typeof MlScoringRun>;
export const MlScoringRunList = z.object({ count: z.number().int(), results: z.array(MlScoringRun) });
export type MlScoringRunList = z.infer<typeof MlScoringRunList>;

// ---------------------------------------------------------------------------------------------
// Predictions

export const MlReason = z.object({
  feature: z.string(),
  /** Contribution to the log-odds (TreeSHAP); the contributions of all features add up to the raw score. */
  contribution: z.number(),
  direction: z.enum(['increases', 'decreases']),
  value: z.union([z.number(), z.string()]).nullable(),
});
export type MlReason = z.infer<typeof MlReason>;

export const MlPredictRequest = z
  .object({
    model: MlModelName,
    customer_id: RecordId,
    product_id: z.string().uuid().optional(),
    campaign_id: RecordId.optional(),
  })
  .strict();
export type MlPredictRequest = z.infer<typeof MlPredictRequest>;

const predictionCommon = {
  /** Probability that the yes/no answer is right (calibrated). */
  confidence: z.number(),
  model_version: z.number().int(),
  scored_at: z.string(),
  reasons: z.array(MlReason),
};

export const PropensityPrediction = z.object({
  propensity: z.number(),
  /** Alias of `propensity` (the seed API's name). */
  propensity_score: z.number(),
  will_buy: z.boolean(),
  propensity_level: Level,
  ...predictionCommon,
});
export type PropensityPrediction = z.infer<typeof PropensityPrediction>;

export const CampaignResponsePrediction = z.object({
  will_respond: z.boolean(),
  /** Alias of `will_respond` (the seed API's name). */
  response_prediction: z.boolean(),
  response_probability: z.number(),
  /** p(respond | contacted) - p(respond | not contacted), when the training data had a control group. */
  uplift: z.number().optional(),
  ...predictionCommon,
});
export type CampaignResponsePrediction = z.infer<typeof CampaignResponsePrediction>;

export const DefaultRiskPrediction = z.object({
  default_risk: z.number(),
  /** Alias of `default_risk` (the seed API's name). */
  default_risk_score: z.number(),
  risk_level: Level,
  will_default: z.boolean(),
  ...predictionCommon,
});
export type DefaultRiskPrediction = z.infer<typeof DefaultRiskPrediction>;

export const MlPrediction = z.union([PropensityPrediction, CampaignResponsePrediction, DefaultRiskPrediction]);
export type MlPrediction = z.infer<typeof MlPrediction>;

// ---------------------------------------------------------------------------------------------
// Per-subscriber reads

export const CustomerScore = z.object({
  model: MlModelName,
  model_version: z.number().int(),
  /** propensity_to_buy: the product scored; null = any available product. */
  product_id: z.string().nullable(),
  campaign_id: z.string().nullable(),
  score: z.number(),
  /** The score against the version's cut points: high = top 10% of the training population, medium = the next 20%. */
  level: Level,
  uplift: z.number().nullable(),
  reasons: z.array(MlReason),
  scored_at: z.string(),
  run_id: z.string(),
});
export type CustomerScore = z.infer<typeof CustomerScore>;
export const CustomerScoreList = z.object({ count: z.number().int(), results: z.array(CustomerScore) });
export type CustomerScoreList = z.infer<typeof CustomerScoreList>;

export const RecommendedProductsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }).strict();
export type RecommendedProductsQuery = z.infer<typeof RecommendedProductsQuery>;

export const RecommendedProduct = z.object({
  product_id: z.string(),
  external_product_id: z.string(),
  name: z.string(),
  product_type: z.string(),
  category: z.string(),
  price: z.string().nullable(),
  currency: z.string(),
  propensity: z.number(),
  propensity_level: Level,
  reasons: z.array(MlReason),
});
export type RecommendedProduct = z.infer<typeof RecommendedProduct>;
export const RecommendedProductList = z.object({
  customer_id: z.string(),
  model_version: z.number().int(),
  scored_at: z.string(),
  count: z.number().int(),
  results: z.array(RecommendedProduct),
});
export type RecommendedProductList = z.infer<typeof RecommendedProductList>;
