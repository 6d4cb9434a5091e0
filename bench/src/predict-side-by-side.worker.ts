/**
 * Worker thread of the scale benchmark's side-by-side predict (predict-side-by-side.ts): loads the
 * version, scores the matrix once to warm up, says so, and on `go` scores it `rounds` times and
 * answers the mean ms per pass.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Column } from '@lyra/ml';
import { loadModel } from '@lyra/server/modules/ml/scoring/loaded-model';
import type { ScoringVersion } from '@lyra/server/modules/ml/scoring/batch-scorer';

const port = parentPort;
if (!port) throw new Error('predict-side-by-side.worker must run in a worker thread');
const { version, columns, rounds } = workerData as { version: ScoringVersion; columns: Column[]; rounds: number };
const model = loadModel(version);
model.scoreColumns(columns);
port.on('message', () => {
  const t = performance.now();
  for (let r = 0; r < rounds; r++) model.scoreColumns(columns);
  port.postMessage((performance.now() - t) / rounds);
});
port.postMessage('ready');
