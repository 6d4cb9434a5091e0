/**
 * Worker thread entry of a batch scoring run (started by batch-scorer.ts): loads the version once
 * from the first message, then answers each page of subscriber facts with its score rows and PSI
 * counts (score-batch.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { BatchScorerReply, BatchScorerRequest } from './batch-scorer.js';
import { loadModel, type LoadedModel } from './loaded-model.js';
import { scoreBatch } from './score-batch.js';

const port = parentPort;
if (!port) throw new Error('score-batch.worker must run in a worker thread');

let model: LoadedModel | null = null;
let run: Extract<BatchScorerRequest, { type: 'init' }>['run'] | null = null;

port.on('message', (msg: BatchScorerRequest) => {
  let reply: BatchScorerReply;
  try {
    if (msg.type === 'init') {
      model = loadModel(msg.version);
      run = msg.run;
      reply = { type: 'ready' };
    } else {
      if (!model || !run) throw new Error('scoring worker: a page arrived before the version');
      const result = scoreBatch(model, run, msg.page);
      port.postMessage({ type: 'page', id: msg.id, result } satisfies BatchScorerReply, [result.psiCounts.buffer as ArrayBuffer]);
      return;
    }
  } catch (err) {
    reply = { type: 'error', id: msg.type === 'page' ? msg.id : null, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
