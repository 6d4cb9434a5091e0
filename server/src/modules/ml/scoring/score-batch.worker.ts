/**
 * Worker thread entry of batch scoring (started by batch-scorer.ts), shared by the partitions an
 * instance scores: keeps the versions' models it was sent (by id, until told to drop one), and
 * answers each page of subscriber facts with its score rows, encoded for their COPY, and PSI counts
 * (score-batch.ts, scores-copy.ts).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { BatchScorerReply, BatchScorerRequest } from './batch-scorer.js';
import { encodeScores } from '../scores-copy.js';
import { loadModel, type LoadedModel } from './loaded-model.js';
import { SCORING_NICE, scoreBatch, type BatchRun } from './score-batch.js';

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

/** Loaded versions by id (the client bounds them with `drop` messages). */
const models = new Map<string, LoadedModel>();
/** Open scorers (partitions): their model and run. */
const scorers = new Map<number, { model: LoadedModel; run: BatchRun }>();

port.on('message', (msg: BatchScorerRequest) => {
  let reply: BatchScorerReply;
  try {
    switch (msg.type) {
      case 'open': {
        let model = models.get(msg.version.id);
        if (!model) {
          if (!('artifact' in msg.version)) throw new Error(`scoring worker: version ${msg.version.id} is not loaded here`);
          model = loadModel(msg.version);
          models.set(model.id, model);
        }
        scorers.set(msg.scorer, { model, run: msg.run });
        reply = { type: 'ready', scorer: msg.scorer };
        break;
      }
      case 'page': {
        const s = scorers.get(msg.scorer);
        if (!s) throw new Error('scoring worker: a page arrived for a scorer that is not open');
        const { rows, ...result } = scoreBatch(s.model, s.run, msg.page);
        const scored = { ...result, scores: encodeScores(rows) };
        port.postMessage({ type: 'page', id: msg.id, result: scored } satisfies BatchScorerReply, [result.psiCounts.buffer as ArrayBuffer]);
        return;
      }
      case 'close':
        scorers.delete(msg.scorer);
        return;
      case 'drop':
        models.delete(msg.versionId);
        return;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply = { type: 'error', scorer: msg.type === 'open' || msg.type === 'page' ? msg.scorer : null, id: msg.type === 'page' ? msg.id : null, message };
  }
  port.postMessage(reply);
});
