/**
 * Histogram building, the hot loop of GBDT training, single-threaded or split
 * across worker threads.
 *
 * Layout (measured on 1M x 30, see bench/src/ml.ts): rows are visited through the
 * node's index list, and for each row all its feature bins are read from a
 * row-major Uint8 copy of the bin matrix (one cache line per row instead of one
 * per row and feature) while gradient and hessian are read once per row from an
 * interleaved Float32 array. Histograms are Float64 (g, h[, count]) per bin, 256
 * bins per feature.
 *
 * Parallelism splits the *features* between threads, never the rows: every bin
 * sum is then accumulated by one thread in row order, so the result is
 * bit-identical for any thread count (a model must not depend on the machine).
 *
 * The worker runs the very same kernel function: its source is taken from the
 * compiled function with Function.prototype.toString and started with
 * `new Worker(source, { eval: true })`. That works unchanged under tsx, vitest
 * and compiled JavaScript, without a loader hook or a separate .js file.
 * Jobs are handed over through SharedArrayBuffers and Atomics.wait/notify (a few
 * microseconds per level, no structured cloning).
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * Builds histograms for `nJobs` row ranges. jobs[3j..3j+2] = begin, end, slot.
 * Only features [f0, f1) are written, so threads can share one job list.
 * Written without closures, helpers or imports: it is also the worker's code.
 */
export function buildHistogramsKernel(
  binsRM: Uint8Array,
  nFeat: number,
  gh: Float32Array,
  idx: Uint32Array,
  hist: Float64Array,
  jobs: Int32Array,
  nJobs: number,
  f0: number,
  f1: number,
  withCount: number,
): void {
  const S = withCount ? 3 : 2;
  const fStride = 256 * S;
  const histSize = nFeat * fStride;
  for (let j = 0; j < nJobs; j++) {
    const begin = jobs[3 * j]!;
    const end = jobs[3 * j + 1]!;
    const base = jobs[3 * j + 2]! * histSize;
    hist.fill(0, base + f0 * fStride, base + f1 * fStride);
    const o0 = base + f0 * fStride;
    if (S === 2) {
      for (let i = begin; i < end; i++) {
        const r = idx[i]!;
        const g = gh[2 * r]!;
        const h = gh[2 * r + 1]!;
        let p = r * nFeat + f0;
        let o = o0;
        let f = f0;
        // four features per step: independent read-modify-writes overlap better
        for (; f + 3 < f1; f += 4, p += 4, o += 2048) {
          const a = o + (binsRM[p]! << 1);
          const b = o + 512 + (binsRM[p + 1]! << 1);
          const c = o + 1024 + (binsRM[p + 2]! << 1);
          const d = o + 1536 + (binsRM[p + 3]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
          hist[b] = hist[b]! + g;
          hist[b + 1] = hist[b + 1]! + h;
          hist[c] = hist[c]! + g;
          hist[c + 1] = hist[c + 1]! + h;
          hist[d] = hist[d]! + g;
          hist[d + 1] = hist[d + 1]! + h;
        }
        for (; f < f1; f++, p++, o += 512) {
          const a = o + (binsRM[p]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
        }
      }
    } else {
      for (let i = begin; i < end; i++) {
        const r = idx[i]!;
        const g = gh[2 * r]!;
        const h = gh[2 * r + 1]!;
        let p = r * nFeat + f0;
        let o = o0;
        for (let f = f0; f < f1; f++, p++, o += 768) {
          const a = o + binsRM[p]! * 3;
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
          hist[a + 2] = hist[a + 2]! + 1;
        }
      }
    }
  }
}

// control words (Int32Array over a SharedArrayBuffer)
const C_GEN = 0; // incremented for every dispatch
const C_DONE = 1; // workers finished in this dispatch
const C_CMD = 2; // 0 = build, 1 = exit
const C_NJOBS = 3;
const C_POOLVER = 4; // bumped when the histogram pool buffer is replaced
const C_ERROR = 5; // set by a worker that threw
const C_WITHCOUNT = 6;

export const MAX_JOBS = 1 << 15;

function workerSource(): string {
  // __name: esbuild (tsx/vitest) may wrap functions with it when keeping names
  return `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
var __name = (f) => f;
const kernel = ${buildHistogramsKernel.toString()};
const d = workerData;
const ctrl = new Int32Array(d.ctrl);
const binsRM = new Uint8Array(d.binsRM);
const gh = new Float32Array(d.gh);
const idx = new Uint32Array(d.idx);
const jobs = new Int32Array(d.jobs);
let hist = new Float64Array(d.hist);
let poolVer = 0;
let gen = Atomics.load(ctrl, ${C_GEN});
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctrl, ${C_GEN}, gen);
  gen = Atomics.load(ctrl, ${C_GEN});
  if (Atomics.load(ctrl, ${C_CMD}) === 1) break;
  try {
    const want = Atomics.load(ctrl, ${C_POOLVER});
    while (poolVer !== want) {
      const m = receiveMessageOnPort(d.port);
      if (!m) throw new Error('histogram pool message missing');
      hist = new Float64Array(m.message.hist);
      poolVer = m.message.version;
    }
    kernel(binsRM, d.nFeat, gh, idx, hist, jobs, Atomics.load(ctrl, ${C_NJOBS}), d.f0, d.f1, Atomics.load(ctrl, ${C_WITHCOUNT}));
  } catch (e) {
    Atomics.store(ctrl, ${C_ERROR}, 1);
  }
  Atomics.add(ctrl, ${C_DONE}, 1);
  Atomics.notify(ctrl, ${C_DONE});
}
`;
}

/** Splits features into contiguous chunks, one per thread. */
function featureChunks(nFeat: number, nThreads: number): Array<[number, number]> {
  const t = Math.max(1, Math.min(nThreads, nFeat));
  const out: Array<[number, number]> = [];
  for (let k = 0; k < t; k++) out.push([Math.floor((k * nFeat) / t), Math.floor(((k + 1) * nFeat) / t)]);
  return out;
}

export interface HistBuffers {
  binsRM: Uint8Array;
  gh: Float32Array;
  idx: Uint32Array;
}

/**
 * Owns the histogram pool (slots of nFeat*256*S doubles) and, with nThreads > 1,
 * the workers. Use `await HistBuilder.create(...)`, call `build` synchronously
 * from the training loop, and `close()` at the end.
 */
export class HistBuilder {
  readonly histSize: number;
  hist: Float64Array;
  private readonly jobs: Int32Array;
  private readonly ctrl: Int32Array | null;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private poolVer = 0;
  private readonly chunks: Array<[number, number]>;

  private constructor(
    readonly bufs: HistBuffers,
    readonly nFeat: number,
    readonly withCount: boolean,
    readonly nThreads: number,
    initialSlots: number,
  ) {
    this.histSize = nFeat * 256 * (withCount ? 3 : 2);
    this.chunks = featureChunks(nFeat, nThreads);
    const shared = this.chunks.length > 1;
    const alloc = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.hist = new Float64Array(alloc(8 * this.histSize * initialSlots));
    // one job per node of a tree level: 2^15 covers maxDepth 16
    this.jobs = new Int32Array(alloc(4 * 3 * MAX_JOBS));
    this.ctrl = shared ? new Int32Array(new SharedArrayBuffer(64)) : null;
  }

  /** Allocates buffers shareable with workers when nThreads > 1. */
  static allocBuffers(nRows: number, nFeat: number, nThreads: number): HistBuffers {
    const shared = featureChunks(nFeat, nThreads).length > 1;
    const alloc = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    return {
      binsRM: new Uint8Array(alloc(nRows * nFeat)),
      gh: new Float32Array(alloc(8 * nRows)),
      idx: new Uint32Array(alloc(4 * nRows)),
    };
  }

  static async create(bufs: HistBuffers, nFeat: number, withCount: boolean, nThreads: number, initialSlots = 64): Promise<HistBuilder> {
    const b = new HistBuilder(bufs, nFeat, withCount, nThreads, initialSlots);
    if (b.chunks.length > 1) await b.startWorkers();
    return b;
  }

  /** single-threaded builder, no workers (synchronous training) */
  static createSync(bufs: HistBuffers, nFeat: number, withCount: boolean, initialSlots = 64): HistBuilder {
    return new HistBuilder(bufs, nFeat, withCount, 1, initialSlots);
  }

  get threads(): number {
    return this.chunks.length;
  }

  private async startWorkers(): Promise<void> {
    const src = workerSource();
    const ready: Array<Promise<void>> = [];
    for (let k = 1; k < this.chunks.length; k++) {
      const [f0, f1] = this.chunks[k]!;
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(src, {
        eval: true,
        workerData: {
          ctrl: this.ctrl!.buffer,
          binsRM: this.bufs.binsRM.buffer,
          gh: this.bufs.gh.buffer,
          idx: this.bufs.idx.buffer,
          jobs: this.jobs.buffer,
          hist: this.hist.buffer,
          nFeat: this.nFeat,
          f0,
          f1,
          port: port2,
        },
        transferList: [port2],
      });

      this.workers.push(w);
      this.ports.push(port1);
      ready.push(
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
      );
    }
    await Promise.all(ready);
  }

  /** Makes sure slots [0, nSlots) exist, preserving contents. */
  ensureSlots(nSlots: number): void {
    const need = nSlots * this.histSize;
    if (need <= this.hist.length) return;
    let cap = this.hist.length / this.histSize;
    while (cap < nSlots) cap *= 2;
    const shared = this.chunks.length > 1;
    const buf = shared ? new SharedArrayBuffer(8 * this.histSize * cap) : new ArrayBuffer(8 * this.histSize * cap);
    const next = new Float64Array(buf);
    next.set(this.hist);
    this.hist = next;
    if (shared) {
      this.poolVer++;
      for (const p of this.ports) p.postMessage({ hist: buf, version: this.poolVer });
      Atomics.store(this.ctrl!, C_POOLVER, this.poolVer);
    }
  }

  /** Builds the histograms of the given ranges (begin, end, slot triples) for all features. */
  build(ranges: number[]): void {
    const nJobs = ranges.length / 3;
    if (nJobs === 0) return;
    if (nJobs > MAX_JOBS) throw new Error(`too many histogram jobs in one level (${nJobs})`);
    this.jobs.set(ranges);
    const wc = this.withCount ? 1 : 0;
    const [f0, f1] = this.chunks[0]!;
    if (this.chunks.length === 1) {
      buildHistogramsKernel(this.bufs.binsRM, this.nFeat, this.bufs.gh, this.bufs.idx, this.hist, this.jobs, nJobs, f0, f1, wc);
      return;
    }
    const ctrl = this.ctrl!;
    Atomics.store(ctrl, C_NJOBS, nJobs);
    Atomics.store(ctrl, C_WITHCOUNT, wc);
    Atomics.store(ctrl, C_DONE, 0);
    Atomics.add(ctrl, C_GEN, 1);
    Atomics.notify(ctrl, C_GEN);
    // the calling thread takes the first feature chunk
    buildHistogramsKernel(this.bufs.binsRM, this.nFeat, this.bufs.gh, this.bufs.idx, this.hist, this.jobs, nJobs, f0, f1, wc);
    const want = this.workers.length;
    for (;;) {
      const done = Atomics.load(ctrl, C_DONE);
      if (done >= want) break;
      // bounded wait so a dead worker surfaces as an error rather than a hang
      if (Atomics.wait(ctrl, C_DONE, done, 60_000) === 'timed-out' && Atomics.load(ctrl, C_DONE) === done) {
        throw new Error('histogram worker did not answer within 60 s');
      }
    }
    if (Atomics.load(ctrl, C_ERROR)) throw new Error('histogram worker failed');
  }

  async close(): Promise<void> {
    if (this.ctrl && this.workers.length > 0) {
      Atomics.store(this.ctrl, C_CMD, 1);
      Atomics.add(this.ctrl, C_GEN, 1);
      Atomics.notify(this.ctrl, C_GEN);
      await Promise.all(this.workers.map((w) => new Promise<void>((res) => w.once('exit', () => res()))));
      for (const p of this.ports) p.close();
    }
    this.workers.length = 0;
  }
}
