import type { Container } from '../container.js';
import { SYSTEM_ACTOR } from '../modules/auth/permissions.js';
import { CAMPAIGN_JOBS, campaignWorkers } from '../modules/campaigns/campaigns.jobs.js';
import { CATALOG_SYNC_JOBS, catalogSyncWorkers } from '../modules/catalog-sync/catalog-sync.jobs.js';
import { CAMPAIGN_RESULTS_JOBS, campaignResultsWorkers } from '../modules/campaigns/results/results.jobs.js';
import { ML_JOBS, mlWorkers } from '../modules/ml/ml.jobs.js';
import type { JobDeclaration, JobWorker } from './job.js';

/** Every job any module declares: their queues exist on every instance, so any instance can send. */
export const ALL_JOBS: readonly JobDeclaration<unknown>[] = [...CATALOG_SYNC_JOBS, ...ML_JOBS, ...CAMPAIGN_JOBS, ...CAMPAIGN_RESULTS_JOBS];

/** The handlers this instance works, each module's bound to the container's services. */
export function jobWorkers(c: Container): JobWorker<unknown>[] {
  return [
    ...catalogSyncWorkers({
      engine: c.syncEngine, sync: c.sync, products: c.products, offerGroups: c.offerGroups, campaigns: c.campaigns, segments: c.segments, systemActor: SYSTEM_ACTOR,
    }),
    ...mlWorkers({ ml: c.ml }),
    ...campaignWorkers({ launch: c.campaignLaunch }),
    ...campaignResultsWorkers({ results: c.campaignResults }),
  ];
}
