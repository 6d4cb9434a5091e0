import { z } from 'zod';
import { defineJob, workerOf, type JobWorker } from '../../../jobs/job.js';
import type { ResultsService } from './results.service.js';

/**
 * Every ten minutes: responses of launched campaigns from purchases that arrived by other means
 * than Lyra's imports (imports attribute as soon as they commit, over every campaign however old).
 * Campaigns whose windows closed more than RECHECK_CLOSED_DAYS ago are left to the imports, so the
 * schedule's work stays bounded as campaigns accumulate. Idempotent, so an overlap with an import's
 * own attribution or a second instance changes nothing twice.
 */
export const RECHECK_CLOSED_DAYS = 14;

export const campaignResponsesJob = defineJob({
  name: 'campaign-responses',
  payload: z.object({}).strict(),
  concurrency: 1,
  retry: { limit: 0, delaySeconds: 0 },
  expireInHours: 1,
  cron: '*/10 * * * *',
  singletonKey: () => 'campaign-responses',
});

export const CAMPAIGN_RESULTS_JOBS = [campaignResponsesJob];

export function campaignResultsWorkers(deps: { results: Pick<ResultsService, 'attributeAll'> }): JobWorker<unknown>[] {
  return [
    workerOf(campaignResponsesJob, async () => {
      const done = await deps.results.attributeAll({ closedWithinDays: RECHECK_CLOSED_DAYS });
      if (done.campaigns === 0) return { status: 'skipped', detail: 'no launched campaign waits for responses' };
      const detail = `${done.responders} response(s) attributed over ${done.campaigns} campaign(s)${done.failed ? `, ${done.failed} failed` : ''}`;
      if (done.failed) return { status: done.failed === done.campaigns ? 'failed' : 'partial', detail };
      return { status: done.responders ? 'succeeded' : 'skipped', detail };
    }),
  ];
}
