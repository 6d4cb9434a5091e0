import type { AuditApiQuery } from '../../api/audit';
import type { RouteQuery } from '../products/product-query';

export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'login', 'logout', 'activate', 'sync', 'import'] as const;
export const AUDIT_PAGE_SIZE = 25;

/** The filters in the URL; a filter the user removed is undefined. */
export interface AuditListState {
  entity_type?: string | undefined;
  entity_id?: string | undefined;
  action?: string | undefined;
  page: number;
}

const first = (v: RouteQuery[string]): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() ? s.trim() : undefined;
};

export function parseAuditQuery(q: RouteQuery): AuditListState {
  const state: AuditListState = { page: 1 };
  const entityType = first(q.entity_type);
  if (entityType && /^[a-z_]{1,64}$/.test(entityType)) state.entity_type = entityType;
  const entityId = first(q.entity_id);
  if (entityId && entityId.length <= 200) state.entity_id = entityId;
  const action = first(q.action);
  if (action && (AUDIT_ACTIONS as readonly string[]).includes(action)) state.action = action;
  const page = Number(first(q.page));
  if (Number.isInteger(page) && page > 1) state.page = page;
  return state;
}

export function auditToRouteQuery(s: AuditListState): Record<string, string> {
  const q: Record<string, string> = {};
  if (s.entity_type) q.entity_type = s.entity_type;
  if (s.entity_id) q.entity_id = s.entity_id;
  if (s.action) q.action = s.action;
  if (s.page > 1) q.page = String(s.page);
  return q;
}

export function auditToApiQuery(s: AuditListState): AuditApiQuery {
  return {
    entity_type: s.entity_type,
    entity_id: s.entity_id,
    action: s.action,
    limit: AUDIT_PAGE_SIZE,
    offset: (s.page - 1) * AUDIT_PAGE_SIZE,
  };
}
