import { AuditEntry, listOf } from '@lyra/contracts';
import { api, type QueryParams } from './client';

const AuditList = listOf(AuditEntry);

export const auditApi = {
  list: (query: QueryParams, signal?: AbortSignal) => api.request('/audit-log/', AuditList, { query, signal }),
};
