import { startModuleWorker } from '../../../lib/module-worker.js';
import type { TrainingInput, TrainingOutput, TrainingProgress } from './training-pipeline.js';

type WorkerMessage = { type: 'progress'; progress: TrainingProgress } | { type: 'done'; output: TrainingOutput } | { type: 'error'; message: string };

/**
 * Runs the training pipeline in a worker thread (training-pipeline.worker.ts): the trees take
 * seconds to minutes of CPU, and the API (health checks, predictions) must keep answering meanwhile.
 */
export function trainInWorker(input: TrainingInput, onProgress: (p: TrainingProgress) => void): Promise<TrainingOutput> {
  const worker = startModuleWorker(import.meta.url, 'training-pipeline.worker');
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  const keep = (a: { buffer: ArrayBufferLike }) => {
    if (a.buffer instanceof ArrayBuffer && !seen.has(a.buffer)) {
      seen.add(a.buffer);
      transfer.push(a.buffer);
    }
  };
  for (const c of input.columns) keep(c.kind === 'numeric' ? c.values : c.codes);
  keep(input.label);
  if (input.treatment) keep(input.treatment);
  if (input.groups) keep(input.groups);
  if (input.evaluation) {
    for (const c of input.evaluation.columns) keep(c.kind === 'numeric' ? c.values : c.codes);
    keep(input.evaluation.label);
    keep(input.evaluation.groups);
  }
  return new Promise<TrainingOutput>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.output));
      else finish(() => reject(new Error(m.message)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
    // The data set's buffers move to the worker instead of being copied.
    worker.postMessage(input, transfer);
  });
}
