import type { ExternalSystem, SyncRun, SystemType } from '@lyra/contracts';
import { SYSTEM_TYPES } from '@lyra/contracts';
import { isActiveStatus } from '../catalog-sync/run-summary';

/** One line of the dashboard's "Catalog sync" card. */
export interface SyncOverviewRow {
  key: string;
  name: string;
  type: SystemType;
  active: boolean;
  lastStatus: string | null;
  lastAt: string | null;
  lastRunId: string | null;
  /** Only admins may read systems, so only they see the next run. */
  nextRunAt: string | null | undefined;
  running: boolean;
}

const order = (t: string) => (SYSTEM_TYPES as readonly string[]).indexOf(t);

export function overviewFromSystems(systems: ExternalSystem[]): SyncOverviewRow[] {
  return [...systems]
    .sort((a, b) => order(a.system_type) - order(b.system_type))
    .map((s) => ({
      key: s.id,
      name: s.name,
      type: s.system_type,
      active: s.is_active,
      lastStatus: s.last_run?.status ?? null,
      lastAt: s.last_run ? (s.last_run.finished_at ?? s.last_run.created_at) : null,
      lastRunId: s.last_run?.id ?? null,
      nextRunAt: s.next_run_at,
      running: isActiveStatus(s.last_run?.status),
    }));
}

/** For roles that may not list systems: the newest run of each system, from the run history. */
export function overviewFromRuns(runs: SyncRun[]): SyncOverviewRow[] {
  const newest = new Map<string, SyncRun>();
  for (const r of runs) if (!newest.has(r.external_system_id)) newest.set(r.external_system_id, r);
  return [...newest.values()]
    .sort((a, b) => order(a.system_type) - order(b.system_type))
    .map((r) => ({
      key: r.external_system_id,
      name: r.external_system_name ?? r.system_type,
      type: r.system_type,
      active: true,
      lastStatus: r.status,
      lastAt: r.finished_at ?? r.started_at ?? r.created_at,
      lastRunId: r.id,
      nextRunAt: undefined,
      running: isActiveStatus(r.status),
    }));
}
