import { AuditRoutes } from '@lyra/contracts';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { AuditRepository } from './audit.repository.js';

export function registerAuditRoutes(app: App, deps: { audit: Pick<AuditRepository, 'list'> }) {
  serve(app, AuditRoutes.list, { config: { access: 'audit:read' } }, (req) => deps.audit.list(req.query));
}
