/** The typed job catalogue: queue name -> payload. */
export interface JobPayloads {
  'catalog-sync': { runId: string; systemId: string };
  'catalog-sync-tick': Record<string, never>;
}
export type JobName = keyof JobPayloads;
export const JOB_NAMES: JobName[] = ['catalog-sync', 'catalog-sync-tick'];

export type JobOutcome = { status: 'succeeded' | 'skipped'; detail?: string };
export type JobHandlers = { [K in JobName]: (data: JobPayloads[K]) => Promise<JobOutcome> };
