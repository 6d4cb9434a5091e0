import { SegmentRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { SegmentsService } from './segments.service.js';

export function registerSegmentRoutes(app: App, deps: { segments: SegmentsService }) {
  const { segments } = deps;
  const route = SegmentRoutes;

  serve(app, route.list, { config: { access: 'campaigns:read' } }, (req) => segments.list(req.query));

  serve(app, route.create, { config: { access: 'segments:manage' } },
    async (req, reply) => reply.status(201).send(await segments.create(actorOf(req), req.body)));

  serve(app, route.get, { config: { access: 'campaigns:read' } }, (req) => segments.get(req.params.id));

  serve(app, route.update, { config: { access: 'segments:manage' } }, (req) => segments.update(actorOf(req), req.params.id, req.body));

  serve(app, route.remove, { config: { access: 'segments:manage' } }, async (req, reply) => {
    await segments.remove(actorOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}
