import { z } from 'zod';
import {
  CatalogChange, CatalogChangeListQuery, ConnectionTest, ErrorBody, ExternalSystem, ExternalSystemCreate, ExternalSystemPatch, IdParam, listOf,
  SyncRequest, SyncRun, SyncRunListQuery,
} from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import type { ExternalSystemsService } from './external-systems.service.js';
import type { SyncService } from './sync.service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const api = '/api/loyalty/v1';

export function registerCatalogSyncRoutes(app: App, deps: { systems: ExternalSystemsService; sync: SyncService }) {
  const { systems, sync } = deps;
  const tags = ['external systems'];
  const base = `${api}/external-systems`;

  app.get(`${base}/`, { config: { access: 'systems:read' }, schema: { tags, summary: 'External systems (secrets masked)', response: { 200: listOf(ExternalSystem), ...errors } } },
    async () => {
      const results = await systems.list();
      return { count: results.length, results };
    });
  app.post(`${base}/`, { config: { access: 'systems:manage' }, schema: { tags, body: ExternalSystemCreate, response: { 201: ExternalSystem, ...errors } } },
    async (req, reply) => reply.status(201).send(await systems.create(actorOf(req), req.body)));
  app.get(`${base}/:id/`, { config: { access: 'systems:read' }, schema: { tags, params: IdParam, response: { 200: ExternalSystem, ...errors } } },
    (req) => systems.get(req.params.id));
  app.patch(`${base}/:id/`, { config: { access: 'systems:manage' }, schema: { tags, params: IdParam, body: ExternalSystemPatch, response: { 200: ExternalSystem, ...errors } } },
    (req) => systems.update(actorOf(req), req.params.id, req.body));
  app.put(`${base}/:id/`, { config: { access: 'systems:manage' }, schema: { tags, params: IdParam, body: ExternalSystemCreate, response: { 200: ExternalSystem, ...errors } } },
    (req) => systems.update(actorOf(req), req.params.id, req.body));
  app.delete(`${base}/:id/`, { config: { access: 'systems:manage' }, schema: { tags, params: IdParam, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await systems.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    });
  app.post(`${base}/:id/test/`, { config: { access: 'systems:manage' }, schema: { tags, summary: 'Check connectivity and credentials', params: IdParam, response: { 200: ConnectionTest, ...errors } } },
    (req) => systems.test(req.params.id));

  const syncTags = ['sync'];
  app.post(`${api}/products/sync/`, {
    config: { access: 'sync:run' },
    schema: { tags: syncTags, summary: 'Start a sync run (202); 409 while that system is syncing', body: SyncRequest, response: { 202: z.object({ run: SyncRun }), ...errors } },
  }, async (req, reply) => reply.status(202).send({ run: await sync.start(actorOf(req), req.body) }));

  app.get(`${api}/sync-runs/`, { config: { access: 'sync:read' }, schema: { tags: syncTags, querystring: SyncRunListQuery, response: { 200: listOf(SyncRun), ...errors } } },
    (req) => sync.list(req.query));
  app.get(`${api}/sync-runs/:id/`, { config: { access: 'sync:read' }, schema: { tags: syncTags, params: IdParam, response: { 200: SyncRun, ...errors } } },
    (req) => sync.get(req.params.id));
  app.post(`${api}/sync-runs/:id/cancel/`, { config: { access: 'sync:run' }, schema: { tags: syncTags, params: IdParam, response: { 200: SyncRun, ...errors } } },
    (req) => sync.cancel(actorOf(req), req.params.id));

  app.get(`${api}/catalog-changes/`, {
    config: { access: 'products:read' },
    schema: { tags: syncTags, summary: 'Retirements and re-pricings made by syncs', querystring: CatalogChangeListQuery, response: { 200: listOf(CatalogChange), ...errors } },
  }, (req) => sync.changes(req.query));
}
