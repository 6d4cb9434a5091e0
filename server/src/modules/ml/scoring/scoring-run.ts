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
import type { AuditRepository } from '../../audit/audit.repository.js';
import { SYSTEM_ACTOR, type Actor } from '../../auth/permissions.js';
import type { FeaturesRepository } from '../features/features.repository.js';
import { offerFor } from '../features/offers.js';
import { mlScoreJob, mlScorePartitionJob } from '../ml.jobs.js';
import { stabilityOf, toRun } from '../ml.mapper.js';
import type { MlRepository, ModelVersionRow, ScoringPartitionRow, ScoringRunRow } from '../ml.repository.js';
import type { RegistryService } from '../registry.service.js';
import { startBatchScorer, type BatchScorer, type ScoredPage } from './batch-scorer.js';
import { noStages, type BatchPage, type BatchRun, type BatchStages } from './score-batch.js';

/**
 * Subscribers read and scored per page (one statement of facts, one COPY of rows). Pages of 200
 * were tried: ~3.6 ms less of the API thread per 100 subscribers, but no gain in a run's wall or in
 * the machine's CPU (bench scale), and ~60 MB more held by a scoring instance.
 */
export const SCORE_BATCH = 100;
/**
 * Pages sent to the scoring thread ahead of the one being written: with two, the thread starts the
 * next page as soon as it answers one, instead of waiting for its rows to be written (~1 s of 8 per
 * partition of 2,000 subscribers in bench scale).
 */
const PAGES_AHEAD = 2;
/** Largest partition by default: a few minutes of one instance, so a retry redoes little (ML_SCORING_PARTITION_SIZE). */
export const PARTITION_SIZE = 10_000;
/** Smallest partition the size choice goes down to (each partition pays its worker start and model load). */
export const MIN_PARTITION_SIZE = 1_000;
/**
 * Partitions a run aims at (at least) when its base allows: instances take partitions one at a time,
 * so with only a couple of partitions the last one bounds the run and a second instance idles.
 */
export const TARGET_PARTITIONS = 8;

/**
 * The share of what is left that each piece of a run's tail takes (mergeRanges). Halves left one of
 * two instances idle for ~4 s at the end of the scale bench's run (94,390 subscribers: one instance
 * scored a piece of 8,000 while the other took 4,000, 2,000 and 390). Quarters end two instances
 * within ~1 s of each other there, and four within ~5 s instead of ~50 s, for four more partitions
 * (simulated at the bench's ~350 subscribers/s an instance and ~0.25 s to claim and start a partition).
 */
const TAIL_SHARE = 4;

/**
 * A run's partitions from its scorable subscribers cut into fine ranges (consecutive, in id order, each of
 * the same size but the last): the fine ranges merged into partitions of about total / TARGET_PARTITIONS
 * subscribers, but no fewer than `min` and no more than `max`. `min` and `max` are multiples of the fine
 * ranges' size, which is min(MIN_PARTITION_SIZE, max).
 *
 * The last partition's worth (with what the others leave over) is cut into shrinking pieces, each a
 * quarter of what is left (TAIL_SHARE), down to one fine range: the run ends when its last partition
 * does, and an instance that finishes its full ones early takes these small ones while another still
 * scores a larger one. Partitions are taken in index order (mlScorePartitionJob's priority), so the
 * small ones come last. With two instances on 100,000 subscribers, equal partitions left one
 * instance idle for ~13 s of a 146 s run.
 */
export function mergeRanges<R extends { lastId: string; subscribers: number }>(fine: readonly R[], fineSize: number, max: number): { lastId: string; subscribers: number }[] {
  const total = fine.reduce((n, r) => n + r.subscribers, 0);
  const wanted = Math.min(max, Math.max(fineSize, Math.ceil(total / TARGET_PARTITIONS)));
  // Whole fine ranges per partition, rounded down so that there are at least TARGET_PARTITIONS when the size allows.
  const per = Math.max(1, Math.floor(wanted / fineSize));
  const full = Math.floor(Math.max(0, fine.length - per) / per);
  const sizes: number[] = Array<number>(full).fill(per);
  for (let left = fine.length - full * per; left > 0; left -= sizes.at(-1)!) sizes.push(Math.ceil(left / TAIL_SHARE));
  const out: { lastId: string; subscribers: number }[] = [];
  let at = 0;
  for (const size of sizes) {
    const group = fine.slice(at, (at += size));
    out.push({ lastId: group.at(-1)!.lastId, subscribers: group.reduce((n, r) => n + r.subscribers, 0) });
  }
  return out;
}
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
    'scorableIdsAfter' | 'scorableRanges' | 'customerFacts' | 'currentBills' | 'sellableProducts' | 'campaignOffer' | 'productsByIds' | 'latestOfferCampaign' | 'sellableNowForRule' | 'scorableTakersAfter'
  >;
  registry: Pick<RegistryService, 'activeModel'>;
  /** A run's row and its job are written together: a run never exists without its job; so are partitions and theirs. */
  uow: UnitOfWork<{
    ml: Pick<MlRepository, 'insertRun' | 'claimRun' | 'insertPartitions' | 'finishRun' | 'completePartition' | 'partitionPsiCounts' | 'deleteOldScores'>;
    jobs: JobQueue;
    audit: Pick<AuditRepository, 'record'>;
  }>;
  /**
   * Largest partition (PARTITION_SIZE by default). A run is cut into about TARGET_PARTITIONS partitions
   * of at least min(MIN_PARTITION_SIZE, this) subscribers and at most this (see mergeRanges).
   */
  partitionSize?: number;
  /**
   * Succeeded runs per model whose scores are kept at least (SCORE_RUNS_KEPT by default); a finished
   * run deletes older runs' scores beyond these that no reader takes (MlRepository.deleteOldScores).
   */
  scoreRunsKept?: number;
  /** This instance, as partitions record who worked them. */
  worker?: string;
  clock?: () => Date;
}

/** A finished run of at least this many subscribers (or deleting as many scores) refreshes the scores' planner statistics. */
const ANALYZE_AFTER_SCORED = 10_000;

/**
 * Succeeded runs of a model whose scores are kept by default (ML_SCORE_RUNS_KEPT): nightly runs of a
 * 10-million base write ~60 million rows each, which nothing reads once a newer run of the whole base
 * succeeded; a few stay for a look back and for a version activated again.
 */
export const SCORE_RUNS_KEPT = 3;

export type ScoringOutcome = { status: 'succeeded' | 'failed' | 'skipped'; detail: string };

/** Where a partition's time went (see scorePages). */
interface PartitionTimes {
  scored: number;
  ms: number;
  /** In the worker thread, summed over pages. */
  stages: BatchStages;
  /** On this thread: reading pages (while the worker scores the previous one), and writing them. */
  readMs: number;
  writeMs: number;
}
const STAGES = ['rows', 'predict', 'rank', 'reasons'] as const satisfies readonly (keyof BatchStages)[];

/** "1,000 subscribers in 21.0s; worker: feature rows 0.8s, predict 6.9s, ranking 0.3s, reasons 2.6s; reading 3.4s (beside the worker), writing 1.1s" */
function describeTimes(t: PartitionTimes): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const w = t.stages;
  return `${t.scored.toLocaleString('en-US')} subscribers in ${s(t.ms)}; worker: feature rows ${s(w.rows)}, predict ${s(w.predict)}, ranking ${s(w.rank)}, reasons ${s(w.reasons)}; `
    + `reading ${s(t.readMs)} (beside the worker), writing ${s(t.writeMs)}`;
}

/** A newer attempt took the partition over (this one was presumed dead), or the run ended meanwhile. */
class Superseded extends Error {}

const psiBinsOf = (bins: ReturnType<typeof psiFromCounts>['bins']) =>
  bins.map((b) => ({ lower: Number.isFinite(b.lower) ? b.lower : null, upper: Number.isFinite(b.upper) ? b.upper : null, expected: b.expected, actual: b.actual, psi: b.psi }));

export function createScoringRun(deps: ScoringRunDeps) {
  const { ml, features, registry, uow } = deps;
  const now = deps.clock ?? (() => new Date());
  const partitionSize = deps.partitionSize ?? PARTITION_SIZE;
  const scoreRunsKept = deps.scoreRunsKept ?? SCORE_RUNS_KEPT;
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
      // Read once per partition (a few minutes of one instance at most): a product withdrawn meanwhile is
      // left out from the next partition on, and a campaign launch applies the rule again in any case.
      offerable: propensity ? await features.sellableNowForRule() : [],
      offer: version.modelName === 'campaign_response' ? await offerFor({ features }, run.campaignId ?? undefined) : null,
      psiCuts: ref ? ref.cuts : null,
      psiSampleRate: run.total > 0 ? Math.min(1, PSI_SUBSCRIBERS / run.total) : 1,
    };
  }

  /**
   * Scores the partition's subscribers page by page, each page written under the attempt's fence; the
   * PSI counts. Answers where the time went: the worker's stages, and on this thread reading pages
   * (beside the worker) and writing them.
   */
  async function scorePages(run: ScoringRunRow, part: ScoringPartitionRow, version: ModelVersionRow, scorer: BatchScorer, counts: Float64Array): Promise<PartitionTimes> {
    const today = todayUtc(new Date(toIso(run.startedAt)!));
    const times: PartitionTimes = { scored: 0, ms: 0, stages: noStages(), readMs: 0, writeMs: 0 };
    const started = performance.now();
    type ReadPage = BatchPage & { lastId: string };
    const readPage = async (after: string | null): Promise<ReadPage | null> => {
      const t = performance.now();
      const range = { after, upTo: part.lastId, limit: SCORE_BATCH, segment: run.segment };
      // Propensity reads its page's subscribers with what the availability rule needs of them, in one statement.
      const takers = version.modelName === 'propensity_to_buy' ? await features.scorableTakersAfter(today, range) : null;
      const ids = takers ? takers.map((t) => t.id) : await features.scorableIdsAfter(today, range);
      if (ids.length === 0) return null;
      const [facts, bills] = await Promise.all([
        features.customerFacts(ids, today),
        version.modelName === 'payment_default_risk' ? features.currentBills(ids, today) : null,
      ]);
      times.readMs += performance.now() - t;
      return { facts, bills, takers, lastId: ids.at(-1)! };
    };
    // The worker always has the next page waiting (PAGES_AHEAD at it), and the page after is read
    // meanwhile: it never idles while a page is written or read.
    const ahead: { page: BatchPage; result: Promise<ScoredPage> }[] = [];
    let next: Promise<ReadPage | null> | null = readPage(part.afterId);
    for (;;) {
      while (next && ahead.length < PAGES_AHEAD) {
        const page: ReadPage | null = await next;
        next = page ? readPage(page.lastId) : null;
        next?.catch(() => undefined); // awaited on a later turn; a failure there ends the attempt then
        if (!page) break;
        const scored = { facts: page.facts, bills: page.bills, takers: page.takers };
        const result = scorer.score(scored);
        result.catch(() => undefined); // awaited in order below
        ahead.push({ page: scored, result });
      }
      const head = ahead.shift();
      if (!head) break;
      const { scores, psiCounts, stages } = await head.result;
      const t = performance.now();
      if (!(await ml.writePartitionScores(run.id, part.index, part.attempts, scores, head.page.facts.length))) {
        await next?.catch(() => undefined);
        throw new Superseded();
      }
      times.writeMs += performance.now() - t;
      for (let b = 0; b < psiCounts.length; b++) counts[b]! += psiCounts[b]!;
      for (const k of STAGES) times.stages[k] += stages[k];
      times.scored += head.page.facts.length;
    }
    times.ms = performance.now() - started;
    return times;
  }

  /**
   * Counts the partition done; the last one (the run's row lock serialises them) computes the PSI
   * from every partition's counts and finishes the run, in the same transaction.
   */
  async function completePartition(run: ScoringRunRow, part: ScoringPartitionRow, counts: number[] | null, ref: PsiReference | null): Promise<string> {
    let runScored = 0;
    let runFinished = false;
    const detail = await uow.transaction(async (tx) => {
      const r = await tx.ml.completePartition(run.id, part.index, part.attempts, counts);
      if (!r) throw new Superseded();
      if (r.done < r.total) return `partition ${part.index + 1}/${r.total} done`;
      runScored = r.scored;
      runFinished = true;
      const summed = ref ? new Float64Array(ref.cuts.length + 1) : null;
      if (summed) for (const c of await tx.ml.partitionPsiCounts(run.id)) c.forEach((x, b) => (summed[b]! += x));
      const drift = ref && summed && summed.some((x) => x > 0) ? psiFromCounts(ref, summed) : null;
      await tx.ml.finishRun(run.id, { scored: r.scored, psi: drift ? drift.psi : null, psiBins: drift ? psiBinsOf(drift.bins) : null });
      return `partition ${part.index + 1}/${r.total} done; run finished: ${r.scored} subscribers scored${drift ? `, psi=${drift.psi.toFixed(4)} (${stabilityOf(drift.psi)})` : ''}`;
    });
    if (!runFinished) return detail;
    const older = await deleteOldScores(run.modelName);
    // Audiences and customer pages are planned on ml_scores' statistics, which PGlite (no
    // autovacuum) would otherwise keep from before a run of a large base; the vacuum also frees
    // the rows of the runs whose scores were deleted.
    if (runScored >= ANALYZE_AFTER_SCORED || older.rows >= ANALYZE_AFTER_SCORED) await ml.refreshScoreStatistics();
    return detail + older.detail;
  }

  /**
   * After a run finished: the scores of the model's runs no reader takes any more go, each run's
   * deletion in the audit log. A failure leaves them for the next run to delete (the run itself
   * succeeded): the detail says so.
   */
  async function deleteOldScores(model: string): Promise<{ rows: number; detail: string }> {
    try {
      const deleted = await uow.transaction(async (tx) => {
        const runs = await tx.ml.deleteOldScores(model, scoreRunsKept);
        for (const r of runs) {
          await tx.audit.record(SYSTEM_ACTOR, {
            action: 'delete',
            entityType: 'ml_scores',
            entityId: r.runId,
            before: { model, version: r.version, run_status: r.status, rows: r.rows },
            after: { reason: `older than the active version's newest run over the whole base, beyond the ${scoreRunsKept} newest runs kept` },
          });
        }
        return runs;
      });
      const rows = deleted.reduce((n, r) => n + r.rows, 0);
      return { rows, detail: deleted.length === 0 ? '' : `; scores of ${deleted.length} older run(s) deleted (${rows.toLocaleString('en-US')} rows)` };
    } catch (e) {
      return { rows: 0, detail: `; older runs' scores not deleted this time (${e instanceof Error ? e.message : String(e)})` };
    }
  }

  /** The `ml-score` job: claims a queued run and queues its partitions (a run without subscribers finishes at once). */
  async function score(runId: string): Promise<ScoringOutcome> {
    const run = await ml.findRun(runId);
    if (!run || run.status !== 'queued') return { status: 'skipped', detail: 'run already taken or finished' };
    const at = now();
    const fineSize = Math.min(MIN_PARTITION_SIZE, partitionSize);
    const ranges = mergeRanges(await features.scorableRanges(todayUtc(at), { segment: run.segment, size: fineSize }), fineSize, partitionSize);
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
      let times: PartitionTimes;
      try {
        times = await scorePages(run, partition, version, scorer, counts);
      } finally {
        await scorer.close();
      }
      const detail = await completePartition(run, partition, ref ? Array.from(counts) : null, ref);
      return { status: 'succeeded', detail: `${detail} (${describeTimes(times)})` };
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
