import { CampaignRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { CampaignsService } from './campaigns.service.js';

export function registerCampaignRoutes(app: App, deps: { campaigns: CampaignsService }) {
  const { campaigns } = deps;
  const route = CampaignRoutes;

  serve(app, route.list, { config: { access: 'campaigns:read' } }, (req) => campaigns.list(req.query));

  serve(app, route.create, { config: { access: 'campaigns:write' } },
    async (req, reply) => reply.status(201).send(await campaigns.create(actorOf(req), req.body)));

  serve(app, route.get, { config: { access: 'campaigns:read' } }, (req) => campaigns.get(req.params.id));

  serve(app, route.update, { config: { access: 'campaigns:write' } }, (req) => campaigns.update(actorOf(req), req.params.id, req.body));

  serve(app, route.versions, { config: { access: 'campaigns:read' } }, (req) => campaigns.versions(req.params.id));

  serve(app, route.approveVersion, { config: { access: 'campaigns:approve' } },
    (req) => campaigns.approveVersion(actorOf(req), req.params.id, req.params.version));

  serve(app, route.acknowledge, { config: { access: 'campaigns:write' } }, (req) => campaigns.acknowledge(actorOf(req), req.params.id));

  serve(app, route.submit, { config: { access: 'campaigns:write' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'submit', req.body ?? {}));
  serve(app, route.approve, { config: { access: 'campaigns:approve' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'approve', req.body ?? {}));
  serve(app, route.reject, { config: { access: 'campaigns:approve' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'reject', req.body ?? {}));
  serve(app, route.pause, { config: { access: 'campaigns:write' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'pause', req.body ?? {}));
  serve(app, route.resume, { config: { access: 'campaigns:write' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'resume', req.body ?? {}));
  serve(app, route.complete, { config: { access: 'campaigns:write' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'complete', req.body ?? {}));
  serve(app, route.cancel, { config: { access: 'campaigns:write' } }, (req) => campaigns.act(actorOf(req), req.params.id, 'cancel', req.body ?? {}));
}
