import { AuditRoutes } from '@lyra/contracts';
import { api, type QueryOf } from './client';

export type AuditApiQuery = QueryOf<typeof AuditRoutes.list>;

export const auditApi = {
  list: (query: AuditApiQuery, signal?: AbortSignal) => api.call(AuditRoutes.list, { query, signal }),
};
