import type { Container } from '../container.js';
import { SYSTEM_ACTOR } from '../modules/auth/permissions.js';
import type { JobHandlers } from './jobs.js';

/** Job name -> the service call that does the work; thin, like routes. */
export function jobHandlers(c: Container): JobHandlers {
  return {
    'catalog-sync': async ({ runId }) => {
      const run = await c.syncEngine.execute(runId);
      if (!run) return { status: 'skipped', detail: 'run already taken or finished' };
      // Offers the run wrote with a moved validity window open or close now, with their catalog change.
      await c.products.refreshValidityWindows();
      // Records of one offer in several systems are grouped again (manual decisions stay as they are).
      if (run.status === 'succeeded' || run.status === 'partially_succeeded') await c.offerGroups.match();
      const detail = `run ${run.id} ${run.status}${run.stopReason ? ` (${run.stopReason})` : ''}${run.error ? `: ${run.error.slice(0, 300)}` : ''}`;
      if (run.status === 'failed') return { status: 'failed', detail };
      if (run.status === 'partially_succeeded') return { status: 'partial', detail };
      return { status: run.status === 'cancelled' ? 'cancelled' : 'succeeded', detail };
    },
    'catalog-sync-tick': async () => {
      // Several instances: runs whose process died are found by their stale heartbeat.
      const recovered = await c.sync.recover({ singleProcess: false });
      const started = await c.sync.tick(SYSTEM_ACTOR);
      const windows = await c.products.refreshValidityWindows();
      const done = [
        windows.opened && `${windows.opened} offer(s) entered their validity window`,
        windows.closed && `${windows.closed} offer(s) left their validity window`,
        started.length && `${started.length} scheduled run(s) queued`,
        recovered.failed && `${recovered.failed} abandoned run(s) marked failed`,
        recovered.requeued && `${recovered.requeued} lost run(s) queued again`,
      ].filter(Boolean);
      // Every minute with nothing due is the normal case: 'skipped' logs at debug.
      if (!done.length) return { status: 'skipped', detail: 'nothing due' };
      return { status: recovered.failed ? 'partial' : 'succeeded', detail: done.join('; ') };
    },
    // A failed training or scoring is recorded on its version / run; the job itself is done either way.
    'ml-train': async ({ versionId }) => {
      const r = await c.ml.train(versionId);
      return { status: r.status === 'ready' ? 'succeeded' : r.status, detail: r.detail };
    },
    'ml-score': async ({ runId }) => {
      const r = await c.ml.score(runId);
      return { status: r.status, detail: r.detail };
    },
  };
}
