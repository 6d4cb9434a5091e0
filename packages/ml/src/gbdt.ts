/**
 * Histogram gradient-boosted trees for binary log loss (XGBoost "hist" /
 * LightGBM style), on typed arrays.
 *
 * Training outline per tree:
 *  1. gradients g = p - y, hessians h = p(1-p) from the current raw scores;
 *  2. depth-wise growth: for the nodes of a level, histograms of (g, h) per
 *     feature bin; the best split per node by the regularised gain
 *     GL^2/(HL+l) + GR^2/(HR+l) - G^2/(H+l), missing values tried on both sides;
 *  3. the node's row index range is partitioned in place (stable, so row order
 *     stays ascending and memory access stays forward);
 *  4. only the smaller child's histogram is built, the sibling is parent - child.
 *
 * Trees are stored as flat typed arrays with raw-value thresholds, so scoring
 * needs no binning; the fitted bins and category lists are saved with the model
 * (JSON) and used to encode single rows and data sets the same way as training.
 */
import { availableParallelism } from 'node:os';
import type { Dataset, Row } from './dataset.js';
import { Rng, stratifiedSplitIndices } from './dataset.js';
import {
  BINS_PER_FEATURE,
  MISSING_BIN,
  binCount,
  binDataset,
  columnModelValues,
  fitBinning,
  numericBinPadded,
  padCuts,
  rowModelValue,
  type FeatureSpec,
} from './binning.js';
import { HistBuilder, type PartitionJob } from './hist-pool.js';

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

export interface GbdtParams {
  /** boosting rounds (upper bound with early stopping) */
  nTrees: number;
  /** shrinkage (eta) */
  learningRate: number;
  /** depth of every tree (1..16) */
  maxDepth: number;
  /** optional cap on leaves per tree; 0 = only maxDepth limits */
  maxLeaves: number;
  /** minimum hessian sum in a child (XGBoost min_child_weight) */
  minChildWeight: number;
  /** minimum rows in a child (LightGBM min_data_in_leaf); 1 = no limit */
  minLeafSize: number;
  /** L2 regularisation on leaf weights */
  lambda: number;
  /** minimum loss reduction to split (XGBoost gamma / min_split_loss) */
  gamma: number;
  /** fraction of rows sampled per tree */
  subsample: number;
  /** fraction of features sampled per tree */
  colsample: number;
  /** value bins per feature (<= 255; a missing bin comes on top) */
  maxBins: number;
  /** rows sampled to fit the bin cut points */
  binSampleSize: number;
  /** stop when the validation log loss has not improved for this many rounds; 0 = off */
  earlyStoppingRounds: number;
  /** share of the training rows held out for early stopping when no validation set is given */
  validationFraction: number;
  /** per feature: +1 increasing, -1 decreasing, 0 free (numeric features only) */
  monotone: Record<string, -1 | 0 | 1>;
  /** categorical splits: categories are ordered by G / (H + smoothing) */
  catSmoothing: number;
  /** categorical splits: at most this many categories on the smaller side */
  maxCatThreshold: number;
  /** categorical features with at most this many categories use one-vs-rest splits */
  maxOneHot: number;
  seed: number;
  /** threads building histograms; 0 = auto (1 below 200k rows, else all cores up to 8) */
  nThreads: number;
}

export const DEFAULT_GBDT_PARAMS: Readonly<GbdtParams> = Object.freeze({
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  minChildWeight: 1,
  minLeafSize: 1,
  lambda: 1,
  gamma: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  binSampleSize: 100_000,
  earlyStoppingRounds: 0,
  validationFraction: 0.1,
  monotone: {},
  catSmoothing: 10,
  maxCatThreshold: 32,
  maxOneHot: 4,
  seed: 42,
  nThreads: 0,
});

export function resolveGbdtParams(p: Partial<GbdtParams> = {}): GbdtParams {
  const r: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...stripUndefined(p), monotone: { ...(p.monotone ?? {}) } };
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new RangeError(`GBDT parameter ${msg}`);
  };
  check(Number.isInteger(r.nTrees) && r.nTrees >= 1, `nTrees must be an integer >= 1 (got ${r.nTrees})`);
  check(r.learningRate > 0 && r.learningRate <= 1, `learningRate must be in (0, 1] (got ${r.learningRate})`);
  check(Number.isInteger(r.maxDepth) && r.maxDepth >= 1 && r.maxDepth <= 16, `maxDepth must be 1..16 (got ${r.maxDepth})`);
  check(Number.isInteger(r.maxLeaves) && (r.maxLeaves === 0 || r.maxLeaves >= 2), `maxLeaves must be 0 or >= 2`);
  check(r.minChildWeight >= 0, 'minChildWeight must be >= 0');
  check(Number.isInteger(r.minLeafSize) && r.minLeafSize >= 1, 'minLeafSize must be an integer >= 1');
  check(r.lambda >= 0, 'lambda must be >= 0');
  check(r.gamma >= 0, 'gamma must be >= 0');
  check(r.subsample > 0 && r.subsample <= 1, 'subsample must be in (0, 1]');
  check(r.colsample > 0 && r.colsample <= 1, 'colsample must be in (0, 1]');
  check(Number.isInteger(r.maxBins) && r.maxBins >= 2 && r.maxBins <= 255, 'maxBins must be 2..255');
  check(Number.isInteger(r.earlyStoppingRounds) && r.earlyStoppingRounds >= 0, 'earlyStoppingRounds must be >= 0');
  check(r.validationFraction > 0 && r.validationFraction < 1, 'validationFraction must be in (0, 1)');
  check(Number.isInteger(r.nThreads) && r.nThreads >= 0, 'nThreads must be an integer >= 0');
  for (const [k, v] of Object.entries(r.monotone)) check(v === -1 || v === 0 || v === 1, `monotone.${k} must be -1, 0 or 1`);
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------------------
// Serialized model
// ---------------------------------------------------------------------------

/** One tree; nodes are numbered breadth-first and the children of a node are adjacent (right = left + 1). */
export interface GbdtTreeJson {
  /** split feature index, -1 for a leaf */
  feature: number[];
  /** numeric split: go left when value <= threshold; null = +Infinity (left = any value, right = missing); categorical: null */
  threshold: Array<number | null>;
  /** index of the left child (right child = left + 1); -1 for a leaf */
  left: number[];
  /** 1 when missing values go left */
  defaultLeft: number[];
  /** leaf value (already multiplied by the learning rate); 0 on inner nodes */
  value: number[];
  /** training rows that reached the node (TreeSHAP weights) */
  cover: number[];
  /** loss reduction of the split (0 on leaves) */
  gain: number[];
  /** categorical split: category bins (1-based index into the feature's categories) going left */
  catLeft: Array<number[] | null>;
}

export interface GbdtModelJson {
  format: 'lyra-gbdt';
  version: 1;
  objective: 'binary:logistic';
  params: GbdtParams;
  /** log-odds of the training base rate; raw score = baseScore + sum of tree values */
  baseScore: number;
  features: FeatureSpec[];
  trees: GbdtTreeJson[];
  /** trees kept (after early stopping) = trees.length */
  bestIteration: number;
  importance: { gain: number[]; split: number[] };
  training: {
    rows: number;
    validationRows: number;
    positives: number;
    /** validation log loss per round (empty without a validation set) */
    validationLoss: number[];
    seconds: number;
    threads: number;
  };
}

// ---------------------------------------------------------------------------
// Flat forest for scoring
// ---------------------------------------------------------------------------

/** trees up to this depth also get a complete layout for scoring (2^depth leaves each) */
const PERFECT_MAX_DEPTH = 10;
const MISSING_RIGHT_BIT = 1 << 30;
const FEATURE_MASK = MISSING_RIGHT_BIT - 1;
/** 32-bit words of a categorical split's set of bins (bin 0 = missing, 1..255 = categories) */
const CAT_WORDS = 8;
/** complete layouts get a bin set per inner node (32 bytes) while they take at most this many bytes */
const BIN_SETS_MAX_BYTES = 64 << 20;
/** Trees per numeric feature from which a forest of numeric splits alone is walked through bin sets (see FlatForest). */
const NUMERIC_BIN_SETS_TREES_PER_FEATURE = 4;

/**
 * The bin of a categorical feature's model value: its category (1..255), or 0 for a missing value and
 * for anything an encoder never produces (not an integer in 1..255), which is scored as missing.
 */
export function categoryBin(x: number): number {
  return x >= 1 && x <= 255 && Math.floor(x) === x ? x : 0;
}

/**
 * All trees in one set of typed arrays; node ids are global. A node is a leaf
 * when feature < 0. Categorical splits test a bit in an 8-word (256 bin) set.
 */
export class FlatForest {
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
  /** offset into catBits for categorical splits, -1 otherwise */
  readonly catOff: Int32Array;
  /** per categorical split, the bins going left */
  readonly catBits: Uint32Array;
  readonly maxDepth: number;
  // The walk arrays of scoreBlock. A step of any split, numeric or categorical, is
  //   right = (x > thr) | (missRight & x is NaN) | rightBit[set + bin]
  // A numeric split's set is the empty set at offset 0 (and its feature's bin is 0); a categorical
  // split's threshold is +Infinity and its set holds the bins going right, bin 0 (missing) included.
  /** per node, its two children; a leaf's children are itself (it splits feature 0 at +Infinity) */
  private readonly kids: Int32Array;
  private readonly splitFeat: Int32Array;
  private readonly splitThr: Float64Array;
  /** 1 when missing values go right (numeric splits) */
  private readonly missRight: Int32Array;
  /** offset of the node's set in rightBits: 0 (the empty set) for numeric splits and leaves */
  private readonly splitSet: Int32Array;
  /** the empty set, then per categorical split the bins going right (bit 0: missing values) */
  private readonly rightBits: Uint32Array;
  /** the features categorical splits test (their bins are filled into the block's bin buffer) */
  private readonly catFeatures: Int32Array;
  private readonly treeDepths: Int32Array;
  private readonly treeHasCat: Uint8Array;
  // complete (heap-ordered) layouts of the trees up to PERFECT_MAX_DEPTH:
  // the children of position p are 2p+1 and 2p+2, so a step needs no child index load
  /** per tree: offset of its inner nodes in perfFeat/perfThr/perfSet, -1 when it is walked through kids */
  private readonly perfNode: Int32Array;
  /** per tree: offset of its 2^depth leaves in perfValue */
  private readonly perfLeaf: Int32Array;
  /** feature | MISSING_RIGHT_BIT */
  private readonly perfFeat: Int32Array;
  private readonly perfThr: Float64Array;
  private readonly perfSet: Int32Array;
  private readonly perfValue: Float64Array;
  // Bin sets: when the forest has categorical splits and no numeric feature has more than 254 distinct
  // finite thresholds in it (a Lyra model's thresholds are its training cut points, at most 254 and
  // +Infinity), a numeric value becomes its rank among its feature's thresholds (bin 1 + #thresholds < x, bin 0 when missing):
  // x > thresholds[k] exactly when bin > k + 1. Every split of a complete layout, numeric or
  // categorical, is then one bit of its set of bins going right: three loads a step, no float compare.
  /** per numeric feature tested, its thresholds padded for numericBinPadded (numFeatures order) */
  private readonly numCuts: Float64Array[] = [];
  /** the numeric features bin sets rank (empty when the forest has no bin sets) */
  private readonly numFeatures: Int32Array = new Int32Array(0);
  /** per complete-layout inner node (perfFeat positions), its bins going right; empty: no bin sets */
  private readonly perfBits: Uint32Array = new Uint32Array(0);
  /** the bins of the block being scored (row-major like the block; 0 for features not binned) */
  private binBuf = new Uint8Array(0);
  private binBufF = -1;

  constructor(trees: GbdtTreeJson[]) {
    let total = 0;
    let nCat = 0;
    for (const t of trees) {
      total += t.feature.length;
      for (let i = 0; i < t.catLeft.length; i++) if (t.catLeft[i] && t.feature[i]! >= 0) nCat++;
    }
    this.roots = new Int32Array(trees.length);
    this.feature = new Int32Array(total);
    this.threshold = new Float64Array(total);
    this.left = new Int32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.value = new Float64Array(total);
    this.cover = new Float64Array(total);
    this.catOff = new Int32Array(total).fill(-1);
    this.catBits = new Uint32Array(CAT_WORDS * nCat);
    this.kids = new Int32Array(2 * total);
    this.splitFeat = new Int32Array(total);
    this.splitThr = new Float64Array(total).fill(Infinity);
    this.missRight = new Int32Array(total);
    this.splitSet = new Int32Array(total);
    this.rightBits = new Uint32Array(CAT_WORDS * (nCat + 1));
    this.treeDepths = new Int32Array(trees.length);
    this.treeHasCat = new Uint8Array(trees.length);
    const catFeatures = new Set<number>();
    let off = 0;
    let co = 0;
    let depth = 0;
    trees.forEach((t, k) => {
      this.roots[k] = off;
      const m = t.feature.length;
      for (let i = 0; i < m; i++) {
        const j = off + i;
        const f = t.feature[i]!;
        this.feature[j] = f;
        const thr = t.threshold[i];
        this.threshold[j] = thr === null || thr === undefined ? Infinity : thr;
        this.left[j] = f < 0 ? -1 : off + t.left[i]!;
        this.defaultLeft[j] = t.defaultLeft[i]!;
        this.value[j] = t.value[i]!;
        this.cover[j] = t.cover[i]!;
        if (f < 0) {
          this.kids[2 * j] = this.kids[2 * j + 1] = j;
          continue;
        }
        this.kids[2 * j] = this.left[j]!;
        this.kids[2 * j + 1] = this.left[j]! + 1;
        this.splitFeat[j] = f;
        const cats = t.catLeft[i];
        if (!cats) {
          this.splitThr[j] = this.threshold[j]!;
          this.missRight[j] = this.defaultLeft[j] === 1 ? 0 : 1;
          continue;
        }
        this.catOff[j] = co;
        for (const b of cats) this.catBits[co + (b >>> 5)]! |= 1 << (b & 31);
        // right: the value bins not going left, and bin 0 when missing values go right
        const rs = CAT_WORDS + co;
        for (let w = 0; w < CAT_WORDS; w++) this.rightBits[rs + w] = ~this.catBits[co + w]!;
        this.rightBits[rs] = (this.rightBits[rs]! & ~1) | (this.defaultLeft[j] === 1 ? 0 : 1);
        this.splitSet[j] = rs;
        co += CAT_WORDS;
        this.treeHasCat[k] = 1;
        catFeatures.add(f);
      }
      this.treeDepths[k] = treeDepth(t);
      depth = Math.max(depth, this.treeDepths[k]!);
      off += m;
    });
    this.maxDepth = depth;
    this.catFeatures = Int32Array.from([...catFeatures].sort((a, b) => a - b));
    // complete layouts of the shallow trees
    this.perfNode = new Int32Array(trees.length).fill(-1);
    this.perfLeaf = new Int32Array(trees.length);
    let nodes = 0;
    let leaves = 0;
    for (let k = 0; k < trees.length; k++) {
      const D = this.treeDepths[k]!;
      if (D > PERFECT_MAX_DEPTH) continue;
      this.perfNode[k] = nodes;
      this.perfLeaf[k] = leaves;
      nodes += (1 << D) - 1;
      leaves += 1 << D;
    }
    this.perfFeat = new Int32Array(nodes);
    this.perfThr = new Float64Array(nodes).fill(Infinity);
    this.perfSet = new Int32Array(nodes);
    this.perfValue = new Float64Array(leaves);
    for (let k = 0; k < trees.length; k++) if (this.perfNode[k]! >= 0) this.fillPerfect(k, this.roots[k]!, 0, 0);
    // bin sets of the complete layouts (see numCuts)
    const thresholds = new Map<number, Set<number>>();
    for (let j = 0; j < total; j++) {
      const f = this.feature[j]!;
      if (f < 0 || this.catOff[j]! >= 0) continue;
      const t = this.threshold[j]!;
      let set = thresholds.get(f);
      if (!set) thresholds.set(f, (set = new Set()));
      if (t !== Infinity) set.add(t);
    }
    // (a feature split both ways would need two bins per value)
    const fits = [...thresholds].every(([f, t]) => !catFeatures.has(f) && t.size <= 254 && [...t].every((v) => v === v && v !== -Infinity));
    // Binning a block's numeric values costs about a tree's walk per numeric feature. A forest with
    // categorical splits needs bins anyway; one of numeric splits alone wins the binning back only with
    // several trees per feature (ml bench, 1M rows x 30 numeric features: 200 trees score 507k rows/s
    // with bin sets against 433k with the float walk; 50 trees were at 0.49 x XGBoost's CPU rate with them).
    const binningPays = trees.length >= NUMERIC_BIN_SETS_TREES_PER_FEATURE * thresholds.size;
    if ((nCat > 0 || binningPays) && nodes > 0 && fits && nodes * CAT_WORDS * 4 <= BIN_SETS_MAX_BYTES) {
      const rank = new Map<number, Map<number, number>>();
      this.numFeatures = Int32Array.from([...thresholds.keys()].sort((a, b) => a - b));
      for (const f of this.numFeatures) {
        const sorted = Float64Array.from(thresholds.get(f)!).sort();
        this.numCuts.push(padCuts(sorted));
        rank.set(f, new Map(Array.from(sorted, (t, k) => [t, k])));
      }
      const bits = new Uint32Array(nodes * CAT_WORDS);
      for (let k = 0; k < trees.length; k++) if (this.perfNode[k]! >= 0) this.fillPerfectBits(bits, rank, k, this.roots[k]!, 0, 0);
      this.perfBits = bits;
    }
  }

  /** The bin sets of tree k's complete layout, in the order of fillPerfect (a leaf's positions stay empty). */
  private fillPerfectBits(bits: Uint32Array, rank: Map<number, Map<number, number>>, k: number, nd: number, pos: number, d: number): void {
    const D = this.treeDepths[k]!;
    if (d === D) return;
    const f = this.feature[nd]!;
    if (f < 0) {
      this.fillPerfectBits(bits, rank, k, nd, 2 * pos + 1, d + 1);
      this.fillPerfectBits(bits, rank, k, nd, 2 * pos + 2, d + 1);
      return;
    }
    const w = (this.perfNode[k]! + pos) * CAT_WORDS;
    const co = this.catOff[nd]!;
    if (co >= 0) {
      const rs = this.splitSet[nd]!;
      for (let q = 0; q < CAT_WORDS; q++) bits[w + q] = this.rightBits[rs + q]!;
    } else {
      const t = this.threshold[nd]!;
      // right: bins above 1 + the threshold's rank (none for +Infinity), bin 0 when missing values go right
      if (t !== Infinity) for (let b = rank.get(f)!.get(t)! + 2; b < 256; b++) bits[w + (b >>> 5)]! |= 1 << (b & 31);
      if (this.missRight[nd] === 1) bits[w]! |= 1;
    }
    this.fillPerfectBits(bits, rank, k, this.left[nd]!, 2 * pos + 1, d + 1);
    this.fillPerfectBits(bits, rank, k, this.left[nd]! + 1, 2 * pos + 2, d + 1);
  }

  /**
   * Copies node nd of tree k to position pos (heap order: children 2pos+1, 2pos+2) of the tree's
   * complete layout; a leaf above the last level continues as splits that send every row left
   * (feature 0 at +Infinity, missing left, the empty set) down to the leaf value.
   */
  private fillPerfect(k: number, nd: number, pos: number, d: number): void {
    const D = this.treeDepths[k]!;
    const inner = (1 << D) - 1;
    if (d === D) {
      this.perfValue[this.perfLeaf[k]! + pos - inner] = this.value[nd]!;
      return;
    }
    const j = this.perfNode[k]! + pos;
    const f = this.feature[nd]!;
    if (f < 0) {
      this.perfFeat[j] = 0;
      this.perfThr[j] = Infinity;
      this.fillPerfect(k, nd, 2 * pos + 1, d + 1);
      this.fillPerfect(k, nd, 2 * pos + 2, d + 1);
      return;
    }
    this.perfFeat[j] = f | (this.missRight[nd] === 1 ? MISSING_RIGHT_BIT : 0);
    this.perfThr[j] = this.splitThr[nd]!;
    this.perfSet[j] = this.splitSet[nd]!;
    this.fillPerfect(k, this.left[nd]!, 2 * pos + 1, d + 1);
    this.fillPerfect(k, this.left[nd]! + 1, 2 * pos + 2, d + 1);
  }

  get nTrees(): number {
    return this.roots.length;
  }

  /** Whether the complete layouts are walked through bin sets (see numCuts) rather than float compares. */
  get walksBinSets(): boolean {
    return this.perfBits.length > 0;
  }

  /** the bins of a row-major block (categoryBin; numeric: see numCuts), in a buffer reused between calls */
  private blockBins(xb: Float64Array, n: number, F: number): Uint8Array {
    if (this.binBufF !== F || this.binBuf.length < n * F) {
      // numeric features' entries stay 0 (the empty set's bit 0 is 0)
      this.binBuf = new Uint8Array(Math.max(n, 256) * F);
      this.binBufF = F;
    }
    const bins = this.binBuf;
    const cf = this.catFeatures;
    for (let q = 0; q < cf.length; q++) {
      const f = cf[q]!;
      for (let i = 0, o = f; i < n; i++, o += F) bins[o] = categoryBin(xb[o]!);
    }
    const nf = this.numFeatures;
    for (let q = 0; q < nf.length; q++) {
      const f = nf[q]!;
      const cuts = this.numCuts[q]!;
      for (let i = 0, o = f; i < n; i++, o += F) bins[o] = numericBinPadded(cuts, xb[o]!);
    }
    return bins;
  }

  /**
   * Scores a block of rows: adds trees [0, nTrees) to `out[start + i]` for the `n` rows of the
   * row-major block `xb` (F values per row), tree after tree, so the sum order is the one of
   * a single row's walk (bit-identical results).
   *
   * No code is generated: every tree is walked through the arrays with a fixed number of steps
   * (its depth) in which a leaf's two children are the leaf itself, so a step is branch-free
   * (child = kids[2 * node + goesRight]) and the walks of neighbouring rows overlap in the CPU
   * instead of stalling on mispredicted branches. The comparisons are turned into 0/1 with unary
   * plus, which V8 compiles to a flag-setting instruction; `cond ? 1 : 0` becomes a branch and was
   * measured ~3x slower on random data (and 1.5x slower than the former code generation).
   * Categorical splits are branch-free too: the block's category bins are taken once per block
   * (blockBins) and a split reads one bit of its set of bins going right (a categorical pair
   * matrix where every tree has categorical splits: ~1.7x the CPU rate of a walk that branched on
   * them, `npm run bench -- ml-predict`). Shallow trees are
   * walked in their complete layout (children at 2p+1, 2p+2: no child index to load, measured
   * ~15% faster), four or eight rows side by side. One small function serves every model, so it is
   * optimised after the first block of the first call: no first-call compile cost per model.
   */
  scoreBlock(xb: Float64Array, n: number, F: number, out: Float64Array, start: number, nTrees = this.nTrees): void {
    const { kids, splitFeat, splitThr, missRight, splitSet, rightBits, value, roots, treeDepths, treeHasCat, perfNode, perfFeat, perfThr, perfSet, perfValue } = this;
    const bins = this.catFeatures.length > 0 || this.numFeatures.length > 0 ? this.blockBins(xb, n, F) : this.binBuf;
    const perfBits = this.perfBits;
    const binSets = perfBits.length > 0;
    for (let k = 0; k < nTrees; k++) {
      const root = roots[k]!;
      const D = treeDepths[k]!;
      const o = perfNode[k]!;
      if (o >= 0 && binSets) {
        walkBinSets(bins, perfFeat, perfBits, perfValue, o, this.perfLeaf[k]! - ((1 << D) - 1), D, n, F, out, start);
        continue;
      }
      if (o >= 0 && treeHasCat[k] === 0) {
        const lo = this.perfLeaf[k]! - ((1 << D) - 1);
        let i = 0;
        // four rows per step: independent chains the CPU runs side by side
        for (; i + 3 < n; i += 4) {
          const b0 = i * F;
          const b1 = b0 + F;
          const b2 = b1 + F;
          const b3 = b2 + F;
          let p0 = 0;
          let p1 = 0;
          let p2 = 0;
          let p3 = 0;
          for (let d = 0; d < D; d++) {
            const m0 = perfFeat[o + p0]!;
            const m1 = perfFeat[o + p1]!;
            const m2 = perfFeat[o + p2]!;
            const m3 = perfFeat[o + p3]!;
            const x0 = xb[b0 + (m0 & FEATURE_MASK)]!;
            const x1 = xb[b1 + (m1 & FEATURE_MASK)]!;
            const x2 = xb[b2 + (m2 & FEATURE_MASK)]!;
            const x3 = xb[b3 + (m3 & FEATURE_MASK)]!;
            p0 = 2 * p0 + 1 + (+(x0 > perfThr[o + p0]!) | ((m0 >>> 30) & +(x0 !== x0)));
            p1 = 2 * p1 + 1 + (+(x1 > perfThr[o + p1]!) | ((m1 >>> 30) & +(x1 !== x1)));
            p2 = 2 * p2 + 1 + (+(x2 > perfThr[o + p2]!) | ((m2 >>> 30) & +(x2 !== x2)));
            p3 = 2 * p3 + 1 + (+(x3 > perfThr[o + p3]!) | ((m3 >>> 30) & +(x3 !== x3)));
          }
          out[start + i] = out[start + i]! + perfValue[lo + p0]!;
          out[start + i + 1] = out[start + i + 1]! + perfValue[lo + p1]!;
          out[start + i + 2] = out[start + i + 2]! + perfValue[lo + p2]!;
          out[start + i + 3] = out[start + i + 3]! + perfValue[lo + p3]!;
        }
        for (; i < n; i++) {
          const b = i * F;
          let p = 0;
          for (let d = 0; d < D; d++) {
            const m = perfFeat[o + p]!;
            const x = xb[b + (m & FEATURE_MASK)]!;
            p = 2 * p + 1 + (+(x > perfThr[o + p]!) | ((m >>> 30) & +(x !== x)));
          }
          out[start + i] = out[start + i]! + perfValue[lo + p]!;
        }
        continue;
      }
      if (o >= 0) {
        // the same with categorical splits: one more bit per step
        const lo = this.perfLeaf[k]! - ((1 << D) - 1);
        let i = 0;
        for (; i + 3 < n; i += 4) {
          const b0 = i * F;
          const b1 = b0 + F;
          const b2 = b1 + F;
          const b3 = b2 + F;
          let p0 = 0;
          let p1 = 0;
          let p2 = 0;
          let p3 = 0;
          for (let d = 0; d < D; d++) {
            const m0 = perfFeat[o + p0]!;
            const m1 = perfFeat[o + p1]!;
            const m2 = perfFeat[o + p2]!;
            const m3 = perfFeat[o + p3]!;
            const j0 = b0 + (m0 & FEATURE_MASK);
            const j1 = b1 + (m1 & FEATURE_MASK);
            const j2 = b2 + (m2 & FEATURE_MASK);
            const j3 = b3 + (m3 & FEATURE_MASK);
            const x0 = xb[j0]!;
            const x1 = xb[j1]!;
            const x2 = xb[j2]!;
            const x3 = xb[j3]!;
            const c0 = bins[j0]!;
            const c1 = bins[j1]!;
            const c2 = bins[j2]!;
            const c3 = bins[j3]!;
            p0 = 2 * p0 + 1 + (+(x0 > perfThr[o + p0]!) | ((m0 >>> 30) & +(x0 !== x0)) | ((rightBits[perfSet[o + p0]! + (c0 >>> 5)]! >>> (c0 & 31)) & 1));
            p1 = 2 * p1 + 1 + (+(x1 > perfThr[o + p1]!) | ((m1 >>> 30) & +(x1 !== x1)) | ((rightBits[perfSet[o + p1]! + (c1 >>> 5)]! >>> (c1 & 31)) & 1));
            p2 = 2 * p2 + 1 + (+(x2 > perfThr[o + p2]!) | ((m2 >>> 30) & +(x2 !== x2)) | ((rightBits[perfSet[o + p2]! + (c2 >>> 5)]! >>> (c2 & 31)) & 1));
            p3 = 2 * p3 + 1 + (+(x3 > perfThr[o + p3]!) | ((m3 >>> 30) & +(x3 !== x3)) | ((rightBits[perfSet[o + p3]! + (c3 >>> 5)]! >>> (c3 & 31)) & 1));
          }
          out[start + i] = out[start + i]! + perfValue[lo + p0]!;
          out[start + i + 1] = out[start + i + 1]! + perfValue[lo + p1]!;
          out[start + i + 2] = out[start + i + 2]! + perfValue[lo + p2]!;
          out[start + i + 3] = out[start + i + 3]! + perfValue[lo + p3]!;
        }
        for (; i < n; i++) {
          const b = i * F;
          let p = 0;
          for (let d = 0; d < D; d++) {
            const m = perfFeat[o + p]!;
            const j = b + (m & FEATURE_MASK);
            const x = xb[j]!;
            const c = bins[j]!;
            p = 2 * p + 1 + (+(x > perfThr[o + p]!) | ((m >>> 30) & +(x !== x)) | ((rightBits[perfSet[o + p]! + (c >>> 5)]! >>> (c & 31)) & 1));
          }
          out[start + i] = out[start + i]! + perfValue[lo + p]!;
        }
        continue;
      }
      // deep trees: through the node arrays, two rows per step
      let i = 0;
      for (; i + 1 < n; i += 2) {
        const b0 = i * F;
        const b1 = b0 + F;
        let n0 = root;
        let n1 = root;
        for (let d = 0; d < D; d++) {
          const j0 = b0 + splitFeat[n0]!;
          const j1 = b1 + splitFeat[n1]!;
          const x0 = xb[j0]!;
          const x1 = xb[j1]!;
          const c0 = bins.length > 0 ? bins[j0]! : 0;
          const c1 = bins.length > 0 ? bins[j1]! : 0;
          n0 = kids[2 * n0 + (+(x0 > splitThr[n0]!) | (missRight[n0]! & +(x0 !== x0)) | ((rightBits[splitSet[n0]! + (c0 >>> 5)]! >>> (c0 & 31)) & 1))]!;
          n1 = kids[2 * n1 + (+(x1 > splitThr[n1]!) | (missRight[n1]! & +(x1 !== x1)) | ((rightBits[splitSet[n1]! + (c1 >>> 5)]! >>> (c1 & 31)) & 1))]!;
        }
        out[start + i] = out[start + i]! + value[n0]!;
        out[start + i + 1] = out[start + i + 1]! + value[n1]!;
      }
      for (; i < n; i++) {
        const b = i * F;
        let nd = root;
        for (let d = 0; d < D; d++) {
          const j = b + splitFeat[nd]!;
          const x = xb[j]!;
          const c = bins.length > 0 ? bins[j]! : 0;
          nd = kids[2 * nd + (+(x > splitThr[nd]!) | (missRight[nd]! & +(x !== x)) | ((rightBits[splitSet[nd]! + (c >>> 5)]! >>> (c & 31)) & 1))]!;
        }
        out[start + i] = out[start + i]! + value[nd]!;
      }
    }
  }

  /** leaf reached by row-major model values x[base .. base+nFeat) in tree k */
  leaf(k: number, x: Float64Array, base: number): number {
    const feature = this.feature;
    let nd = this.roots[k]!;
    for (;;) {
      const f = feature[nd]!;
      if (f < 0) return nd;
      nd = this.left[nd]! + this.goRight(nd, x[base + f]!);
    }
  }

  /** 0 = left, 1 = right (the reference the block scorer must equal) */
  goRight(nd: number, x: number): number {
    if (x !== x) return this.defaultLeft[nd]! ? 0 : 1;
    const co = this.catOff[nd]!;
    if (co < 0) return x <= this.threshold[nd]! ? 0 : 1;
    const b = categoryBin(x);
    if (b === 0) return this.defaultLeft[nd]! ? 0 : 1;
    return (this.catBits[co + (b >>> 5)]! >>> (b & 31)) & 1 ? 0 : 1;
  }
}

/**
 * Adds one tree's leaf values to out[start + i] for the n rows of a block, walking the tree's
 * complete layout with bin sets (FlatForest.perfBits): inner nodes at o + p, leaves at lo + p.
 * A function of its own: small and called for every tree of every block, so V8 optimises it after
 * the first few blocks of the first call in a process.
 */
function walkBinSets(
  bins: Uint8Array, perfFeat: Int32Array, perfBits: Uint32Array, perfValue: Float64Array,
  o: number, lo: number, D: number, n: number, F: number, out: Float64Array, start: number,
): void {
  let i = 0;
  // eight rows per step: independent chains the CPU runs side by side (eight measured 5-15% faster than four)
  for (; i + 7 < n; i += 8) {
    const b0 = i * F;
    const b1 = b0 + F;
    const b2 = b1 + F;
    const b3 = b2 + F;
    const b4 = b3 + F;
    const b5 = b4 + F;
    const b6 = b5 + F;
    const b7 = b6 + F;
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let p3 = 0;
    let p4 = 0;
    let p5 = 0;
    let p6 = 0;
    let p7 = 0;
    for (let d = 0; d < D; d++) {
      const c0 = bins[b0 + (perfFeat[o + p0]! & FEATURE_MASK)]!;
      const c1 = bins[b1 + (perfFeat[o + p1]! & FEATURE_MASK)]!;
      const c2 = bins[b2 + (perfFeat[o + p2]! & FEATURE_MASK)]!;
      const c3 = bins[b3 + (perfFeat[o + p3]! & FEATURE_MASK)]!;
      const c4 = bins[b4 + (perfFeat[o + p4]! & FEATURE_MASK)]!;
      const c5 = bins[b5 + (perfFeat[o + p5]! & FEATURE_MASK)]!;
      const c6 = bins[b6 + (perfFeat[o + p6]! & FEATURE_MASK)]!;
      const c7 = bins[b7 + (perfFeat[o + p7]! & FEATURE_MASK)]!;
      p0 = 2 * p0 + 1 + ((perfBits[((o + p0) << 3) + (c0 >>> 5)]! >>> (c0 & 31)) & 1);
      p1 = 2 * p1 + 1 + ((perfBits[((o + p1) << 3) + (c1 >>> 5)]! >>> (c1 & 31)) & 1);
      p2 = 2 * p2 + 1 + ((perfBits[((o + p2) << 3) + (c2 >>> 5)]! >>> (c2 & 31)) & 1);
      p3 = 2 * p3 + 1 + ((perfBits[((o + p3) << 3) + (c3 >>> 5)]! >>> (c3 & 31)) & 1);
      p4 = 2 * p4 + 1 + ((perfBits[((o + p4) << 3) + (c4 >>> 5)]! >>> (c4 & 31)) & 1);
      p5 = 2 * p5 + 1 + ((perfBits[((o + p5) << 3) + (c5 >>> 5)]! >>> (c5 & 31)) & 1);
      p6 = 2 * p6 + 1 + ((perfBits[((o + p6) << 3) + (c6 >>> 5)]! >>> (c6 & 31)) & 1);
      p7 = 2 * p7 + 1 + ((perfBits[((o + p7) << 3) + (c7 >>> 5)]! >>> (c7 & 31)) & 1);
    }
    out[start + i + 0] = out[start + i + 0]! + perfValue[lo + p0]!;
    out[start + i + 1] = out[start + i + 1]! + perfValue[lo + p1]!;
    out[start + i + 2] = out[start + i + 2]! + perfValue[lo + p2]!;
    out[start + i + 3] = out[start + i + 3]! + perfValue[lo + p3]!;
    out[start + i + 4] = out[start + i + 4]! + perfValue[lo + p4]!;
    out[start + i + 5] = out[start + i + 5]! + perfValue[lo + p5]!;
    out[start + i + 6] = out[start + i + 6]! + perfValue[lo + p6]!;
    out[start + i + 7] = out[start + i + 7]! + perfValue[lo + p7]!;
  }
  for (; i < n; i++) {
    const b = i * F;
    let p = 0;
    for (let d = 0; d < D; d++) {
      const c = bins[b + (perfFeat[o + p]! & FEATURE_MASK)]!;
      p = 2 * p + 1 + ((perfBits[((o + p) << 3) + (c >>> 5)]! >>> (c & 31)) & 1);
    }
    out[start + i] = out[start + i]! + perfValue[lo + p]!;
  }
}

function treeDepth(t: GbdtTreeJson): number {
  const d = new Int32Array(t.feature.length);
  let max = 0;
  for (let i = 0; i < t.feature.length; i++) {
    if (t.feature[i]! >= 0) {
      const l = t.left[i]!;
      d[l] = d[l + 1] = d[i]! + 1;
      max = Math.max(max, d[i]! + 1);
    }
  }
  return max;
}

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

/**
 * Batch predictions of up to this many rows encode their columns into arrays kept by the thread
 * (predictScratch) rather than fresh ones: a scoring page (~25,000 pairs) encodes ~15 categorical
 * columns of 200 KB, and under the server's allocator settings (scripts/start.mjs: arrays over 128
 * KB get a mapping of their own) each fresh one is mapped, zeroed and unmapped again, ~13 % of
 * predict's time on the scale bench's pages. Larger calls (training's evaluation sets) allocate, so
 * what a thread keeps is bounded: its models' encoded (categorical) columns of at most 64k rows,
 * ~3 MB for the propensity model's pages.
 */
const PREDICT_SCRATCH_ROWS = 65_536;
const scratchArrays: Float64Array[] = [];
/** The thread's scratch array `i`, at least `size` long (its contents are left over from the last call). */
function predictScratch(i: number, size: number): Float64Array {
  let a = scratchArrays[i];
  if (!a || a.length < size) scratchArrays[i] = a = new Float64Array(size);
  return a;
}

export class GbdtModel {
  readonly forest: FlatForest;
  readonly featureNames: string[];
  private readonly nFeat: number;

  constructor(readonly json: GbdtModelJson) {
    if (json.format !== 'lyra-gbdt' || json.version !== 1) throw new Error('not a lyra-gbdt v1 model');
    this.forest = new FlatForest(json.trees);
    this.featureNames = json.features.map((f) => f.name);
    this.nFeat = json.features.length;
  }

  static fromJSON(json: GbdtModelJson | string): GbdtModel {
    return new GbdtModel(typeof json === 'string' ? (JSON.parse(json) as GbdtModelJson) : json);
  }

  /** Plain JSON (for a jsonb column). */
  toJSON(): GbdtModelJson {
    return this.json;
  }

  get features(): FeatureSpec[] {
    return this.json.features;
  }

  get baseScore(): number {
    return this.json.baseScore;
  }

  get nTrees(): number {
    return this.forest.nTrees;
  }

  /** The model values of a single row (see binning.columnModelValues); absent features are NaN. */
  encodeRow(row: Row): Float64Array {
    const x = new Float64Array(this.nFeat);
    this.json.features.forEach((s, f) => (x[f] = rowModelValue(s, row)));
    return x;
  }

  /** Per feature, the model values of a data set's rows (columns absent from the data set are all missing). */
  encodeColumns(ds: Dataset): Float64Array[] {
    return this.json.features.map((s) => {
      const c = ds.column(s.name);
      // numeric columns are used as they are: no copy
      if (s.kind === 'numeric' && c?.kind === 'numeric') return c.values;
      return columnModelValues(s, c, ds.nRows);
    });
  }

  /** raw score (log-odds) of an encoded row */
  rawOfEncoded(x: Float64Array, base = 0, nTrees = this.forest.nTrees): number {
    const fo = this.forest;
    let s = this.json.baseScore;
    for (let k = 0; k < nTrees; k++) s += fo.value[fo.leaf(k, x, base)]!;
    return s;
  }

  predictRowRaw(row: Row): number {
    return this.rawOfEncoded(this.encodeRow(row));
  }

  predictRowProba(row: Row): number {
    return sigmoid(this.predictRowRaw(row));
  }

  /**
   * Raw scores for every row. Rows are processed in blocks copied to a small
   * row-major buffer, and each tree scores the whole block before the
   * next, so the block stays in cache. The sum order (base, tree 1, tree 2, ...)
   * is the one of predictRowRaw, so both give bit-identical scores.
   */
  predictRaw(ds: Dataset, nTrees = this.forest.nTrees): Float64Array {
    const n = ds.nRows;
    const F = this.nFeat;
    const B = 256;
    const reuse = n <= PREDICT_SCRATCH_ROWS;
    const cols = this.json.features.map((s, f) => {
      const c = ds.column(s.name);
      // numeric columns are used as they are: no copy
      if (s.kind === 'numeric' && c?.kind === 'numeric') return c.values;
      return columnModelValues(s, c, n, reuse ? predictScratch(f, n) : undefined);
    });
    const out = new Float64Array(n).fill(this.json.baseScore);
    const xb = reuse ? predictScratch(F, B * F) : new Float64Array(B * F);
    const fo = this.forest;
    for (let start = 0; start < n; start += B) {
      const bn = Math.min(B, n - start);
      for (let f = 0; f < F; f++) {
        const c = cols[f]!;
        for (let i = 0; i < bn; i++) xb[i * F + f] = c[start + i]!;
      }
      fo.scoreBlock(xb, bn, F, out, start, nTrees);
    }
    return out;
  }

  predictProba(ds: Dataset): Float64Array {
    const r = this.predictRaw(ds);
    for (let i = 0; i < r.length; i++) r[i] = sigmoid(r[i]!);
    return r;
  }

  /** Feature importance by total gain or by split count, highest first. */
  featureImportance(kind: 'gain' | 'split' = 'gain'): Array<{ feature: string; importance: number }> {
    const v = this.json.importance[kind];
    return this.featureNames
      .map((feature, f) => ({ feature, importance: v[f] ?? 0 }))
      .sort((a, b) => b.importance - a.importance || (a.feature < b.feature ? -1 : 1));
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

// ---------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------

export interface GbdtTrainOptions {
  /** validation set for early stopping (else a stratified share of train when earlyStoppingRounds > 0) */
  validation?: Dataset;
  /** called after every round */
  onIteration?: (info: { iteration: number; validationLoss: number | null }) => void;
}

/** Trains a model; uses worker threads for large data sets (see GbdtParams.nThreads). */
export async function trainGbdt(
  train: Dataset,
  params: Partial<GbdtParams> = {},
  opts: GbdtTrainOptions = {},
): Promise<GbdtModel> {
  const p = resolveGbdtParams(params);
  const t0 = performance.now();
  const prep = prepare(train, p, opts, (n) => (p.nThreads > 0 ? p.nThreads : n >= 200_000 ? Math.min(8, availableParallelism()) : 1));
  const builder = await HistBuilder.create(prep.n, prep.nFeat, p.minLeafSize > 1, prep.threads);
  try {
    return new Trainer(prep, p, builder, opts).run(t0);
  } finally {
    await builder.close();
  }
}

/** Single-threaded synchronous training (small data, tests, reproductions). */
export function trainGbdtSync(train: Dataset, params: Partial<GbdtParams> = {}, opts: GbdtTrainOptions = {}): GbdtModel {
  const p = resolveGbdtParams({ ...params, nThreads: 1 });
  const t0 = performance.now();
  const prep = prepare(train, p, opts, () => 1);
  const builder = HistBuilder.createSync(prep.n, prep.nFeat, p.minLeafSize > 1);
  return new Trainer(prep, p, builder, opts).run(t0);
}

interface Prepared {
  n: number;
  nFeat: number;
  threads: number;
  specs: FeatureSpec[];
  /** the training rows' bins, feature-major (copied into the builder's row records, then dropped) */
  binsFM: Uint8Array | null;
  y: Uint8Array;
  val: { n: number; binsFM: Uint8Array; y: Uint8Array } | null;
}

function prepare(train: Dataset, p: GbdtParams, opts: GbdtTrainOptions, threadsFor: (rows: number) => number): Prepared {
  if (!train.label) throw new Error('training data has no label');
  if (train.columns.length === 0) throw new Error('training data has no feature columns');
  for (const [name, dir] of Object.entries(p.monotone)) {
    const c = train.column(name);
    if (!c) throw new Error(`monotone constraint on unknown feature ${name}`);
    if (c.kind === 'categorical' && dir !== 0) throw new Error(`monotone constraint on categorical feature ${name}`);
  }
  let fit = train;
  let val = opts.validation ?? null;
  if (!val && p.earlyStoppingRounds > 0) {
    const s = stratifiedSplitIndices(train.label, p.validationFraction, p.seed ^ 0x5bd1e995);
    fit = train.subset(s.train);
    val = train.subset(s.test);
  }
  if (val && !val.label) throw new Error('validation data has no label');
  let pos = 0;
  for (let i = 0; i < fit.nRows; i++) pos += fit.label![i]!;
  if (pos === 0 || pos === fit.nRows) throw new Error('the label has a single class in the training data');
  const specs = fitBinning(fit, { maxBins: p.maxBins, sampleSize: p.binSampleSize, seed: p.seed });
  const n = fit.nRows;
  const threads = threadsFor(n);
  return {
    n,
    nFeat: specs.length,
    threads,
    specs,
    binsFM: binDataset(specs, fit),
    y: fit.label!,
    val: val ? { n: val.nRows, binsFM: binDataset(specs, val), y: val.label! } : null,
  };
}

/** A node waiting for its split search (its histogram lives in `slot`). */
interface OpenNode {
  id: number;
  begin: number;
  end: number;
  slot: number;
  G: number;
  H: number;
  lo: number;
  hi: number;
}

interface Split {
  gain: number;
  feature: number;
  /** numeric: last value bin going left */
  thrBin: number;
  defaultLeft: boolean;
  /** categorical: left bins */
  catSet: Uint32Array | null;
  GL: number;
  HL: number;
  GR: number;
  HR: number;
}

/** A tree in bin space while it is grown (node ids in creation order). */
class TreeBuild {
  feature: number[] = [];
  thrBin: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  cover: number[] = [];
  gain: number[] = [];
  cat: Array<Uint32Array | null> = [];
  add(cover: number): number {
    this.feature.push(-1);
    this.thrBin.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.cover.push(cover);
    this.gain.push(0);
    this.cat.push(null);
    return this.feature.length - 1;
  }
}

class Trainer {
  private readonly n: number;
  private readonly nFeat: number;
  private readonly nBins: Int32Array;
  private readonly isCat: Uint8Array;
  private readonly mono: Int8Array;
  private readonly constrained: boolean;
  private readonly S: number;
  private readonly active: Uint8Array;
  private readonly rng: Rng;
  private readonly gainImp: Float64Array;
  private readonly splitImp: Float64Array;
  private freeSlots: number[] = [];
  private nextSlot = 0;

  constructor(
    private readonly d: Prepared,
    private readonly p: GbdtParams,
    private readonly hb: HistBuilder,
    private readonly opts: GbdtTrainOptions,
  ) {
    this.n = d.n;
    this.nFeat = d.nFeat;
    this.nBins = Int32Array.from(d.specs.map(binCount));
    this.isCat = Uint8Array.from(d.specs.map((s) => (s.kind === 'categorical' ? 1 : 0)));
    this.mono = Int8Array.from(d.specs.map((s) => p.monotone[s.name] ?? 0));
    this.constrained = this.mono.some((m) => m !== 0);
    this.S = hb.withCount ? 3 : 2;
    this.active = new Uint8Array(this.nFeat).fill(1);
    this.rng = new Rng(p.seed);
    this.gainImp = new Float64Array(this.nFeat);
    this.splitImp = new Float64Array(this.nFeat);
  }

  run(t0: number): GbdtModel {
    const { p, d, n } = this;
    const y = d.y;
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const baseScore = Math.log(pos / (n - pos));
    this.hb.fillRows(d.binsFM!, y, baseScore);
    d.binsFM = null;
    this.refreshGradients();
    const valRaw = d.val ? new Float64Array(d.val.n).fill(baseScore) : null;
    const trees: TreeBuild[] = [];
    const valLoss: number[] = [];
    let best = Infinity;
    let bestIter = 0;
    const impAt: Array<[Float64Array, Float64Array]> = [];
    for (let it = 0; it < p.nTrees; it++) {
      const tree = this.growTree();
      trees.push(tree);
      let vl: number | null = null;
      if (d.val && valRaw) {
        applyTreeBins(tree, d.val.binsFM, d.val.n, valRaw);
        vl = logLossRaw(valRaw, d.val.y);
        valLoss.push(vl);
        impAt.push([this.gainImp.slice(), this.splitImp.slice()]);
        if (vl < best - 1e-12) {
          best = vl;
          bestIter = it + 1;
        }
      }
      this.opts.onIteration?.({ iteration: it + 1, validationLoss: vl });
      if (p.earlyStoppingRounds > 0 && d.val && it + 1 - bestIter >= p.earlyStoppingRounds) break;
    }
    const keep = p.earlyStoppingRounds > 0 && d.val ? Math.max(1, bestIter) : trees.length;
    const [gImp, sImp] = keep < trees.length ? impAt[keep - 1]! : [this.gainImp, this.splitImp];
    const json: GbdtModelJson = {
      format: 'lyra-gbdt',
      version: 1,
      objective: 'binary:logistic',
      params: p,
      baseScore,
      features: d.specs,
      trees: trees.slice(0, keep).map((t) => this.toJsonTree(t)),
      bestIteration: keep,
      importance: { gain: Array.from(gImp), split: Array.from(sImp) },
      training: {
        rows: n,
        validationRows: d.val?.n ?? 0,
        positives: pos,
        validationLoss: valLoss,
        seconds: (performance.now() - t0) / 1000,
        threads: this.hb.threads,
      },
    };
    return new GbdtModel(json);
  }

  // ---- gradients and sampling -------------------------------------------

  /** gradients and hessians of every row from the current raw scores (HistBuilder.update with 0) */
  private refreshGradients(): void {
    this.hb.update([0, this.n, 0]);
  }

  /** Puts the tree's rows at positions [0, m) (all rows, in any order, without row sampling); returns m. */
  private sampleRows(): number {
    const n = this.n;
    if (this.p.subsample >= 1) return n;
    // drawn per position (the rows' order is the one the previous trees left: deterministic)
    const keep = new Uint8Array(n);
    let m = 0;
    const s = this.p.subsample;
    for (let i = 0; i < n; i++) {
      if (this.rng.next() < s) {
        keep[i] = 1;
        m++;
      }
    }
    if (m === 0) keep[this.rng.int(n)] = 1;
    return this.hb.partitionByPosition(keep);
  }

  private sampleColumns(): void {
    const F = this.nFeat;
    if (this.p.colsample >= 1) return;
    const k = Math.max(1, Math.round(this.p.colsample * F));
    const order = this.rng.shuffle(Int32Array.from({ length: F }, (_, i) => i));
    this.active.fill(0);
    for (let i = 0; i < k; i++) this.active[order[i]!] = 1;
  }

  // ---- histogram slots ---------------------------------------------------

  private allocSlot(): number {
    const s = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    this.hb.ensureSlots(s + 1);
    return s;
  }

  private freeSlot(s: number): void {
    if (s >= 0) this.freeSlots.push(s);
  }

  // ---- tree growth -------------------------------------------------------

  private growTree(): TreeBuild {
    const { p } = this;
    // the rows' gradients are current: from the previous tree's update (or the start)
    const m = this.sampleRows();
    this.sampleColumns();
    const tree = new TreeBuild();
    const rootId = tree.add(m);
    this.freeSlots = [];
    this.nextSlot = 0;
    // the root's histogram first: its G and H are the sums over feature 0's bins
    const rootSlot = this.allocSlot();
    this.hb.build([0, m, rootSlot]);
    let G = 0;
    let H = 0;
    {
      const hist = this.hb.hist;
      const o = rootSlot * this.hb.histSize;
      const S = this.S;
      for (let b = 0; b < this.nBins[0]!; b++) {
        G += hist[o + b * S]!;
        H += hist[o + b * S + 1]!;
      }
    }
    const root: OpenNode = { id: rootId, begin: 0, end: m, slot: -1, G, H, lo: -Infinity, hi: Infinity };
    const leaves: OpenNode[] = [];
    let level: OpenNode[] = [];
    if (this.splittable(root)) {
      root.slot = rootSlot;
      level.push(root);
    } else {
      leaves.push(root);
      this.freeSlot(rootSlot);
    }
    let nLeaves = 1;
    const lastSplits: Array<{ job: PartitionJob; lid: number; rid: number }> = [];
    for (let depth = 0; level.length > 0; depth++) {
      // best split of every open node
      const found: Array<[OpenNode, Split]> = [];
      for (const node of level) {
        const s = this.findSplit(node);
        if (s) found.push([node, s]);
        else {
          leaves.push(node);
          this.freeSlot(node.slot);
        }
      }
      // with a leaf budget, the best splits of the level win
      if (p.maxLeaves > 0) {
        found.sort((a, b) => b[1].gain - a[1].gain || a[0].id - b[0].id);
        const room = Math.max(0, p.maxLeaves - nLeaves);
        for (const [node] of found.splice(room)) {
          leaves.push(node);
          this.freeSlot(node.slot);
        }
        found.sort((a, b) => a[0].id - b[0].id);
      }
      const next: OpenNode[] = [];
      const jobs: number[] = [];
      const subtract: Array<[number, number]> = [];
      const childDepth = depth + 1;
      const jobsOf = found.map(([node, s]): PartitionJob => ({ begin: node.begin, end: node.end, feature: s.feature, thrBin: s.thrBin, defaultLeft: s.defaultLeft, catSet: s.catSet }));
      // On the last level the children are leaves: the rows are not moved, the tree's score update
      // sends each row to its child (and counts them), saving a partition of every row.
      const last = childDepth >= p.maxDepth;
      const mids = last ? null : this.hb.partition(jobsOf);
      for (let q = 0; q < found.length; q++) {
        const [node, s] = found[q]!;
        nLeaves++;
        const mid = mids ? mids[q]! : node.begin;
        const lid = tree.add(mid - node.begin);
        const rid = tree.add(node.end - mid);
        if (!mids) lastSplits.push({ job: jobsOf[q]!, lid, rid });
        tree.feature[node.id] = s.feature;
        tree.thrBin[node.id] = s.thrBin;
        tree.defaultLeft[node.id] = s.defaultLeft ? 1 : 0;
        tree.cat[node.id] = s.catSet;
        tree.left[node.id] = lid;
        tree.right[node.id] = rid;
        tree.gain[node.id] = s.gain;
        this.gainImp[s.feature]! += s.gain;
        this.splitImp[s.feature]!++;
        const { lo, hi } = node;
        let lLo = lo;
        let lHi = hi;
        let rLo = lo;
        let rHi = hi;
        const mc = this.mono[s.feature]!;
        if (mc !== 0) {
          // children's weights stay on their side of the midpoint, which keeps every
          // leaf below the split ordered (XGBoost's bound propagation)
          const wl = this.weight(s.GL, s.HL, lo, hi);
          const wr = this.weight(s.GR, s.HR, lo, hi);
          const midW = (wl + wr) / 2;
          if (mc > 0) {
            lHi = Math.min(hi, midW);
            rLo = Math.max(lo, midW);
          } else {
            lLo = Math.max(lo, midW);
            rHi = Math.min(hi, midW);
          }
        }
        // (begin = end = -1: a last-level child, whose rows stay mixed with its sibling's)
        const L: OpenNode = { id: lid, begin: mids ? node.begin : -1, end: mids ? mid : -1, slot: -1, G: s.GL, H: s.HL, lo: lLo, hi: lHi };
        const R: OpenNode = { id: rid, begin: mids ? mid : -1, end: mids ? node.end : -1, slot: -1, G: s.GR, H: s.HR, lo: rLo, hi: rHi };
        const canL = childDepth < p.maxDepth && this.splittable(L);
        const canR = childDepth < p.maxDepth && this.splittable(R);
        if (canL || canR) {
          // build the smaller child, derive the larger one as parent - smaller
          const [small, large] = L.end - L.begin <= R.end - R.begin ? [L, R] : [R, L];
          small.slot = this.allocSlot();
          large.slot = node.slot;
          jobs.push(small.begin, small.end, small.slot);
          subtract.push([large.slot, small.slot]);
        } else this.freeSlot(node.slot);
        for (const [c, ok] of [
          [L, canL],
          [R, canR],
        ] as const) {
          if (ok) next.push(c);
          else leaves.push(c);
        }
      }
      this.hb.build(jobs);
      const hist = this.hb.hist;
      const hs = this.hb.histSize;
      for (const [big, small] of subtract) {
        const a = big * hs;
        const b = small * hs;
        for (let i = 0; i < hs; i++) hist[a + i] = hist[a + i]! - hist[b + i]!;
      }
      // free the slots of children that will not be split
      for (const [, small] of subtract) if (!next.some((c) => c.slot === small)) this.freeSlot(small);
      for (const [big] of subtract) if (!next.some((c) => c.slot === big)) this.freeSlot(big);
      level = next;
    }
    // leaf values and raw score update
    const lr = p.learningRate;
    for (const leaf of leaves) tree.value[leaf.id] = this.weight(leaf.G, leaf.H, leaf.lo, leaf.hi) * lr;
    // every sampled row is in a leaf: one pass adds the leaf value and computes the next gradients
    const ranges: number[] = [];
    for (const leaf of leaves) if (leaf.begin >= 0) ranges.push(leaf.begin, leaf.end, tree.value[leaf.id]!);
    if (m < this.n) {
      // the rows left out of the sample: their leaves found by walking the tree
      this.applyTreeToRows(tree, m, this.n);
      ranges.push(m, this.n, 0);
    }
    const lefts = this.hb.update(
      ranges,
      lastSplits.map(({ job, lid, rid }) => ({ ...job, leftValue: tree.value[lid]!, rightValue: tree.value[rid]! })),
    );
    lastSplits.forEach(({ job, lid, rid }, q) => {
      tree.cover[lid] = lefts[q]!;
      tree.cover[rid] = job.end - job.begin - lefts[q]!;
    });
    return tree;
  }

  /** Adds the tree's leaf values to the raw scores of the rows at positions [from, to). */
  private applyTreeToRows(t: TreeBuild, from: number, to: number): void {
    const { feature, thrBin, defaultLeft, left, right, value, cat } = t;
    const { u8, f64, layout } = this.hb.rows;
    const { W, rOff } = layout;
    for (let i = from; i < to; i++) {
      const p = 4 * W * i;
      let nd = 0;
      for (;;) {
        const f = feature[nd]!;
        if (f < 0) break;
        const b = u8[p + f]!;
        let goLeft: boolean;
        if (b === MISSING_BIN) goLeft = defaultLeft[nd] === 1;
        else {
          const set = cat[nd];
          goLeft = set ? ((set[b >>> 5]! >>> (b & 31)) & 1) === 1 : b <= thrBin[nd]!;
        }
        nd = goLeft ? left[nd]! : right[nd]!;
      }
      const d = (W * i + rOff) >>> 1;
      f64[d] = f64[d]! + value[nd]!;
    }
  }

  private splittable(nd: OpenNode): boolean {
    const c = nd.end - nd.begin;
    return c >= 2 * this.p.minLeafSize && c >= 2 && nd.H >= 2 * this.p.minChildWeight;
  }

  /** optimal leaf weight -G/(H+lambda), clamped to monotone bounds */
  private weight(G: number, H: number, lo: number, hi: number): number {
    const w = -G / (H + this.p.lambda);
    return w < lo ? lo : w > hi ? hi : w;
  }

  /** score term of a child (larger is better); the split gain is left + right - parent */
  private score(G: number, H: number, lo: number, hi: number): number {
    const lam = this.p.lambda;
    if (!this.constrained) return (G * G) / (H + lam);
    // with bounds the weight may be clamped; the loss reduction at the clamped weight
    const w = this.weight(G, H, lo, hi);
    return -(2 * G * w + (H + lam) * w * w);
  }

  // best split of a node over the active features, or null
  private findSplit(node: OpenNode): Split | null {
    const { p, S, nFeat } = this;
    const hist = this.hb.hist;
    const base = node.slot * this.hb.histSize;
    const parentScore = this.score(node.G, node.H, node.lo, node.hi);
    const minGain = Math.max(p.gamma, 1e-9);
    const mcw = p.minChildWeight;
    const minLeaf = p.minLeafSize;
    const withCount = S === 3;
    let best: Split | null = null;
    let bestGain = minGain;
    const fStride = BINS_PER_FEATURE * S;
    const plain = !this.constrained && !withCount;
    const lam = p.lambda;
    for (let f = 0; f < nFeat; f++) {
      if (!this.active[f]) continue;
      const o = base + f * fStride;
      const nb = this.nBins[f]!;
      let Gt = 0;
      let Ht = 0;
      let Ct = 0;
      for (let b = 0; b < nb; b++) {
        Gt += hist[o + b * S]!;
        Ht += hist[o + b * S + 1]!;
        if (withCount) Ct += hist[o + b * S + 2]!;
      }
      const Gm = hist[o]!;
      const Hm = hist[o + 1]!;
      const Cm = withCount ? hist[o + 2]! : 0;
      if (plain && !this.isCat[f]) {
        // the common case (numeric feature, no monotone bounds, no leaf size) without the general
        // candidate function: the same arithmetic in the same order, so the same splits, in half the time
        let last = 0;
        for (let b = nb - 1; b >= 1; b--) {
          if (hist[o + b * 2 + 1]! > 0) {
            last = b;
            break;
          }
        }
        if (last === 0) continue; // only missing values in this node
        let fThr = -1;
        let fDefaultLeft = false;
        let fGL = 0;
        let fHL = 0;
        let fGR = 0;
        let fHR = 0;
        let GL = 0;
        let HL = 0;
        for (let t = 1; t < last; t++) {
          const h = hist[o + t * 2 + 1]!;
          if (h === 0) continue; // empty bin: same partition as the previous threshold
          GL += hist[o + t * 2]!;
          HL += h;
          // missing values right
          const GR = Gt - GL;
          const HR = Ht - HL;
          if (HL >= mcw && HR >= mcw && HL > 0 && HR > 0) {
            const g = (GL * GL) / (HL + lam) + (GR * GR) / (HR + lam) - parentScore;
            if (g > bestGain) {
              bestGain = g;
              fThr = t;
              fDefaultLeft = false;
              fGL = GL;
              fHL = HL;
              fGR = GR;
              fHR = HR;
            }
          }
          if (Hm > 0) {
            // missing values left
            const gl = GL + Gm;
            const hl = HL + Hm;
            const gr = Gt - GL - Gm;
            const hr = Ht - HL - Hm;
            if (hl >= mcw && hr >= mcw && hl > 0 && hr > 0) {
              const g = (gl * gl) / (hl + lam) + (gr * gr) / (hr + lam) - parentScore;
              if (g > bestGain) {
                bestGain = g;
                fThr = t;
                fDefaultLeft = true;
                fGL = gl;
                fHL = hl;
                fGR = gr;
                fHR = hr;
              }
            }
          }
        }
        if (Hm > 0) {
          // "is missing" split: every value left, missing right (threshold +Infinity)
          const gl = Gt - Gm;
          const hl = Ht - Hm;
          if (hl >= mcw && Hm >= mcw && hl > 0) {
            const g = (gl * gl) / (hl + lam) + (Gm * Gm) / (Hm + lam) - parentScore;
            if (g > bestGain) {
              bestGain = g;
              fThr = nb - 1;
              fDefaultLeft = false;
              fGL = gl;
              fHL = hl;
              fGR = Gm;
              fHR = Hm;
            }
          }
        }
        if (fThr >= 0) best = mkSplit(bestGain, f, fThr, fDefaultLeft, null, fGL, fHL, fGR, fHR);
        continue;
      }
      const mc = this.mono[f]!;
      const { lo, hi } = node;
      // evaluates one candidate; returns the gain or -Infinity
      const evalCand = (GL: number, HL: number, CL: number, GR: number, HR: number, CR: number): number => {
        if (HL < mcw || HR < mcw || HL <= 0 || HR <= 0) return -Infinity;
        if (withCount && (CL < minLeaf || CR < minLeaf)) return -Infinity;
        if (mc !== 0) {
          const wl = this.weight(GL, HL, lo, hi);
          const wr = this.weight(GR, HR, lo, hi);
          if (mc > 0 ? wl > wr : wl < wr) return -Infinity;
        }
        return this.score(GL, HL, lo, hi) + this.score(GR, HR, lo, hi) - parentScore;
      };
      if (!this.isCat[f]) {
        let last = 0;
        for (let b = nb - 1; b >= 1; b--) {
          if (hist[o + b * S + 1]! > 0) {
            last = b;
            break;
          }
        }
        if (last === 0) continue; // only missing values in this node
        let GL = 0;
        let HL = 0;
        let CL = 0;
        for (let t = 1; t < last; t++) {
          const h = hist[o + t * S + 1]!;
          if (h === 0) continue; // empty bin: same partition as the previous threshold
          GL += hist[o + t * S]!;
          HL += h;
          if (withCount) CL += hist[o + t * S + 2]!;
          // missing values right
          let g = evalCand(GL, HL, CL, Gt - GL, Ht - HL, Ct - CL);
          if (g > bestGain) {
            bestGain = g;
            best = mkSplit(g, f, t, false, null, GL, HL, Gt - GL, Ht - HL);
          }
          if (Hm > 0) {
            // missing values left
            g = evalCand(GL + Gm, HL + Hm, CL + Cm, Gt - GL - Gm, Ht - HL - Hm, Ct - CL - Cm);
            if (g > bestGain) {
              bestGain = g;
              best = mkSplit(g, f, t, true, null, GL + Gm, HL + Hm, Gt - GL - Gm, Ht - HL - Hm);
            }
          }
        }
        if (Hm > 0) {
          // "is missing" split: every value left, missing right (threshold +Infinity)
          const g = evalCand(Gt - Gm, Ht - Hm, Ct - Cm, Gm, Hm, Cm);
          if (g > bestGain) {
            bestGain = g;
            best = mkSplit(g, f, nb - 1, false, null, Gt - Gm, Ht - Hm, Gm, Hm);
          }
        }
        continue;
      }
      // categorical: categories present in the node
      const cats: number[] = [];
      for (let b = 1; b < nb; b++) if (hist[o + b * S + 1]! > 0) cats.push(b);
      if (cats.length === 0 || (cats.length === 1 && Hm === 0)) continue;
      const smooth = p.catSmoothing;
      let order: number[];
      let maxK: number;
      let oneVsRest = false;
      if (cats.length <= p.maxOneHot) {
        order = cats;
        maxK = cats.length;
        oneVsRest = true;
      } else {
        // LightGBM many-vs-many: sort by G/(H+s); the best subset is a prefix or suffix
        const ratio = new Map<number, number>();
        for (const b of cats) ratio.set(b, hist[o + b * S]! / (hist[o + b * S + 1]! + smooth));
        order = cats.slice().sort((a, b) => ratio.get(a)! - ratio.get(b)! || a - b);
        maxK = Math.min(p.maxCatThreshold, cats.length - 1);
      }
      const tryDirections = oneVsRest ? 1 : 2;
      for (let dir = 0; dir < tryDirections; dir++) {
        let GL = 0;
        let HL = 0;
        let CL = 0;
        for (let k = 0; k < maxK; k++) {
          const b = oneVsRest ? order[k]! : dir === 0 ? order[k]! : order[order.length - 1 - k]!;
          const gb = hist[o + b * S]!;
          const hbv = hist[o + b * S + 1]!;
          const cb = withCount ? hist[o + b * S + 2]! : 0;
          if (oneVsRest) {
            GL = gb;
            HL = hbv;
            CL = cb;
          } else {
            GL += gb;
            HL += hbv;
            CL += cb;
          }
          for (const ml of [false, true]) {
            if (ml && Hm === 0) continue;
            const gl = ml ? GL + Gm : GL;
            const hl = ml ? HL + Hm : HL;
            const cl = ml ? CL + Cm : CL;
            const g = evalCand(gl, hl, cl, Gt - gl, Ht - hl, Ct - cl);
            if (g > bestGain) {
              bestGain = g;
              const set = new Uint32Array(8);
              if (oneVsRest) set[b >>> 5] = 1 << (b & 31);
              else
                for (let q = 0; q <= k; q++) {
                  const c = dir === 0 ? order[q]! : order[order.length - 1 - q]!;
                  set[c >>> 5]! |= 1 << (c & 31);
                }
              best = mkSplit(g, f, 0, ml, set, gl, hl, Gt - gl, Ht - hl);
            }
          }
        }
      }
    }
    return best;
  }

  /** converts a bin-space tree to the JSON form: breadth-first, adjacent children, raw thresholds */
  private toJsonTree(t: TreeBuild): GbdtTreeJson {
    const out: GbdtTreeJson = { feature: [], threshold: [], left: [], defaultLeft: [], value: [], cover: [], gain: [], catLeft: [] };
    const order: number[] = [0];
    const pos = new Map<number, number>([[0, 0]]);
    for (let q = 0; q < order.length; q++) {
      const id = order[q]!;
      if (t.feature[id]! >= 0) {
        pos.set(t.left[id]!, order.length);
        order.push(t.left[id]!);
        pos.set(t.right[id]!, order.length);
        order.push(t.right[id]!);
      }
    }
    for (const id of order) {
      const f = t.feature[id]!;
      out.feature.push(f);
      out.value.push(f < 0 ? t.value[id]! : 0);
      out.cover.push(t.cover[id]!);
      out.gain.push(f < 0 ? 0 : t.gain[id]!);
      out.defaultLeft.push(f < 0 ? 0 : t.defaultLeft[id]!);
      out.left.push(f < 0 ? -1 : pos.get(t.left[id]!)!);
      const cat = t.cat[id];
      if (f < 0) {
        out.threshold.push(null);
        out.catLeft.push(null);
      } else if (cat) {
        out.threshold.push(null);
        const bins: number[] = [];
        for (let b = 1; b < 256; b++) if ((cat[b >>> 5]! >>> (b & 31)) & 1) bins.push(b);
        out.catLeft.push(bins);
      } else {
        const spec = this.d.specs[f]!;
        const tb = t.thrBin[id]!;
        const cuts = spec.kind === 'numeric' ? spec.cuts : [];
        // value bin tb holds x <= cuts[tb-1]; the last bin is open-ended
        out.threshold.push(tb - 1 < cuts.length ? cuts[tb - 1]! : null);
        out.catLeft.push(null);
      }
    }
    return out;
  }
}

function mkSplit(
  gain: number,
  feature: number,
  thrBin: number,
  defaultLeft: boolean,
  catSet: Uint32Array | null,
  GL: number,
  HL: number,
  GR: number,
  HR: number,
): Split {
  return { gain, feature, thrBin, defaultLeft, catSet, GL, HL, GR, HR };
}

/** Adds a bin-space tree's leaf values to raw scores of binned rows (feature-major bins). */
function applyTreeBins(t: TreeBuild, binsFM: Uint8Array, n: number, raw: Float64Array): void {
  const { feature, thrBin, defaultLeft, left, right, value, cat } = t;
  for (let r = 0; r < n; r++) {
    let nd = 0;
    for (;;) {
      const f = feature[nd]!;
      if (f < 0) break;
      const b = binsFM[f * n + r]!;
      let goLeft: boolean;
      if (b === MISSING_BIN) goLeft = defaultLeft[nd] === 1;
      else {
        const set = cat[nd];
        goLeft = set ? ((set[b >>> 5]! >>> (b & 31)) & 1) === 1 : b <= thrBin[nd]!;
      }
      nd = goLeft ? left[nd]! : right[nd]!;
    }
    raw[r] = raw[r]! + value[nd]!;
  }
}

function logLossRaw(raw: Float64Array, y: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < raw.length; i++) {
    const z = raw[i]!;
    // log(1 + e^z) - y z, computed stably
    const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    s += sp - y[i]! * z;
  }
  return s / raw.length;
}
