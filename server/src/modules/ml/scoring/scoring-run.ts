/**
 * Batch scoring runs: a run is requested (its row and its job in one transaction), then worked by
 * the `ml-score` job, which scores every scorable subscriber (of a segment) page by page in a
 * worker thread, stores the scores and the run's PSI against the training scores.
 */
import type { MlModelName, MlScoreRequest, MlScoringRun } from '@lyra/contracts';
import { mulberry32, psi } from '@lyra/ml';
import type { UnitOfWork } from '../../../db/unit-of-work.js';
import type { JobQueue } from '../../../jobs/job.js';
import { AppError } from '../../../lib/errors.js';
import { todayUtc } from '../../../lib/time.js';
import type { Actor } from '../../auth/permissions.js';
import type { AvailableCatalog } from '../features/available-catalog.js';
import type { FeaturesRepository } from '../features/features.repository.js';
import { offerFor } from '../features/offers.js';
import { mlScoreJob } from '../ml.jobs.js';
import { stabilityOf, toRun } from '../ml.mapper.js';
import type { MlRepository, ModelVersionRow, ScoringRunRow } from '../ml.repository.js';
import type { RegistryService } from '../registry.service.js';
import { startBatchScorer, type BatchScorer } from './batch-scorer.js';
import type { BatchPage, BatchRun } from './score-batch.js';

const SCORE_BATCH = 100;
/** Scores kept for the PSI: a seeded reservoir sample bounds memory on any population. */
const PSI_SAMPLE = 200_000;

export interface ScoringRunDeps {
  ml: Pick<MlRepository, 'findRun' | 'claimRun' | 'findVersionById' | 'insertScores' | 'runProgress' | 'finishRun' | 'failRun' | 'listRuns'>;
  features: Pick<
    FeaturesRepository,
    'countScorable' | 'scorableIdsAfter' | 'customerFacts' | 'currentBills' | 'sellableProducts' | 'campaignOffer' | 'productsByIds' | 'latestOfferCampaign'
  >;
  catalog: AvailableCatalog;
  registry: Pick<RegistryService, 'activeModel'>;
  /** A run's row and its job are written together: a run never exists without its job. */
  uow: UnitOfWork<{ ml: Pick<MlRepository, 'insertRun'>; jobs: JobQueue }>;
  clock?: () => Date;
}

export type ScoringOutcome = { status: 'succeeded' | 'failed' | 'skipped'; detail: string };

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
type Reservoir = ReturnType<typeof reservoir>;

export function createScoringRun(deps: ScoringRunDeps) {
  const { ml, features, catalog, registry, uow } = deps;
  const now = deps.clock ?? (() => new Date());

  /** What stays the same for the whole run: the candidates (propensity) or the offer scored (response). */
  async function batchRunOf(run: ScoringRunRow, version: ModelVersionRow, at: Date): Promise<BatchRun> {
    const propensity = version.modelName === 'propensity_to_buy';
    return {
      runId: run.id,
      scoredAt: at.toISOString(),
      campaignId: run.campaignId,
      sellable: propensity ? await features.sellableProducts() : [],
      available: propensity ? await catalog.all() : [],
      offer: version.modelName === 'campaign_response' ? await offerFor({ features }, run.campaignId ?? undefined) : null,
    };
  }

  /** Scores every scorable subscriber page by page; stores the scores and samples them for the PSI. */
  async function scorePages(run: ScoringRunRow, version: ModelVersionRow, today: string, scorer: BatchScorer, sample: Reservoir): Promise<number> {
    let scored = 0;
    const readPage = async (after: string | null): Promise<(BatchPage & { lastId: string }) | null> => {
      const ids = await features.scorableIdsAfter(today, { after, limit: SCORE_BATCH, segment: run.segment });
      if (ids.length === 0) return null;
      const facts = await features.customerFacts(ids, today);
      const bills = version.modelName === 'payment_default_risk' ? await features.currentBills(ids, today) : null;
      return { facts, bills, lastId: ids.at(-1)! };
    };
    // The next page is read while the worker scores this one.
    let next = readPage(null);
    for (let page = await next; page; page = await next) {
      const scoring = scorer.score({ facts: page.facts, bills: page.bills });
      next = readPage(page.lastId);
      next.catch(() => undefined); // awaited on the next turn; a failure there ends the run then
      const { rows, psiScores } = await scoring;
      await ml.insertScores(rows);
      for (const p of psiScores) sample.add(p);
      scored += page.facts.length;
      await ml.runProgress(run.id, scored);
    }
    return scored;
  }

  /** The PSI of this run's scores against the version's training scores; null when either is empty. */
  function driftOf(version: ModelVersionRow, sample: Reservoir) {
    const expected = version.trainingScores ?? [];
    const actual = sample.values();
    return expected.length > 0 && actual.length > 0 ? psi(expected, actual) : null;
  }

  /** The `ml-score` job: works one queued run to its end (succeeded or failed, recorded on the run). */
  async function score(runId: string): Promise<ScoringOutcome> {
    const run = await ml.findRun(runId);
    if (!run || run.status !== 'queued') return { status: 'skipped', detail: 'run already taken or finished' };
    const at = now();
    const today = todayUtc(at);
    const total = await features.countScorable(today, { segment: run.segment });
    if (!(await ml.claimRun(runId, total))) return { status: 'skipped', detail: 'run already taken' };
    try {
      const version = await ml.findVersionById(run.modelVersionId);
      if (!version) throw new Error(`model version ${run.modelVersionId} not found`);
      const scorer = await startBatchScorer(version, await batchRunOf(run, version, at));
      const sample = reservoir(PSI_SAMPLE, 7);
      let scored: number;
      try {
        scored = await scorePages(run, version, today, scorer, sample);
      } finally {
        await scorer.close();
      }
      const drift = driftOf(version, sample);
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

  return {
    /** A queued run of the active version and its job, in one transaction (503 jobs_unavailable without a job queue). */
    async requestScoring(actor: Actor, name: MlModelName, body: MlScoreRequest = {}): Promise<MlScoringRun> {
      const model = await registry.activeModel(name);
      let campaignId: string | null = null;
      if (name === 'campaign_response') {
        // Responses are to an offer: without a campaign named, the newest campaign's offer is scored.
        if (body.campaign_id) await offerFor({ features }, body.campaign_id);
        campaignId = body.campaign_id ?? (await features.latestOfferCampaign());
      }
      const run = await uow.transaction(async (tx) => {
        const row = await tx.ml.insertRun({
          modelName: name, modelVersionId: model.id, version: model.version, status: 'queued', segment: body.segment ?? null, campaignId, requestedBy: actor.email,
        });
        await tx.jobs.send(mlScoreJob, { runId: row.id });
        return row;
      });
      return toRun(run);
    },

    async listRuns(name: MlModelName, limit: number, offset: number): Promise<{ count: number; results: MlScoringRun[] }> {
      const { count, results } = await ml.listRuns(name, { limit, offset });
      return { count, results: results.map(toRun) };
    },

    async getRun(name: MlModelName, id: string): Promise<MlScoringRun> {
      const run = await ml.findRun(id);
      if (!run || run.modelName !== name) throw AppError.notFound('Scoring run');
      return toRun(run);
    },

    score,
  };
}
export type ScoringRun = ReturnType<typeof createScoringRun>;
