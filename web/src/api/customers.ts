import { CustomerRoutes, MlRoutes } from '@lyra/contracts';
import { api, type QueryOf } from './client';

const route = CustomerRoutes;
const firstPage = (limit: number) => ({ limit, offset: 0 });

export type CustomerListApiQuery = QueryOf<typeof CustomerRoutes.list>;

export const customersApi = {
  list: (query: CustomerListApiQuery, signal?: AbortSignal) => api.call(route.list, { query, signal }),
  get: (id: string, signal?: AbortSignal) => api.call(route.get, { params: { id }, signal }),
  holdings: (id: string, signal?: AbortSignal) => api.call(route.holdings, { params: { id }, query: firstPage(100), signal }),
  usage: (id: string, signal?: AbortSignal) => api.call(route.usage, { params: { id }, query: firstPage(24), signal }),
  bills: (id: string, signal?: AbortSignal) => api.call(route.bills, { params: { id }, query: firstPage(24), signal }),
  purchases: (id: string, signal?: AbortSignal) => api.call(route.purchases, { params: { id }, query: firstPage(50), signal }),
  contacts: (id: string, signal?: AbortSignal) => api.call(route.contacts, { params: { id }, query: firstPage(50), signal }),
  /** Latest batch score per model; empty until a scoring run has covered the subscriber. */
  scores: (id: string, signal?: AbortSignal) => api.call(MlRoutes.customerScores, { params: { id }, signal }),
  /** 409 while propensity_to_buy has no active version. */
  recommendedProducts: (id: string, signal?: AbortSignal) => api.call(MlRoutes.recommendedProducts, { params: { id }, query: { limit: 8 }, signal }),
};
