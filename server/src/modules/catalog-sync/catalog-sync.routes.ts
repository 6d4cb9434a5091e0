import { ExternalSystemRoutes, SyncRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { ExternalSystemsService } from './external-systems.service.js';
import type { SyncService } from './sync.service.js';

export function registerCatalogSyncRoutes(app: App, deps: { systems: ExternalSystemsService; sync: SyncService }) {
  const { systems, sync } = deps;
  const route = ExternalSystemRoutes;

  serve(app, route.list, { config: { access: 'systems:read' } }, async () => {
    const results = await systems.list();
    return { count: results.length, results };
  });
  serve(app, route.create, { config: { access: 'systems:manage' } }, async (req, reply) => reply.status(201).send(await systems.create(actorOf(req), req.body)));
  serve(app, route.get, { config: { access: 'systems:read' } }, (req) => systems.get(req.params.id));
  serve(app, route.patch, { config: { access: 'systems:manage' } }, (req) => systems.update(actorOf(req), req.params.id, req.body));
  serve(app, route.replace, { config: { access: 'systems:manage' } }, (req) => systems.update(actorOf(req), req.params.id, req.body));
  serve(app, route.remove, { config: { access: 'systems:manage' } }, async (req, reply) => {
    await systems.remove(actorOf(req), req.params.id);
    return reply.status(204).send(null);
  });
  serve(app, route.test, { config: { access: 'systems:manage' } }, (req) => systems.test(req.params.id));

  serve(app, SyncRoutes.start, { config: { access: 'sync:run' } }, async (req, reply) => reply.status(202).send({ run: await sync.start(actorOf(req), req.body) }));
  serve(app, SyncRoutes.runs, { config: { access: 'sync:read' } }, (req) => sync.list(req.query));
  serve(app, SyncRoutes.run, { config: { access: 'sync:read' } }, (req) => sync.get(req.params.id));
  serve(app, SyncRoutes.cancel, { config: { access: 'sync:run' } }, (req) => sync.cancel(actorOf(req), req.params.id));
  serve(app, SyncRoutes.changes, { config: { access: 'products:read' } }, (req) => sync.changes(req.query));
}
