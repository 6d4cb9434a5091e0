/** The typed job catalogue: queue name -> payload. */
export interface JobPayloads {
  'catalog-sync': { runId: string; systemId: string };
  'catalog-sync-tick': Record<string, never>;
  'ml-train': { versionId: string };
  'ml-score': { runId: string };
}
export type JobName = keyof JobPayloads;
export const JOB_NAMES: JobName[] = ['catalog-sync', 'catalog-sync-tick', 'ml-train', 'ml-score'];

export type JobOutcome = { status: 'succeeded' | 'skipped'; detail?: string };
export type JobHandlers = { [K in JobName]: (data: JobPayloads[K]) => Promise<JobOutcome> };
