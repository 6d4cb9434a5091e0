import type { MlModelName, MlTrainParams } from '@lyra/contracts';
import type { GbdtParams } from '@lyra/ml';
import type { ModelFeatureSet } from './features/features.js';

/**
 * The three models: what each predicts, its label window and its defaults. Hyper-parameters follow
 * the shape of each problem: default risk is close to additive in the payment history (stumps,
 * monotone in the late-payment features, as credit reviewers ask), propensity and response mix
 * product and subscriber effects (deeper trees); rare positives want leaves of at least 50 rows.
 */
export interface ModelSpec {
  name: MlModelName;
  description: string;
  label: string;
  featureSet: ModelFeatureSet;
  /** Label window after the snapshot, days. */
  windowDays: number;
  gbdt: Partial<GbdtParams>;
  scorecard: boolean;
  uplift: boolean;
  /** Feature values every scored row gets (a contact is assumed when scoring a response). */
  scoringOverrides: Record<string, number>;
  /** campaign_response: days after a contact in which a response counts. */
  responseDays: number;
  /** payment_default_risk: days after the due date by which the bill must be paid. */
  graceDays: number;
}

const COMMON: Partial<GbdtParams> = { learningRate: 0.05, minChildWeight: 1, lambda: 1, subsample: 0.8, colsample: 0.8, earlyStoppingRounds: 40, nThreads: 0 };

export const MODEL_SPECS: Record<MlModelName, ModelSpec> = {
  propensity_to_buy: {
    name: 'propensity_to_buy',
    description: 'Will this subscriber buy this catalog product in the next 30 days? Scores any catalog product from its type, price and allowances against the subscriber.',
    label: 'a purchase of the product in the 30 days after the snapshot',
    featureSet: 'propensity',
    windowDays: 30,
    gbdt: { ...COMMON, nTrees: 600, maxDepth: 4, minLeafSize: 50 },
    scorecard: false,
    uplift: false,
    scoringOverrides: {},
    responseDays: 14,
    graceDays: 30,
  },
  campaign_response: {
    name: 'campaign_response',
    description: "Will this subscriber respond to a campaign's offer? With a control group, also the uplift: the response a contact adds.",
    label: 'a response within 14 days to a contact made in the 30 days after the snapshot',
    featureSet: 'response',
    windowDays: 30,
    // Few responders per feature: slower learning, stronger L2 and half the features per tree generalise best.
    gbdt: { ...COMMON, nTrees: 600, maxDepth: 3, minLeafSize: 40, learningRate: 0.03, lambda: 5, colsample: 0.5 },
    scorecard: false,
    uplift: true,
    scoringOverrides: { contacted: 1 },
    responseDays: 14,
    graceDays: 30,
  },
  payment_default_risk: {
    name: 'payment_default_risk',
    description: 'Will this subscriber leave a bill unpaid 30 days past its due date?',
    label: 'a bill due in the 30 days after the snapshot still not fully paid 30 days after its due date',
    featureSet: 'default',
    windowDays: 30,
    gbdt: {
      ...COMMON, nTrees: 800, maxDepth: 1, minLeafSize: 50,
      monotone: { late_bills_12m: 1, avg_days_late_12m: 1, max_days_late_12m: 1, overdue_bills: 1, overdue_amount: 1, unpaid_share_12m: 1 },
    },
    scorecard: true,
    uplift: false,
    scoringOverrides: {},
    responseDays: 14,
    graceDays: 30,
  },
};

/** At most this many labelled rows per training run (propensity samples subscribers to stay under it). */
export const DEFAULT_MAX_ROWS = 400_000;

export interface ResolvedTraining {
  gbdt: Partial<GbdtParams>;
  seed: number;
  calibration: 'platt' | 'isotonic' | 'auto';
  windowDays: number;
  maxRows: number;
}

/** The model's defaults with the caller's overrides (API names are snake_case). */
export function resolveTraining(spec: ModelSpec, p: MlTrainParams = {}): ResolvedTraining {
  const gbdt: Partial<GbdtParams> = { ...spec.gbdt };
  if (p.n_trees !== undefined) gbdt.nTrees = p.n_trees;
  if (p.learning_rate !== undefined) gbdt.learningRate = p.learning_rate;
  if (p.max_depth !== undefined) gbdt.maxDepth = p.max_depth;
  if (p.min_leaf_size !== undefined) gbdt.minLeafSize = p.min_leaf_size;
  if (p.min_child_weight !== undefined) gbdt.minChildWeight = p.min_child_weight;
  if (p.lambda !== undefined) gbdt.lambda = p.lambda;
  if (p.subsample !== undefined) gbdt.subsample = p.subsample;
  if (p.colsample !== undefined) gbdt.colsample = p.colsample;
  if (p.early_stopping_rounds !== undefined) gbdt.earlyStoppingRounds = p.early_stopping_rounds;
  return {
    gbdt,
    seed: p.seed ?? 42,
    calibration: p.calibration ?? 'auto',
    windowDays: p.window_days ?? spec.windowDays,
    maxRows: p.max_rows ?? DEFAULT_MAX_ROWS,
  };
}
