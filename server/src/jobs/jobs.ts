/** The typed job catalogue: queue name -> payload. */
export interface JobPayloads {
  'catalog-sync': { runId: string; systemId: string };
  'catalog-sync-tick': Record<string, never>;
  'ml-train': { versionId: string };
  'ml-score': { runId: string };
}
export type JobName = keyof JobPayloads;
export const JOB_NAMES: JobName[] = ['catalog-sync', 'catalog-sync-tick', 'ml-train', 'ml-score'];

/**
 * What a job did, for the log line: `failed` when the work it carries failed (a sync run that
 * failed is recorded on the run; the job itself is not retried), `partial` when it finished
 * short (a sync stopped by its retire guard, or with skipped records), `cancelled` by a user,
 * `skipped` when there was nothing to do.
 */
export type JobOutcome = { status: 'succeeded' | 'partial' | 'cancelled' | 'skipped' | 'failed'; detail?: string };
export type JobHandlers = { [K in JobName]: (data: JobPayloads[K]) => Promise<JobOutcome> };
