/**
 * Worker thread entry of batch scoring (started by batch-scorer.ts), shared by the partitions an
 * instance scores: keeps the versions' models it was sent (by id, until told to drop one), and
 * answers each page of subscriber facts with its score rows, encoded for their COPY, and PSI counts
 * (score-batch.ts, scores-copy.ts). Propensity pages are answered in groups: a scorer's pages are
 * ranked as they arrive and explained EXPLAIN_PAGES at a time, or when the partition says it sends
 * no more (`flush`).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { BatchScorerReply, BatchScorerRequest } from './batch-scorer.js';
import { encodeScores } from '../scores-copy.js';
import { loadModel, type LoadedModel } from './loaded-model.js';
import { EXPLAIN_PAGES, SCORING_NICE, rankPage, type BatchRun, type RankedPage } from './score-batch.js';

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
/** Open scorers (partitions): their model, run, and propensity pages ranked but not yet explained (in order). */
const scorers = new Map<number, { model: LoadedModel; run: BatchRun; ranked: { id: number; page: RankedPage }[] }>();

/** Explains a scorer's ranked pages and answers each (a page that fails answers its error). */
function flush(scorer: number, ranked: { id: number; page: RankedPage }[]): void {
  for (const { id, page } of ranked.splice(0)) {
    let reply: BatchScorerReply;
    const transfer: ArrayBuffer[] = [];
    try {
      const { rows, ...result } = page.explain();
      reply = { type: 'page', id, result: { ...result, scores: encodeScores(rows) } };
      transfer.push(result.psiCounts.buffer as ArrayBuffer);
    } catch (err) {
      reply = { type: 'error', scorer, id, message: err instanceof Error ? err.message : String(err) };
    }
    port!.postMessage(reply, transfer);
  }
}

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
        scorers.set(msg.scorer, { model, run: msg.run, ranked: [] });
        reply = { type: 'ready', scorer: msg.scorer };
        break;
      }
      case 'page': {
        const s = scorers.get(msg.scorer);
        if (!s) throw new Error('scoring worker: a page arrived for a scorer that is not open');
        let ranked: RankedPage;
        try {
          ranked = rankPage(s.model, s.run, msg.page);
        } catch (err) {
          // The pages before it are answered first: the partition waits for its pages in order.
          flush(msg.scorer, s.ranked);
          throw err;
        }
        s.ranked.push({ id: msg.id, page: ranked });
        // Only propensity pages wait for their group's reasons: the other models' are scored whole.
        if (s.model.name !== 'propensity_to_buy' || s.ranked.length >= EXPLAIN_PAGES) flush(msg.scorer, s.ranked);
        return;
      }
      case 'flush': {
        const s = scorers.get(msg.scorer);
        if (s) flush(msg.scorer, s.ranked);
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
