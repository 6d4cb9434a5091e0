import {
  CatalogChange,
  ConnectionTest,
  ExternalSystem,
  SyncRun,
  listOf,
  type ExternalSystemCreate,
  type ExternalSystemPatch,
  type SyncRequest,
} from '@lyra/contracts';
import { z } from 'zod';
import { api, type QueryParams } from './client';

const SystemList = listOf(ExternalSystem);
const RunList = listOf(SyncRun);
const ChangeList = listOf(CatalogChange);
const Started = z.object({ run: SyncRun });

const id = (value: string) => encodeURIComponent(value);

/** Connections to Xiva / CRM / billing (admin only). Secrets come back masked and are write-only. */
export const externalSystemsApi = {
  list: (signal?: AbortSignal) => api.request('/external-systems/', SystemList, { signal }),
  get: (systemId: string, signal?: AbortSignal) => api.request(`/external-systems/${id(systemId)}/`, ExternalSystem, { signal }),
  create: (body: ExternalSystemCreate) => api.request('/external-systems/', ExternalSystem, { method: 'POST', json: body }),
  patch: (systemId: string, body: ExternalSystemPatch) =>
    api.request(`/external-systems/${id(systemId)}/`, ExternalSystem, { method: 'PATCH', json: body }),
  remove: (systemId: string) => api.requestVoid(`/external-systems/${id(systemId)}/`, { method: 'DELETE' }),
  /** Connects with the *stored* settings; a failed connection is an answer (ok: false), not an error. */
  test: (systemId: string) => api.request(`/external-systems/${id(systemId)}/test/`, ConnectionTest, { method: 'POST' }),
};

/** `force` has a server default; the console always says what it wants. */
export type StartSyncBody = Omit<SyncRequest, 'force'> & { force?: boolean };

export const syncApi = {
  /** 202 with the queued run; 409 `sync_in_progress` (details.run_id) while that system syncs. */
  start: (body: StartSyncBody) => api.request('/products/sync/', Started, { method: 'POST', json: body }).then((r) => r.run),
  runs: (query: QueryParams, signal?: AbortSignal) => api.request('/sync-runs/', RunList, { query, signal }),
  run: (runId: string, signal?: AbortSignal) => api.request(`/sync-runs/${id(runId)}/`, SyncRun, { signal }),
  cancel: (runId: string) => api.request(`/sync-runs/${id(runId)}/cancel/`, SyncRun, { method: 'POST' }),
  changes: (query: QueryParams, signal?: AbortSignal) => api.request('/catalog-changes/', ChangeList, { query, signal }),
};
