import type {
  CustomerScoreList, MlModel, MlModelName, MlModelVersion, MlPrediction, MlPredictRequest, MlScoreRequest, MlScoringRun, MlTrainRequest, MlVersionList,
  RecommendedProductList,
} from '@lyra/contracts';
import { ML_MODEL_NAMES } from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import type { LogFn } from '../../lib/log.js';
import { TtlCache } from '../../lib/versioned-cache.js';
import type { LegacyAudit } from '../audit/audit.repository.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';
import type { CustomersRepository } from '../customers/customers.repository.js';
import { mulberry32, psi } from '@lyra/ml';
import { customerRow, modelRow } from './features/features.js';
import type { FeaturesRepository } from './features/features.repository.js';
import { buildTrainingSet, resolveSnapshot, SnapshotError } from './ml.dataset.js';
import { stabilityOf, toCustomerScore, toRun, toVersion, toVersionSummary } from './ml.mapper.js';
import { MODEL_SPECS, resolveTraining } from './ml.models.js';
import type { MlRepository, ModelVersionRow } from './ml.repository.js';
import { type ModelArtifact, type ModelCache } from './ml.scoring.js';
import {
  activeModel, offerFor, predictCampaignResponse, predictPaymentDefaultRisk, predictPropensityToBuy, scoreAvailableProducts,
  type AvailableCatalog, type PredictDeps,
} from './predict.js';
import { trainInWorker } from './training.thread.js';
import { startScoringWorker } from './scoring.thread.js';
import type { BatchPage } from './ml.batch.js';
import type { TrainingProgress } from './training.js';

/** Where training and scoring runs go: pg-boss in production (see jobs/). */
export interface MlJobQueue {
  enqueueTraining(versionId: string): Promise<void>;
  enqueueScoring(runId: string): Promise<void>;
}

/** What a version of each model is made of (the calibration method is recorded with the parameters). */
const ALGORITHMS: Record<MlModelName, string> = {
  propensity_to_buy: 'gbdt + calibration (baseline: logistic regression)',
  campaign_response: 'gbdt + calibration, t-learner uplift (baseline: logistic regression)',
  payment_default_risk: 'gbdt (monotone) + calibration, woe scorecard (baseline: logistic regression)',
};
const SCORE_BATCH = 100;
/** Scores kept for the PSI: a seeded reservoir sample bounds memory on any population. */
const PSI_SAMPLE = 200_000;
const PROGRESS_EVERY_MS = 250;
/** Rare-event training sets larger than this fit their trees on all positives and a sample of negatives (see training.ts). */
const MAX_FIT_ROWS = 60_000;
const ACTIVE_REF_TTL_MS = 1000;
const OFFER_TTL_MS = 60_000;
/** Training sets up to this size cross-fit their calibration (see training.ts): six fits instead of one. */
const CROSS_FIT_MAX_ROWS = 50_000;

const todayUtc = (now: Date) => now.toISOString().slice(0, 10);

/** A seeded reservoir of scores. */
function reservoir(size: number, seed: number) {
  const rand = mulberry32(seed);
  const values = new Float64Array(size);
  let seen = 0;
  return {
    add(x: number) {
      if (seen < size) values[seen] = x;
      else {
        const j = Math.floor(rand() * (seen + 1));
        if (j < size) values[j] = x;
      }
      seen++;
    },
    values: () => values.subarray(0, Math.min(seen, size)),
  };
}

export function createMlService(deps: {
  ml: MlRepository;
  features: FeaturesRepository;
  customers: Pick<CustomersRepository, 'findById'>;
  audit: LegacyAudit;
  models: ModelCache;
  catalog: AvailableCatalog;
  queue: () => MlJobQueue | null;
  clock?: () => Date;
  log?: LogFn;
}) {
  const { ml, features, audit, models, catalog } = deps;
  const db = ml.db;
  const now = deps.clock ?? (() => new Date());
  const log = deps.log ?? (() => undefined);
  // Which version is active is read once a second per model, not per prediction; this instance's own
  // activations clear it at once, another instance's show within the second.
  const activeRefs = new TtlCache<{ id: string; version: number } | null>(ACTIVE_REF_TTL_MS);
  const registry: PredictDeps['registry'] = {
    async activeRef(name) {
      const hit = activeRefs.get(name);
      if (hit !== undefined) return hit;
      const ref = await ml.activeRef(name);
      activeRefs.set(name, ref);
      return ref;
    },
  };
  // A campaign's offer (its most offered product and channel) is read once a minute, not per prediction.
  const offers = new TtlCache<{ productId: string | null; channel: string | null }>(OFFER_TTL_MS);
  const predictFeatures: PredictDeps['features'] = {
    customerFacts: (ids, asOf) => features.customerFacts(ids, asOf),
    productsByIds: (ids) => features.productsByIds(ids),
    currentBills: (ids, asOf) => features.currentBills(ids, asOf),
    async campaignOffer(id) {
      const hit = offers.get(id);
      if (hit) return hit;
      const offer = await features.campaignOffer(id);
      if (offer) offers.set(id, offer);
      return offer;
    },
  };
  const predictDeps: PredictDeps = { registry, features: predictFeatures, catalog, models, clock: now };

  async function versionOf(name: MlModelName, v: number): Promise<ModelVersionRow> {
    const row = await ml.findVersion(db, name, v);
    if (!row) throw AppError.notFound(`Version ${v} of ${name}`);
    return row;
  }

  function queueOrFail(): MlJobQueue {
    const queue = deps.queue();
    if (!queue) throw new AppError(503, 'jobs_unavailable', 'The job runner is not running on this instance; training and batch scoring need it');
    return queue;
  }

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

  async function train(versionId: string): Promise<{ status: 'ready' | 'failed' | 'skipped'; detail: string }> {
    const row = await ml.findVersionById(versionId);
    if (!row || row.status !== 'training') return { status: 'skipped', detail: 'version already finished' };
    const name = row.modelName as MlModelName;
    const spec = MODEL_SPECS[name];
    const request = row.hyperParameters as { request?: MlTrainRequest['params']; snapshot_date?: string | null; score_when_live?: boolean };
    const cfg = resolveTraining(spec, request.request ?? {});
    const progress = progressWriter(versionId);
    if (!(await ml.markStarted(versionId, { stage: 'features', iteration: 0, total: 0 }))) return { status: 'skipped', detail: 'version already finished' };
    try {
      const snapshot = await resolveSnapshot(features, spec, cfg.windowDays, request.snapshot_date ?? undefined);
      const set = await buildTrainingSet(features, spec, snapshot, {
        windowDays: cfg.windowDays,
        maxRows: cfg.maxRows,
        seed: cfg.seed,
        onProgress: (done, total) => progress.push({ stage: 'features', iteration: done, total }),
      });
      const out = await trainInWorker(
        {
          config: {
            model: name, gbdt: cfg.gbdt, calibration: cfg.calibration, seed: cfg.seed, testFraction: 0.2, calibrationFraction: 0.2,
            scorecard: spec.scorecard, uplift: spec.uplift, scoringOverrides: spec.scoringOverrides, maxFitRows: MAX_FIT_ROWS, crossFitMaxRows: CROSS_FIT_MAX_ROWS,
          },
          columns: set.columns,
          label: set.label,
          treatment: set.treatment,
          groups: set.groups,
          evaluation: set.evaluation && { columns: set.evaluation.columns, label: set.evaluation.label, groups: set.evaluation.groups },
          negativeRate: set.negativeRate,
        },
        (p) => progress.push(p),
      );
      await progress.flush();
      const artifact: ModelArtifact = {
        format: 'lyra-ml-version', formatVersion: 1, model: name, featureSet: spec.featureSet, preprocessing: set.pre,
        scoringOverrides: spec.scoringOverrides, ...out.core,
      };
      const done = await db.transaction(async (tx) => {
        const saved = await ml.complete(tx, versionId, {
          artifact: artifact as unknown as Record<string, unknown>,
          metrics: out.metrics as unknown as Record<string, unknown>,
          featureList: set.features,
          trainingScores: out.scoreQuantiles,
          hyperParameters: {
            ...out.params, calibration: out.calibration, window_days: cfg.windowDays, max_rows: cfg.maxRows, test_fraction: 0.2, calibration_fraction: 0.2,
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
        });
        if (!saved) return null;
        // The first ready version of a model goes live, so predictions work without a manual step; later ones wait for an analyst.
        const live = !(await ml.activeRef(name, tx));
        if (live) {
          await ml.activate(tx, name, versionId, SYSTEM_ACTOR.email);
          await audit.record(tx, SYSTEM_ACTOR, { action: 'activate', entityType: 'ml_model_version', entityId: versionId, after: { model: name, version: saved.version, reason: 'first ready version' } });
        }
        return { saved, live };
      });
      if (!done) return { status: 'skipped', detail: 'version already finished' };
      activeRefs.delete(name);
      // Demo start-up asks for a first batch score as soon as its model is live, so subscriber pages show scores.
      if (done.live && request.score_when_live) {
        await service.requestScoring(SYSTEM_ACTOR, name).catch((err: unknown) => log('ml scoring after training not queued', { model: name, error: (err as Error).message }, 'warn'));
      }
      log('ml model trained', { model: name, version: done.saved.version, auc: out.metrics.auc });
      return { status: 'ready', detail: `${name} v${done.saved.version} auc=${out.metrics.auc?.toFixed(4) ?? 'n/a'}` };
    } catch (err) {
      await progress.flush();
      const message = err instanceof SnapshotError ? err.message : `Training failed: ${(err as Error).message}`;
      await ml.fail(versionId, message, { stage: 'failed', iteration: 0, total: 0 });
      log('ml training failed', { model: name, version: row.version, error: message }, 'warn');
      return { status: 'failed', detail: message };
    }
  }

  async function score(runId: string): Promise<{ status: 'succeeded' | 'failed' | 'skipped'; detail: string }> {
    const run = await ml.findRun(runId);
    if (!run || run.status !== 'queued') return { status: 'skipped', detail: 'run already taken or finished' };
    const at = now();
    const today = todayUtc(at);
    const total = await features.countScorable(today, run.segment);
    if (!(await ml.claimRun(runId, total))) return { status: 'skipped', detail: 'run already taken' };
    try {
      const version = await ml.findVersionById(run.modelVersionId);
      if (!version) throw new Error(`model version ${run.modelVersionId} not found`);
      const propensity = version.modelName === 'propensity_to_buy';
      const worker = await startScoringWorker(version, {
        runId,
        scoredAt: at.toISOString(),
        campaignId: run.campaignId,
        sellable: propensity ? await features.sellableProducts() : [],
        available: propensity ? await catalog.all() : [],
        offer: version.modelName === 'campaign_response' ? await offerFor({ features }, run.campaignId ?? undefined) : null,
      });
      const sample = reservoir(PSI_SAMPLE, 7);
      let scored = 0;
      const readPage = async (after: string | null): Promise<(BatchPage & { lastId: string }) | null> => {
        const ids = await features.scorableIdsAfter(today, after, SCORE_BATCH, run.segment);
        if (ids.length === 0) return null;
        const facts = await features.customerFacts(ids, today);
        const bills = version.modelName === 'payment_default_risk' ? await features.currentBills(ids, today) : null;
        return { facts, bills, lastId: ids.at(-1)! };
      };
      try {
        // The next page is read while the worker scores this one.
        let next = readPage(null);
        for (let page = await next; page; page = await next) {
          const scoring = worker.score({ facts: page.facts, bills: page.bills });
          next = readPage(page.lastId);
          next.catch(() => undefined); // awaited on the next turn; a failure there ends the run then
          const { rows, psiScores } = await scoring;
          await ml.insertScores(rows);
          for (const p of psiScores) sample.add(p);
          scored += page.facts.length;
          await ml.runProgress(runId, scored);
        }
      } finally {
        await worker.close();
      }
      const expected = version?.trainingScores ?? [];
      const actual = sample.values();
      const drift = expected.length > 0 && actual.length > 0 ? psi(expected, actual) : null;
      await ml.finishRun(runId, {
        scored,
        psi: drift ? drift.psi : null,
        psiBins: drift ? drift.bins.map((b) => ({ lower: Number.isFinite(b.lower) ? b.lower : null, upper: Number.isFinite(b.upper) ? b.upper : null, expected: b.expected, actual: b.actual, psi: b.psi })) : null,
      });
      return { status: 'succeeded', detail: `${scored} subscribers scored${drift ? `, psi=${drift.psi.toFixed(4)} (${stabilityOf(drift.psi)})` : ''}` };
    } catch (err) {
      await ml.failRun(runId, (err as Error).message);
      return { status: 'failed', detail: (err as Error).message };
    }
  }

  const service = {
    async listModels(): Promise<{ count: number; results: MlModel[] }> {
      const o = await ml.overview();
      const runs = await ml.latestRuns([...o.active, ...o.latest].map((v) => v.id));
      const results = ML_MODEL_NAMES.map((name): MlModel => {
        const active = o.active.find((v) => v.modelName === name);
        const latest = o.latest.find((v) => v.modelName === name);
        return {
          name,
          description: MODEL_SPECS[name].description,
          label: MODEL_SPECS[name].label,
          active_version: active ? toVersionSummary(active, runs.get(active.id)) : null,
          latest_version: latest ? toVersionSummary(latest, runs.get(latest.id)) : null,
          versions: o.counts.get(name) ?? 0,
        };
      });
      return { count: results.length, results };
    },

    async listVersions(name: MlModelName, limit: number, offset: number): Promise<MlVersionList> {
      const { count, rows } = await ml.listVersions(name, limit, offset);
      const runs = await ml.latestRuns(rows.map((r) => r.id));
      return { count, results: rows.map((r) => toVersionSummary(r, runs.get(r.id))) };
    },

    async getVersion(name: MlModelName, v: number): Promise<MlModelVersion> {
      const row = await versionOf(name, v);
      return toVersion(row, (await ml.latestRuns([row.id])).get(row.id));
    },

    /** A new version in status `training`, handed to the job queue. */
    async requestTraining(actor: Actor, name: MlModelName, body: MlTrainRequest = {}, opts: { scoreWhenLive?: boolean } = {}): Promise<MlModelVersion> {
      const queue = queueOrFail();
      const cfg = resolveTraining(MODEL_SPECS[name], body.params);
      const row = await db.transaction((tx) =>
        ml.insertVersion(tx, {
          modelName: name,
          status: 'training',
          algorithm: ALGORITHMS[name],
          hyperParameters: { request: body.params ?? {}, snapshot_date: body.snapshot_date ?? null, ...(opts.scoreWhenLive && { score_when_live: true }) },
          seed: cfg.seed,
          progress: { stage: 'queued', iteration: 0, total: 0 },
          createdBy: actor.email,
        }),
      );
      try {
        await queue.enqueueTraining(row.id);
      } catch (err) {
        await ml.fail(row.id, `Could not queue the training job: ${(err as Error).message}`, { stage: 'failed', iteration: 0, total: 0 });
        throw err;
      }
      return toVersion(row);
    },

    async activate(actor: Actor, name: MlModelName, v: number): Promise<MlModelVersion> {
      const row = await versionOf(name, v);
      if (row.status !== 'ready') throw AppError.conflict(`Version ${v} of ${name} is ${row.status}; only a ready version can be activated`, 'version_not_ready');
      if (!row.isActive) {
        await db.transaction(async (tx) => {
          const before = await ml.activeRef(name, tx);
          await ml.activate(tx, name, row.id, actor.email);
          await audit.record(tx, actor, {
            action: 'activate', entityType: 'ml_model_version', entityId: row.id,
            before: before ? { model: name, active_version: before.version } : { model: name, active_version: null },
            after: { model: name, active_version: v },
          });
        });
        activeRefs.delete(name);
      }
      return this.getVersion(name, v);
    },

    async requestScoring(actor: Actor, name: MlModelName, body: MlScoreRequest = {}): Promise<MlScoringRun> {
      const queue = queueOrFail();
      const model = await activeModel(predictDeps, name);
      let campaignId: string | null = null;
      if (name === 'campaign_response') {
        // Responses are to an offer: without a campaign named, the newest campaign's offer is scored.
        if (body.campaign_id) await offerFor({ features }, body.campaign_id);
        campaignId = body.campaign_id ?? (await features.latestOfferCampaign());
      }
      const run = await ml.insertRun({
        modelName: name, modelVersionId: model.id, version: model.version, status: 'queued', segment: body.segment ?? null, campaignId, requestedBy: actor.email,
      });
      await queue.enqueueScoring(run.id);
      return toRun(run);
    },

    async listRuns(name: MlModelName, limit: number, offset: number): Promise<{ count: number; results: MlScoringRun[] }> {
      const { count, rows } = await ml.listRuns(name, limit, offset);
      return { count, results: rows.map(toRun) };
    },

    async getRun(name: MlModelName, id: string): Promise<MlScoringRun> {
      const run = await ml.findRun(id);
      if (!run || run.modelName !== name) throw AppError.notFound('Scoring run');
      return toRun(run);
    },

    predict(req: MlPredictRequest): Promise<MlPrediction> {
      switch (req.model) {
        case 'propensity_to_buy':
          return predictPropensityToBuy(predictDeps, req.customer_id, req.product_id);
        case 'campaign_response':
          return predictCampaignResponse(predictDeps, req.customer_id, req.campaign_id, req.product_id);
        case 'payment_default_risk':
          return predictPaymentDefaultRisk(predictDeps, req.customer_id);
      }
    },

    async customerScores(customerId: string): Promise<CustomerScoreList> {
      if (!(await deps.customers.findById(customerId))) throw AppError.notFound('Customer');
      const rows = await ml.latestScores(customerId);
      return { count: rows.length, results: rows.map(toCustomerScore) };
    },

    async recommendedProducts(customerId: string, limit: number): Promise<RecommendedProductList> {
      const model = await activeModel(predictDeps, 'propensity_to_buy');
      const at = now();
      const [f] = await features.customerFacts([customerId], todayUtc(at));
      if (!f) throw AppError.notFound('Customer');
      const ranked = (await scoreAvailableProducts({ catalog }, model, f)).slice(0, limit);
      const base = customerRow(f, model.pre);
      const names = new Map((await features.productNames(ranked.map((r) => r.product.id))).map((p) => [p.id, p]));
      const results = ranked.map((r) => {
        const n = names.get(r.product.id);
        return {
          product_id: r.product.id,
          external_product_id: n?.externalProductId ?? '',
          name: n?.name ?? '',
          product_type: r.product.productType,
          category: r.product.category,
          price: n?.price ?? null,
          currency: r.product.currency,
          propensity: r.propensity,
          propensity_level: model.level(r.propensity),
          reasons: model.reasons(modelRow(f, model.pre, { set: 'propensity', product: r.product }, base)),
        };
      });
      return { customer_id: customerId, model_version: model.version, scored_at: at.toISOString(), count: results.length, results };
    },

    /** Job handlers. */
    train,
    score,

    hasAnyVersion: (name: MlModelName) => ml.hasAnyVersion(name),
  };
  return service;
}
export type MlService = ReturnType<typeof createMlService>;
