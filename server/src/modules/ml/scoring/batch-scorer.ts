import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../lib/module-worker.js';
import type { ModelVersionRow } from '../ml.repository.js';
import type { EncodedScores } from '../scores-copy.js';
import type { BatchPage, BatchResult, BatchRun } from './score-batch.js';

/** The version fields the worker loads the model from. */
export type ScoringVersion = Pick<ModelVersionRow, 'id' | 'modelName' | 'version' | 'status' | 'artifact' | 'metrics'>;

/** A page as the scoring thread answers it: its rows encoded for ml_scores' COPY (scores-copy.ts), the rest of scoreBatch's result as it is. */
export type ScoredPage = Omit<BatchResult, 'rows'> & { scores: EncodedScores };

export type BatchScorerRequest =
  /** A scorer (one partition) of a version: the whole version when the thread does not hold it yet, else its id. */
  | { type: 'open'; scorer: number; version: ScoringVersion | { id: string }; run: BatchRun }
  | { type: 'page'; scorer: number; id: number; page: BatchPage }
  | { type: 'close'; scorer: number }
  /** The thread lets go of a version's model (the client keeps the thread's models bounded). */
  | { type: 'drop'; versionId: string };
export type BatchScorerReply =
  | { type: 'ready'; scorer: number }
  | { type: 'page'; id: number; result: ScoredPage }
  | { type: 'error'; scorer: number | null; id: number | null; message: string };

export interface BatchScorer {
  /** Scores one page; pages may be sent while earlier ones are still being scored (they are scored in order). */
  score(page: BatchPage): Promise<ScoredPage>;
  close(): Promise<void>;
}

/**
 * Models the scoring thread keeps loaded: a run's partitions follow one another on an instance, and
 * loading a version (its trees, bin sets and TreeSHAP tables) and warming its code cost about a
 * second per partition (bench scale, 20,000 subscribers in 10 partitions: ~10 s of an 85 s run).
 */
const MODELS_KEPT = 2;
/**
 * The thread stops once no partition has used it for this long, returning its models' memory: a
 * run's next partition is taken within a job poll (2 s), and an idle server is sized by what it
 * holds between runs (the demo's idle target is measured 20 s after its first runs end).
 */
const IDLE_MS = 10_000;

type Pending = { scorer: number; resolve: (r: ScoredPage) => void; reject: (e: Error) => void };

/**
 * One scoring worker thread of this process (score-batch.worker.ts), shared by the partitions the
 * instance scores, which keeps their versions' models loaded between them (by version id, the most
 * recent MODELS_KEPT). A thread that fails or exits fails what is pending on it; the next partition
 * starts a new one.
 */
class ScoringThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  readonly opening = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Version ids whose models the thread holds, least recently used first (the thread's own cache mirrors it). */
  readonly models: string[] = [];
  readonly scorers = new Set<number>();
  failure: Error | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(private readonly onGone: (t: ScoringThread) => void) {
    this.worker = startModuleWorker(import.meta.url, 'score-batch.worker');
    // An idle thread does not keep the process alive (a server shutting down does not wait for it).
    this.worker.unref();
    this.worker.on('message', (m: BatchScorerReply) => {
      if (m.type === 'ready') {
        this.opening.get(m.scorer)?.resolve();
        this.opening.delete(m.scorer);
      } else if (m.type === 'page') {
        this.pending.get(m.id)?.resolve(m.result);
        this.pending.delete(m.id);
      } else if (m.id !== null) {
        this.pending.get(m.id)?.reject(new Error(m.message));
        this.pending.delete(m.id);
      } else if (m.scorer !== null) {
        this.opening.get(m.scorer)?.reject(new Error(m.message));
        this.opening.delete(m.scorer);
      } else this.fail(new Error(m.message));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`scoring worker exited with code ${code}`)));
  }

  fail(err: Error): void {
    this.failure ??= err;
    for (const o of this.opening.values()) o.reject(this.failure);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.opening.clear();
    this.pending.clear();
    this.stop();
  }

  /** The version as the thread needs it: its id when it holds the model, else the whole row (it loads it). */
  versionFor(version: ScoringVersion): ScoringVersion | { id: string } {
    const at = this.models.indexOf(version.id);
    if (at >= 0) {
      this.models.splice(at, 1);
      this.models.push(version.id);
      return { id: version.id };
    }
    while (this.models.length >= MODELS_KEPT) this.worker.postMessage({ type: 'drop', versionId: this.models.shift()! } satisfies BatchScorerRequest);
    this.models.push(version.id);
    return version;
  }

  used(scorer: number): void {
    this.scorers.add(scorer);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  released(scorer: number): void {
    this.scorers.delete(scorer);
    for (const [id, p] of this.pending) {
      if (p.scorer !== scorer) continue;
      p.reject(new Error('scoring worker: the partition closed its scorer'));
      this.pending.delete(id);
    }
    if (this.scorers.size === 0 && !this.failure) {
      this.idle = setTimeout(() => this.stop(), IDLE_MS);
      this.idle.unref();
    }
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.worker.removeAllListeners('exit');
    this.onGone(this);
    void this.worker.terminate();
  }
}

let thread: ScoringThread | null = null;
let nextScorer = 0;
let nextPage = 0;

/**
 * A scorer of one scoring partition on this process's scoring thread: the tree ensembles and
 * TreeSHAP reasons of a whole population take minutes of CPU, which stay off the API's event loop,
 * and the API thread reads and writes pages while the thread scores. The version's model is loaded
 * by the first partition that needs it and kept for the next ones.
 */
export async function startBatchScorer(version: ScoringVersion, run: BatchRun): Promise<BatchScorer> {
  if (!thread || thread.failure) {
    thread = new ScoringThread((gone) => {
      if (thread === gone) thread = null;
    });
  }
  const t = thread;
  const scorer = nextScorer++;
  t.used(scorer);
  const ready = new Promise<void>((resolve, reject) => t.opening.set(scorer, { resolve, reject }));
  t.worker.postMessage({ type: 'open', scorer, version: t.versionFor(version), run } satisfies BatchScorerRequest);
  try {
    await ready;
  } catch (err) {
    // A version that failed to load is not held by the thread: the next partition sends it whole.
    const at = t.models.indexOf(version.id);
    if (at >= 0) t.models.splice(at, 1);
    t.released(scorer);
    throw err;
  }
  let closed = false;
  return {
    score(page) {
      if (t.failure) return Promise.reject(t.failure);
      if (closed) return Promise.reject(new Error('scoring worker: the scorer is closed'));
      const id = nextPage++;
      return new Promise<ScoredPage>((resolve, reject) => {
        t.pending.set(id, { scorer, resolve, reject });
        t.worker.postMessage({ type: 'page', scorer, id, page } satisfies BatchScorerRequest);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!t.failure) t.worker.postMessage({ type: 'close', scorer } satisfies BatchScorerRequest);
      t.released(scorer);
    },
  };
}

/**
 * Stops this process's scoring thread, and its loaded models with it (what is pending on it fails);
 * the next partition starts a new one, which loads its version from the row it is given.
 */
export function stopScoringThread(): void {
  thread?.fail(new Error('scoring thread stopped'));
}
