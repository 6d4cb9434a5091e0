import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../lib/module-worker.js';
import type { ModelVersionRow } from '../ml.repository.js';
import type { BatchPage, BatchResult, BatchRun } from './score-batch.js';

/** The version fields the worker loads the model from. */
export type ScoringVersion = Pick<ModelVersionRow, 'id' | 'modelName' | 'version' | 'status' | 'artifact' | 'metrics'>;

export type BatchScorerRequest = { type: 'init'; version: ScoringVersion; run: BatchRun } | { type: 'page'; id: number; page: BatchPage };
export type BatchScorerReply =
  | { type: 'ready' }
  | { type: 'page'; id: number; result: BatchResult }
  | { type: 'error'; id: number | null; message: string };

export interface BatchScorer {
  /** Scores one page; pages may be sent while earlier ones are still being scored. */
  score(page: BatchPage): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * The client of the batch scoring worker thread (score-batch.worker.ts), one per scoring partition: the
 * tree ensembles and TreeSHAP reasons of a whole population take minutes of CPU, which stay off the
 * API's event loop, and the API thread reads the next page from the database while the worker
 * scores the current one.
 */
export async function startBatchScorer(version: ScoringVersion, run: BatchRun): Promise<BatchScorer> {
  const worker: Worker = startModuleWorker(import.meta.url, 'score-batch.worker');
  const pending = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null;
  let ready!: { resolve: () => void; reject: (e: Error) => void };
  const started = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));
  const failAll = (err: Error) => {
    failure ??= err;
    ready.reject(failure);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (m: BatchScorerReply) => {
    if (m.type === 'ready') ready.resolve();
    else if (m.type === 'page') {
      pending.get(m.id)?.resolve(m.result);
      pending.delete(m.id);
    } else if (m.id === null) failAll(new Error(m.message));
    else {
      pending.get(m.id)?.reject(new Error(m.message));
      pending.delete(m.id);
    }
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`scoring worker exited with code ${code}`)));
  worker.postMessage({ type: 'init', version, run } satisfies BatchScorerRequest);
  try {
    await started;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  let nextId = 0;
  return {
    score(page) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<BatchResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'page', id, page } satisfies BatchScorerRequest);
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
