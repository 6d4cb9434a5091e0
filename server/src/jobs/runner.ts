import PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { LogFn, LogLevel } from '../lib/log.js';
import type { JobHandlers, JobName, JobPayloads } from './jobs.js';
import { JOB_NAMES, type JobOutcome } from './jobs.js';

/** A skipped job (the minute tick with nothing due) is noise at info level. */
const OUTCOME_LEVEL: Record<JobOutcome['status'], LogLevel> = { succeeded: 'info', partial: 'warn', cancelled: 'info', skipped: 'debug', failed: 'warn' };

export interface JobRunner {
  send<K extends JobName>(name: K, data: JobPayloads[K], opts?: PgBoss.SendOptions): Promise<string | null>;
  stop(): Promise<void>;
  boss: PgBoss;
}

export interface JobRunnerOptions {
  /** Run handlers on this instance (false: only send). */
  work: boolean;
  /** Register cron schedules (the minute tick). */
  schedule: boolean;
  /** How many catalog syncs this instance runs at once. */
  syncConcurrency?: number;
  pollingIntervalSeconds?: number;
  log?: LogFn;
}

/**
 * pg-boss in Lyra's own database: retries, cron and singleton jobs come from it, and several
 * instances never run the same job twice. On PGlite it runs over the same connection.
 */
export async function startJobRunner(database: Database, handlers: JobHandlers, opts: JobRunnerOptions): Promise<JobRunner> {
  const log = opts.log ?? (() => undefined);
  const boss =
    database.kind === 'postgres' && database.url
      ? new PgBoss({ connectionString: database.url, max: 4, schedule: opts.schedule, supervise: true })
      : new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => database.executeSql(text, values) }, schedule: opts.schedule, supervise: true });
  boss.on('error', (err: Error) => log('job runner error', { error: err.message }, 'error'));
  await boss.start();
  for (const name of JOB_NAMES) await createQueueRetrying(boss, name);

  if (opts.work) {
    const poll = opts.pollingIntervalSeconds ?? 1;
    const wrap = <K extends JobName>(name: K) => async (jobs: PgBoss.Job<JobPayloads[K]>[]) => {
      for (const job of jobs) {
        let outcome: JobOutcome;
        try {
          outcome = await handlers[name](job.data);
        } catch (err) {
          // pg-boss records the failure and retries per the job's policy; the log says so too.
          log(`job ${name} failed`, { id: job.id, error: (err as Error).message }, 'error');
          throw err;
        }
        log(`job ${name} ${outcome.status}`, { id: job.id, ...(outcome.detail && { detail: outcome.detail }) }, OUTCOME_LEVEL[outcome.status]);
      }
    };
    for (let i = 0; i < (opts.syncConcurrency ?? 2); i++) {
      await boss.work('catalog-sync', { batchSize: 1, pollingIntervalSeconds: poll }, wrap('catalog-sync'));
    }
    await boss.work('catalog-sync-tick', { batchSize: 1, pollingIntervalSeconds: poll }, wrap('catalog-sync-tick'));
    // One training and one scoring run at a time per instance: both are CPU-heavy.
    await boss.work('ml-train', { batchSize: 1, pollingIntervalSeconds: poll }, wrap('ml-train'));
    await boss.work('ml-score', { batchSize: 1, pollingIntervalSeconds: poll }, wrap('ml-score'));
  }
  if (opts.schedule) await boss.schedule('catalog-sync-tick', '* * * * *', {}, { tz: 'UTC', retryLimit: 0 });

  return {
    boss,
    send: (name, data, sendOpts) => boss.send(name, data as object, { retryLimit: 2, retryDelay: 30, expireInHours: 4, ...sendOpts }),
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
    },
  };
}

/**
 * Instances starting together on a fresh database race to create the same queues; PostgreSQL may
 * pick one as a deadlock victim. Creating a queue is idempotent, so the loser simply tries again.
 */
async function createQueueRetrying(boss: PgBoss, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await boss.createQueue(name);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * (attempt + 1)));
    }
  }
}
