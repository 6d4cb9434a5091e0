import type { AuditEntry } from '@lyra/contracts';
import type { AuditQuery, AuditRepository } from './audit.repository.js';

/** The audit log as the API reads it; entries are written by each module inside its own unit of work. */
export function createAuditService(deps: { audit: Pick<AuditRepository, 'list'> }) {
  return {
    list: (q: AuditQuery): Promise<{ count: number; results: AuditEntry[] }> => deps.audit.list(q),
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
