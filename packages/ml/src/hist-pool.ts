/**
 * The row loops of GBDT training (histograms, node partitions, score and gradient
 * updates), single-threaded or split across worker threads.
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
 * Partitions and score/gradient updates split every row range into one piece per
 * thread instead (a piece's rows are independent of the others'; the pieces of a
 * partition are joined in order afterwards, so it stays stable). Work on fewer than
 * MIN_PARALLEL_ROWS rows stays on the calling thread.
 *
 * The worker runs the very same kernel functions: its source is taken from the
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

/**
 * Stable partition of node ranges, piece `part` of `nParts` of every range (so threads share one
 * job list). pjobs[6j..6j+5] = begin, end, feature, last left bin, missing-left flag, offset of the
 * categorical left set in catSets (-1 for a numeric split). Rows going left are written in place
 * from the piece's start, rows going right to tmp at the same positions; counts[j*nParts+part]
 * receives the piece's left count (mergePartition puts the pieces together).
 * Written without closures, helpers or imports: it is also the worker's code.
 */
export function partitionKernel(
  binsFM: Uint8Array,
  n: number,
  idx: Uint32Array,
  tmp: Uint32Array,
  pjobs: Int32Array,
  nJobs: number,
  catSets: Uint32Array,
  counts: Int32Array,
  part: number,
  nParts: number,
): void {
  for (let j = 0; j < nJobs; j++) {
    const begin = pjobs[6 * j]!;
    const len = pjobs[6 * j + 1]! - begin;
    const pb = begin + Math.floor((len * part) / nParts);
    const pe = begin + Math.floor((len * (part + 1)) / nParts);
    const off = pjobs[6 * j + 2]! * n;
    const t = pjobs[6 * j + 3]!;
    const dl = pjobs[6 * j + 4]! === 1;
    const co = pjobs[6 * j + 5]!;
    let l = pb;
    let rc = pb;
    if (co >= 0) {
      for (let i = pb; i < pe; i++) {
        const r = idx[i]!;
        const b = binsFM[off + r]!;
        const goLeft = b === 0 ? dl : ((catSets[co + (b >>> 5)]! >>> (b & 31)) & 1) === 1;
        if (goLeft) idx[l++] = r;
        else tmp[rc++] = r;
      }
    } else if (dl) {
      for (let i = pb; i < pe; i++) {
        const r = idx[i]!;
        const b = binsFM[off + r]!;
        if (b <= t) idx[l++] = r;
        else tmp[rc++] = r;
      }
    } else {
      // missing values (bin 0) go right
      for (let i = pb; i < pe; i++) {
        const r = idx[i]!;
        const b = binsFM[off + r]!;
        if (b !== 0 && b <= t) idx[l++] = r;
        else tmp[rc++] = r;
      }
    }
    counts[j * nParts + part] = l - pb;
  }
}

/**
 * Adds leaf values to the raw scores of the leaves' rows and computes the rows' new gradient and
 * hessian (binary log loss), piece `part` of `nParts` of every range. ujobs[3j..3j+2] = begin,
 * end, value. Written without closures, helpers or imports: it is also the worker's code.
 */
export function updateKernel(
  idx: Uint32Array,
  raw: Float64Array,
  y: Uint8Array,
  gh: Float32Array,
  ujobs: Float64Array,
  nJobs: number,
  part: number,
  nParts: number,
): void {
  for (let j = 0; j < nJobs; j++) {
    const begin = ujobs[3 * j]!;
    const len = ujobs[3 * j + 1]! - begin;
    const pb = begin + Math.floor((len * part) / nParts);
    const pe = begin + Math.floor((len * (part + 1)) / nParts);
    const v = ujobs[3 * j + 2]!;
    for (let i = pb; i < pe; i++) {
      const r = idx[i]!;
      const z = raw[r]! + v;
      raw[r] = z;
      const p = 1 / (1 + Math.exp(-z));
      gh[2 * r] = p - y[r]!;
      // floor keeps every row's hessian > 0, so "H > 0" means "node not empty"
      const h = p * (1 - p);
      gh[2 * r + 1] = h > 1e-16 ? h : 1e-16;
    }
  }
}

// control words (Int32Array over a SharedArrayBuffer)
const C_GEN = 0; // incremented for every dispatch
const C_DONE = 1; // workers finished in this dispatch
const C_CMD = 2; // see CMD_*
const C_NJOBS = 3;
const C_POOLVER = 4; // bumped when the histogram pool buffer is replaced
const C_ERROR = 5; // set by a worker that threw
const C_WITHCOUNT = 6;

const CMD_HIST = 0;
const CMD_EXIT = 1;
const CMD_PARTITION = 2;
const CMD_UPDATE = 3;

export const MAX_JOBS = 1 << 15;
/** leaves of one tree: 2^16 covers maxDepth 16 */
const MAX_LEAVES = 1 << 16;
/** categorical left sets of one level (8 words each) */
const PARTITION_SET_WORDS = 8 * MAX_JOBS;
/**
 * Below this many rows in one dispatch the calling thread does the work alone: waking a worker
 * costs more than it saves. The result is the same either way (see the kernels).
 */
export const MIN_PARALLEL_ROWS = 20_000;

function workerSource(): string {
  // __name: esbuild (tsx/vitest) may wrap functions with it when keeping names
  return `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
var __name = (f) => f;
const kernel = ${buildHistogramsKernel.toString()};
const partitionKernel = ${partitionKernel.toString()};
const updateKernel = ${updateKernel.toString()};
const d = workerData;
const ctrl = new Int32Array(d.ctrl);
const binsRM = new Uint8Array(d.binsRM);
const binsFM = new Uint8Array(d.binsFM);
const gh = new Float32Array(d.gh);
const idx = new Uint32Array(d.idx);
const tmp = new Uint32Array(d.tmp);
const raw = new Float64Array(d.raw);
const y = new Uint8Array(d.y);
const jobs = new Int32Array(d.jobs);
const pjobs = new Int32Array(d.pjobs);
const catSets = new Uint32Array(d.catSets);
const counts = new Int32Array(d.counts);
const ujobs = new Float64Array(d.ujobs);
let hist = new Float64Array(d.hist);
let poolVer = 0;
let gen = Atomics.load(ctrl, ${C_GEN});
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ctrl, ${C_GEN}, gen);
  gen = Atomics.load(ctrl, ${C_GEN});
  const cmd = Atomics.load(ctrl, ${C_CMD});
  if (cmd === ${CMD_EXIT}) break;
  try {
    const nJobs = Atomics.load(ctrl, ${C_NJOBS});
    if (cmd === ${CMD_HIST}) {
      const want = Atomics.load(ctrl, ${C_POOLVER});
      while (poolVer !== want) {
        const m = receiveMessageOnPort(d.port);
        if (!m) throw new Error('histogram pool message missing');
        hist = new Float64Array(m.message.hist);
        poolVer = m.message.version;
      }
      kernel(binsRM, d.nFeat, gh, idx, hist, jobs, nJobs, d.f0, d.f1, Atomics.load(ctrl, ${C_WITHCOUNT}));
    } else if (cmd === ${CMD_PARTITION}) {
      partitionKernel(binsFM, d.nRows, idx, tmp, pjobs, nJobs, catSets, counts, d.part, d.nParts);
    } else if (cmd === ${CMD_UPDATE}) {
      updateKernel(idx, raw, y, gh, ujobs, nJobs, d.part, d.nParts);
    }
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

/** The row buffers of a training run; SharedArrayBuffers when workers take part. */
export interface HistBuffers {
  /** row-major bins (histograms) */
  binsRM: Uint8Array;
  /** feature-major bins (partitions) */
  binsFM: Uint8Array;
  /** interleaved gradient, hessian per row */
  gh: Float32Array;
  /** row indices, grouped by node */
  idx: Uint32Array;
  /** scratch of the partition */
  tmp: Uint32Array;
  /** raw scores of the training rows */
  raw: Float64Array;
  /** labels */
  y: Uint8Array;
}

/** One node split for HistBuilder.partition. */
export interface PartitionJob {
  begin: number;
  end: number;
  feature: number;
  /** numeric: last value bin going left */
  thrBin: number;
  defaultLeft: boolean;
  /** categorical: the 256-bit set of bins going left */
  catSet: Uint32Array | null;
}

/**
 * Owns the histogram pool (slots of nFeat*256*S doubles) and, with nThreads > 1,
 * the workers. Use `await HistBuilder.create(...)`, call `build`, `partition` and
 * `update` synchronously from the training loop, and `close()` at the end.
 *
 * Histograms split the features between threads; partitions and score updates
 * split every row range into one piece per thread. Either way each output value
 * is computed exactly as by one thread, so models do not depend on the thread count.
 */
export class HistBuilder {
  readonly histSize: number;
  hist: Float64Array;
  private readonly jobs: Int32Array;
  private readonly pjobs: Int32Array;
  private readonly catSets: Uint32Array;
  private readonly counts: Int32Array;
  private readonly ujobs: Float64Array;
  private readonly ctrl: Int32Array | null;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private poolVer = 0;
  private readonly chunks: Array<[number, number]>;
  private readonly nRows: number;

  private constructor(
    readonly bufs: HistBuffers,
    readonly nFeat: number,
    readonly withCount: boolean,
    readonly nThreads: number,
    initialSlots: number,
  ) {
    this.histSize = nFeat * 256 * (withCount ? 3 : 2);
    this.nRows = bufs.idx.length;
    this.chunks = featureChunks(nFeat, nThreads);
    const shared = this.chunks.length > 1;
    const alloc = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.hist = new Float64Array(alloc(8 * this.histSize * initialSlots));
    // one job per node of a tree level: 2^15 covers maxDepth 16
    this.jobs = new Int32Array(alloc(4 * 3 * MAX_JOBS));
    this.pjobs = new Int32Array(alloc(4 * 6 * MAX_JOBS));
    this.catSets = new Uint32Array(alloc(4 * PARTITION_SET_WORDS));
    this.counts = new Int32Array(alloc(4 * MAX_JOBS * this.chunks.length));
    this.ujobs = new Float64Array(alloc(8 * 3 * MAX_LEAVES));
    this.ctrl = shared ? new Int32Array(new SharedArrayBuffer(64)) : null;
  }

  /** Allocates buffers shareable with workers when nThreads > 1. */
  static allocBuffers(nRows: number, nFeat: number, nThreads: number): HistBuffers {
    const shared = featureChunks(nFeat, nThreads).length > 1;
    const alloc = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    return {
      binsRM: new Uint8Array(alloc(nRows * nFeat)),
      binsFM: new Uint8Array(alloc(nRows * nFeat)),
      gh: new Float32Array(alloc(8 * nRows)),
      idx: new Uint32Array(alloc(4 * nRows)),
      tmp: new Uint32Array(alloc(4 * nRows)),
      raw: new Float64Array(alloc(8 * nRows)),
      y: new Uint8Array(alloc(nRows)),
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
    const { bufs } = this;
    for (let k = 1; k < this.chunks.length; k++) {
      const [f0, f1] = this.chunks[k]!;
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(src, {
        eval: true,
        workerData: {
          ctrl: this.ctrl!.buffer,
          binsRM: bufs.binsRM.buffer,
          binsFM: bufs.binsFM.buffer,
          gh: bufs.gh.buffer,
          idx: bufs.idx.buffer,
          tmp: bufs.tmp.buffer,
          raw: bufs.raw.buffer,
          y: bufs.y.buffer,
          jobs: this.jobs.buffer,
          pjobs: this.pjobs.buffer,
          catSets: this.catSets.buffer,
          counts: this.counts.buffer,
          ujobs: this.ujobs.buffer,
          hist: this.hist.buffer,
          nFeat: this.nFeat,
          nRows: this.nRows,
          f0,
          f1,
          part: k,
          nParts: this.chunks.length,
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
    let rows = 0;
    for (let j = 0; j < nJobs; j++) rows += ranges[3 * j + 1]! - ranges[3 * j]!;
    const { binsRM, gh, idx } = this.bufs;
    if (!this.parallel(rows)) {
      buildHistogramsKernel(binsRM, this.nFeat, gh, idx, this.hist, this.jobs, nJobs, 0, this.nFeat, wc);
      return;
    }
    const ctrl = this.ctrl!;
    Atomics.store(ctrl, C_WITHCOUNT, wc);
    this.dispatch(CMD_HIST, nJobs, () => {
      const [f0, f1] = this.chunks[0]!;
      buildHistogramsKernel(binsRM, this.nFeat, gh, idx, this.hist, this.jobs, nJobs, f0, f1, wc);
    });
  }

  /**
   * Stable in-place partition of each node's index range by its split; returns per job the
   * first position of the right child.
   */
  partition(splits: PartitionJob[]): Int32Array {
    const nJobs = splits.length;
    const mids = new Int32Array(nJobs);
    if (nJobs === 0) return mids;
    if (nJobs > MAX_JOBS) throw new Error(`too many partition jobs in one level (${nJobs})`);
    const pj = this.pjobs;
    let nSets = 0;
    let rows = 0;
    for (let j = 0; j < nJobs; j++) {
      const s = splits[j]!;
      pj[6 * j] = s.begin;
      pj[6 * j + 1] = s.end;
      pj[6 * j + 2] = s.feature;
      pj[6 * j + 3] = s.thrBin;
      pj[6 * j + 4] = s.defaultLeft ? 1 : 0;
      if (s.catSet) {
        this.catSets.set(s.catSet, 8 * nSets);
        pj[6 * j + 5] = 8 * nSets++;
      } else pj[6 * j + 5] = -1;
      rows += s.end - s.begin;
    }
    const { binsFM, idx, tmp } = this.bufs;
    const nParts = this.parallel(rows) ? this.chunks.length : 1;
    const run = (): void => partitionKernel(binsFM, this.nRows, idx, tmp, pj, nJobs, this.catSets, this.counts, 0, nParts);
    if (nParts === 1) run();
    else this.dispatch(CMD_PARTITION, nJobs, run);
    // pieces -> [left of piece 0, left of piece 1, ..., right of piece 0, right of piece 1, ...]
    for (let j = 0; j < nJobs; j++) {
      const begin = pj[6 * j]!;
      const len = pj[6 * j + 1]! - begin;
      let pos = begin;
      for (let p = 0; p < nParts; p++) {
        const pb = begin + Math.floor((len * p) / nParts);
        const l = this.counts[j * nParts + p]!;
        if (pos !== pb) idx.copyWithin(pos, pb, pb + l);
        pos += l;
      }
      mids[j] = pos;
      for (let p = 0; p < nParts; p++) {
        const pb = begin + Math.floor((len * p) / nParts);
        const pe = begin + Math.floor((len * (p + 1)) / nParts);
        const r = pe - pb - this.counts[j * nParts + p]!;
        idx.set(tmp.subarray(pb, pb + r), pos);
        pos += r;
      }
    }
    return mids;
  }

  /**
   * raw[r] += value for the rows of each (begin, end, value) index range, then the rows' gradient
   * and hessian from the new raw score.
   */
  update(ranges: number[]): void {
    const nJobs = ranges.length / 3;
    if (nJobs === 0) return;
    if (nJobs > MAX_LEAVES) throw new Error(`too many leaves in one tree (${nJobs})`);
    this.ujobs.set(ranges);
    let rows = 0;
    for (let j = 0; j < nJobs; j++) rows += ranges[3 * j + 1]! - ranges[3 * j]!;
    const { idx, raw, y, gh } = this.bufs;
    const nParts = this.parallel(rows) ? this.chunks.length : 1;
    const run = (): void => updateKernel(idx, raw, y, gh, this.ujobs, nJobs, 0, nParts);
    if (nParts === 1) run();
    else this.dispatch(CMD_UPDATE, nJobs, run);
  }

  private parallel(rows: number): boolean {
    return this.chunks.length > 1 && rows >= MIN_PARALLEL_ROWS;
  }

  /** Wakes the workers for one command, runs the calling thread's share, waits for them. */
  private dispatch(cmd: number, nJobs: number, own: () => void): void {
    const ctrl = this.ctrl!;
    Atomics.store(ctrl, C_CMD, cmd);
    Atomics.store(ctrl, C_NJOBS, nJobs);
    Atomics.store(ctrl, C_DONE, 0);
    Atomics.add(ctrl, C_GEN, 1);
    Atomics.notify(ctrl, C_GEN);
    own();
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
      Atomics.store(this.ctrl, C_CMD, CMD_EXIT);
      Atomics.add(this.ctrl, C_GEN, 1);
      Atomics.notify(this.ctrl, C_GEN);
      await Promise.all(this.workers.map((w) => new Promise<void>((res) => w.once('exit', () => res()))));
      for (const p of this.ports) p.close();
    }
    this.workers.length = 0;
  }
}
