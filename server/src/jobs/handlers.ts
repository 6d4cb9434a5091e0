import type { Container } from '../container.js';
import { SYSTEM_ACTOR } from '../modules/auth/permissions.js';
import type { JobHandlers } from './jobs.js';

/** Job name -> the service call that does the work; thin, like routes. */
export function jobHandlers(c: Container): JobHandlers {
  return {
    'catalog-sync': async ({ runId }) => {
      const run = await c.syncEngine.execute(runId);
      return run ? { status: 'succeeded', detail: `${run.status}` } : { status: 'skipped', detail: 'run already taken or finished' };
    },
    'catalog-sync-tick': async () => {
      // Several instances: runs whose process died are found by their stale heartbeat.
      await c.sync.recover({ singleProcess: false });
      const started = await c.sync.tick(SYSTEM_ACTOR);
      return started.length ? { status: 'succeeded', detail: `${started.length} scheduled run(s) queued` } : { status: 'skipped' };
    },
    // A failed training or scoring is recorded on its version / run; the job itself is done either way.
    'ml-train': async ({ versionId }) => {
      const r = await c.ml.train(versionId);
      return { status: r.status === 'skipped' ? 'skipped' : 'succeeded', detail: r.detail };
    },
    'ml-score': async ({ runId }) => {
      const r = await c.ml.score(runId);
      return { status: r.status === 'skipped' ? 'skipped' : 'succeeded', detail: r.detail };
    },
  };
}
