/**
 * Batch scoring runs: a run is requested (its row and its job in one transaction); the `ml-score`
 * job claims it and cuts its scorable subscribers into partitions (id ranges of a bounded size), each
 * queued as an `ml-score-partition` job that any instance with JOBS=1 takes. A partition scores its
 * subscribers page by page in a worker thread and writes each page's rows fenced by its attempt; the
 * last partition to finish computes the run's PSI from the partitions' counts and finishes the run,
 * in the transaction that counts it done.
 */
import type { MlModelName, MlScoreRequest, MlScoringRun } from '@lyra/contracts';
import { psiFromCounts, psiReference, type PsiReference } from '@lyra/ml';
import type { UnitOfWork } from '../../../db/unit-of-work.js';
import type { JobQueue } from '../../../jobs/job.js';
import { AppError } from '../../../lib/errors.js';
import { todayUtc, toIso } from '../../../lib/time.js';
import type { Actor } from '../../auth/permissions.js';
import type { FeaturesRepository } from '../features/features.repository.js';
import { offerFor } from '../features/offers.js';
import { mlScoreJob, mlScorePartitionJob } from '../ml.jobs.js';
import { stabilityOf, toRun } from '../ml.mapper.js';
import type { MlRepository, ModelVersionRow, ScoringPartitionRow, ScoringRunRow } from '../ml.repository.js';
import type { RegistryService } from '../registry.service.js';
import { startBatchScorer, type BatchScorer } from './batch-scorer.js';
import type { BatchPage, BatchRun } from './score-batch.js';

/** Subscribers read and scored per page (one statement of facts, one COPY of rows). */
const SCORE_BATCH = 100;
/** Subscribers per partition: a few minutes of one instance, so a run of millions spreads over instances and a retry redoes little. */
export const PARTITION_SIZE = 10_000;
/**
 * Propensity subscribers scored against the whole pool for the PSI, over the whole run: training's
 * reference has about as many evaluation subscribers (a few hundred to a few thousand).
 */
const PSI_SUBSCRIBERS = 1_000;
/**
 * Attempts at scoring a partition before its run fails. The job is delivered once more than this
 * (its retry limit is one higher), so that an instance dying during the last attempt is recorded too.
 */
const PARTITION_ATTEMPTS = mlScorePartitionJob.retry.limit;

export interface ScoringRunDeps {
  ml: Pick<MlRepository, 'findRun' | 'findVersionById' | 'listRuns' | 'claimPartition' | 'writePartitionScores' | 'failPartition' | 'refreshScoreStatistics'>;
  features: Pick<
    FeaturesRepository,
    'scorableIdsAfter' | 'scorableRanges' | 'customerFacts' | 'currentBills' | 'sellableProducts' | 'campaignOffer' | 'productsByIds' | 'latestOfferCampaign' | 'offerableProductIds'
  >;
  registry: Pick<RegistryService, 'activeModel'>;
  /** A run's row and its job are written together: a run never exists without its job; so are partitions and theirs. */
  uow: UnitOfWork<{
    ml: Pick<MlRepository, 'insertRun' | 'claimRun' | 'insertPartitions' | 'finishRun' | 'completePartition' | 'partitionPsiCounts'>;
    jobs: JobQueue;
  }>;
  /** Subscribers per partition (PARTITION_SIZE by default). */
  partitionSize?: number;
  /** This instance, as partitions record who worked them. */
  worker?: string;
  clock?: () => Date;
}

/** A finished run of at least this many subscribers refreshes the scores' planner statistics. */
const ANALYZE_AFTER_SCORED = 10_000;

export type ScoringOutcome = { status: 'succeeded' | 'failed' | 'skipped'; detail: string };

/** A newer attempt took the partition over (this one was presumed dead), or the run ended meanwhile. */
class Superseded extends Error {}

const psiBinsOf = (bins: ReturnType<typeof psiFromCounts>['bins']) =>
  bins.map((b) => ({ lower: Number.isFinite(b.lower) ? b.lower : null, upper: Number.isFinite(b.upper) ? b.upper : null, expected: b.expected, actual: b.actual, psi: b.psi }));

export function createScoringRun(deps: ScoringRunDeps) {
  const { ml, features, registry, uow } = deps;
  const now = deps.clock ?? (() => new Date());
  const partitionSize = deps.partitionSize ?? PARTITION_SIZE;
  const worker = deps.worker ?? 'lyra';

  /** The version's PSI reference (its training scores' deciles); null when it has none. */
  const referenceOf = (version: ModelVersionRow): PsiReference | null =>
    version.trainingScores && version.trainingScores.length > 0 ? psiReference(version.trainingScores) : null;

  /** What stays the same for the whole run: the pool (propensity) or the offer scored (response), the PSI's bins. */
  async function batchRunOf(run: ScoringRunRow, version: ModelVersionRow, ref: PsiReference | null): Promise<BatchRun> {
    const propensity = version.modelName === 'propensity_to_buy';
    return {
      runId: run.id,
      scoredAt: toIso(run.startedAt)!,
      campaignId: run.campaignId,
      sellable: propensity ? await features.sellableProducts() : [],
      offer: version.modelName === 'campaign_response' ? await offerFor({ features }, run.campaignId ?? undefined) : null,
      psiCuts: ref ? ref.cuts : null,
      psiSampleRate: run.total > 0 ? Math.min(1, PSI_SUBSCRIBERS / run.total) : 1,
    };
  }

  /** Scores the partition's subscribers page by page, each page written under the attempt's fence; the PSI counts. */
  async function scorePages(run: ScoringRunRow, part: ScoringPartitionRow, version: ModelVersionRow, scorer: BatchScorer, counts: Float64Array): Promise<number> {
    const today = todayUtc(new Date(toIso(run.startedAt)!));
    let scored = 0;
    const readPage = async (after: string | null): Promise<(BatchPage & { lastId: string }) | null> => {
      const ids = await features.scorableIdsAfter(today, { after, upTo: part.lastId, limit: SCORE_BATCH, segment: run.segment });
      if (ids.length === 0) return null;
      const [facts, bills, candidates] = await Promise.all([
        features.customerFacts(ids, today),
        version.modelName === 'payment_default_risk' ? features.currentBills(ids, today) : null,
        version.modelName === 'propensity_to_buy' ? features.offerableProductIds(ids) : null,
      ]);
      return { facts, bills, candidates, lastId: ids.at(-1)! };
    };
    // The next page is read while the worker scores this one.
    let next = readPage(part.afterId);
    for (let page = await next; page; page = await next) {
      const scoring = scorer.score({ facts: page.facts, bills: page.bills, candidates: page.candidates });
      next = readPage(page.lastId);
      next.catch(() => undefined); // awaited on the next turn; a failure there ends the attempt then
      const { rows, psiCounts } = await scoring;
      if (!(await ml.writePartitionScores(run.id, part.index, part.attempts, rows, page.facts.length))) {
        await next.catch(() => undefined);
        throw new Superseded();
      }
      for (let b = 0; b < psiCounts.length; b++) counts[b]! += psiCounts[b]!;
      scored += page.facts.length;
    }
    return scored;
  }

  /**
   * Counts the partition done; the last one (the run's row lock serialises them) computes the PSI
   * from every partition's counts and finishes the run, in the same transaction.
   */
  async function completePartition(run: ScoringRunRow, part: ScoringPartitionRow, counts: number[] | null, ref: PsiReference | null): Promise<string> {
    let runScored = 0;
    const detail = await uow.transaction(async (tx) => {
      const r = await tx.ml.completePartition(run.id, part.index, part.attempts, counts);
      if (!r) throw new Superseded();
      if (r.done < r.total) return `partition ${part.index + 1}/${r.total} done`;
      runScored = r.scored;
      const summed = ref ? new Float64Array(ref.cuts.length + 1) : null;
      if (summed) for (const c of await tx.ml.partitionPsiCounts(run.id)) c.forEach((x, b) => (summed[b]! += x));
      const drift = ref && summed && summed.some((x) => x > 0) ? psiFromCounts(ref, summed) : null;
      await tx.ml.finishRun(run.id, { scored: r.scored, psi: drift ? drift.psi : null, psiBins: drift ? psiBinsOf(drift.bins) : null });
      return `partition ${part.index + 1}/${r.total} done; run finished: ${r.scored} subscribers scored${drift ? `, psi=${drift.psi.toFixed(4)} (${stabilityOf(drift.psi)})` : ''}`;
    });
    // Audiences and customer pages are planned on ml_scores' statistics, which PGlite (no
    // autovacuum) would otherwise keep from before a run of a large base.
    if (runScored >= ANALYZE_AFTER_SCORED) await ml.refreshScoreStatistics();
    return detail;
  }

  /** The `ml-score` job: claims a queued run and queues its partitions (a run without subscribers finishes at once). */
  async function score(runId: string): Promise<ScoringOutcome> {
    const run = await ml.findRun(runId);
    if (!run || run.status !== 'queued') return { status: 'skipped', detail: 'run already taken or finished' };
    const at = now();
    const ranges = await features.scorableRanges(todayUtc(at), { segment: run.segment, size: partitionSize });
    const total = ranges.reduce((n, r) => n + r.subscribers, 0);
    return uow.transaction(async (tx) => {
      if (!(await tx.ml.claimRun(runId, { startedAt: at.toISOString(), total, partitions: ranges.length }))) return { status: 'skipped', detail: 'run already taken' };
      if (ranges.length === 0) {
        await tx.ml.finishRun(runId, { scored: 0, psi: null, psiBins: null });
        return { status: 'succeeded', detail: 'no subscriber to score' };
      }
      // (previous last id, this last id]; the last range is open, so a subscriber added since is not left out.
      await tx.ml.insertPartitions(runId, ranges.map((r, i) => ({ afterId: i === 0 ? null : ranges[i - 1]!.lastId, lastId: i === ranges.length - 1 ? null : r.lastId, subscribers: r.subscribers })));
      for (let index = 0; index < ranges.length; index++) await tx.jobs.send(mlScorePartitionJob, { runId, index });
      return { status: 'succeeded', detail: `${total} subscribers in ${ranges.length} partitions queued` };
    });
  }

  /**
   * The `ml-score-partition` job: a new attempt at one partition. Throws while attempts remain (the
   * job is retried); the last failed attempt fails the run with the reason.
   */
  async function scorePartition(runId: string, index: number): Promise<ScoringOutcome> {
    const claimed = await ml.claimPartition(runId, index, worker, PARTITION_ATTEMPTS);
    if (!claimed) return { status: 'skipped', detail: 'partition finished, or its run is not running' };
    const { run, partition } = claimed;
    const failRun = async (message: string) => {
      const range = `${partition.afterId === null ? 'the first id' : `after ${partition.afterId}`} to ${partition.lastId ?? 'the last id'}`;
      await ml.failPartition(runId, index, partition.attempts, message, `Partition ${index + 1} of ${run.partitionsTotal} (subscribers ${range}) failed after ${partition.attempts} attempts: ${message}`);
      return { status: 'failed' as const, detail: message };
    };
    if (claimed.exhausted) return failRun(`its last attempt (on ${partition.worker ?? 'an instance'}) stopped without finishing`);
    try {
      const version = await ml.findVersionById(run.modelVersionId);
      if (!version) throw new Error(`model version ${run.modelVersionId} not found`);
      const ref = referenceOf(version);
      const scorer = await startBatchScorer(version, await batchRunOf(run, version, ref));
      const counts = new Float64Array(ref ? ref.cuts.length + 1 : 0);
      try {
        await scorePages(run, partition, version, scorer, counts);
      } finally {
        await scorer.close();
      }
      const detail = await completePartition(run, partition, ref ? Array.from(counts) : null, ref);
      return { status: 'succeeded', detail };
    } catch (err) {
      if (err instanceof Superseded) return { status: 'skipped', detail: 'partition taken over by a newer attempt, or its run ended' };
      const message = (err as Error).message;
      if (partition.attempts < PARTITION_ATTEMPTS) throw err;
      return failRun(message);
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
    scorePartition,
  };
}
export type ScoringRun = ReturnType<typeof createScoringRun>;
