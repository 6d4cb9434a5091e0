import { OfferGroupRoutes } from '@lyra/contracts';
import { api, type BodyOf, type QueryOf } from './client';

const route = OfferGroupRoutes;

/** Offer groups: the records of one offer in several systems. Changes are admin-only. */
export const offerGroupsApi = {
  list: (query: QueryOf<typeof route.list> = {}, signal?: AbortSignal) => api.call(route.list, { query, signal }),
  get: (id: string) => api.call(route.get, { params: { id } }),
  confirm: (id: string) => api.call(route.confirm, { params: { id } }),
  setMaster: (id: string, productId: string) => api.call(route.setMaster, { params: { id }, body: { product_id: productId } }),
  split: (productId: string) => api.call(route.split, { params: { id: productId } }),
  link: (productId: string, target: BodyOf<typeof route.link>) => api.call(route.link, { params: { id: productId }, body: target }),
};
