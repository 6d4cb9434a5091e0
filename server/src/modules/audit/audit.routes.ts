import { AuditEntry, AuditQuery, ErrorBody, listOf } from '@lyra/contracts';
import type { App } from '../../http/types.js';
import type { AuditRepository } from './audit.repository.js';

export function registerAuditRoutes(app: App, deps: { audit: Pick<AuditRepository, 'list'> }) {
  app.get('/api/loyalty/v1/audit-log/', {
    config: { access: 'audit:read' },
    schema: { tags: ['audit'], summary: 'Who changed what, when, with before/after', querystring: AuditQuery, response: { 200: listOf(AuditEntry), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } },
  }, (req) => deps.audit.list(req.query));
}
