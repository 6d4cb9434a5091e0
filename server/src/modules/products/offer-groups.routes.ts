import { OfferGroupRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { OfferGroupsService } from './offer-groups.service.js';

export function registerOfferGroupRoutes(app: App, deps: { groups: OfferGroupsService }) {
  const { groups } = deps;
  const route = OfferGroupRoutes;

  serve(app, route.list, { config: { access: 'products:read' } }, (req) => groups.list(req.query));
  serve(app, route.match, { config: { access: 'offer_groups:manage' } }, () => groups.match());
  serve(app, route.get, { config: { access: 'products:read' } }, (req) => groups.get(req.params.id));
  serve(app, route.confirm, { config: { access: 'offer_groups:manage' } }, (req) => groups.confirm(actorOf(req), req.params.id));
  serve(app, route.setMaster, { config: { access: 'offer_groups:manage' } }, (req) => groups.setMaster(actorOf(req), req.params.id, req.body.product_id));
  serve(app, route.split, { config: { access: 'offer_groups:manage' } }, (req) => groups.split(actorOf(req), req.params.id));
  serve(app, route.link, { config: { access: 'offer_groups:manage' } }, (req) => groups.link(actorOf(req), req.params.id, req.body));
}
