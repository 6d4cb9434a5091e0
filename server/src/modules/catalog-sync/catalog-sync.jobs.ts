import { z } from 'zod';
import { defineJob, workerOf, type JobWorker } from '../../jobs/job.js';
import type { Actor } from '../auth/permissions.js';
import type { CampaignsService } from '../campaigns/campaigns.service.js';
import type { OfferGroupsService } from '../products/offer-groups.service.js';
import type { ProductsService } from '../products/products.service.js';
import type { SegmentsService } from '../segments/segments.service.js';
import type { SyncEngine } from './sync.engine.js';
import type { SyncService } from './sync.service.js';

/** One queued sync run, executed by the sync engine on whichever instance takes it. */
export const catalogSyncJob = defineJob({
  name: 'catalog-sync',
  payload: z.object({ runId: z.string().uuid() }).strict(),
  concurrency: 2,
  retry: { limit: 2, delaySeconds: 30 },
  expireInHours: 4,
  singletonKey: (p) => p.runId,
});

/** Every minute: scheduled runs due, runs whose process died, offers whose validity window moved. */
export const catalogSyncTickJob = defineJob({
  name: 'catalog-sync-tick',
  payload: z.object({}).strict(),
  concurrency: 1,
  retry: { limit: 0, delaySeconds: 0 },
  expireInHours: 1,
  cron: '* * * * *',
});

export const CATALOG_SYNC_JOBS = [catalogSyncJob, catalogSyncTickJob];

export function catalogSyncWorkers(deps: {
  engine: Pick<SyncEngine, 'execute'>;
  sync: Pick<SyncService, 'recover' | 'tick'>;
  products: Pick<ProductsService, 'refreshValidityWindows'>;
  offerGroups: Pick<OfferGroupsService, 'match'>;
  campaigns: Pick<CampaignsService, 'reactToCatalogChanges'>;
  segments: Pick<SegmentsService, 'syncFromData'>;
  systemActor: Actor;
}): JobWorker<unknown>[] {
  return [
    workerOf(catalogSyncJob, async ({ runId }) => {
      const run = await deps.engine.execute(runId);
      if (!run) return { status: 'skipped', detail: 'run already taken or finished' };
      // Offers the run wrote with a moved validity window open or close now, with their catalog change.
      await deps.products.refreshValidityWindows();
      // Records of one offer in several systems are grouped again (manual decisions stay as they are).
      if (run.status === 'succeeded' || run.status === 'partially_succeeded') await deps.offerGroups.match();
      // Campaigns offering what the run retired pause, re-priced ones are flagged; new segments join the list.
      const reacted = await deps.campaigns.reactToCatalogChanges();
      await deps.segments.syncFromData();
      const campaigns = reacted.paused || reacted.flagged ? `; campaigns: ${reacted.paused} paused, ${reacted.flagged} flagged` : '';
      const detail = `run ${run.id} ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}${run.error ? `: ${run.error.slice(0, 300)}` : ''}${campaigns}`;
      if (run.status === 'failed') return { status: 'failed', detail };
      if (run.status === 'partially_succeeded') return { status: 'partial', detail };
      return { status: run.status === 'cancelled' ? 'cancelled' : 'succeeded', detail };
    }),
    workerOf(catalogSyncTickJob, async () => {
      // Several instances: runs whose process died are found by their stale heartbeat.
      const recovered = await deps.sync.recover({ singleProcess: false });
      const started = await deps.sync.tick(deps.systemActor);
      const windows = await deps.products.refreshValidityWindows();
      // Retirements made outside a run (a removed system) reach the campaigns within the minute.
      const reacted = await deps.campaigns.reactToCatalogChanges();
      const done = [
        reacted.paused && `${reacted.paused} campaign(s) paused for a retired offer`,
        reacted.flagged && `${reacted.flagged} campaign(s) flagged for a re-priced offer`,
        windows.opened && `${windows.opened} offer(s) entered their validity window`,
        windows.closed && `${windows.closed} offer(s) left their validity window`,
        started.length && `${started.length} scheduled run(s) queued`,
        recovered.failed && `${recovered.failed} abandoned run(s) marked failed`,
        recovered.requeued && `${recovered.requeued} lost run(s) queued again`,
      ].filter(Boolean);
      // Every minute with nothing due is the normal case: 'skipped' logs at debug.
      if (!done.length) return { status: 'skipped', detail: 'nothing due' };
      return { status: recovered.failed ? 'partial' : 'succeeded', detail: done.join('; ') };
    }),
  ];
}
