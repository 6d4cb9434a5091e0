/**
 * Worker thread entry of a batch scoring run (started by batch-scorer.ts): loads the version once
 * from the first message, then answers each page of subscriber facts with its score rows and PSI
 * counts (score-batch.ts).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { BatchScorerReply, BatchScorerRequest } from './batch-scorer.js';
import { loadModel, type LoadedModel } from './loaded-model.js';
import { SCORING_NICE, scoreBatch } from './score-batch.js';

const port = parentPort;
if (!port) throw new Error('score-batch.worker must run in a worker thread');

// Batch scoring yields the CPU to the API: on Linux a thread's nice value is its own, and
// setpriority(0) names the calling thread, so this lowers only the scoring thread (the API thread,
// PostgreSQL and the other workers keep theirs). Elsewhere it is the whole process; where it is
// not allowed, scoring runs at the normal priority.
try {
  setPriority(SCORING_NICE);
} catch {
  // not permitted here: nothing to lower
}

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
