import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';
import { externalSystems, mlModelVersions, mlScoringRuns, syncRuns } from '../db/schema/index.js';

/**
 * What the metrics read from the database at scrape time. The rows other modules write (sync runs,
 * scoring runs, model versions, pg-boss jobs) already hold the numbers an operator watches, so the
 * modules need no counters of their own, and every instance answers the same for a shared database.
 */
export interface SyncRunCount { system: string; systemType: string; status: string; runs: number }
export interface SyncItemCount { system: string; systemType: string; outcome: string; items: number }
export interface SyncLastSuccess { system: string; systemType: string; seconds: number }
export interface ScoringRunCount { model: string; status: string; runs: number; rows: number }
export interface LastScoringRun { model: string; version: number; rows: number; seconds: number }
export interface ModelPsi { model: string; version: number; psi: number }
export interface QueueDepth { queue: string; queued: number; active: number }

/** pg-boss's schema: the runner opens pg-boss with its default. */
const PGBOSS_SCHEMA = 'pgboss';

const num = (v: unknown) => Number(v ?? 0);

export function createMetricsRepository(database: Database) {
  const { db } = database;
  return {
    /** Runs by system and status; a deleted system's runs go with it (cascade). */
    async syncRuns(): Promise<SyncRunCount[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select s.name as system, r.system_type, r.status, count(*)::int as runs
        from ${syncRuns} r join ${externalSystems} s on s.id = r.external_system_id
        group by 1, 2, 3 order by 1, 2, 3`));
      return rows.map((r) => ({ system: String(r.system), systemType: String(r.system_type), status: String(r.status), runs: num(r.runs) }));
    },

    /** Items by outcome (each key of the runs' counts: created, updated, retired...), summed over every run. */
    async syncItems(): Promise<SyncItemCount[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select s.name as system, r.system_type, c.key as outcome, sum(c.value::float8) as items
        from ${syncRuns} r join ${externalSystems} s on s.id = r.external_system_id
        cross join lateral jsonb_each_text(r.counts) c
        group by 1, 2, 3 order by 1, 2, 3`));
      return rows.map((r) => ({ system: String(r.system), systemType: String(r.system_type), outcome: String(r.outcome), items: num(r.items) }));
    },

    async syncLastSuccess(): Promise<SyncLastSuccess[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select name as system, system_type, extract(epoch from last_success_at)::float8 as seconds
        from ${externalSystems} where last_success_at is not null order by 1`));
      return rows.map((r) => ({ system: String(r.system), systemType: String(r.system_type), seconds: num(r.seconds) }));
    },

    /** Scoring runs by model and status, with the rows the succeeded ones scored. */
    async scoringRuns(): Promise<ScoringRunCount[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select model_name as model, status, count(*)::int as runs, coalesce(sum(scored) filter (where status = 'succeeded'), 0)::float8 as rows
        from ${mlScoringRuns} group by 1, 2 order by 1, 2`));
      return rows.map((r) => ({ model: String(r.model), status: String(r.status), runs: num(r.runs), rows: num(r.rows) }));
    },

    /** Per model, its newest succeeded scoring run: rows scored and the seconds it took. */
    async lastScoringRuns(): Promise<LastScoringRun[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select distinct on (model_name) model_name as model, version, scored as rows,
          extract(epoch from finished_at - started_at)::float8 as seconds
        from ${mlScoringRuns}
        where status = 'succeeded' and started_at is not null and finished_at is not null
        order by model_name, finished_at desc, id desc`));
      return rows.map((r) => ({ model: String(r.model), version: num(r.version), rows: num(r.rows), seconds: num(r.seconds) }));
    },

    /**
     * Per model, the PSI of its active version's newest succeeded run that measured one: the
     * stability the console shows with the version.
     */
    async activeModelPsi(): Promise<ModelPsi[]> {
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select distinct on (v.model_name) v.model_name as model, v.version, r.psi
        from ${mlModelVersions} v join ${mlScoringRuns} r on r.model_version_id = v.id
        where v.is_active and r.status = 'succeeded' and r.psi is not null
        order by v.model_name, r.finished_at desc, r.id desc`));
      return rows.map((r) => ({ model: String(r.model), version: num(r.version), psi: num(r.psi) }));
    },

    /**
     * Per queue, jobs waiting (pg-boss's getQueueSize: states before `active`, i.e. created and
     * retry) and jobs being worked. One query for every queue, rather than getQueueSize per queue,
     * and it needs no pg-boss instance: an API-only instance reports the same. Empty until pg-boss
     * has created its schema. pg-boss's own queues (__pgboss__*) are its plumbing, not Lyra's work.
     */
    async queueDepths(): Promise<QueueDepth[]> {
      const present = rowsOf<{ present: boolean }>(await db.execute(sql`select to_regclass(${`${PGBOSS_SCHEMA}.queue`}) is not null as present`));
      if (!present[0]?.present) return [];
      const q = sql.identifier(PGBOSS_SCHEMA);
      const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
        select q.name as queue,
          count(j.id) filter (where j.state < 'active')::int as queued,
          count(j.id) filter (where j.state = 'active')::int as active
        from ${q}.queue q left join ${q}.job j on j.name = q.name and j.state <= 'active'
        where not starts_with(q.name, '__pgboss__')
        group by q.name order by q.name`));
      return rows.map((r) => ({ queue: String(r.queue), queued: num(r.queued), active: num(r.active) }));
    },
  };
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>;
