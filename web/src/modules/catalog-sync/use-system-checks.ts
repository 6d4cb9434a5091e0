import { reactive } from 'vue';
import type { ConnectionTest, ExternalSystem, SyncRun } from '@lyra/contracts';
import { externalSystemsApi } from '../../api/catalog-sync';
import { errorMessage } from '../../api/errors';
import { needsForcedSync } from './run-summary';

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

/** Which systems' last run stopped at the retire guard, from the stop reason each system's last run carries. */
export function useRetireGuards() {
  const stopped = reactive<Record<string, boolean>>({});

  function refresh(systems: ExternalSystem[]) {
    for (const s of systems) stopped[s.id] = needsForcedSync(s.last_run);
  }

  /** A run followed live says so as soon as it ends, before the systems are reloaded. */
  function note(systemId: string, run: SyncRun) {
    stopped[systemId] = needsForcedSync(run);
  }

  return { stopped, refresh, note };
}
