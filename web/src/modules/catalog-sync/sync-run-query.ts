import { SYNC_STATUSES, SYSTEM_TYPES, type SyncStatus, type SystemType } from '@lyra/contracts';
import type { SyncRunsQuery } from '../../api/catalog-sync';
import type { RouteQuery } from '../products/product-query';

export const RUNS_PAGE_SIZE = 25;

/**
 * Sync history filters, kept in the URL: one connected system (`system_id`), or every system of a
 * type (`system`, e.g. both Xiva instances). The names come from the catalog's stats, which every
 * role may read (only admins may list systems).
 */
export interface RunListState {
  system?: SystemType | undefined;
  systemId?: string | undefined;
  status?: SyncStatus | undefined;
  page: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const first = (v: RouteQuery[string]): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() ? s.trim() : undefined;
};
const oneOf = <T extends string>(allowed: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;

export function parseRunQuery(q: RouteQuery): RunListState {
  const state: RunListState = { page: 1 };
  const systemId = first(q.system_id);
  const system = oneOf(SYSTEM_TYPES, first(q.system));
  if (systemId && UUID.test(systemId)) state.systemId = systemId.toLowerCase();
  else if (system) state.system = system;
  const status = oneOf(SYNC_STATUSES, first(q.status));
  if (status) state.status = status;
  const page = Number(first(q.page));
  if (Number.isInteger(page) && page > 1 && page < 100_000) state.page = page;
  return state;
}

export function runsToRouteQuery(s: RunListState): Record<string, string> {
  const q: Record<string, string> = {};
  if (s.systemId) q.system_id = s.systemId;
  else if (s.system) q.system = s.system;
  if (s.status) q.status = s.status;
  if (s.page > 1) q.page = String(s.page);
  return q;
}

export function runsToApiQuery(s: RunListState): SyncRunsQuery {
  return { external_system_id: s.systemId, external_system: s.systemId ? undefined : s.system, status: s.status, limit: RUNS_PAGE_SIZE, offset: (s.page - 1) * RUNS_PAGE_SIZE };
}

/** The filter select's value: `id:<uuid>` for one system, the type for every system of it. */
export const systemFilterValue = (s: Pick<RunListState, 'system' | 'systemId'>): string => (s.systemId ? `id:${s.systemId}` : (s.system ?? ''));
export function fromSystemFilterValue(value: string): Pick<RunListState, 'system' | 'systemId'> {
  if (value.startsWith('id:') && UUID.test(value.slice(3))) return { systemId: value.slice(3).toLowerCase(), system: undefined };
  const system = oneOf(SYSTEM_TYPES, value || undefined);
  return { system, systemId: undefined };
}

/** Link to the history of one system (by id when known), from the product page, the dashboard or a system card. */
export const historyLink = (system?: SystemType | string | null, systemId?: string | null): string =>
  systemId && UUID.test(systemId)
    ? `/admin/sync-runs?system_id=${systemId}`
    : system && (SYSTEM_TYPES as readonly string[]).includes(system) ? `/admin/sync-runs?system=${system}` : '/admin/sync-runs';
