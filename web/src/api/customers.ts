import {
  BillList, CampaignContactList, CustomerList, CustomerProfile, CustomerScoreList, HoldingList, PurchaseList, RecommendedProductList, UsageList,
} from '@lyra/contracts';
import { api, type QueryParams } from './client';

const path = (id: string, sub = '') => `/customers/${encodeURIComponent(id)}/${sub}`;
const page = (limit: number) => ({ limit, offset: 0 });

export const customersApi = {
  list: (query: QueryParams, signal?: AbortSignal) => api.request('/customers/', CustomerList, { query, signal }),
  get: (id: string, signal?: AbortSignal) => api.request(path(id), CustomerProfile, { signal }),
  holdings: (id: string, signal?: AbortSignal) => api.request(path(id, 'holdings/'), HoldingList, { query: page(100), signal }),
  usage: (id: string, signal?: AbortSignal) => api.request(path(id, 'usage/'), UsageList, { query: page(24), signal }),
  bills: (id: string, signal?: AbortSignal) => api.request(path(id, 'bills/'), BillList, { query: page(24), signal }),
  purchases: (id: string, signal?: AbortSignal) => api.request(path(id, 'purchases/'), PurchaseList, { query: page(50), signal }),
  contacts: (id: string, signal?: AbortSignal) => api.request(path(id, 'contacts/'), CampaignContactList, { query: page(50), signal }),
  /** Latest batch score per model; empty until a scoring run has covered the subscriber. */
  scores: (id: string, signal?: AbortSignal) => api.request(path(id, 'scores/'), CustomerScoreList, { signal }),
  /** 409 while propensity_to_buy has no active version. */
  recommendedProducts: (id: string, signal?: AbortSignal) =>
    api.request(path(id, 'recommended-products/'), RecommendedProductList, { query: { limit: 8 }, signal }),
};
