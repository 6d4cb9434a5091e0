import { z } from 'zod';
import { defineJob, workerOf, type JobWorker } from '../../jobs/job.js';
import type { ScoringRun } from './scoring/scoring-run.js';
import type { TrainingRun } from './training/training-run.js';

// One training and one scoring partition at a time per instance: both are CPU-heavy.

/** Trains one queued model version. */
export const mlTrainJob = defineJob({
  name: 'ml-train',
  payload: z.object({ versionId: z.string().uuid() }).strict(),
  concurrency: 1,
  retry: { limit: 1, delaySeconds: 30 },
  expireInHours: 12,
  singletonKey: (p) => p.versionId,
});

/**
 * Starts one queued scoring run: cuts its scorable subscribers into partitions (id ranges) and
 * queues a partition job for each, in one transaction. Quick: the scoring is the partitions'.
 */
export const mlScoreJob = defineJob({
  name: 'ml-score',
  payload: z.object({ runId: z.string().uuid() }).strict(),
  concurrency: 1,
  retry: { limit: 1, delaySeconds: 30 },
  expireInHours: 1,
  singletonKey: (p) => p.runId,
});

/**
 * Scores one partition of a run. Every instance with JOBS=1 takes partitions, one at a time each,
 * so instances share a run. A crashed or failed attempt is retried (its scores are replaced, never
 * added to); after the last attempt the run fails. Expiry bounds how long a dead instance's
 * partition waits before another instance takes it again.
 */
export const mlScorePartitionJob = defineJob({
  name: 'ml-score-partition',
  payload: z.object({ runId: z.string().uuid(), index: z.number().int().min(0) }).strict(),
  concurrency: 1,
  // Three attempts at scoring (scoring-run.ts); the fourth delivery only records that the third died.
  retry: { limit: 3, delaySeconds: 30 },
  expireInHours: 2,
  singletonKey: (p) => `${p.runId}:${p.index}`,
  // In index order: a run's partitions are sent in one transaction, and its last ones are its smallest (mergeRanges).
  priority: (p) => -p.index,
});

export const ML_JOBS = [mlTrainJob, mlScoreJob, mlScorePartitionJob];

/** A failed training or scoring is recorded on its version / run; the job itself is done then (a partition is retried first). */
export function mlWorkers(deps: { ml: { training: Pick<TrainingRun, 'train'>; scoring: Pick<ScoringRun, 'score' | 'scorePartition'> } }): JobWorker<unknown>[] {
  return [
    workerOf(mlTrainJob, async ({ versionId }) => {
      const r = await deps.ml.training.train(versionId);
      return { status: r.status === 'ready' ? 'succeeded' : r.status, detail: r.detail };
    }),
    workerOf(mlScoreJob, async ({ runId }) => {
      const r = await deps.ml.scoring.score(runId);
      return { status: r.status, detail: r.detail };
    }),
    // Throws while attempts remain, so pg-boss retries the partition.
    workerOf(mlScorePartitionJob, async ({ runId, index }) => {
      const r = await deps.ml.scoring.scorePartition(runId, index);
      return { status: r.status, detail: r.detail };
    }),
  ];
}
