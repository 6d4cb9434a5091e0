import { z } from 'zod';
import {
  CatalogChange, CatalogChangeListQuery, ConnectionTest, ExternalSystem, ExternalSystemCreate, ExternalSystemPatch, SyncRequest, SyncRun, SyncRunListQuery,
} from '../catalog-sync.js';
import { IdParam, listOf } from '../common.js';
import { API_BASE, COMMON_ERRORS, route } from '../http.js';

const systems = `${API_BASE}/external-systems`;
const tags = ['external systems'];
const errors = COMMON_ERRORS;

export const ExternalSystemList = listOf(ExternalSystem);
export type ExternalSystemList = z.infer<typeof ExternalSystemList>;

/** Connections to Xiva / CRM / billing. Secrets come back masked and are write-only. */
export const ExternalSystemRoutes = {
  list: route({ method: 'GET', path: `${systems}/`, tags, summary: 'External systems (secrets masked)', response: ExternalSystemList, errors }),
  create: route({ method: 'POST', path: `${systems}/`, tags, body: ExternalSystemCreate, status: 201, response: ExternalSystem, errors }),
  get: route({ method: 'GET', path: `${systems}/:id/`, tags, params: IdParam, response: ExternalSystem, errors }),
  patch: route({ method: 'PATCH', path: `${systems}/:id/`, tags, params: IdParam, body: ExternalSystemPatch, response: ExternalSystem, errors }),
  replace: route({ method: 'PUT', path: `${systems}/:id/`, tags, params: IdParam, body: ExternalSystemCreate, response: ExternalSystem, errors }),
  remove: route({ method: 'DELETE', path: `${systems}/:id/`, tags, params: IdParam, status: 204, response: z.null(), errors }),
  /** Connects with the stored settings; a failed connection is an answer (ok: false), not an error. */
  test: route({ method: 'POST', path: `${systems}/:id/test/`, tags, summary: 'Check connectivity and credentials', params: IdParam, response: ConnectionTest, errors }),
};

export const SyncStarted = z.object({ run: SyncRun });
export const SyncRunList = listOf(SyncRun);
export type SyncRunList = z.infer<typeof SyncRunList>;
export const CatalogChangeList = listOf(CatalogChange);
export type CatalogChangeList = z.infer<typeof CatalogChangeList>;

const syncTags = ['sync'];

export const SyncRoutes = {
  /** 202 with the queued run; 409 `sync_in_progress` (details.run_id) while that system syncs. */
  start: route({
    method: 'POST', path: `${API_BASE}/products/sync/`, tags: syncTags, summary: 'Start a sync run (202); 409 while that system is syncing',
    body: SyncRequest, status: 202, response: SyncStarted, errors,
  }),
  runs: route({ method: 'GET', path: `${API_BASE}/sync-runs/`, tags: syncTags, query: SyncRunListQuery, response: SyncRunList, errors }),
  run: route({ method: 'GET', path: `${API_BASE}/sync-runs/:id/`, tags: syncTags, params: IdParam, response: SyncRun, errors }),
  cancel: route({ method: 'POST', path: `${API_BASE}/sync-runs/:id/cancel/`, tags: syncTags, params: IdParam, response: SyncRun, errors }),
  changes: route({
    method: 'GET', path: `${API_BASE}/catalog-changes/`, tags: syncTags, summary: 'Retirements and re-pricings made by syncs',
    query: CatalogChangeListQuery, response: CatalogChangeList, errors,
  }),
};
