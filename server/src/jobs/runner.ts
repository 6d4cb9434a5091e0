import PgBoss from 'pg-boss';
import type { Database, DbOrTx } from '../db/client.js';
import { sqlExecutorOf } from '../db/unit-of-work.js';
import { AppError } from '../lib/errors.js';
import type { LogFn, LogLevel } from '../lib/log.js';
import type { JobDeclaration, JobOutcome, JobQueue, JobWorker } from './job.js';

/** A skipped job (the minute tick with nothing due) is noise at info level. */
const OUTCOME_LEVEL: Record<JobOutcome['status'], LogLevel> = { succeeded: 'info', partial: 'warn', cancelled: 'info', skipped: 'debug', failed: 'warn' };

/** Called once per worked job; the metrics count outcomes by job. */
export type JobOutcomeListener = (job: string, status: JobOutcome['status'] | 'error') => void;

export interface Jobs {
  /** A queue sending through `handle`: a unit of work passes its transaction. */
  queueOn(handle: DbOrTx): JobQueue;
  /** Starts working the given jobs on this instance. */
  work(workers: readonly JobWorker<unknown>[], opts?: { pollingIntervalSeconds?: number; concurrency?: Partial<Record<string, number>> }): Promise<void>;
  /** Queue sizes for monitoring. */
  boss: PgBoss;
  stop(): Promise<void>;
}

export interface JobsOptions {
  /** Register the declared cron schedules (the minute tick) from this instance. */
  schedule: boolean;
  log?: LogFn;
  onOutcome?: JobOutcomeListener;
}

/**
 * pg-boss in Lyra's own database: retries, cron and singleton jobs come from it, and several
 * instances never run the same job twice. Every instance opens it (an API-only instance still
 * sends jobs); only instances with `JOBS=1` work them. On PGlite it runs over the same connection.
 */
export async function openJobs(database: Database, declarations: readonly JobDeclaration<unknown>[], opts: JobsOptions): Promise<Jobs> {
  const log = opts.log ?? (() => undefined);
  const boss =
    database.kind === 'postgres' && database.url
      ? new PgBoss({ connectionString: database.url, max: 4, schedule: opts.schedule, supervise: true })
      : new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => database.executeSql(text, values) }, schedule: opts.schedule, supervise: true });
  boss.on('error', (err: Error) => log('job runner error', { error: err.message }, 'error'));
  await boss.start();
  for (const job of declarations) await createQueueRetrying(boss, job.name);
  if (opts.schedule) {
    for (const job of declarations) {
      if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: 'UTC', retryLimit: job.retry.limit });
    }
  }

  return {
    boss,
    queueOn: (handle) => ({
      async send(job, payload) {
        const data = job.payload.parse(payload) as object;
        return boss.send(job.name, data, {
          retryLimit: job.retry.limit, retryDelay: job.retry.delaySeconds, expireInHours: job.expireInHours,
          ...(job.singletonKey && { singletonKey: job.singletonKey(payload) }),
          ...(job.priority && { priority: job.priority(payload) }),
          db: sqlExecutorOf(handle),
        });
      },
    }),
    async work(workers, workOpts = {}) {
      const poll = workOpts.pollingIntervalSeconds ?? 1;
      for (const worker of workers) {
        const { job } = worker;
        const handler = async (batch: PgBoss.Job<unknown>[]) => {
          for (const queued of batch) {
            let outcome: JobOutcome;
            try {
              const payload = job.payload.safeParse(queued.data);
              // A payload this code cannot read will not become readable on a retry: fail it for good.
              outcome = payload.success
                ? await worker.handle(payload.data as never)
                : { status: 'failed', detail: `payload refused: ${payload.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}` };
            } catch (err) {
              // pg-boss records the failure and retries per the job's policy; the log says so too.
              opts.onOutcome?.(job.name, 'error');
              log(`job ${job.name} failed`, { id: queued.id, error: (err as Error).message }, 'error');
              throw err;
            }
            opts.onOutcome?.(job.name, outcome.status);
            log(`job ${job.name} ${outcome.status}`, { id: queued.id, ...(outcome.detail && { detail: outcome.detail }) }, OUTCOME_LEVEL[outcome.status]);
          }
        };
        const concurrency = workOpts.concurrency?.[job.name] ?? job.concurrency;
        for (let i = 0; i < concurrency; i++) await boss.work(job.name, { batchSize: 1, pollingIntervalSeconds: poll }, handler);
      }
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
    },
  };
}

/** The queue of an instance or a test without pg-boss: sending is refused in the API's envelope. */
export const jobsUnavailable: JobQueue = {
  send() {
    return Promise.reject(new AppError('jobs_unavailable', 'The job runner is not running on this instance; the work stays undone until one runs'));
  },
};

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
