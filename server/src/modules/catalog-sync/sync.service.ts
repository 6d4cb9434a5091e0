import type { CatalogChange, CatalogChangeListQuery, SyncRequest, SyncRun, SyncRunListQuery } from '@lyra/contracts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import type { JobQueue } from '../../jobs/job.js';
import { AppError } from '../../lib/errors.js';
import type { LogFn } from '../../lib/log.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { catalogSyncJob } from './catalog-sync.jobs.js';
import { toCatalogChange, toSyncRun } from './catalog-sync.mapper.js';
import type { SyncMode } from './connectors/types.js';
import type { ExternalSystemRow, ExternalSystemsRepository } from './external-systems.repository.js';
import { nextRunAfter } from './schedule.js';
import { quotedNames } from './system-ref.js';
import type { SyncRunsRepository } from './sync-runs.repository.js';

interface SyncServiceDeps {
  runs: Pick<SyncRunsRepository, 'activeFor' | 'findById' | 'list' | 'listChanges' | 'failAbandoned' | 'staleQueued'>;
  systems: Pick<ExternalSystemsRepository, 'findById' | 'listByType' | 'due' | 'claimSlot'>;
  /** Jobs sent outside a transaction: lost runs queued again by `recover`. */
  jobs: JobQueue;
  /** A run is written with its audit entry and its job; a cancellation with its audit entry. */
  uow: UnitOfWork<{ runs: Pick<SyncRunsRepository, 'insert' | 'cancelQueued' | 'requestCancel'>; audit: Pick<AuditRepository, 'record'>; jobs: JobQueue }>;
  clock?: () => Date;
  log?: LogFn;
}

export function createSyncService(deps: SyncServiceDeps) {
  const { runs, systems, jobs, uow } = deps;
  const now = deps.clock ?? (() => new Date());
  const log = deps.log ?? (() => undefined);

  const alreadySyncing = (system: ExternalSystemRow, activeRunId: string | undefined) =>
    AppError.conflict(`${system.name} is already syncing`, 'sync_in_progress', { run_id: activeRunId ?? null });

  /**
   * Inserts the run (the partial unique index refuses a second active run per system), its audit
   * entry and its job in one transaction, so a run row never exists without its job. `enqueue:
   * false` is for callers that execute the run themselves (the command line, the demo's start-up).
   */
  async function createRun(system: ExternalSystemRow, opts: { trigger: 'manual' | 'schedule'; mode: SyncMode; force: boolean; actor: Actor; enqueue?: boolean }) {
    try {
      return await uow.transaction(async (tx) => {
        const run = await tx.runs.insert({
          externalSystemId: system.id, systemType: system.systemType, status: 'queued', trigger: opts.trigger,
          requestedMode: opts.mode, force: opts.force, requestedBy: opts.actor.email,
        });
        await tx.audit.record(opts.actor, { action: 'sync', entityType: 'external_system', entityId: system.id, after: { run_id: run.id, mode: opts.mode, force: opts.force, trigger: opts.trigger } });
        // Without a job queue on this instance the send answers 503 jobs_unavailable and the run is rolled back.
        if (opts.enqueue !== false) await tx.jobs.send(catalogSyncJob, { runId: run.id });
        return run;
      });
    } catch (err) {
      // The refused insert aborted the transaction (PostgreSQL answers nothing more in it): the
      // active run is looked up once it has rolled back.
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw alreadySyncing(system, (await runs.activeFor(system.id))?.id);
      throw err;
    }
  }

  /**
   * `external_system` names a type: it designates a system only while that type has one. With
   * several (prepaid and postpaid billing), the caller must give `external_system_id`.
   */
  async function onlySystemOfType(type: string): Promise<ExternalSystemRow> {
    const ofType = await systems.listByType(type);
    if (ofType.length === 1) return ofType[0]!;
    throw AppError.validation({
      external_system: [ofType.length === 0
        ? `no ${type} system is configured`
        : `${ofType.length} ${type} systems are configured (${quotedNames(ofType)}); give external_system_id to choose one`],
    });
  }

  /** A scheduled run is full every `full_sync_every` runs, incremental otherwise. */
  const scheduledMode = (s: ExternalSystemRow): SyncMode => (!s.cursor || s.runsSinceFull + 1 >= s.fullSyncEvery ? 'full' : 'incremental');

  return {
    /** `inline`: the caller executes the run itself (the command-line sync) instead of the job queue. */
    async start(actor: Actor, req: SyncRequest, opts: { inline?: boolean } = {}): Promise<SyncRun> {
      const system = req.external_system_id ? await systems.findById(req.external_system_id) : await onlySystemOfType(req.external_system!);
      if (!system) throw AppError.validation({ external_system_id: ['no such external system'] });
      if (!system.isActive) throw AppError.conflict(`${system.name} is inactive; activate it before syncing`, 'system_inactive');
      const run = await createRun(system, { trigger: 'manual', mode: req.mode ?? 'full', force: req.force, actor, enqueue: !opts.inline });
      return toSyncRun({ ...run, systemName: system.name });
    },

    async list(q: SyncRunListQuery): Promise<{ count: number; results: SyncRun[] }> {
      const { count, results } = await runs.list(q);
      return { count, results: results.map(toSyncRun) };
    },

    /** Retirements, re-pricings and reactivations made by syncs: what campaigns offering those products must react to. */
    async changes(q: CatalogChangeListQuery): Promise<{ count: number; results: CatalogChange[] }> {
      const { count, results } = await runs.listChanges(q);
      return { count, results: results.map(toCatalogChange) };
    },

    async get(id: string): Promise<SyncRun> {
      const row = await runs.findById(id);
      if (!row) throw AppError.notFound('Sync run');
      return toSyncRun(row);
    },

    async cancel(actor: Actor, id: string): Promise<SyncRun> {
      const row = await runs.findById(id);
      if (!row) throw AppError.notFound('Sync run');
      if (!['queued', 'running'].includes(row.status)) throw AppError.conflict(`This run has already ${row.status === 'cancelled' ? 'been cancelled' : 'finished'}`, 'not_running');
      await uow.transaction(async (tx) => {
        // A queued run is cancelled at once; a running one is told to stop by its next heartbeat.
        if (!(await tx.runs.cancelQueued(id))) await tx.runs.requestCancel(id);
        await tx.audit.record(actor, { action: 'update', entityType: 'sync_run', entityId: id, after: { cancel_requested: true } });
      });
      return toSyncRun((await runs.findById(id))!);
    },

    /**
     * The scheduler tick (a pg-boss cron job, so one instance runs it per minute): each due system
     * gets one run, and its next slot moves to the first slot after now, so a slot missed while
     * Lyra was down runs once, not once per missed slot.
     */
    async tick(actor: Actor): Promise<string[]> {
      const started: string[] = [];
      for (const system of await systems.due(now())) {
        const next = nextRunAfter({ syncFrequency: system.syncFrequency, syncIntervalDays: system.syncIntervalDays, syncCron: system.syncCron }, now(), system.nextRunAt ? new Date(system.nextRunAt) : null);
        const claimed = await systems.claimSlot(system.id, system.nextRunAt!, next?.toISOString() ?? null);
        if (!claimed) continue;
        try {
          const run = await createRun(system, { trigger: 'schedule', mode: scheduledMode(system), force: false, actor });
          started.push(run.id);
          log('scheduled sync queued', { system: system.name, runId: run.id });
        } catch (err) {
          // Still syncing from the previous slot: this slot is skipped, the next one is already set.
          log('scheduled sync skipped', { system: system.name, reason: (err as Error).message }, 'warn');
        }
      }
      return started;
    },

    /**
     * On start and every minute: runs left running by a dead process are marked failed; queued runs
     * whose job was lost are queued again (an instance without a job queue leaves them for one that has).
     */
    async recover(opts: { singleProcess: boolean }): Promise<{ failed: number; requeued: number }> {
      const failed = await runs.failAbandoned({ all: opts.singleProcess, staleSeconds: 90 });
      let requeued = 0;
      try {
        for (const r of await runs.staleQueued(opts.singleProcess ? 0 : 120)) {
          await jobs.send(catalogSyncJob, { runId: r.id });
          requeued++;
        }
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'jobs_unavailable')) throw err;
      }
      return { failed: failed.length, requeued };
    },
  };
}
export type SyncService = ReturnType<typeof createSyncService>;
