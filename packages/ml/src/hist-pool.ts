/**
 * The row loops of GBDT training (histograms, node partitions, score and gradient
 * updates), single-threaded or split across worker threads.
 *
 * Layout (measured on 1M x 30, see bench/src/ml.ts): every training row is one record
 * of 32-bit words (its bins, label, gradient, hessian and raw score; see RowRecords),
 * and the records are kept in node order: a partition moves them, so every loop reads
 * memory forward, a deep node's rows as densely as the root's. (Before, rows stayed in
 * their original order behind an index list: a node holding 1/16 of the rows read a
 * cache line of bins and one of gradients for almost each of its rows, and training
 * took ~30% more CPU.) Histograms are Float64 (g, h[, count]) per bin, 256 bins per
 * feature. Nodes of the last level are not partitioned: the score update sends each of
 * their rows to its leaf.
 *
 * Parallelism splits the *features* between threads, never the rows: every bin
 * sum is then accumulated by one thread in row order, so the result is
 * bit-identical for any thread count (a model must not depend on the machine).
 * Which thread takes which features follows the threads' measured times
 * (rebalanceFeatureBounds): features do not cost alike.
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
 * Builds histograms for `nJobs` position ranges. jobs[3j..3j+2] = begin, end, slot.
 * Only features [f0, f1) are written, so threads can share one job list.
 * Row i's record starts at word i*W: bins at bytes 4iW.., gradient and hessian (Float32) at words
 * iW+gOff, iW+gOff+1. Written without closures, helpers or imports: it is also the worker's code.
 */
export function buildHistogramsKernel(
  u8: Uint8Array,
  f32: Float32Array,
  W: number,
  gOff: number,
  nFeat: number,
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
  const W4 = 4 * W;
  for (let j = 0; j < nJobs; j++) {
    const begin = jobs[3 * j]!;
    const end = jobs[3 * j + 1]!;
    const base = jobs[3 * j + 2]! * histSize;
    hist.fill(0, base + f0 * fStride, base + f1 * fStride);
    const o0 = base + f0 * fStride;
    if (S === 2) {
      for (let i = begin, q = begin * W, pr = begin * W4 + f0; i < end; i++, q += W, pr += W4) {
        const g = f32[q + gOff]!;
        const h = f32[q + gOff + 1]!;
        let p = pr;
        let o = o0;
        let f = f0;
        // four features per step: independent read-modify-writes overlap better
        for (; f + 3 < f1; f += 4, p += 4, o += 2048) {
          const a = o + (u8[p]! << 1);
          const b = o + 512 + (u8[p + 1]! << 1);
          const c = o + 1024 + (u8[p + 2]! << 1);
          const d = o + 1536 + (u8[p + 3]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
          hist[b] = hist[b]! + g;
          hist[b + 1] = hist[b + 1]! + h;
          hist[c] = hist[c]! + g;
          hist[c + 1] = hist[c + 1]! + h;
          hist[d] = hist[d]! + g;
          hist[d + 1] = hist[d + 1]! + h;
        }
        // the last one to three features in one step too (a loop of single features was measured
        // slower: a chunk of 15 features took as long as one of 16)
        const rest = f1 - f;
        if (rest === 3) {
          const a = o + (u8[p]! << 1);
          const b = o + 512 + (u8[p + 1]! << 1);
          const c = o + 1024 + (u8[p + 2]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
          hist[b] = hist[b]! + g;
          hist[b + 1] = hist[b + 1]! + h;
          hist[c] = hist[c]! + g;
          hist[c + 1] = hist[c + 1]! + h;
        } else if (rest === 2) {
          const a = o + (u8[p]! << 1);
          const b = o + 512 + (u8[p + 1]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
          hist[b] = hist[b]! + g;
          hist[b + 1] = hist[b + 1]! + h;
        } else if (rest === 1) {
          const a = o + (u8[p]! << 1);
          hist[a] = hist[a]! + g;
          hist[a + 1] = hist[a + 1]! + h;
        }
      }
    } else {
      for (let i = begin, q = begin * W, pr = begin * W4 + f0; i < end; i++, q += W, pr += W4) {
        const g = f32[q + gOff]!;
        const h = f32[q + gOff + 1]!;
        let p = pr;
        for (let o = o0, f = f0; f < f1; f++, p++, o += 768) {
          const a = o + u8[p]! * 3;
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
 * categorical left set in catSets (-1 for a numeric split); counts[j*nParts+part] receives the
 * piece's left count. The records (W words each) land so that mergeKernel can put every piece's
 * rows in place in parallel, without a serial move:
 * - the first piece keeps its left rows in place, packed from its start, and writes its right rows
 *   to tmp from its start;
 * - the last piece (walked backwards) keeps its right rows in place, packed against its end, and
 *   writes its left rows to tmp, packed against its end;
 * - a piece between writes its left rows to tmp from its start and its right rows to tmp from its
 *   end backwards (so in reverse order).
 * The node's left rows then run from the first piece's, in place, and its right rows end with the
 * last piece's, in place; everything between is copied from tmp. One piece is the first piece.
 * Written without closures, helpers or imports: it is also the worker's code.
 */
export function partitionKernel(
  u8: Uint8Array,
  u32: Uint32Array,
  tmp: Uint32Array,
  W: number,
  pjobs: Int32Array,
  nJobs: number,
  catSets: Uint32Array,
  counts: Int32Array,
  part: number,
  nParts: number,
): void {
  const W4 = 4 * W;
  const first = part === 0;
  const last = part === nParts - 1;
  for (let j = 0; j < nJobs; j++) {
    const begin = pjobs[6 * j]!;
    const len = pjobs[6 * j + 1]! - begin;
    const pb = begin + Math.floor((len * part) / nParts);
    const pe = begin + Math.floor((len * (part + 1)) / nParts);
    const feat = pjobs[6 * j + 2]!;
    const t = pjobs[6 * j + 3]!;
    const dl = pjobs[6 * j + 4]!;
    const co = pjobs[6 * j + 5]!;
    // W is even: two words a step (measured 2x faster than one)
    if (first) {
      let l = pb * W;
      let rc = pb * W;
      for (let i = pb, q = pb * W, p = pb * W4 + feat; i < pe; i++, q += W, p += W4) {
        const b = u8[p]!;
        const goLeft = b === 0 ? dl : co >= 0 ? (catSets[co + (b >>> 5)]! >>> (b & 31)) & 1 : +(b <= t);
        if (goLeft === 1) {
          if (l !== q) {
            for (let k = 0; k < W; k += 2) {
              u32[l + k] = u32[q + k]!;
              u32[l + k + 1] = u32[q + k + 1]!;
            }
          }
          l += W;
        } else {
          for (let k = 0; k < W; k += 2) {
            tmp[rc + k] = u32[q + k]!;
            tmp[rc + k + 1] = u32[q + k + 1]!;
          }
          rc += W;
        }
      }
      counts[j * nParts + part] = l / W - pb;
    } else if (last) {
      // backwards: a right row lands at or after the place it was read from, and every place
      // after it has been read already
      let r = pe * W;
      let lt = pe * W;
      for (let i = pe - 1, q = (pe - 1) * W, p = (pe - 1) * W4 + feat; i >= pb; i--, q -= W, p -= W4) {
        const b = u8[p]!;
        const goLeft = b === 0 ? dl : co >= 0 ? (catSets[co + (b >>> 5)]! >>> (b & 31)) & 1 : +(b <= t);
        if (goLeft === 1) {
          lt -= W;
          for (let k = 0; k < W; k += 2) {
            tmp[lt + k] = u32[q + k]!;
            tmp[lt + k + 1] = u32[q + k + 1]!;
          }
        } else {
          r -= W;
          if (r !== q) {
            for (let k = 0; k < W; k += 2) {
              u32[r + k] = u32[q + k]!;
              u32[r + k + 1] = u32[q + k + 1]!;
            }
          }
        }
      }
      counts[j * nParts + part] = pe - lt / W;
    } else {
      let l = pb * W;
      let rc = pe * W;
      for (let i = pb, q = pb * W, p = pb * W4 + feat; i < pe; i++, q += W, p += W4) {
        const b = u8[p]!;
        const goLeft = b === 0 ? dl : co >= 0 ? (catSets[co + (b >>> 5)]! >>> (b & 31)) & 1 : +(b <= t);
        if (goLeft === 1) {
          for (let k = 0; k < W; k += 2) {
            tmp[l + k] = u32[q + k]!;
            tmp[l + k + 1] = u32[q + k + 1]!;
          }
          l += W;
        } else {
          rc -= W;
          for (let k = 0; k < W; k += 2) {
            tmp[rc + k] = u32[q + k]!;
            tmp[rc + k + 1] = u32[q + k + 1]!;
          }
        }
      }
      counts[j * nParts + part] = l / W - pb;
    }
  }
}

/**
 * Second half of a partition split between threads (after every piece's partitionKernel): piece
 * `part` copies the rows partitionKernel left in tmp to their places. The node's left rows are,
 * in order, every piece's left rows; its right rows every piece's right rows. The places written
 * are neither the first piece's left rows nor the last piece's right rows (already in place), nor
 * another piece's places: the pieces run side by side. Written without closures, helpers or
 * imports: it is also the worker's code.
 */
export function mergeKernel(u32: Uint32Array, tmp: Uint32Array, W: number, pjobs: Int32Array, nJobs: number, counts: Int32Array, part: number, nParts: number): void {
  const first = part === 0;
  const last = part === nParts - 1;
  for (let j = 0; j < nJobs; j++) {
    const begin = pjobs[6 * j]!;
    const len = pjobs[6 * j + 1]! - begin;
    let leftBefore = 0;
    let rightBefore = 0;
    let allLeft = 0;
    for (let p = 0; p < nParts; p++) {
      const c = counts[j * nParts + p]!;
      allLeft += c;
      if (p < part) {
        leftBefore += c;
        rightBefore += Math.floor((len * (p + 1)) / nParts) - Math.floor((len * p) / nParts) - c;
      }
    }
    const pb = begin + Math.floor((len * part) / nParts);
    const pe = begin + Math.floor((len * (part + 1)) / nParts);
    const l = counts[j * nParts + part]!;
    const r = pe - pb - l;
    const rightAt = (begin + allLeft + rightBefore) * W;
    if (first) {
      if (r > 0) u32.set(tmp.subarray(pb * W, (pb + r) * W), rightAt);
    } else if (last) {
      if (l > 0) u32.set(tmp.subarray((pe - l) * W, pe * W), (begin + leftBefore) * W);
    } else {
      if (l > 0) u32.set(tmp.subarray(pb * W, (pb + l) * W), (begin + leftBefore) * W);
      // the right rows were written backwards from the piece's end
      for (let k = 0, src = (pe - 1) * W, dst = rightAt; k < r; k++, src -= W, dst += W) {
        for (let w = 0; w < W; w += 2) {
          u32[dst + w] = tmp[src + w]!;
          u32[dst + w + 1] = tmp[src + w + 1]!;
        }
      }
    }
  }
}

/**
 * Adds leaf values to the raw scores of the leaves' rows and computes the rows' new gradient and
 * hessian (binary log loss), piece `part` of `nParts` of every range. ujobs[3j..3j+2] = begin,
 * end, value. sjobs[8j..8j+7] = begin, end, feature, last left bin, missing-left flag, categorical
 * set offset (as in partitionKernel), left value, right value: a node of the last level whose two
 * children are leaves, so its rows are never moved, each row takes its child's value here and
 * counts[j*nParts+part] receives the piece's left count. Record words: gradient, hessian (Float32) at gOff, gOff+1, raw score (Float64) at rOff
 * (even); the label is byte yByte. Written without closures, helpers or imports: it is also the worker's code.
 */
export function updateKernel(
  u8: Uint8Array,
  f32: Float32Array,
  f64: Float64Array,
  W: number,
  gOff: number,
  rOff: number,
  yByte: number,
  ujobs: Float64Array,
  nJobs: number,
  sjobs: Float64Array,
  nSJobs: number,
  catSets: Uint32Array,
  counts: Int32Array,
  part: number,
  nParts: number,
): void {
  const W2 = W >>> 1;
  const r2 = rOff >>> 1;
  for (let j = 0; j < nJobs + nSJobs; j++) {
    const split = j >= nJobs;
    const o = split ? 8 * (j - nJobs) : 3 * j;
    const jb = split ? sjobs : ujobs;
    const begin = jb[o]!;
    const len = jb[o + 1]! - begin;
    const pb = begin + Math.floor((len * part) / nParts);
    const pe = begin + Math.floor((len * (part + 1)) / nParts);
    const feat = split ? jb[o + 2]! : 0;
    const t = split ? jb[o + 3]! : 0;
    const dl = split ? jb[o + 4]! : 0;
    const co = split ? jb[o + 5]! : -1;
    const vl = split ? jb[o + 6]! : jb[o + 2]!;
    const vr = split ? jb[o + 7]! : vl;
    let nl = 0;
    for (let i = pb, q = pb * W, d = pb * W2 + r2; i < pe; i++, q += W, d += W2) {
      let v = vl;
      if (split) {
        const b = u8[4 * q + feat]!;
        let goLeft: number;
        if (b === 0) goLeft = dl;
        else if (co >= 0) goLeft = (catSets[co + (b >>> 5)]! >>> (b & 31)) & 1;
        else goLeft = +(b <= t);
        nl += goLeft;
        if (goLeft === 0) v = vr;
      }
      const z = f64[d]! + v;
      f64[d] = z;
      const p = 1 / (1 + Math.exp(-z));
      f32[q + gOff] = p - u8[4 * q + yByte]!;
      // floor keeps every row's hessian > 0, so "H > 0" means "node not empty"
      const h = p * (1 - p);
      f32[q + gOff + 1] = h > 1e-16 ? h : 1e-16;
    }
    if (split) counts[(j - nJobs) * nParts + part] = nl;
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
const C_NSJOBS = 7;

const CMD_HIST = 0;
const CMD_EXIT = 1;
const CMD_PARTITION = 2;
const CMD_UPDATE = 3;
const CMD_MERGE = 4;

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
const mergeKernel = ${mergeKernel.toString()};
const d = workerData;
const ctrl = new Int32Array(d.ctrl);
const u8 = new Uint8Array(d.rows);
const u32 = new Uint32Array(d.rows);
const f32 = new Float32Array(d.rows);
const f64 = new Float64Array(d.rows);
const tmp = new Uint32Array(d.tmp);
const jobs = new Int32Array(d.jobs);
const pjobs = new Int32Array(d.pjobs);
const catSets = new Uint32Array(d.catSets);
const counts = new Int32Array(d.counts);
const ujobs = new Float64Array(d.ujobs);
const sjobs = new Float64Array(d.sjobs);
const bounds = new Int32Array(d.bounds);
const histMs = new Float64Array(d.histMs);
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
      const t0 = performance.now();
      kernel(u8, f32, d.W, d.gOff, d.nFeat, hist, jobs, nJobs, Atomics.load(bounds, d.part), Atomics.load(bounds, d.part + 1), Atomics.load(ctrl, ${C_WITHCOUNT}));
      histMs[d.part] = performance.now() - t0;
    } else if (cmd === ${CMD_PARTITION}) {
      partitionKernel(u8, u32, tmp, d.W, pjobs, nJobs, catSets, counts, d.part, d.nParts);
    } else if (cmd === ${CMD_MERGE}) {
      mergeKernel(u32, tmp, d.W, pjobs, nJobs, counts, d.part, d.nParts);
    } else if (cmd === ${CMD_UPDATE}) {
      updateKernel(u8, f32, f64, d.W, d.gOff, d.rOff, d.yByte, ujobs, nJobs, sjobs, Atomics.load(ctrl, ${C_NSJOBS}), catSets, counts, d.part, d.nParts);
    }
  } catch (e) {
    Atomics.store(ctrl, ${C_ERROR}, 1);
  }
  Atomics.add(ctrl, ${C_DONE}, 1);
  Atomics.notify(ctrl, ${C_DONE});
}
`;
}

/**
 * Parallel histogram builds between two looks at the threads' times (HistBuilder.rebalance):
 * about four trees of depth 6.
 */
const REBALANCE_EVERY_BUILDS = 24;

/**
 * Moves a feature from a thread's chunk to its neighbour's wherever that evens out their measured
 * histogram times: features do not cost alike (a feature with few distinct bins adds into the
 * same few places row after row, which is slower), and a thread may share its core with other
 * work. busyMs[k] is thread k's time over the same builds, bounds[k]..bounds[k+1] its features;
 * every chunk keeps at least one. Any chunks give the same histograms (each feature is still
 * summed by one thread in row order).
 */
export function rebalanceFeatureBounds(bounds: Int32Array, busyMs: Float64Array): void {
  const t = busyMs.length;
  for (let k = 0; k + 1 < t; k++) {
    const nA = bounds[k + 1]! - bounds[k]!;
    const nB = bounds[k + 2]! - bounds[k + 1]!;
    const a = busyMs[k]!;
    const b = busyMs[k + 1]!;
    // moving one feature moves about its chunk's mean cost; it pays when the gap is larger
    if (a - b > a / nA && nA > 1) {
      bounds[k + 1] = bounds[k + 1]! - 1;
      busyMs[k] = a - a / nA;
      busyMs[k + 1] = b + a / nA;
    } else if (b - a > b / nB && nB > 1) {
      bounds[k + 1] = bounds[k + 1]! + 1;
      busyMs[k] = a + b / nB;
      busyMs[k + 1] = b - b / nB;
    }
  }
}

/**
 * Where things are in a row's record (32-bit words; see RowRecords): the bins take the first
 * nFeat bytes and the label the next one, then come gradient and hessian (Float32) and the raw
 * score (Float64, on an even word so it is 8-byte aligned; W is even too). Every byte moved counts:
 * partitions move whole records (30 features: 48 bytes).
 */
export interface RecordLayout {
  /** words per record */
  W: number;
  /** word of the gradient; the hessian is gOff + 1 */
  gOff: number;
  /** first word of the raw score */
  rOff: number;
  /** byte of the label within the record (= nFeat) */
  yByte: number;
}

export function recordLayout(nFeat: number): RecordLayout {
  const gOff = Math.ceil((nFeat + 1) / 4);
  const rOff = (gOff + 2) % 2 === 0 ? gOff + 2 : gOff + 3;
  return { W: rOff + 2, gOff, rOff, yByte: nFeat };
}

/**
 * The training rows, one record per row, kept in node order: a split moves its rows' records
 * (LightGBM's and XGBoost's "ordered gradients", carried one step further to the bins and the
 * score). Every histogram, partition and update then reads memory forward, position after
 * position, however few of the rows a deep node holds; with an index list into rows left in
 * their original order, a node with 1/16 of the rows touched a separate cache line for nearly
 * each of its rows (2-3x the cost per row, bench ml). The order carries over from one tree to the
 * next: a root's histogram does not depend on it.
 */
export interface RowRecords {
  layout: RecordLayout;
  /** views of one buffer (SharedArrayBuffer when workers take part) */
  u8: Uint8Array;
  u32: Uint32Array;
  f32: Float32Array;
  f64: Float64Array;
  /** scratch of the partition (W words per row) */
  tmp: Uint32Array;
  nRows: number;
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
 * Owns the row records, the histogram pool (slots of nFeat*256*S doubles) and, with nThreads > 1,
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
  readonly rows: RowRecords;
  private readonly jobs: Int32Array;
  private readonly pjobs: Int32Array;
  private readonly catSets: Uint32Array;
  private readonly counts: Int32Array;
  private readonly ujobs: Float64Array;
  private readonly sjobs: Float64Array;
  private readonly ctrl: Int32Array | null;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private poolVer = 0;
  /** threads taking part (this one and the workers) */
  private readonly nParts: number;
  /** thread k builds the histograms of features bounds[k]..bounds[k+1] (moved by rebalance) */
  private readonly bounds: Int32Array;
  /** each thread's time in its last histogram build (ms), written by the thread */
  private readonly histMs: Float64Array;
  /** each thread's histogram time since the last rebalance */
  private readonly histBusyMs: Float64Array;
  private buildsSinceRebalance = 0;
  private readonly nRows: number;

  private constructor(
    nRows: number,
    readonly nFeat: number,
    readonly withCount: boolean,
    readonly nThreads: number,
    initialSlots: number,
  ) {
    this.histSize = nFeat * 256 * (withCount ? 3 : 2);
    this.nRows = nRows;
    this.nParts = Math.max(1, Math.min(nThreads, nFeat));
    const shared = this.nParts > 1;
    const alloc = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const layout = recordLayout(nFeat);
    const buf = alloc(4 * layout.W * nRows);
    this.rows = {
      layout,
      u8: new Uint8Array(buf),
      u32: new Uint32Array(buf),
      f32: new Float32Array(buf),
      f64: new Float64Array(buf),
      tmp: new Uint32Array(alloc(4 * layout.W * nRows)),
      nRows,
    };
    this.hist = new Float64Array(alloc(8 * this.histSize * initialSlots));
    // one job per node of a tree level: 2^15 covers maxDepth 16
    this.jobs = new Int32Array(alloc(4 * 3 * MAX_JOBS));
    this.pjobs = new Int32Array(alloc(4 * 6 * MAX_JOBS));
    this.catSets = new Uint32Array(alloc(4 * PARTITION_SET_WORDS));
    this.counts = new Int32Array(alloc(4 * MAX_JOBS * this.nParts));
    this.ujobs = new Float64Array(alloc(8 * 3 * MAX_LEAVES));
    this.sjobs = new Float64Array(alloc(8 * 8 * MAX_JOBS));
    this.ctrl = shared ? new Int32Array(new SharedArrayBuffer(64)) : null;
    this.bounds = new Int32Array(alloc(4 * (this.nParts + 1)));
    for (let k = 0; k <= this.nParts; k++) this.bounds[k] = Math.floor((k * nFeat) / this.nParts);
    this.histMs = new Float64Array(alloc(8 * this.nParts));
    this.histBusyMs = new Float64Array(this.nParts);
  }

  static async create(nRows: number, nFeat: number, withCount: boolean, nThreads: number, initialSlots = 64): Promise<HistBuilder> {
    const b = new HistBuilder(nRows, nFeat, withCount, nThreads, initialSlots);
    if (b.nParts > 1) await b.startWorkers();
    return b;
  }

  /** single-threaded builder, no workers (synchronous training) */
  static createSync(nRows: number, nFeat: number, withCount: boolean, initialSlots = 64): HistBuilder {
    return new HistBuilder(nRows, nFeat, withCount, 1, initialSlots);
  }

  get threads(): number {
    return this.nParts;
  }

  /**
   * Fills the records in row order from feature-major bins (binsFM[f*n + r]) and the labels, with
   * the raw score `base`; gradients come with the first update.
   */
  fillRows(binsFM: Uint8Array, y: Uint8Array, base: number): void {
    const { u8, f64, layout } = this.rows;
    const { W, rOff, yByte } = layout;
    const n = this.nRows;
    const F = this.nFeat;
    const W4 = 4 * W;
    // in blocks of rows whose records stay in cache while every feature is written into them
    // (feature by feature over all rows went through the whole buffer once per feature)
    const B = 2048;
    for (let r0 = 0; r0 < n; r0 += B) {
      const r1 = Math.min(n, r0 + B);
      for (let f = 0; f < F; f++) {
        const off = f * n;
        for (let r = r0, p = r0 * W4 + f; r < r1; r++, p += W4) u8[p] = binsFM[off + r]!;
      }
    }
    for (let r = 0, q = 0; r < n; r++, q += W) {
      u8[4 * q + yByte] = y[r]!;
      f64[(q + rOff) >>> 1] = base;
    }
  }

  /**
   * Stable partition of all positions: the rows at positions i with keep[i] = 1 first; returns
   * their count. (Row sampling: the sampled rows form the root's range.)
   */
  partitionByPosition(keep: Uint8Array): number {
    const { u32, tmp, layout } = this.rows;
    const { W } = layout;
    let l = 0;
    let rc = 0;
    for (let q = 0, i = 0, end = this.nRows * W; q < end; q += W, i++) {
      if (keep[i] === 1) {
        if (l !== q) for (let k = 0; k < W; k++) u32[l + k] = u32[q + k]!;
        l += W;
      } else {
        for (let k = 0; k < W; k++) tmp[rc + k] = u32[q + k]!;
        rc += W;
      }
    }
    u32.set(tmp.subarray(0, rc), l);
    return l / W;
  }

  private async startWorkers(): Promise<void> {
    const src = workerSource();
    const ready: Array<Promise<void>> = [];
    const { rows } = this;
    for (let k = 1; k < this.nParts; k++) {
      const { port1, port2 } = new MessageChannel();
      const w = new Worker(src, {
        eval: true,
        workerData: {
          ctrl: this.ctrl!.buffer,
          rows: rows.u8.buffer,
          tmp: rows.tmp.buffer,
          W: rows.layout.W,
          gOff: rows.layout.gOff,
          rOff: rows.layout.rOff,
          yByte: rows.layout.yByte,
          jobs: this.jobs.buffer,
          pjobs: this.pjobs.buffer,
          catSets: this.catSets.buffer,
          counts: this.counts.buffer,
          ujobs: this.ujobs.buffer,
          sjobs: this.sjobs.buffer,
          hist: this.hist.buffer,
          nFeat: this.nFeat,
          bounds: this.bounds.buffer,
          histMs: this.histMs.buffer,
          part: k,
          nParts: this.nParts,
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
    const shared = this.nParts > 1;
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

  /** Builds the histograms of the given position ranges (begin, end, slot triples) for all features. */
  build(ranges: number[]): void {
    const nJobs = ranges.length / 3;
    if (nJobs === 0) return;
    if (nJobs > MAX_JOBS) throw new Error(`too many histogram jobs in one level (${nJobs})`);
    this.jobs.set(ranges);
    const wc = this.withCount ? 1 : 0;
    let rows = 0;
    for (let j = 0; j < nJobs; j++) rows += ranges[3 * j + 1]! - ranges[3 * j]!;
    const { u8, f32, layout } = this.rows;
    if (!this.parallel(rows)) {
      buildHistogramsKernel(u8, f32, layout.W, layout.gOff, this.nFeat, this.hist, this.jobs, nJobs, 0, this.nFeat, wc);
      return;
    }
    const ctrl = this.ctrl!;
    Atomics.store(ctrl, C_WITHCOUNT, wc);
    this.dispatch(CMD_HIST, nJobs, () => {
      const t0 = performance.now();
      buildHistogramsKernel(u8, f32, layout.W, layout.gOff, this.nFeat, this.hist, this.jobs, nJobs, this.bounds[0]!, this.bounds[1]!, wc);
      this.histMs[0] = performance.now() - t0;
    });
    for (let k = 0; k < this.nParts; k++) this.histBusyMs[k] = this.histBusyMs[k]! + this.histMs[k]!;
    if (++this.buildsSinceRebalance >= REBALANCE_EVERY_BUILDS) {
      rebalanceFeatureBounds(this.bounds, this.histBusyMs);
      this.histBusyMs.fill(0);
      this.buildsSinceRebalance = 0;
    }
  }

  /** the threads' feature chunks as they are now (thread k: bounds[k]..bounds[k+1]) */
  get featureBounds(): number[] {
    return Array.from(this.bounds);
  }

  /**
   * Writes a split at `at` of a job list as the kernels read it (begin, end, feature, last left bin,
   * missing-left flag, offset of its categorical left set in catSets or -1), its set into the next
   * free slot of catSets; returns the slots used so far.
   */
  private packSplit(jobs: Int32Array | Float64Array, at: number, s: PartitionJob, setsUsed: number): number {
    jobs[at] = s.begin;
    jobs[at + 1] = s.end;
    jobs[at + 2] = s.feature;
    jobs[at + 3] = s.thrBin;
    jobs[at + 4] = s.defaultLeft ? 1 : 0;
    if (!s.catSet) {
      jobs[at + 5] = -1;
      return setsUsed;
    }
    this.catSets.set(s.catSet, 8 * setsUsed);
    jobs[at + 5] = 8 * setsUsed;
    return setsUsed + 1;
  }

  /**
   * Stable in-place partition of each node's position range by its split (the records move);
   * returns per job the first position of the right child.
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
      nSets = this.packSplit(pj, 6 * j, s, nSets);
      rows += s.end - s.begin;
    }
    const { u8, u32, tmp, layout } = this.rows;
    const W = layout.W;
    const nParts = this.parallel(rows) ? this.nParts : 1;
    const run = (): void => partitionKernel(u8, u32, tmp, W, pj, nJobs, this.catSets, this.counts, 0, nParts);
    if (nParts === 1) run();
    else this.dispatch(CMD_PARTITION, nJobs, run);
    const merge = (): void => mergeKernel(u32, tmp, W, pj, nJobs, this.counts, 0, nParts);
    if (nParts === 1) merge();
    else this.dispatch(CMD_MERGE, nJobs, merge);
    for (let j = 0; j < nJobs; j++) {
      let mid = pj[6 * j]!;
      for (let p = 0; p < nParts; p++) mid += this.counts[j * nParts + p]!;
      mids[j] = mid;
    }
    return mids;
  }

  /**
   * raw += value for the rows of each (begin, end, value) position range, and for the rows of each
   * split whose children are leaves (`splits`: the children's values; the rows are not moved), the
   * value of the child each row goes to; then the rows' gradient and hessian from the new raw
   * score. Returns per split the number of its rows going left.
   */
  update(ranges: number[], splits: Array<PartitionJob & { leftValue: number; rightValue: number }> = []): Int32Array {
    const nJobs = ranges.length / 3;
    const nS = splits.length;
    const left = new Int32Array(nS);
    if (nJobs + nS === 0) return left;
    if (nJobs > MAX_LEAVES) throw new Error(`too many leaves in one tree (${nJobs})`);
    if (nS > MAX_JOBS) throw new Error(`too many splits in one level (${nS})`);
    this.ujobs.set(ranges);
    let rows = 0;
    for (let j = 0; j < nJobs; j++) rows += ranges[3 * j + 1]! - ranges[3 * j]!;
    const sj = this.sjobs;
    let nSets = 0;
    for (let j = 0; j < nS; j++) {
      const s = splits[j]!;
      nSets = this.packSplit(sj, 8 * j, s, nSets);
      sj[8 * j + 6] = s.leftValue;
      sj[8 * j + 7] = s.rightValue;
      rows += s.end - s.begin;
    }
    const { u8, f32, f64, layout } = this.rows;
    const nParts = this.parallel(rows) ? this.nParts : 1;
    const run = (): void =>
      updateKernel(u8, f32, f64, layout.W, layout.gOff, layout.rOff, layout.yByte, this.ujobs, nJobs, sj, nS, this.catSets, this.counts, 0, nParts);
    if (nParts === 1) run();
    else {
      Atomics.store(this.ctrl!, C_NSJOBS, nS);
      this.dispatch(CMD_UPDATE, nJobs, run);
    }
    for (let j = 0; j < nS; j++) for (let p = 0; p < nParts; p++) left[j] = left[j]! + this.counts[j * nParts + p]!;
    return left;
  }

  private parallel(rows: number): boolean {
    return this.nParts > 1 && rows >= MIN_PARALLEL_ROWS;
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
