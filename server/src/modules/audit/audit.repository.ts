import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import type { AuditEntry } from '@lyra/contracts';
import type { DbOrTx } from '../../db/client.js';
import { paged } from '../../db/unit-of-work.js';
import { auditLog } from '../../db/schema/index.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';

export interface AuditRecord {
  action: AuditEntry['action'];
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditQuery {
  entity_type?: string | undefined;
  entity_id?: string | undefined;
  actor_id?: string | undefined;
  action?: string | undefined;
  limit: number;
  offset: number;
}

/**
 * Bound to the database or to a unit of work's transaction: built inside `transaction(fn)`, the
 * entry commits together with the change it records.
 */
export function createAuditRepository(db: DbOrTx) {
  return {
    async record(actor: Actor, entry: AuditRecord): Promise<void> {
      await db.insert(auditLog).values({
        actorId: actor.id === SYSTEM_ACTOR.id ? null : actor.id,
        actorEmail: actor.email,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        before: entry.before ?? null,
        after: entry.after ?? null,
        requestId: actor.requestId,
      });
    },

    async list(q: AuditQuery): Promise<{ count: number; results: AuditEntry[] }> {
      const where: SQL[] = [];
      if (q.entity_type) where.push(eq(auditLog.entityType, q.entity_type));
      if (q.entity_id) where.push(eq(auditLog.entityId, q.entity_id));
      if (q.actor_id) where.push(eq(auditLog.actorId, q.actor_id));
      if (q.action) where.push(eq(auditLog.action, q.action));
      const cond = where.length ? and(...where) : undefined;
      const page = await paged(
        db.select().from(auditLog).where(cond).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(auditLog).where(cond),
      );
      return {
        count: page.count,
        results: page.results.map((r) => ({
          id: r.id,
          at: new Date(r.at).toISOString(),
          actor_id: r.actorId,
          actor_email: r.actorEmail,
          action: r.action as AuditEntry['action'],
          entity_type: r.entityType,
          entity_id: r.entityId,
          before: r.before ?? null,
          after: r.after ?? null,
          request_id: r.requestId,
        })),
      };
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
