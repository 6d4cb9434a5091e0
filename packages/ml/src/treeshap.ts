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

/** TreeSHAP of one encoded row (GbdtModel.encodeRow / encodeColumns values). */
export function treeShapEncoded(model: GbdtModel, x: Float64Array): ShapValues {
  const fo = model.forest;
  const phi = new Float64Array(model.featureNames.length);
  const pb = new PathBuffers(fo.maxDepth);
  for (let k = 0; k < fo.nTrees; k++) recurse(fo, x, phi, pb, fo.roots[k]!, 0, 0, 1, 1, -1);
  return { bias: expectedRaw(model), contributions: phi, raw: model.rawOfEncoded(x) };
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

/** TreeSHAP reasons for one record. */
export function explainRow(model: GbdtModel, row: Row, k = 3): { raw: number; bias: number; reasons: Reason[] } {
  const s = treeShap(model, row);
  return { raw: s.raw, bias: s.bias, reasons: topReasons(model.featureNames, s.contributions, row, k) };
}
