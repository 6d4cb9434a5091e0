/**
 * Worker thread of the scale benchmark's side-by-side scoring (scoring-side-by-side.ts): loads the
 * version, scores the pages once to warm up, says so, and on `go` scores them `rounds` times over
 * and answers the mean ms per round.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ScoringVersion } from '@lyra/server/modules/ml/scoring/batch-scorer';
import { loadModel } from '@lyra/server/modules/ml/scoring/loaded-model';
import { encodeScores } from '@lyra/server/modules/ml/scores-copy';
import { scoreBatch, type BatchPage, type BatchRun } from '@lyra/server/modules/ml/scoring/score-batch';

const port = parentPort;
if (!port) throw new Error('scoring-side-by-side.worker must run in a worker thread');
const { version, run, pages, rounds } = workerData as { version: ScoringVersion; run: BatchRun; pages: BatchPage[]; rounds: number };
const model = loadModel(version);
// As the scoring thread answers a page (score-batch.worker.ts): its rows encoded for their COPY.
const score = (page: BatchPage) => encodeScores(scoreBatch(model, run, page).rows);
for (const page of pages) score(page);
port.on('message', () => {
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const page of pages) score(page);
  port.postMessage((performance.now() - t) / rounds);
});
port.postMessage('ready');
