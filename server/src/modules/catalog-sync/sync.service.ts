import type { CatalogChange, CatalogChangeListQuery, SyncRequest, SyncRun, SyncRunListQuery } from '@lyra/contracts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import { AppError } from '../../lib/errors.js';
import type { LogFn } from '../../lib/log.js';
import type { LegacyAudit } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { toCatalogChange, toSyncRun } from './catalog-sync.mapper.js';
import type { SyncMode } from './connectors/types.js';
import type { ExternalSystemRow, ExternalSystemsRepository } from './external-systems.repository.js';
import { nextRunAfter } from './schedule.js';
import { quotedNames } from './system-ref.js';
import type { SyncRunsRepository } from './sync-runs.repository.js';

/** Where queued runs go: pg-boss in production (see jobs/), executed by the sync engine. */
export interface SyncJobQueue {
  enqueueSync(runId: string, systemId: string): Promise<void>;
}

export function createSyncService(deps: {
  runs: SyncRunsRepository;
  systems: ExternalSystemsRepository;
  audit: LegacyAudit;
  queue: () => SyncJobQueue | null;
  clock?: () => Date;
  log?: LogFn;
}) {
  const { runs, systems, audit } = deps;
  const db = runs.db;
  const now = deps.clock ?? (() => new Date());
  const log = deps.log ?? (() => undefined);

  const alreadySyncing = (system: ExternalSystemRow, activeRunId: string | undefined) =>
    AppError.conflict(`${system.name} is already syncing`, 'sync_in_progress', { run_id: activeRunId ?? null });

  /** Inserts the run (the partial unique index refuses a second active run per system) and queues it. */
  async function createRun(system: ExternalSystemRow, opts: { trigger: 'manual' | 'schedule'; mode: SyncMode; force: boolean; actor: Actor; enqueue?: boolean }) {
    try {
      const run = await db.transaction(async (tx) => {
        const r = await runs.insert(tx, {
          externalSystemId: system.id, systemType: system.systemType, status: 'queued', trigger: opts.trigger,
          requestedMode: opts.mode, force: opts.force, requestedBy: opts.actor.email,
        });
        await audit.record(tx, opts.actor, { action: 'sync', entityType: 'external_system', entityId: system.id, after: { run_id: r.id, mode: opts.mode, force: opts.force, trigger: opts.trigger } });
        return r;
      });
      if (opts.enqueue === false) return run;
      const queue = deps.queue();
      if (!queue) throw new AppError(503, 'jobs_unavailable', 'The job runner is not running on this instance; the run stays queued until one picks it up');
      await queue.enqueueSync(run.id, system.id);
      return run;
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw alreadySyncing(system, (await runs.activeFor(db, system.id))?.id);
      throw err;
    }
  }

  /**
   * `external_system` names a type: it designates a system only while that type has one. With
   * several (prepaid and postpaid billing), the caller must give `external_system_id`.
   */
  async function onlySystemOfType(type: string): Promise<ExternalSystemRow> {
    const ofType = await systems.listByType(db, type);
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
      const system = req.external_system_id ? await systems.findById(db, req.external_system_id) : await onlySystemOfType(req.external_system!);
      if (!system) throw AppError.validation({ external_system_id: ['no such external system'] });
      if (!system.isActive) throw AppError.conflict(`${system.name} is inactive; activate it before syncing`, 'system_inactive');
      const run = await createRun(system, { trigger: 'manual', mode: req.mode ?? 'full', force: req.force, actor, enqueue: !opts.inline });
      return toSyncRun({ ...run, systemName: system.name });
    },

    async list(q: SyncRunListQuery) {
      const { count, rows } = await runs.list(q);
      return { count, results: rows.map(toSyncRun) };
    },

    /** Retirements, re-pricings and reactivations made by syncs: what campaigns offering those products must react to. */
    async changes(q: CatalogChangeListQuery): Promise<{ count: number; results: CatalogChange[] }> {
      const { count, rows } = await runs.listChanges(q);
      return { count, results: rows.map(toCatalogChange) };
    },

    async get(id: string): Promise<SyncRun> {
      const row = await runs.findById(db, id);
      if (!row) throw AppError.notFound('Sync run');
      return toSyncRun(row);
    },

    async cancel(actor: Actor, id: string): Promise<SyncRun> {
      const row = await runs.findById(db, id);
      if (!row) throw AppError.notFound('Sync run');
      if (!['queued', 'running'].includes(row.status)) throw AppError.conflict(`This run has already ${row.status === 'cancelled' ? 'been cancelled' : 'finished'}`, 'not_running');
      if (!(await runs.cancelQueued(id))) await runs.requestCancel(id);
      await audit.record(db, actor, { action: 'update', entityType: 'sync_run', entityId: id, after: { cancel_requested: true } });
      return toSyncRun((await runs.findById(db, id))!);
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
        const claimed = await systems.claimSlot(db, system.id, system.nextRunAt!, next?.toISOString() ?? null);
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

    /** On start: runs left running by a dead process are marked failed; queued runs whose job was lost are re-queued. */
    async recover(opts: { singleProcess: boolean }): Promise<{ failed: number; requeued: number }> {
      const failed = await runs.failAbandoned({ all: opts.singleProcess, staleSeconds: 90 });
      let requeued = 0;
      const queue = deps.queue();
      if (queue) {
        for (const r of await runs.staleQueued(opts.singleProcess ? 0 : 120)) {
          await queue.enqueueSync(r.id, r.externalSystemId);
          requeued++;
        }
      }
      return { failed: failed.length, requeued };
    },
  };
}
export type SyncService = ReturnType<typeof createSyncService>;
