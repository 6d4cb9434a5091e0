/**
 * Worker thread entry (started by train-in-worker.ts): receives one TrainingInput, posts progress
 * messages while it trains and then the result (or the error). Runs the pipeline off the API's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { runTraining, type TrainingInput } from './training-pipeline.js';

const port = parentPort;
if (!port) throw new Error('training-pipeline.worker must run in a worker thread');

port.once('message', (input: TrainingInput) => {
  runTraining(input, (progress) => port.postMessage({ type: 'progress', progress }))
    .then((output) => port.postMessage({ type: 'done', output }))
    .catch((err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});
