/**
 * Exact TreeSHAP (Lundberg et al. 2018, "Consistent individualized feature
 * attribution for tree ensembles", Algorithm 2) for GbdtModel: per-feature
 * contributions to the raw score (log-odds) with the path-dependent value
 * function, where a feature outside the coalition follows both children
 * weighted by training cover. For every row:
 *   bias + sum(contributions) = raw score.
 * O(trees * leaves * depth^2) per row.
 */
import type { Row } from './dataset.js';
import type { FlatForest, GbdtModel } from './gbdt.js';

export interface ShapValues {
  /** expected raw score over the training data (cover-weighted): base score + tree means */
  bias: number;
  /** contribution per model feature, in model feature order */
  contributions: Float64Array;
  /** the row's raw score (= bias + sum of contributions up to rounding) */
  raw: number;
}

/** Scratch space for the unique-path arrays of one tree walk. */
class PathBuffers {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  pweight: Float64Array;
  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.pweight = new Float64Array(size);
  }
}

function extendPath(pb: PathBuffers, at: number, depth: number, zero: number, one: number, feature: number): void {
  const { feature: fe, zero: ze, one: on, pweight: pw } = pb;
  fe[at + depth] = feature;
  ze[at + depth] = zero;
  on[at + depth] = one;
  pw[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    pw[at + i + 1] = pw[at + i + 1]! + (one * pw[at + i]! * (i + 1)) / (depth + 1);
    pw[at + i] = (zero * pw[at + i]! * (depth - i)) / (depth + 1);
  }
}

function unwindPath(pb: PathBuffers, at: number, depth: number, pathIndex: number): void {
  const { feature: fe, zero: ze, one: on, pweight: pw } = pb;
  const one = on[at + pathIndex]!;
  const zero = ze[at + pathIndex]!;
  let next = pw[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = pw[at + i]!;
      pw[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (pw[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      pw[at + i] = (pw[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = pathIndex; i < depth; i++) {
    fe[at + i] = fe[at + i + 1]!;
    ze[at + i] = ze[at + i + 1]!;
    on[at + i] = on[at + i + 1]!;
  }
}

/** sum of the path weights with element pathIndex unwound (without modifying the path) */
function unwoundPathSum(pb: PathBuffers, at: number, depth: number, pathIndex: number): number {
  const { zero: ze, one: on, pweight: pw } = pb;
  const one = on[at + pathIndex]!;
  const zero = ze[at + pathIndex]!;
  let next = pw[at + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = pw[at + i]! - (tmp * zero * (depth - i)) / (depth + 1);
    } else if (zero !== 0) {
      total += pw[at + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  fo: FlatForest,
  x: Float64Array,
  phi: Float64Array,
  pb: PathBuffers,
  node: number,
  parentAt: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  // this level's path starts after the parent's (copied, then extended)
  const at = parentAt + depth;
  if (depth > 0) {
    pb.feature.copyWithin(at, parentAt, parentAt + depth);
    pb.zero.copyWithin(at, parentAt, parentAt + depth);
    pb.one.copyWithin(at, parentAt, parentAt + depth);
    pb.pweight.copyWithin(at, parentAt, parentAt + depth);
  }
  extendPath(pb, at, depth, zero, one, feature);
  const f = fo.feature[node]!;
  if (f < 0) {
    const v = fo.value[node]!;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(pb, at, depth, i);
      phi[pb.feature[at + i]!] = phi[pb.feature[at + i]!]! + w * (pb.one[at + i]! - pb.zero[at + i]!) * v;
    }
    return;
  }
  const l = fo.left[node]!;
  const hot = l + fo.goRight(node, x[f]!);
  const cold = hot === l ? l + 1 : l;
  const cover = fo.cover[node]!;
  const hotZero = fo.cover[hot]! / cover;
  const coldZero = fo.cover[cold]! / cover;
  let inZero = 1;
  let inOne = 1;
  // a feature met again on the path: undo its earlier extension, carry its fractions
  let k = 0;
  for (; k <= depth; k++) if (pb.feature[at + k] === f) break;
  let d = depth;
  if (k !== depth + 1) {
    inZero = pb.zero[at + k]!;
    inOne = pb.one[at + k]!;
    unwindPath(pb, at, depth, k);
    d -= 1;
  }
  recurse(fo, x, phi, pb, hot, at, d + 1, hotZero * inZero, inOne, f);
  recurse(fo, x, phi, pb, cold, at, d + 1, coldZero * inZero, 0, f);
}

const expectedCache = new WeakMap<GbdtModel, number>();

/** Cover-weighted mean raw score of the training data (the SHAP bias). */
export function expectedRaw(model: GbdtModel): number {
  const c = expectedCache.get(model);
  if (c !== undefined) return c;
  const fo = model.forest;
  const mean = (nd: number): number => {
    if (fo.feature[nd]! < 0) return fo.value[nd]!;
    const l = fo.left[nd]!;
    const cl = fo.cover[l]!;
    const cr = fo.cover[l + 1]!;
    return (cl * mean(l) + cr * mean(l + 1)) / (cl + cr);
  };
  let s = model.baseScore;
  for (let k = 0; k < fo.nTrees; k++) s += mean(fo.roots[k]!);
  expectedCache.set(model, s);
  return s;
}

/**
 * TreeSHAP of one encoded row by Lundberg's Algorithm 2 for every tree: the
 * reference for treeShapEncoded, which gives the same values faster.
 */
export function treeShapExact(model: GbdtModel, x: Float64Array): ShapValues {
  const fo = model.forest;
  const phi = new Float64Array(model.featureNames.length);
  const pb = new PathBuffers(fo.maxDepth);
  for (let k = 0; k < fo.nTrees; k++) recurse(fo, x, phi, pb, fo.roots[k]!, 0, 0, 1, 1, -1);
  return { bias: expectedRaw(model), contributions: phi, raw: model.rawOfEncoded(x) };
}

/*
 * Fast TreeSHAP v2. For a leaf with value v whose path meets the distinct features
 * U (|U| = k; a feature split on twice counts once), let z_j be the product of the
 * cover fractions of the path's edges on feature j, and T ⊆ U the features whose
 * every split on the path the row follows. Algorithm 2 adds, for i in U,
 *   phi_i += v (o_i - z_i) Σ_{S ⊆ T\{i}} w(|S|) Π_{j ∈ U\(S∪{i})} z_j,
 *   w(s) = s! (k-1-s)! / k!,  o_i = [i ∈ T].
 * With Z(A) = Π_{j∈A} z_j and E(A) = v Σ_{S⊆A} w(|S|) Z(A\S), which depend on the
 * leaf and A only, this is
 *   i ∉ T:  phi_i -= Z(U\T) E(T)
 *   i ∈ T:  phi_i += (1 - z_i) Z(U\T) E(T\{i})
 * (no division, so z_j = 0 is fine). The paper tabulates E over the 2^k subsets;
 * here each leaf keeps, for every T, the record [-Z(U\T) E(T), then the i ∈ T terms
 * in bit order], 1 + |T| floats (k + 1 times the paper's memory at most), so a
 * row reads one contiguous record per leaf instead of k + 1 scattered E values.
 * Bit j = the j-th distinct feature met from the root.
 */

/** Fast TreeSHAP records above this many floats (64 MB) leave the remaining trees to Algorithm 2. */
const FAST_TABLE_BUDGET = 8 * 1024 * 1024;
/** trees deeper than this always use Algorithm 2 (k 2^k floats per leaf) */
const FAST_MAX_DEPTH = 12;

interface FastTables {
  /** per tree: 1 when it has records, 0 when it is explained by Algorithm 2 */
  fastTree: Uint8Array;
  /** per inner node of a fast tree: bit of its feature among the distinct features from the root */
  bit: Int32Array;
  /** per leaf of a fast tree: number of distinct features on its path */
  leafK: Int32Array;
  /** per leaf: offset of its k features in pathFeat */
  leafPath: Int32Array;
  /** per leaf: offset of its records in table */
  leafTable: Int32Array;
  pathFeat: Int32Array;
  table: Float64Array;
  /** deepest fast tree (stack size of the row walk) */
  maxDepth: number;
}

const fastCache = new WeakMap<GbdtModel, FastTables>();

/** recordOffset[k][T]: offset of subset T's record among a k-feature leaf's records (Σ_{T'<T} 1 + |T'|) */
const recordOffset: Int32Array[] = [];
for (let k = 0; k <= FAST_MAX_DEPTH; k++) {
  const o = new Int32Array((1 << k) + 1);
  for (let a = 0; a < 1 << k; a++) o[a + 1] = o[a]! + 1 + popcount32(a);
  recordOffset.push(o);
}

interface TreeSize {
  depth: number;
  /** record floats of its leaves */
  floats: number;
  /** Σ over its leaves of k */
  pathLen: number;
}

function treeSize(fo: FlatForest, nd: number, feats: number[]): TreeSize {
  const f = fo.feature[nd]!;
  if (f < 0) {
    const k = new Set(feats).size;
    return { depth: 0, floats: k <= FAST_MAX_DEPTH ? recordOffset[k]![1 << k]! : Infinity, pathLen: k };
  }
  feats.push(f);
  const l = fo.left[nd]!;
  const a = treeSize(fo, l, feats);
  const b = treeSize(fo, l + 1, feats);
  feats.pop();
  return { depth: 1 + Math.max(a.depth, b.depth), floats: a.floats + b.floats, pathLen: a.pathLen + b.pathLen };
}

function fastTables(model: GbdtModel): FastTables {
  const cached = fastCache.get(model);
  if (cached) return cached;
  const fo = model.forest;
  const nNodes = fo.feature.length;
  const fastTree = new Uint8Array(fo.nTrees);
  let floats = 0;
  let paths = 0;
  let maxDepth = 0;
  for (let k = 0; k < fo.nTrees; k++) {
    const sz = treeSize(fo, fo.roots[k]!, []);
    if (sz.depth > FAST_MAX_DEPTH || floats + sz.floats > FAST_TABLE_BUDGET) continue;
    fastTree[k] = 1;
    floats += sz.floats;
    paths += sz.pathLen;
    maxDepth = Math.max(maxDepth, sz.depth);
  }
  const t: FastTables = {
    fastTree,
    bit: new Int32Array(nNodes).fill(-1),
    leafK: new Int32Array(nNodes),
    leafPath: new Int32Array(nNodes),
    leafTable: new Int32Array(nNodes),
    pathFeat: new Int32Array(paths),
    table: new Float64Array(floats),
    maxDepth,
  };
  // binomial weights w(s, k) = s! (k-1-s)! / k! = 1 / (k * C(k-1, s))
  const weight: Float64Array[] = [];
  for (let k = 0; k <= FAST_MAX_DEPTH; k++) {
    const w = new Float64Array(Math.max(k, 1));
    let c = 1; // C(k-1, s)
    for (let s = 0; s < k; s++) {
      w[s] = 1 / (k * c);
      c = (c * (k - 1 - s)) / (s + 1);
    }
    weight.push(w);
  }
  // scratch: coefficients of Π_{j∈A} (t + z_j) per subset A (stride FAST_MAX_DEPTH + 1), E(A), Z(U\A)
  const stride = FAST_MAX_DEPTH + 1;
  let poly = new Float64Array(0);
  let e = new Float64Array(0);
  let zc = new Float64Array(0);
  const feats: number[] = [];
  const zeros: number[] = [];
  let pathAt = 0;
  let tableAt = 0;
  const leaf = (nd: number): void => {
    const k = feats.length;
    const size = 1 << k;
    const full = size - 1;
    t.leafK[nd] = k;
    t.leafPath[nd] = pathAt;
    t.leafTable[nd] = tableAt;
    for (let j = 0; j < k; j++) t.pathFeat[pathAt + j] = feats[j]!;
    pathAt += k;
    if (poly.length < size * stride) {
      poly = new Float64Array(size * stride);
      e = new Float64Array(size);
      zc = new Float64Array(size);
    }
    const w = weight[k]!;
    const v = fo.value[nd]!;
    poly[0] = 1;
    e[0] = k > 0 ? v * w[0]! : 0;
    zc[full] = 1;
    for (let a = 1; a < size; a++) {
      const j = 31 - Math.clz32(a);
      const prev = (a ^ (1 << j)) * stride;
      const cur = a * stride;
      const zj = zeros[j]!;
      const m = popcount32(a); // |A|, the degree of A's polynomial
      poly[cur] = zj * poly[prev]!;
      for (let s = 1; s < m; s++) poly[cur + s] = poly[prev + s - 1]! + zj * poly[prev + s]!;
      poly[cur + m] = poly[prev + m - 1]!;
      // E(A) = v Σ_s w(s) [t^s]; E(U) is never used (it would need w(k))
      let sum = 0;
      if (m < k) for (let s = 0; s <= m; s++) sum += w[s]! * poly[cur + s]!;
      e[a] = v * sum;
      // Z(U\A') for A' = full minus a: the complement grows by a's top bit
      zc[full ^ a] = zc[full ^ a ^ (1 << j)]! * zj;
    }
    let at = tableAt;
    for (let a = 0; a < size; a++) {
      t.table[at++] = -zc[a]! * e[a]!;
      for (let j = 0; j < k; j++) if (a & (1 << j)) t.table[at++] = (1 - zeros[j]!) * zc[a]! * e[a ^ (1 << j)]!;
    }
    tableAt = at;
  };
  const visit = (nd: number): void => {
    const f = fo.feature[nd]!;
    if (f < 0) {
      leaf(nd);
      return;
    }
    const l = fo.left[nd]!;
    const cover = fo.cover[nd]!;
    let b = feats.indexOf(f);
    const isNew = b < 0;
    if (isNew) {
      b = feats.length;
      feats.push(f);
      zeros.push(1);
    }
    t.bit[nd] = b;
    const z0 = zeros[b]!;
    zeros[b] = (z0 * fo.cover[l]!) / cover;
    visit(l);
    zeros[b] = (z0 * fo.cover[l + 1]!) / cover;
    visit(l + 1);
    zeros[b] = z0;
    if (isNew) {
      feats.pop();
      zeros.pop();
    }
  };
  for (let k = 0; k < fo.nTrees; k++) if (fastTree[k]) visit(fo.roots[k]!);
  fastCache.set(model, t);
  return t;
}

function popcount32(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

/** TreeSHAP of one encoded row (GbdtModel.encodeRow / encodeColumns values). */
export function treeShapEncoded(model: GbdtModel, x: Float64Array): ShapValues {
  const phi = new Float64Array(model.featureNames.length);
  addFastShap(model.forest, fastTables(model), [x], [phi], null, null, null);
  return { bias: expectedRaw(model), contributions: phi, raw: model.rawOfEncoded(x) };
}

/**
 * Rows walked together by treeShapRows. A model's records are tens of MB (400 trees of depth 6: ~38
 * MB), far more than a cache, so explained a few rows at a time every leaf's record is a read from
 * memory; a tree-major walk of a few hundred rows reads each tree's records once for all of them,
 * while the rows' contributions (rows x features doubles) still stay in cache. Measured per row on
 * a 400-tree model: 5 rows at a time 1.6 ms, 50 0.72 ms, 200-500 0.63 ms, 2,000 0.84 ms.
 */
const SHAP_CHUNK = 256;

/**
 * Per node of the model: 1 when every split on the path from its tree's root to it is on a feature
 * `shared` marks (the last mask asked for is kept per model: batch scoring asks with one).
 */
const sharedPathCache = new WeakMap<GbdtModel, { key: string; flags: Uint8Array }>();

function sharedPathFlags(model: GbdtModel, shared: Uint8Array): Uint8Array {
  const key = shared.join('');
  const cached = sharedPathCache.get(model);
  if (cached?.key === key) return cached.flags;
  const fo = model.forest;
  const flags = new Uint8Array(fo.feature.length);
  const visit = (nd: number, allShared: boolean): void => {
    flags[nd] = allShared ? 1 : 0;
    const f = fo.feature[nd]!;
    if (f < 0) return;
    const below = allShared && shared[f] === 1;
    visit(fo.left[nd]!, below);
    visit(fo.left[nd]! + 1, below);
  };
  for (let k = 0; k < fo.nTrees; k++) visit(fo.roots[k]!, true);
  sharedPathCache.set(model, { key, flags });
  return flags;
}

/** Whether two encoded rows hold the same value (bit for bit; missing is NaN) in every column of `columns`. */
function sameIn(a: Float64Array, b: Float64Array, columns: readonly number[]): boolean {
  for (const j of columns) {
    const x = a[j]!;
    const y = b[j]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/**
 * The contributions of several encoded rows, walked together: each tree is visited once for a chunk
 * of them (SHAP_CHUNK), so a leaf's metadata and its records are read once from memory rather than
 * once per row. Batch scoring explains every stored top offer of a page of subscribers this way.
 *
 * `shared` (per feature, 1 or 0) marks features that runs of consecutive rows hold in common, such
 * as a subscriber's own features in the rows of their top offers. A leaf whose path splits only on
 * such features adds the same to every row of a run (each split on its path goes the same way for
 * all of them), so it is added once per run, into the run's own sums, which are added to each of its
 * rows at the end: for a subscriber's five offers, a fifth of the work of those leaves. The runs are
 * found here (consecutive rows equal bit for bit in the shared features): a row that differs starts
 * a run of its own. With `shared`, a row's values are those two parts added, the same bit for bit
 * however the rows are chunked or run together, and equal to treeShapEncoded's up to rounding.
 */
export function treeShapRows(model: GbdtModel, xs: readonly Float64Array[], shared?: Uint8Array): Float64Array[] {
  const nF = model.featureNames.length;
  const phis = xs.map(() => new Float64Array(nF));
  if (xs.length === 0) return phis;
  const tables = fastTables(model);
  const sharedPath = shared ? sharedPathFlags(model, shared) : null;
  const sharedColumns = shared ? [...shared.keys()].filter((j) => shared[j] === 1) : [];
  for (let i = 0; i < xs.length; i += SHAP_CHUNK) {
    const rows = xs.slice(i, i + SHAP_CHUNK);
    const rowPhis = phis.slice(i, i + SHAP_CHUNK);
    if (!sharedPath) {
      addFastShap(model.forest, tables, rows, rowPhis, null, null, null);
      continue;
    }
    const runOf = new Int32Array(rows.length);
    const firsts: number[] = [];
    rows.forEach((x, r) => {
      if (firsts.length === 0 || !sameIn(rows[firsts.at(-1)!]!, x, sharedColumns)) firsts.push(r);
      runOf[r] = firsts.length - 1;
    });
    const runPhis = firsts.map(() => new Float64Array(nF));
    addFastShap(model.forest, tables, rows, rowPhis, sharedPath, Int32Array.from(firsts), runPhis);
    rowPhis.forEach((phi, r) => {
      const run = runPhis[runOf[r]!]!;
      for (let f = 0; f < nF; f++) phi[f] = phi[f]! + run[f]!;
    });
  }
  return phis;
}

/** Scratch space of addFastShap, grown as needed and reused (the walks allocate nothing per call). */
let scratchNode = new Int32Array(64);
let scratchMiss = new Int32Array(64 * 8);
/** 0, 1, 2, ...: the rows a leaf adds to when it adds to every row. */
let everyRow = new Int32Array(0);

/**
 * Adds every tree's contributions for rows xs[r] to phis[r]. Each fast tree is walked depth first over
 * all of its nodes (both children pushed), carrying per row the bits of the path features whose
 * splits the row does not follow; at a leaf each row reads the record of the subset it does follow.
 * With `sharedPath` (see treeShapRows), a leaf it marks adds, for each run of rows, its first row's
 * (`firsts`) to the run's sums (`runPhis`) instead. Kept free of other calls so it stays optimized.
 */
function addFastShap(
  fo: FlatForest, t: FastTables, xs: readonly Float64Array[], phis: readonly Float64Array[],
  sharedPath: Uint8Array | null, firsts: Int32Array | null, runPhis: readonly Float64Array[] | null,
): void {
  const R = xs.length;
  const { fastTree, bit, leafK, leafPath, leafTable, pathFeat, table } = t;
  const { feature, left } = fo;
  // a walk pushes two children per level: at most maxDepth + 1 entries wait at once
  const entries = 2 * (t.maxDepth + 2);
  if (scratchNode.length < entries) scratchNode = new Int32Array(entries);
  if (scratchMiss.length < entries * R) scratchMiss = new Int32Array(entries * R);
  if (everyRow.length < R) everyRow = Int32Array.from({ length: R }, (_, r) => r);
  const stackNode = scratchNode;
  const stackMiss = scratchMiss;
  let pb: PathBuffers | undefined;
  for (let k = 0; k < fo.nTrees; k++) {
    if (!fastTree[k]) {
      pb ??= new PathBuffers(fo.maxDepth);
      for (let r = 0; r < R; r++) recurse(fo, xs[r]!, phis[r]!, pb, fo.roots[k]!, 0, 0, 1, 1, -1);
      continue;
    }
    stackNode[0] = fo.roots[k]!;
    for (let r = 0; r < R; r++) stackMiss[r] = 0;
    let sp = 1;
    while (sp > 0) {
      sp--;
      const nd = stackNode[sp]!;
      const f = feature[nd]!;
      const m0 = sp * R;
      if (f >= 0) {
        // the right child takes this entry's place, the left one goes above it (visited first)
        const l = left[nd]!;
        const b = 1 << bit[nd]!;
        const m1 = m0 + R;
        for (let r = 0; r < R; r++) {
          const miss = stackMiss[m0 + r]!;
          if (fo.goRight(nd, xs[r]![f]!)) {
            stackMiss[m1 + r] = miss | b;
          } else {
            stackMiss[m1 + r] = miss;
            stackMiss[m0 + r] = miss | b;
          }
        }
        stackNode[sp] = l + 1;
        stackNode[sp + 1] = l;
        sp += 2;
        continue;
      }
      const kk = leafK[nd]!;
      if (kk === 0) continue;
      const po = leafPath[nd]!;
      const full = (1 << kk) - 1;
      const base = leafTable[nd]!;
      const offsets = recordOffset[kk]!;
      // each row into its own sums, or (a leaf on shared features only) each run's first row into the run's
      const once = sharedPath !== null && sharedPath[nd] === 1;
      const rows = once ? firsts! : everyRow;
      const targets = once ? runPhis! : phis;
      const n = once ? firsts!.length : R;
      for (let i = 0; i < n; i++) {
        const phi = targets[i]!;
        const miss = stackMiss[m0 + rows[i]!]! & full;
        const inT = full & ~miss;
        let at = base + offsets[inT]!;
        const out = table[at++]!;
        for (let m = inT; m !== 0; m &= m - 1) {
          const g = pathFeat[po + 31 - Math.clz32(m & -m)]!;
          phi[g] = phi[g]! + table[at++]!;
        }
        for (let m = miss; m !== 0; m &= m - 1) {
          const g = pathFeat[po + 31 - Math.clz32(m & -m)]!;
          phi[g] = phi[g]! + out;
        }
      }
    }
  }
}

/** TreeSHAP of a single record. */
export function treeShap(model: GbdtModel, row: Row): ShapValues {
  return treeShapEncoded(model, model.encodeRow(row));
}

export interface Reason {
  feature: string;
  /** contribution to the log-odds */
  contribution: number;
  direction: 'increases' | 'decreases';
  /** the row's value of the feature (null = missing) */
  value: number | string | null;
}

/**
 * The k features that moved this prediction most (largest |contribution|), e.g.
 * "tenure_months = 3 increases the score". Zero contributions are left out.
 */
export function topReasons(featureNames: string[], contributions: ArrayLike<number>, row: Row, k = 3): Reason[] {
  const items: Reason[] = [];
  featureNames.forEach((feature, f) => {
    const c = contributions[f] ?? 0;
    if (c === 0 || !Number.isFinite(c)) return;
    const v = row[feature];
    items.push({
      feature,
      contribution: c,
      direction: c > 0 ? 'increases' : 'decreases',
      value: v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v,
    });
  });
  items.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1));
  return items.slice(0, k);
}

/**
 * TreeSHAP reasons for several records at once (see treeShapRows), e.g. a page of subscribers' top
 * offers; the same reasons as explainRow for each. No raw scores: the caller has them.
 */
export function explainRows(model: GbdtModel, rows: readonly Row[], k = 3, shared?: Uint8Array): Reason[][] {
  const phis = treeShapRows(model, rows.map((r) => model.encodeRow(r)), shared);
  return rows.map((row, i) => topReasons(model.featureNames, phis[i]!, row, k));
}

/** TreeSHAP reasons for one record. */
export function explainRow(model: GbdtModel, row: Row, k = 3): { raw: number; bias: number; reasons: Reason[] } {
  const s = treeShap(model, row);
  return { raw: s.raw, bias: s.bias, reasons: topReasons(model.featureNames, s.contributions, row, k) };
}
