/**
 * Training runs: a version is requested (its row in status `training` and its job in one
 * transaction), then worked by the `ml-train` job: the labelled data set of its snapshot is
 * assembled from the database, the pipeline trains in a worker thread, and the version is saved
 * with its artifact and metrics (the first ready version of a model goes live by itself).
 */
import type { MlModelName, MlModelVersion, MlTrainRequest } from '@lyra/contracts';
import type { UnitOfWork } from '../../../db/unit-of-work.js';
import type { JobQueue } from '../../../jobs/job.js';
import type { LogFn } from '../../../lib/log.js';
import type { AuditRepository } from '../../audit/audit.repository.js';
import { SYSTEM_ACTOR, type Actor } from '../../auth/permissions.js';
import type { FeaturesRepository } from '../features/features.repository.js';
import { mlTrainJob } from '../ml.jobs.js';
import { toVersion } from '../ml.mapper.js';
import { MODEL_SPECS, resolveTraining, type ModelSpec, type ResolvedTraining } from '../ml.models.js';
import type { MlRepository, ModelVersionRow } from '../ml.repository.js';
import type { RegistryService } from '../registry.service.js';
import type { ScoringRun } from '../scoring/scoring-run.js';
import type { ModelArtifact } from '../scoring/loaded-model.js';
import { trainInWorker } from './train-in-worker.js';
import type { TrainingInput, TrainingOutput, TrainingProgress } from './training-pipeline.js';
import { buildTrainingSet, resolveSnapshot, SnapshotError, type TrainingSet } from './training-set.js';

/** What a version of each model is made of (the calibration method is recorded with the parameters). */
const ALGORITHMS: Record<MlModelName, string> = {
  propensity_to_buy: 'gbdt + calibration (baseline: logistic regression)',
  campaign_response: 'gbdt + calibration, t-learner uplift (baseline: logistic regression)',
  payment_default_risk: 'gbdt (monotone) + calibration, woe scorecard (baseline: logistic regression)',
};
const PROGRESS_EVERY_MS = 250;
/** Rare-event training sets larger than this fit their trees on all positives and a sample of negatives (see training-pipeline.ts). */
const MAX_FIT_ROWS = 60_000;
/** Training sets up to this size cross-fit their calibration (see training-pipeline.ts): six fits instead of one. */
const CROSS_FIT_MAX_ROWS = 50_000;
const TEST_FRACTION = 0.2;
const CALIBRATION_FRACTION = 0.2;

export interface TrainingRunDeps {
  ml: Pick<MlRepository, 'findVersionById' | 'markStarted' | 'updateProgress' | 'fail'>;
  features: FeaturesRepository;
  /**
   * A version's row and its job are written together (a version never waits for a job that was
   * never sent); a finished version, its first activation and that activation's audit entry too.
   */
  uow: UnitOfWork<{ ml: Pick<MlRepository, 'insertVersion' | 'complete' | 'activeRef' | 'activate'>; audit: Pick<AuditRepository, 'record'>; jobs: JobQueue }>;
  registry: Pick<RegistryService, 'activeChanged'>;
  scoring: Pick<ScoringRun, 'requestScoring'>;
  log?: LogFn;
}

export type TrainingOutcome = { status: 'ready' | 'failed' | 'skipped'; detail: string };

/** What the version row asked for, as the job reads it back. */
interface TrainingRequest {
  versionId: string;
  name: MlModelName;
  spec: ModelSpec;
  cfg: ResolvedTraining;
  snapshotDate: string | undefined;
  scoreWhenLive: boolean;
}

const ALREADY_FINISHED: TrainingOutcome = { status: 'skipped', detail: 'version already finished' };

function requestOf(row: ModelVersionRow): TrainingRequest {
  const name = row.modelName as MlModelName;
  const spec = MODEL_SPECS[name];
  const request = row.hyperParameters as { request?: MlTrainRequest['params']; snapshot_date?: string | null; score_when_live?: boolean };
  return {
    versionId: row.id, name, spec, cfg: resolveTraining(spec, request.request ?? {}),
    snapshotDate: request.snapshot_date ?? undefined, scoreWhenLive: request.score_when_live === true,
  };
}

/** The pipeline's input: the assembled rows and the model's training configuration. */
function pipelineInput(req: TrainingRequest, set: TrainingSet): TrainingInput {
  const { spec, cfg } = req;
  return {
    config: {
      model: req.name, gbdt: cfg.gbdt, calibration: cfg.calibration, seed: cfg.seed, testFraction: TEST_FRACTION, calibrationFraction: CALIBRATION_FRACTION,
      scorecard: spec.scorecard, uplift: spec.uplift, scoringOverrides: spec.scoringOverrides, maxFitRows: MAX_FIT_ROWS, crossFitMaxRows: CROSS_FIT_MAX_ROWS,
    },
    columns: set.columns,
    label: set.label,
    treatment: set.treatment,
    groups: set.groups,
    evaluation: set.evaluation && { columns: set.evaluation.columns, label: set.evaluation.label, groups: set.evaluation.groups },
    negativeRate: set.negativeRate,
  };
}

/** The immutable record of a ready version: artifact, metrics, parameters and the data snapshot it learnt from. */
function readyVersion(req: TrainingRequest, snapshot: string, set: TrainingSet, out: TrainingOutput) {
  const { spec, cfg } = req;
  const artifact: ModelArtifact = {
    format: 'lyra-ml-version', formatVersion: 1, model: req.name, featureSet: spec.featureSet, preprocessing: set.pre,
    scoringOverrides: spec.scoringOverrides, ...out.core,
  };
  return {
    artifact: artifact as unknown as Record<string, unknown>,
    metrics: out.metrics as unknown as Record<string, unknown>,
    featureList: set.features,
    trainingScores: out.scoreQuantiles,
    hyperParameters: {
      ...out.params, calibration: out.calibration, window_days: cfg.windowDays, max_rows: cfg.maxRows, test_fraction: TEST_FRACTION, calibration_fraction: CALIBRATION_FRACTION,
      negative_sampling_rate: out.negativeRate,
      ...(spec.featureSet === 'response' && { response_days: spec.responseDays }),
      ...(spec.featureSet === 'default' && { grace_days: spec.graceDays }),
    },
    dataSnapshot: {
      snapshot_date: snapshot, window_days: cfg.windowDays, label_from: set.labelFrom, label_to: set.labelTo, rows: out.rows.total,
      positives: out.rows.positives, train_rows: out.rows.train, calibration_rows: out.rows.calibration, test_rows: out.rows.test,
      treated: out.rows.treated, control: out.rows.control, hash: out.hash, subscribers: set.subscribers,
      ...(set.evaluation && { evaluation_subscribers: set.evaluation.subscribers, evaluation_rows: set.evaluation.label.length }),
    },
    progress: { stage: 'done', iteration: 1, total: 1 },
  };
}

export function createTrainingRun(deps: TrainingRunDeps) {
  const { ml, features, uow, registry } = deps;
  const log = deps.log ?? (() => undefined);

  /** Progress writes at most every 250 ms (stage changes at once), in order. */
  function progressWriter(id: string) {
    let last = 0;
    let stage = '';
    let chain: Promise<void> = Promise.resolve();
    return {
      push(p: TrainingProgress) {
        const t = Date.now();
        if (p.stage === stage && t - last < PROGRESS_EVERY_MS) return;
        last = t;
        stage = p.stage;
        chain = chain.then(() => ml.updateProgress(id, p)).catch((err: unknown) => log('ml progress write failed', { error: (err as Error).message }, 'warn'));
      },
      flush: () => chain,
    };
  }

  /**
   * Saves the trained version; the first ready version of a model goes live at once, so
   * predictions work without a manual step (later ones wait for an analyst). Null when the version
   * was finished meanwhile.
   */
  async function saveVersion(req: TrainingRequest, values: ReturnType<typeof readyVersion>): Promise<{ saved: ModelVersionRow; live: boolean } | null> {
    return uow.transaction(async (tx) => {
      const saved = await tx.ml.complete(req.versionId, values);
      if (!saved) return null;
      const live = !(await tx.ml.activeRef(req.name));
      if (live) {
        await tx.ml.activate(req.name, req.versionId, SYSTEM_ACTOR.email);
        await tx.audit.record(SYSTEM_ACTOR, { action: 'activate', entityType: 'ml_model_version', entityId: req.versionId, after: { model: req.name, version: saved.version, reason: 'first ready version' } });
      }
      return { saved, live };
    });
  }

  /** The `ml-train` job: trains one queued version to ready or failed (recorded on the version). */
  async function train(versionId: string): Promise<TrainingOutcome> {
    const row = await ml.findVersionById(versionId);
    if (!row || row.status !== 'training') return ALREADY_FINISHED;
    const req = requestOf(row);
    const progress = progressWriter(versionId);
    if (!(await ml.markStarted(versionId, { stage: 'features', iteration: 0, total: 0 }))) return ALREADY_FINISHED;
    try {
      const snapshot = await resolveSnapshot(features, req.spec, req.cfg.windowDays, req.snapshotDate);
      const set = await buildTrainingSet(features, req.spec, snapshot, {
        windowDays: req.cfg.windowDays,
        maxRows: req.cfg.maxRows,
        seed: req.cfg.seed,
        onProgress: (done, total) => progress.push({ stage: 'features', iteration: done, total }),
      });
      const out = await trainInWorker(pipelineInput(req, set), (p) => progress.push(p));
      await progress.flush();
      const done = await saveVersion(req, readyVersion(req, snapshot, set, out));
      if (!done) return ALREADY_FINISHED;
      registry.activeChanged(req.name);
      // Demo start-up asks for a first batch score as soon as its model is live, so subscriber pages show scores.
      if (done.live && req.scoreWhenLive) {
        await deps.scoring.requestScoring(SYSTEM_ACTOR, req.name).catch((err: unknown) => log('ml scoring after training not queued', { model: req.name, error: (err as Error).message }, 'warn'));
      }
      log('ml model trained', { model: req.name, version: done.saved.version, auc: out.metrics.auc });
      return { status: 'ready', detail: `${req.name} v${done.saved.version} auc=${out.metrics.auc?.toFixed(4) ?? 'n/a'}` };
    } catch (err) {
      await progress.flush();
      const message = err instanceof SnapshotError ? err.message : `Training failed: ${(err as Error).message}`;
      await ml.fail(versionId, message, { stage: 'failed', iteration: 0, total: 0 });
      log('ml training failed', { model: req.name, version: row.version, error: message }, 'warn');
      return { status: 'failed', detail: message };
    }
  }

  return {
    /** A new version in status `training` and its job, in one transaction (503 jobs_unavailable without a job queue). */
    async requestTraining(actor: Actor, name: MlModelName, body: MlTrainRequest = {}, opts: { scoreWhenLive?: boolean } = {}): Promise<MlModelVersion> {
      const cfg = resolveTraining(MODEL_SPECS[name], body.params);
      const row = await uow.transaction(async (tx) => {
        const version = await tx.ml.insertVersion({
          modelName: name,
          status: 'training',
          algorithm: ALGORITHMS[name],
          hyperParameters: { request: body.params ?? {}, snapshot_date: body.snapshot_date ?? null, ...(opts.scoreWhenLive && { score_when_live: true }) },
          seed: cfg.seed,
          progress: { stage: 'queued', iteration: 0, total: 0 },
          createdBy: actor.email,
        });
        await tx.jobs.send(mlTrainJob, { versionId: version.id });
        return version;
      });
      return toVersion(row);
    },

    train,
  };
}
export type TrainingRun = ReturnType<typeof createTrainingRun>;
