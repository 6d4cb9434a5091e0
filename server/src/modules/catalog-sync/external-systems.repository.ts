import { and, asc, count, desc, eq, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { catalogChanges, externalSystems, products, syncRuns } from '../../db/schema/index.js';
import { retiredColumns } from './sync-products.repository.js';

export type ExternalSystemRow = typeof externalSystems.$inferSelect;
export type NewExternalSystemRow = typeof externalSystems.$inferInsert;
export interface ProductCounts { live: number; retired: number }
export interface LastRun { id: string; status: string; mode: string | null; stopReason: string | null; finishedAt: string | null; createdAt: string }

/** Bound to the database or to a unit of work's transaction. */
export function createExternalSystemsRepository(db: DbOrTx) {
  return {
    async list(): Promise<ExternalSystemRow[]> {
      return db.select().from(externalSystems).orderBy(asc(externalSystems.name));
    },
    async findById(id: string): Promise<ExternalSystemRow | undefined> {
      const [row] = await db.select().from(externalSystems).where(eq(externalSystems.id, id)).limit(1);
      return row;
    },
    /** Every system of a type (an operator may connect several), by name. */
    async listByType(systemType: string): Promise<ExternalSystemRow[]> {
      return db.select().from(externalSystems).where(eq(externalSystems.systemType, systemType)).orderBy(asc(externalSystems.name));
    },
    async insert(values: NewExternalSystemRow): Promise<ExternalSystemRow> {
      const [row] = await db.insert(externalSystems).values(values).returning();
      return row!;
    },
    async update(id: string, values: Partial<NewExternalSystemRow>): Promise<ExternalSystemRow | undefined> {
      const [row] = await db.update(externalSystems).set({ ...values, updatedAt: sql`now()` }).where(eq(externalSystems.id, id)).returning();
      return row;
    },
    /**
     * Retires the system's live products, each recorded as a catalog change: no sync will ever
     * confirm or retire them again (products are keyed by their system, and a system added later
     * is another one), so they must stop being offered. Kept, never deleted, for history and campaigns.
     */
    async retireProductsOf(id: string, reason: string): Promise<number> {
      const retired = await db
        .update(products)
        .set(retiredColumns(reason))
        .where(and(eq(products.externalSystemId, id), isNull(products.retiredAt)))
        .returning({ id: products.id, price: products.price, currency: products.currency, name: products.name });
      for (let i = 0; i < retired.length; i += 1000) {
        await db.insert(catalogChanges).values(retired.slice(i, i + 1000).map((r) => ({
          productId: r.id, externalSystemId: id, changeType: 'retired', before: { price: r.price, currency: r.currency, name: r.name }, after: { reason },
        })));
      }
      return retired.length;
    },
    async remove(id: string): Promise<boolean> {
      return (await db.delete(externalSystems).where(eq(externalSystems.id, id)).returning({ id: externalSystems.id })).length > 0;
    },
    /** Per system: products still in the catalog, and those retired (kept for history and campaigns). */
    async productCounts(): Promise<Record<string, ProductCounts>> {
      // count(column) counts the non-null values: here, the retired products.
      const rows = await db
        .select({ id: products.externalSystemId, all: count(), retired: count(products.retiredAt) })
        .from(products)
        .where(isNotNull(products.externalSystemId))
        .groupBy(products.externalSystemId);
      return Object.fromEntries(rows.map((r) => [r.id!, { live: r.all - r.retired, retired: r.retired }]));
    },
    async lastRuns(): Promise<Record<string, LastRun>> {
      const rows = await db
        .selectDistinctOn([syncRuns.externalSystemId], {
          systemId: syncRuns.externalSystemId, id: syncRuns.id, status: syncRuns.status, mode: syncRuns.mode, stopReason: syncRuns.stopReason,
          finishedAt: syncRuns.finishedAt, createdAt: syncRuns.createdAt,
        })
        .from(syncRuns)
        .orderBy(syncRuns.externalSystemId, desc(syncRuns.createdAt));
      return Object.fromEntries(rows.map((r) => [r.systemId, r]));
    },
    /** Active scheduled systems whose next slot has come. */
    async due(now: Date): Promise<ExternalSystemRow[]> {
      return db
        .select()
        .from(externalSystems)
        .where(and(eq(externalSystems.isActive, true), isNotNull(externalSystems.nextRunAt), lte(externalSystems.nextRunAt, now.toISOString())));
    },
    /**
     * Moves a system's next slot forward only if nobody else did: the instance whose update wins
     * owns that slot, so a scheduled run happens once however many instances tick.
     */
    async claimSlot(id: string, expectedNextRunAt: string, newNextRunAt: string | null): Promise<boolean> {
      const rows = await db
        .update(externalSystems)
        .set({ nextRunAt: newNextRunAt })
        .where(and(eq(externalSystems.id, id), eq(externalSystems.nextRunAt, expectedNextRunAt)))
        .returning({ id: externalSystems.id });
      return rows.length > 0;
    },
  };
}
export type ExternalSystemsRepository = ReturnType<typeof createExternalSystemsRepository>;
