import { z } from 'zod';
import { defineJob, workerOf, type JobWorker } from '../../jobs/job.js';
import type { ScoringRun } from './scoring/scoring-run.js';
import type { TrainingRun } from './training/training-run.js';

// One training and one scoring run at a time per instance: both are CPU-heavy.

/** Trains one queued model version. */
export const mlTrainJob = defineJob({
  name: 'ml-train',
  payload: z.object({ versionId: z.string().uuid() }).strict(),
  concurrency: 1,
  retry: { limit: 1, delaySeconds: 30 },
  expireInHours: 12,
  singletonKey: (p) => p.versionId,
});

/** Batch-scores every subscriber (of a segment) with one queued scoring run. */
export const mlScoreJob = defineJob({
  name: 'ml-score',
  payload: z.object({ runId: z.string().uuid() }).strict(),
  concurrency: 1,
  retry: { limit: 1, delaySeconds: 30 },
  expireInHours: 12,
  singletonKey: (p) => p.runId,
});

export const ML_JOBS = [mlTrainJob, mlScoreJob];

/** A failed training or scoring is recorded on its version / run; the job itself is done either way. */
export function mlWorkers(deps: { ml: { training: Pick<TrainingRun, 'train'>; scoring: Pick<ScoringRun, 'score'> } }): JobWorker<unknown>[] {
  return [
    workerOf(mlTrainJob, async ({ versionId }) => {
      const r = await deps.ml.training.train(versionId);
      return { status: r.status === 'ready' ? 'succeeded' : r.status, detail: r.detail };
    }),
    workerOf(mlScoreJob, async ({ runId }) => {
      const r = await deps.ml.scoring.score(runId);
      return { status: r.status, detail: r.detail };
    }),
  ];
}
