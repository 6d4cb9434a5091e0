import { z } from 'zod';
import { defineJob, workerOf, type JobWorker } from '../../jobs/job.js';
import type { JobOutcome } from '../../jobs/job.js';

/**
 * Launches one campaign: snapshot, control group, contacts ledger, in pages (see launch.service).
 * One at a time per instance (each page is a set-based statement over the audience). A killed
 * worker's job is retried by pg-boss and resumes after the committed pages; a launch that fails is
 * marked failed on the campaign and launched again by a person, so the job itself is not retried then.
 */
export const campaignLaunchJob = defineJob({
  name: 'campaign-launch',
  payload: z.object({ campaignId: z.string().uuid() }).strict(),
  concurrency: 1,
  retry: { limit: 3, delaySeconds: 30 },
  expireInHours: 2,
  singletonKey: (p) => p.campaignId,
});

export const CAMPAIGN_JOBS = [campaignLaunchJob];

export function campaignWorkers(deps: { launch: { run(campaignId: string): Promise<JobOutcome> } }): JobWorker<unknown>[] {
  return [workerOf(campaignLaunchJob, ({ campaignId }) => deps.launch.run(campaignId))];
}
