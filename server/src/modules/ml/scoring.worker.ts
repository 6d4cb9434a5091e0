/**
 * Worker thread entry of a batch scoring run: loads the version once from the first message, then
 * answers each page of subscriber facts with its score rows and PSI scores (ml.batch.ts).
 */
import { parentPort } from 'node:worker_threads';
import { scoreBatch } from './ml.batch.js';
import { loadModel, type LoadedModel } from './ml.scoring.js';
import type { ScoringWorkerRequest, ScoringWorkerReply } from './scoring.thread.js';

const port = parentPort;
if (!port) throw new Error('scoring.worker must run in a worker thread');

let model: LoadedModel | null = null;
let run: Extract<ScoringWorkerRequest, { type: 'init' }>['run'] | null = null;

port.on('message', (msg: ScoringWorkerRequest) => {
  let reply: ScoringWorkerReply;
  try {
    if (msg.type === 'init') {
      model = loadModel(msg.version);
      run = msg.run;
      reply = { type: 'ready' };
    } else {
      if (!model || !run) throw new Error('scoring worker: a page arrived before the version');
      const result = scoreBatch(model, run, msg.page);
      port.postMessage({ type: 'page', id: msg.id, result } satisfies ScoringWorkerReply, [result.psiScores.buffer as ArrayBuffer]);
      return;
    }
  } catch (err) {
    reply = { type: 'error', id: msg.type === 'page' ? msg.id : null, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
