import { reactive } from 'vue';
import type { ConnectionTest, ExternalSystem, SyncRun } from '@lyra/contracts';
import { externalSystemsApi, syncApi } from '../../api/catalog-sync';
import { errorMessage } from '../../api/errors';
import { stoppedAtRetireGuard } from './run-summary';

export interface ConnectionCheck {
  loading: boolean;
  result: ConnectionTest | null;
  /** The request itself failed (server unreachable, 404...); a failed connection is a result. */
  error: string | null;
}

/** "Test connection" per system: the last answer stays on the card until the next test. */
export function useConnectionTests(test: (id: string) => Promise<ConnectionTest> = externalSystemsApi.test) {
  const checks = reactive<Record<string, ConnectionCheck>>({});

  async function run(systemId: string): Promise<ConnectionCheck> {
    // Read back through the reactive record: `??=` would hand out the raw object, whose changes no view sees.
    if (!checks[systemId]) checks[systemId] = { loading: false, result: null, error: null };
    const check = checks[systemId]!;
    check.loading = true;
    check.error = null;
    try {
      check.result = await test(systemId);
    } catch (err) {
      check.result = null;
      check.error = errorMessage(err, 'The connection test could not be run.');
    } finally {
      check.loading = false;
    }
    return check;
  }

  const clear = (systemId: string) => {
    delete checks[systemId];
  };

  return { checks, run, clear };
}

/**
 * Which systems' last run stopped at the retire guard. A system only carries its last run's
 * status (no error text), so partially succeeded full runs are read once to see why.
 */
export function useRetireGuards(getRun: (id: string) => Promise<SyncRun> = syncApi.run) {
  const stopped = reactive<Record<string, boolean>>({});
  const seen = new Map<string, string>();

  async function refresh(systems: ExternalSystem[]) {
    await Promise.all(
      systems.map(async (s) => {
        const last = s.last_run;
        if (!last || last.status !== 'partially_succeeded' || last.mode !== 'full') {
          stopped[s.id] = false;
          seen.delete(s.id);
          return;
        }
        if (seen.get(s.id) === last.id) return;
        seen.set(s.id, last.id);
        try {
          stopped[s.id] = stoppedAtRetireGuard(await getRun(last.id));
        } catch {
          // Unknown is shown as "not stopped": the details page still explains the run.
          stopped[s.id] = false;
        }
      }),
    );
  }

  /** A run followed live already says whether it stopped at the guard. */
  function note(systemId: string, run: SyncRun) {
    stopped[systemId] = stoppedAtRetireGuard(run);
    seen.set(systemId, run.id);
  }

  return { stopped, refresh, note };
}
