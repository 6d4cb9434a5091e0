import { AudienceRoutes, CampaignRoutes, ProductRoutes, SegmentRoutes, type CampaignAction } from '@lyra/contracts';
import { api, apiUrl, routePath, type BodyOf, type QueryOf } from './client';

const route = CampaignRoutes;

export type CampaignListApiQuery = QueryOf<typeof route.list>;
/** The status actions that take an optional reason (launch has its own route once it exists). */
export type StatusAction = Exclude<CampaignAction, 'launch'>;

export const campaignsApi = {
  list: (query: CampaignListApiQuery, signal?: AbortSignal) => api.call(route.list, { query, signal }),
  get: (id: string, signal?: AbortSignal) => api.call(route.get, { params: { id }, signal }),
  create: (body: BodyOf<typeof route.create>) => api.call(route.create, { body }),
  update: (id: string, body: BodyOf<typeof route.update>) => api.call(route.update, { params: { id }, body }),
  versions: (id: string, signal?: AbortSignal) => api.call(route.versions, { params: { id }, signal }),
  approveVersion: (id: string, version: number) => api.call(route.approveVersion, { params: { id, version } }),
  acknowledge: (id: string) => api.call(route.acknowledge, { params: { id } }),
  preview: (id: string, signal?: AbortSignal) => api.call(route.preview, { params: { id }, body: {}, signal }),
  report: (id: string, signal?: AbortSignal) => api.call(route.report, { params: { id }, signal }),
  action: (id: string, action: StatusAction, reason?: string) =>
    api.call(route[action], { params: { id }, body: reason ? { reason } : {} }),
  /** Starts the launch job (202): the answer's launch_state and launch_done show its progress. */
  launch: (id: string) => api.call(route.launch, { params: { id }, body: {} }),
  /** A plain link: the browser downloads the target list with the session cookie. */
  targetsUrl: (id: string) => apiUrl(routePath(route.targets, { id })),
  /** The builder's live funnel: a definition not saved yet. */
  previewAudience: (body: BodyOf<typeof AudienceRoutes.preview>, signal?: AbortSignal) => api.call(AudienceRoutes.preview, { body, signal }),
  segments: (signal?: AbortSignal) => api.call(SegmentRoutes.list, { query: { limit: 500 }, signal }),
  /** Products a campaign may offer (sellable now, in their validity window, priced). */
  availableProducts: (query: QueryOf<typeof ProductRoutes.available>, signal?: AbortSignal) => api.call(ProductRoutes.available, { query, signal }),
};
