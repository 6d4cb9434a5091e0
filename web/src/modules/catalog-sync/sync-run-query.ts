import { SYNC_STATUSES, SYSTEM_TYPES, type SyncStatus, type SystemType } from '@lyra/contracts';
import type { QueryParams } from '../../api/client';
import type { RouteQuery } from '../products/product-query';

export const RUNS_PAGE_SIZE = 25;

/**
 * Sync history filters, kept in the URL. The system is filtered by type (`external_system`), not id:
 * every role may read runs, but only admins may list systems. A type several systems share shows
 * the runs of all of them; each run row names its system.
 */
export interface RunListState {
  system?: SystemType;
  status?: SyncStatus;
  page: number;
}

const first = (v: RouteQuery[string]): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() ? s.trim() : undefined;
};
const oneOf = <T extends string>(allowed: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;

export function parseRunQuery(q: RouteQuery): RunListState {
  const state: RunListState = { page: 1 };
  const system = oneOf(SYSTEM_TYPES, first(q.system));
  if (system) state.system = system;
  const status = oneOf(SYNC_STATUSES, first(q.status));
  if (status) state.status = status;
  const page = Number(first(q.page));
  if (Number.isInteger(page) && page > 1 && page < 100_000) state.page = page;
  return state;
}

export function runsToRouteQuery(s: RunListState): Record<string, string> {
  const q: Record<string, string> = {};
  if (s.system) q.system = s.system;
  if (s.status) q.status = s.status;
  if (s.page > 1) q.page = String(s.page);
  return q;
}

export function runsToApiQuery(s: RunListState): QueryParams {
  return { external_system: s.system, status: s.status, limit: RUNS_PAGE_SIZE, offset: (s.page - 1) * RUNS_PAGE_SIZE };
}

/** Link to the history of one system, from the product page, the dashboard or a system card. */
export const historyLink = (system?: SystemType | string | null): string =>
  system && (SYSTEM_TYPES as readonly string[]).includes(system) ? `/admin/sync-runs?system=${system}` : '/admin/sync-runs';
