import {
  ErrorBody, IdParam, OfferGroup, OfferGroupList, OfferGroupListQuery, OfferGroupMasterBody, OfferMatchResult, ProductLinkBody,
} from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import type { OfferGroupsService } from './offer-groups.service.js';

const tags = ['offer-groups'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function registerOfferGroupRoutes(app: App, deps: { groups: OfferGroupsService }) {
  const { groups } = deps;
  const base = '/api/loyalty/v1/offer-groups';
  const products = '/api/loyalty/v1/products';

  app.get(`${base}/`, {
    config: { access: 'products:read' },
    schema: { tags, summary: 'Offer groups: the records of one offer in several systems, their master and where they disagree', querystring: OfferGroupListQuery, response: { 200: OfferGroupList, ...errors } },
  }, (req) => groups.list(req.query));

  app.post(`${base}/match/`, {
    config: { access: 'offer_groups:manage' },
    schema: { tags, summary: 'Run automatic matching now (it also runs after each sync)', response: { 200: OfferMatchResult, ...errors } },
  }, () => groups.match());

  app.get(`${base}/:id/`, {
    config: { access: 'products:read' },
    schema: { tags, summary: 'Get an offer group', params: IdParam, response: { 200: OfferGroup, ...errors } },
  }, (req) => groups.get(req.params.id));

  app.post(`${base}/:id/confirm/`, {
    config: { access: 'offer_groups:manage' },
    schema: { tags, summary: 'Confirm the group as it is: automatic matching no longer moves its members', params: IdParam, response: { 200: OfferGroup, ...errors } },
  }, (req) => groups.confirm(actorOf(req), req.params.id));

  app.post(`${base}/:id/master/`, {
    config: { access: 'offer_groups:manage' },
    schema: { tags, summary: 'Make one member the master record of the group', params: IdParam, body: OfferGroupMasterBody, response: { 200: OfferGroup, ...errors } },
  }, (req) => groups.setMaster(actorOf(req), req.params.id, req.body.product_id));

  app.post(`${products}/:id/split/`, {
    config: { access: 'offer_groups:manage' },
    schema: { tags, summary: 'Take a product out of its offer group into a group of its own (kept across syncs)', params: IdParam, response: { 200: OfferGroup, ...errors } },
  }, (req) => groups.split(actorOf(req), req.params.id));

  app.post(`${products}/:id/link/`, {
    config: { access: 'offer_groups:manage' },
    schema: { tags, summary: 'Link a product to an offer group, or to the group of another product (kept across syncs)', params: IdParam, body: ProductLinkBody, response: { 200: OfferGroup, ...errors } },
  }, (req) => groups.link(actorOf(req), req.params.id, req.body));
}
