import type { Worker } from 'node:worker_threads';
import type { Column } from '@lyra/ml';
import { startModuleWorker } from '@lyra/server/lib/module-worker';
import type { ScoringVersion } from '@lyra/server/modules/ml/scoring/batch-scorer';

/**
 * What two of Lyra's predicts at once cost on this machine: the same matrix scored by one worker
 * thread alone, then by two started together, each on the same version. Two scoring threads of two
 * instances on a machine of two cores share its caches and memory bandwidth, and the trees' walk
 * reads a page's matrix and the model's nodes from them: so a pass may take longer beside another,
 * however idle the rest of the machine is. Answers rows per second of one alone and of each of two.
 */
export async function predictSideBySide(version: ScoringVersion, columns: Column[], rows: number, rounds = 3): Promise<{ alone: number; each: number }> {
  const start = async (n: number): Promise<Worker[]> => {
    const workers = Array.from({ length: n }, () => startModuleWorker(import.meta.url, 'predict-side-by-side.worker', { workerData: { version, columns, rounds } }));
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    return workers;
  };
  const passes = async (workers: Worker[]): Promise<number[]> => {
    const answers = workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (ms: number) => resolve(ms));
      w.once('error', reject);
    }));
    for (const w of workers) w.postMessage('go');
    try {
      return await Promise.all(answers);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
  const [alone] = await passes(await start(1));
  const together = await passes(await start(2));
  const mean = together.reduce((a, b) => a + b, 0) / together.length;
  return { alone: rows / (alone! / 1000), each: rows / (mean / 1000) };
}
