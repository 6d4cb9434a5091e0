import { OfferGroup, OfferGroupList } from '@lyra/contracts';
import { api, type QueryParams } from './client';

const enc = encodeURIComponent;

/** Offer groups: the records of one offer in several systems. Changes are admin-only. */
export const offerGroupsApi = {
  list: (query: QueryParams = {}, signal?: AbortSignal) => api.request('/offer-groups/', OfferGroupList, { query, signal }),
  get: (id: string) => api.request(`/offer-groups/${enc(id)}/`, OfferGroup),
  confirm: (id: string) => api.request(`/offer-groups/${enc(id)}/confirm/`, OfferGroup, { method: 'POST', json: {} }),
  setMaster: (id: string, productId: string) => api.request(`/offer-groups/${enc(id)}/master/`, OfferGroup, { method: 'POST', json: { product_id: productId } }),
  split: (productId: string) => api.request(`/products/${enc(productId)}/split/`, OfferGroup, { method: 'POST', json: {} }),
  link: (productId: string, target: { group_id: string } | { product_id: string }) =>
    api.request(`/products/${enc(productId)}/link/`, OfferGroup, { method: 'POST', json: target }),
};
