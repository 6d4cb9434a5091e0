import type { z } from 'zod';

/**
 * What a job did, for the log line and the metrics: `failed` when the work it carries failed (a
 * sync run that failed is recorded on the run; the job itself is not retried), `partial` when it
 * finished short (a sync stopped by its retire guard, or with skipped records), `cancelled` by a
 * user, `skipped` when there was nothing to do.
 */
export type JobOutcome = { status: 'succeeded' | 'partial' | 'cancelled' | 'skipped' | 'failed'; detail?: string };

/**
 * A job as its module declares it: the queue name, the payload's schema (checked when sent and
 * again when worked, since a queued row outlives the code that wrote it), how many this instance
 * works at once, and pg-boss's retry and expiry policy. Declarations carry no handler, so a
 * service can send a job without depending on the code that works it.
 */
export interface JobDeclaration<P> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  /** Handlers of this job one instance runs at once. */
  readonly concurrency: number;
  /** Attempts after the first, and the wait between them. */
  readonly retry: { readonly limit: number; readonly delaySeconds: number };
  readonly expireInHours: number;
  /** Scheduled in UTC on instances that run the schedules (cron syntax). */
  readonly cron?: string;
  /** At most one queued or active job per key (pg-boss singleton). */
  singletonKey?(payload: P): string;
  /**
   * Among the queue's waiting jobs, higher first (pg-boss priority, an integer). Without it they are
   * taken by creation time, then id: jobs sent in one transaction come in no particular order.
   */
  priority?(payload: P): number;
}

export const defineJob = <P>(declaration: JobDeclaration<P>): JobDeclaration<P> => declaration;

/** A declaration with the handler that works it on this instance. */
export interface JobWorker<P = unknown> {
  readonly job: JobDeclaration<P>;
  handle(payload: P): Promise<JobOutcome>;
}

export const workerOf = <P>(job: JobDeclaration<P>, handle: (payload: P) => Promise<JobOutcome>): JobWorker<P> => ({ job, handle });

/**
 * Where a service sends jobs. Taken from a unit of work, the queue is bound to its transaction: the
 * job is inserted with the row it works on and commits or rolls back with it.
 */
export interface JobQueue {
  send<P>(job: JobDeclaration<P>, payload: P): Promise<string | null>;
}
