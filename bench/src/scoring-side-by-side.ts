import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@lyra/server/lib/module-worker';
import type { ScoringVersion } from '@lyra/server/modules/ml/scoring/batch-scorer';
import type { BatchPage, BatchRun } from '@lyra/server/modules/ml/scoring/score-batch';

/**
 * What two scoring threads cost each other on this machine: the same pages scored as a batch
 * scoring thread does (`scoreBatch`: feature rows, trees, ranking, TreeSHAP reasons; the rows encoded for their COPY) by one worker
 * thread alone, then by two started together. Two instances' scoring threads on a machine of two
 * cores share its caches and memory bandwidth, so a page may take longer beside another however
 * idle the rest of the machine is. Answers ms per round of the pages alone, and of each of two.
 */
export async function scoringSideBySide(version: ScoringVersion, run: BatchRun, pages: BatchPage[], rounds = 4): Promise<{ alone: number; each: number }> {
  const start = async (n: number): Promise<Worker[]> => {
    const workers = Array.from({ length: n }, () => startModuleWorker(import.meta.url, 'scoring-side-by-side.worker', { workerData: { version, run, pages, rounds } }));
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    return workers;
  };
  const together = async (workers: Worker[]): Promise<number> => {
    const answers = workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (ms: number) => resolve(ms));
      w.once('error', reject);
    }));
    for (const w of workers) w.postMessage('go');
    try {
      const ms = await Promise.all(answers);
      return ms.reduce((a, b) => a + b, 0) / ms.length;
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  };
  const alone = await together(await start(1));
  const each = await together(await start(2));
  return { alone, each };
}
