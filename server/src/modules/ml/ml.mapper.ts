import type {
  CustomerScore, MlDataSnapshot, MlHeadline, MlMetrics, MlModelName, MlModelVersion, MlModelVersionSummary, MlProgress, MlScoringRun, MlStability,
} from '@lyra/contracts';
import { toIso } from '../../lib/time.js';
import type { ModelVersionRow, ScoreWithCutsRow, ScoringRunRow, VersionSummaryRow } from './ml.repository.js';
import { fromStoredReasons } from './scoring/stored-reasons.js';

/** The documented PSI bands: < 0.1 stable, 0.1-0.25 watch, > 0.25 retrain. */
export function stabilityOf(psi: number): MlStability {
  return psi < 0.1 ? 'stable' : psi <= 0.25 ? 'watch' : 'retrain';
}

function stability(run: ScoringRunRow | undefined): MlModelVersion['stability'] {
  if (!run || run.psi === null) return null;
  return { psi: run.psi, status: stabilityOf(run.psi), run_id: run.id, scored_at: toIso(run.finishedAt) };
}

function base(r: VersionSummaryRow, run: ScoringRunRow | undefined) {
  const hp = r.hyperParameters;
  const calibration: MlModelVersion['calibration'] = hp.calibration === 'platt' || hp.calibration === 'isotonic' ? hp.calibration : null;
  return {
    id: r.id,
    model: r.modelName as MlModelName,
    version: r.version,
    status: r.status as MlModelVersion['status'],
    is_active: r.isActive,
    algorithm: r.algorithm,
    params: hp,
    seed: r.seed,
    features: r.featureList,
    calibration,
    data_snapshot: (r.dataSnapshot as MlDataSnapshot | null) ?? null,
    progress: r.progress as MlProgress,
    error: r.error,
    created_by: r.createdBy,
    created_at: toIso(r.createdAt),
    started_at: toIso(r.startedAt),
    finished_at: toIso(r.finishedAt),
    activated_at: toIso(r.activatedAt),
    activated_by: r.activatedBy,
    stability: stability(run),
  };
}

export function toVersion(r: ModelVersionRow | VersionSummaryRow, run?: ScoringRunRow): MlModelVersion {
  return { ...base(r, run), metrics: (r.metrics as MlMetrics | null) ?? null };
}

export function toVersionSummary(r: VersionSummaryRow, run?: ScoringRunRow): MlModelVersionSummary {
  const m = r.metrics as MlHeadline | null;
  return { ...base(r, run), metrics: m ? { auc: m.auc, gini: m.gini, ks: m.ks, log_loss: m.log_loss, brier: m.brier } : null };
}

export function toRun(r: ScoringRunRow): MlScoringRun {
  return {
    id: r.id,
    model: r.modelName as MlModelName,
    version: r.version,
    status: r.status as MlScoringRun['status'],
    segment: r.segment,
    campaign_id: r.campaignId,
    total: r.total,
    scored: r.scored,
    partitions_total: r.partitionsTotal,
    partitions_done: r.partitionsDone,
    psi: r.psi,
    stability: r.psi === null ? null : stabilityOf(r.psi),
    error: r.error,
    requested_by: r.requestedBy,
    created_at: toIso(r.createdAt),
    started_at: toIso(r.startedAt),
    finished_at: toIso(r.finishedAt),
    scores_deleted_at: toIso(r.scoresDeletedAt),
  };
}

export function toCustomerScore(r: ScoreWithCutsRow): CustomerScore {
  // A propensity row without a product is "buys any product", which has its own cut points.
  const cuts = (r.modelName === 'propensity_to_buy' && r.productId === null ? r.anyThresholds : null) ?? r.thresholds;
  return {
    model: r.modelName as MlModelName,
    model_version: r.version,
    product_id: r.productId,
    campaign_id: r.campaignId,
    score: r.score,
    level: !cuts ? 'low' : r.score >= cuts.high ? 'high' : r.score >= cuts.medium ? 'medium' : 'low',
    uplift: r.uplift,
    reasons: fromStoredReasons(r.reasons),
    scored_at: toIso(r.scoredAt as string | Date),
    run_id: r.runId,
  };
}
