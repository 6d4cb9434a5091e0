import { and, count, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { CatalogChangeListQuery, SyncRunListQuery, SyncStopReason } from '@lyra/contracts';
import type { DbOrTx } from '../../db/client.js';
import { paged } from '../../db/unit-of-work.js';
import { toIso } from '../../lib/time.js';
import { catalogChanges, externalSystems, syncRuns } from '../../db/schema/index.js';

export type SyncRunRow = typeof syncRuns.$inferSelect;
export type NewSyncRunRow = typeof syncRuns.$inferInsert;
export type CatalogChangeRow = typeof catalogChanges.$inferInsert;
type SyncRunWithSystem = SyncRunRow & { systemName: string | null };

const ACTIVE = ['queued', 'running'] as const;

/** Bound to the database or to a unit of work's transaction. */
export function createSyncRunsRepository(db: DbOrTx) {
  /** A run with its system's name (null once the system is deleted). */
  const withSystemName = () =>
    db.select({ run: syncRuns, systemName: externalSystems.name }).from(syncRuns).leftJoin(externalSystems, eq(externalSystems.id, syncRuns.externalSystemId));
  const flatten = (r: { run: SyncRunRow; systemName: string | null }): SyncRunWithSystem => ({ ...r.run, systemName: r.systemName });

  return {
    async insert(values: NewSyncRunRow): Promise<SyncRunRow> {
      const [row] = await db.insert(syncRuns).values(values).returning();
      return row!;
    },
    async findById(id: string): Promise<SyncRunWithSystem | undefined> {
      const [row] = await withSystemName().where(eq(syncRuns.id, id)).limit(1);
      return row && flatten(row);
    },
    async activeFor(systemId: string): Promise<SyncRunRow | undefined> {
      const [row] = await db
        .select()
        .from(syncRuns)
        .where(and(eq(syncRuns.externalSystemId, systemId), inArray(syncRuns.status, [...ACTIVE])))
        .limit(1);
      return row;
    },
    async list(q: SyncRunListQuery): Promise<{ count: number; results: SyncRunWithSystem[] }> {
      const where: SQL[] = [];
      if (q.external_system_id) where.push(eq(syncRuns.externalSystemId, q.external_system_id));
      if (q.external_system) where.push(eq(syncRuns.systemType, q.external_system));
      if (q.status) where.push(eq(syncRuns.status, q.status));
      const cond = where.length ? and(...where) : undefined;
      const page = await paged(
        withSystemName().where(cond).orderBy(desc(syncRuns.createdAt), desc(syncRuns.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(syncRuns).where(cond),
      );
      return { count: page.count, results: page.results.map(flatten) };
    },
    async update(id: string, values: Partial<NewSyncRunRow>): Promise<void> {
      await db.update(syncRuns).set(values).where(eq(syncRuns.id, id));
    },
    /** queued -> running, only once: the worker that wins owns the run. */
    async claim(id: string, owner: string): Promise<SyncRunRow | undefined> {
      const [row] = await db
        .update(syncRuns)
        .set({ status: 'running', owner, startedAt: sql`now()`, heartbeatAt: sql`now()` })
        .where(and(eq(syncRuns.id, id), eq(syncRuns.status, 'queued')))
        .returning();
      return row;
    },
    /** Start of the system's latest run that read its source successfully. */
    async lastSucceededStart(systemId: string): Promise<string | null> {
      const [row] = await db
        .select({ startedAt: syncRuns.startedAt })
        .from(syncRuns)
        .where(and(eq(syncRuns.externalSystemId, systemId), inArray(syncRuns.status, ['succeeded', 'partially_succeeded'])))
        .orderBy(desc(syncRuns.startedAt))
        .limit(1);
      return toIso(row?.startedAt ?? null);
    },

    async requestCancel(id: string): Promise<SyncRunRow | undefined> {
      const [row] = await db
        .update(syncRuns)
        .set({ cancelRequested: true })
        .where(and(eq(syncRuns.id, id), inArray(syncRuns.status, [...ACTIVE])))
        .returning();
      return row;
    },
    async cancelQueued(id: string): Promise<boolean> {
      const rows = await db
        .update(syncRuns)
        .set({ status: 'cancelled', stopReason: 'cancelled' satisfies SyncStopReason, finishedAt: sql`now()`, error: 'cancelled before it started' })
        .where(and(eq(syncRuns.id, id), eq(syncRuns.status, 'queued')))
        .returning({ id: syncRuns.id });
      return rows.length > 0;
    },
    async isCancelRequested(id: string): Promise<boolean> {
      const [row] = await db.select({ c: syncRuns.cancelRequested }).from(syncRuns).where(eq(syncRuns.id, id)).limit(1);
      return row?.c ?? false;
    },
    /**
     * Runs whose process died: any running run when `all` (PGlite has one process, so at start
     * nothing else can be running), else those whose heartbeat is older than the given age.
     */
    async failAbandoned(opts: { all: boolean; staleSeconds: number }): Promise<SyncRunRow[]> {
      const stale = or(lt(syncRuns.heartbeatAt, sql`now() - make_interval(secs => ${opts.staleSeconds})`), sql`${syncRuns.heartbeatAt} is null`);
      return db
        .update(syncRuns)
        .set({
          status: 'failed', stopReason: 'abandoned' satisfies SyncStopReason, finishedAt: sql`now()`,
          error: 'The process running this sync stopped (crash or restart); the catalog keeps what was committed and the next run converges.',
        })
        .where(and(eq(syncRuns.status, 'running'), opts.all ? undefined : stale))
        .returning();
    },
    /** Queued runs older than the given age whose job was lost. */
    async staleQueued(olderThanSeconds: number): Promise<SyncRunRow[]> {
      return db.select().from(syncRuns).where(and(eq(syncRuns.status, 'queued'), lt(syncRuns.createdAt, sql`now() - make_interval(secs => ${olderThanSeconds})`)));
    },
    async insertChanges(rows: CatalogChangeRow[]): Promise<void> {
      if (rows.length) await db.insert(catalogChanges).values(rows);
    },
    async listChanges(q: CatalogChangeListQuery) {
      const where: SQL[] = [];
      if (q.product_id) where.push(eq(catalogChanges.productId, q.product_id));
      if (q.run_id) where.push(eq(catalogChanges.syncRunId, q.run_id));
      const cond = where.length ? and(...where) : undefined;
      return paged(
        db.select().from(catalogChanges).where(cond).orderBy(desc(catalogChanges.createdAt), desc(catalogChanges.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(catalogChanges).where(cond),
      );
    },
  };
}
export type SyncRunsRepository = ReturnType<typeof createSyncRunsRepository>;
