import { AuditRoutes } from '@lyra/contracts';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { AuditService } from './audit.service.js';

export function registerAuditRoutes(app: App, deps: { auditLog: Pick<AuditService, 'list'> }) {
  serve(app, AuditRoutes.list, { config: { access: 'audit:read' } }, (req) => deps.auditLog.list(req.query));
}
