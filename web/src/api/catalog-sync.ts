import { ExternalSystemRoutes, SyncRoutes } from '@lyra/contracts';
import { api, type BodyOf, type QueryOf } from './client';

const systems = ExternalSystemRoutes;

/** Connections to Xiva / CRM / billing (admin only). Secrets come back masked and are write-only. */
export const externalSystemsApi = {
  list: (signal?: AbortSignal) => api.call(systems.list, { signal }),
  get: (id: string, signal?: AbortSignal) => api.call(systems.get, { params: { id }, signal }),
  create: (body: BodyOf<typeof systems.create>) => api.call(systems.create, { body }),
  patch: (id: string, body: BodyOf<typeof systems.patch>) => api.call(systems.patch, { params: { id }, body }),
  remove: (id: string) => api.call(systems.remove, { params: { id } }),
  /** Connects with the *stored* settings; a failed connection is an answer (ok: false), not an error. */
  test: (id: string) => api.call(systems.test, { params: { id } }),
};

/** `force` has a server default and may be left out. */
export type StartSyncBody = BodyOf<typeof SyncRoutes.start>;
export type SyncRunsQuery = QueryOf<typeof SyncRoutes.runs>;
export type CatalogChangesQuery = QueryOf<typeof SyncRoutes.changes>;

export const syncApi = {
  /** 202 with the queued run; 409 `sync_in_progress` (details.run_id) while that system syncs. */
  start: (body: StartSyncBody) => api.call(SyncRoutes.start, { body }).then((r) => r.run),
  runs: (query: SyncRunsQuery, signal?: AbortSignal) => api.call(SyncRoutes.runs, { query, signal }),
  run: (id: string, signal?: AbortSignal) => api.call(SyncRoutes.run, { params: { id }, signal }),
  cancel: (id: string) => api.call(SyncRoutes.cancel, { params: { id } }),
  changes: (query: CatalogChangesQuery, signal?: AbortSignal) => api.call(SyncRoutes.changes, { query, signal }),
};
