/**
 * Model evaluation metrics for binary scores. Scores are probabilities unless a
 * function says otherwise; only their order matters for AUC, KS, lift and ROC.
 */
import { Rng } from './dataset.js';

type Num = ArrayLike<number>;

function checkLengths(scores: Num, labels: Num): void {
  if (scores.length !== labels.length) throw new Error(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
}

/** indices sorted by score ascending (stable; NaN last) */
function orderAsc(scores: Num): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  const s = Float64Array.from(scores);
  idx.sort((a, b) => {
    const x = s[a]!;
    const y = s[b]!;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  return idx;
}

/**
 * Area under the ROC curve via the rank-sum (Mann-Whitney) statistic with average
 * ranks for ties: a tie between a positive and a negative counts one half.
 * O(n log n). NaN when one class is absent.
 */
export function auc(scores: Num, labels: Num): number {
  checkLengths(scores, labels);
  const n = scores.length;
  const idx = orderAsc(scores);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i]! > 0 ? 1 : 0;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const v = scores[idx[i]!]!;
    let posInTie = 0;
    while (j < n && scores[idx[j]!]! === v) {
      posInTie += labels[idx[j]!]! > 0 ? 1 : 0;
      j++;
    }
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j
    rankSumPos += posInTie * avgRank;
    i = j;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Gini = 2 AUC - 1 */
export function gini(scores: Num, labels: Num): number {
  return 2 * auc(scores, labels) - 1;
}

/**
 * Kolmogorov-Smirnov statistic: max over thresholds of |TPR - FPR|; tied scores
 * move together (a threshold never splits a tie).
 */
export function ks(scores: Num, labels: Num): number {
  checkLengths(scores, labels);
  const { fpr, tpr } = rocFull(scores, labels);
  let best = 0;
  for (let i = 0; i < fpr.length; i++) best = Math.max(best, Math.abs(tpr[i]! - fpr[i]!));
  return best;
}

/** mean negative log-likelihood; probabilities clipped to [eps, 1 - eps] */
export function logLoss(probs: Num, labels: Num, eps = 1e-15): number {
  checkLengths(probs, labels);
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]!));
    s -= labels[i]! > 0 ? Math.log(p) : Math.log(1 - p);
  }
  return s / probs.length;
}

/** mean squared error of the probabilities */
export function brier(probs: Num, labels: Num): number {
  checkLengths(probs, labels);
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const d = probs[i]! - (labels[i]! > 0 ? 1 : 0);
    s += d * d;
  }
  return s / probs.length;
}

/** ROC points at every distinct threshold, from (0,0) to (1,1) */
function rocFull(scores: Num, labels: Num): { fpr: Float64Array; tpr: Float64Array; thr: Float64Array } {
  const n = scores.length;
  const idx = orderAsc(scores);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i]! > 0 ? 1 : 0;
  const nNeg = n - nPos;
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thr: number[] = [Infinity];
  let tp = 0;
  let fp = 0;
  let i = n - 1;
  while (i >= 0) {
    const v = scores[idx[i]!]!;
    while (i >= 0 && scores[idx[i]!]! === v) {
      if (labels[idx[i]!]! > 0) tp++;
      else fp++;
      i--;
    }
    fpr.push(nNeg > 0 ? fp / nNeg : 0);
    tpr.push(nPos > 0 ? tp / nPos : 0);
    thr.push(v);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thr: Float64Array.from(thr) };
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** rows with score >= threshold are predicted positive */
  threshold: number;
}

/**
 * ROC curve for charts: every distinct threshold, thinned to at most `maxPoints`
 * (keeping both ends and the points evenly spread along the curve).
 */
export function rocCurve(scores: Num, labels: Num, maxPoints = 200): RocPoint[] {
  checkLengths(scores, labels);
  const { fpr, tpr, thr } = rocFull(scores, labels);
  const m = fpr.length;
  const pick: number[] = [];
  if (m <= maxPoints) for (let i = 0; i < m; i++) pick.push(i);
  else {
    // spread by arc length so steep and flat parts both keep resolution
    const cum = new Float64Array(m);
    for (let i = 1; i < m; i++) cum[i] = cum[i - 1]! + Math.hypot(fpr[i]! - fpr[i - 1]!, tpr[i]! - tpr[i - 1]!);
    const total = cum[m - 1]!;
    let j = 0;
    for (let k = 0; k < maxPoints; k++) {
      const target = (total * k) / (maxPoints - 1);
      while (j < m - 1 && cum[j]! < target) j++;
      if (pick.length === 0 || pick[pick.length - 1] !== j) pick.push(j);
    }
    if (pick[pick.length - 1] !== m - 1) pick[pick.length - 1] = m - 1;
  }
  return pick.map((i) => ({ fpr: fpr[i]!, tpr: tpr[i]!, threshold: thr[i]! }));
}

export interface LiftRow {
  /** 1 = highest scores */
  decile: number;
  rows: number;
  positives: number;
  minScore: number;
  maxScore: number;
  meanScore: number;
  /** positives / rows */
  rate: number;
  /** rate / overall rate */
  lift: number;
  /** share of all positives captured up to this decile */
  cumulativeGain: number;
  /** cumulative rate / overall rate */
  cumulativeLift: number;
}

/** Splits rows sorted by score (descending) into `groups` equal-size groups. */
function groupsDesc(scores: Num, groups: number): Array<{ rows: Uint32Array }> {
  const asc = orderAsc(scores);
  const n = asc.length;
  const out: Array<{ rows: Uint32Array }> = [];
  for (let g = 0; g < groups; g++) {
    const a = Math.round((g * n) / groups);
    const b = Math.round(((g + 1) * n) / groups);
    const rows = new Uint32Array(b - a);
    for (let k = a; k < b; k++) rows[k - a] = asc[n - 1 - k]!;
    out.push({ rows });
  }
  return out;
}

/** Decile lift / gain table (highest scores first). */
export function liftTable(scores: Num, labels: Num, groups = 10): LiftRow[] {
  checkLengths(scores, labels);
  const n = scores.length;
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels[i]! > 0 ? 1 : 0;
  const overall = n > 0 ? totalPos / n : 0;
  let cumRows = 0;
  let cumPos = 0;
  return groupsDesc(scores, groups).map(({ rows }, g) => {
    let pos = 0;
    let sum = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (const r of rows) {
      pos += labels[r]! > 0 ? 1 : 0;
      const s = scores[r]!;
      sum += s;
      if (s < mn) mn = s;
      if (s > mx) mx = s;
    }
    cumRows += rows.length;
    cumPos += pos;
    const rate = rows.length > 0 ? pos / rows.length : 0;
    return {
      decile: g + 1,
      rows: rows.length,
      positives: pos,
      minScore: rows.length > 0 ? mn : NaN,
      maxScore: rows.length > 0 ? mx : NaN,
      meanScore: rows.length > 0 ? sum / rows.length : NaN,
      rate,
      lift: overall > 0 ? rate / overall : NaN,
      cumulativeGain: totalPos > 0 ? cumPos / totalPos : NaN,
      cumulativeLift: overall > 0 && cumRows > 0 ? cumPos / cumRows / overall : NaN,
    };
  });
}

export interface CalibrationRow {
  bin: number;
  rows: number;
  /** mean predicted probability */
  meanPredicted: number;
  /** observed positive rate */
  observedRate: number;
  lower: number;
  upper: number;
}

/**
 * Reliability table. 'uniform': equal-width probability bins [0, 0.1), ...;
 * 'quantile': equal-count bins of the predictions. Empty bins are omitted.
 */
export function calibrationTable(probs: Num, labels: Num, bins = 10, strategy: 'uniform' | 'quantile' = 'quantile'): CalibrationRow[] {
  checkLengths(probs, labels);
  const n = probs.length;
  const out: CalibrationRow[] = [];
  if (strategy === 'quantile') {
    const gs = groupsDesc(probs, bins).reverse();
    gs.forEach(({ rows }, b) => {
      if (rows.length === 0) return;
      let sp = 0;
      let sy = 0;
      let mn = Infinity;
      let mx = -Infinity;
      for (const r of rows) {
        const p = probs[r]!;
        sp += p;
        sy += labels[r]! > 0 ? 1 : 0;
        mn = Math.min(mn, p);
        mx = Math.max(mx, p);
      }
      out.push({ bin: b + 1, rows: rows.length, meanPredicted: sp / rows.length, observedRate: sy / rows.length, lower: mn, upper: mx });
    });
    return out;
  }
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    cnt[b]!++;
    sp[b]! += p;
    sy[b]! += labels[i]! > 0 ? 1 : 0;
  }
  for (let b = 0; b < bins; b++) {
    if (cnt[b] === 0) continue;
    out.push({ bin: b + 1, rows: cnt[b]!, meanPredicted: sp[b]! / cnt[b]!, observedRate: sy[b]! / cnt[b]!, lower: b / bins, upper: (b + 1) / bins });
  }
  return out;
}

/** Expected calibration error: row-weighted mean |predicted - observed| over the reliability bins. */
export function expectedCalibrationError(probs: Num, labels: Num, bins = 10, strategy: 'uniform' | 'quantile' = 'quantile'): number {
  const t = calibrationTable(probs, labels, bins, strategy);
  const n = probs.length;
  let e = 0;
  for (const r of t) e += (r.rows / n) * Math.abs(r.meanPredicted - r.observedRate);
  return e;
}

export interface PsiBin {
  lower: number;
  upper: number;
  expected: number;
  actual: number;
  psi: number;
}

/** The expected side of a PSI: cut points at the expected deciles and the expected count per bin. */
export interface PsiReference {
  cuts: number[];
  expected: number[];
  n: number;
}

/** Cut points at the `bins` quantiles of the expected (training) scores, and their counts per bin. */
export function psiReference(expected: Num, bins = 10): PsiReference {
  const e = Float64Array.from(expected).sort();
  if (e.length === 0) throw new Error('PSI needs a non-empty expected score list');
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) {
    const c = e[Math.min(e.length - 1, Math.floor((k * e.length) / bins))]!;
    if (cuts.length === 0 || c > cuts[cuts.length - 1]!) cuts.push(c);
  }
  const ref: PsiReference = { cuts, expected: new Array<number>(cuts.length + 1).fill(0), n: e.length };
  for (let i = 0; i < e.length; i++) ref.expected[psiBinOf(ref.cuts, e[i]!)]!++;
  return ref;
}

/** The bin of a score: the number of cut points at or below it. */
export function psiBinOf(cuts: readonly number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (x < cuts[m]!) hi = m;
    else lo = m + 1;
  }
  return lo;
}

/**
 * PSI from actual counts per bin of a reference: counts can be summed over parts of a population
 * (a scoring run's partitions) and give the PSI of the whole, exactly as `psi` on all its scores.
 */
export function psiFromCounts(ref: PsiReference, actual: Num): { psi: number; bins: PsiBin[] } {
  const nb = ref.cuts.length + 1;
  if (actual.length !== nb) throw new Error(`PSI counts: ${actual.length} bins for a reference of ${nb}`);
  let na = 0;
  for (let b = 0; b < nb; b++) na += actual[b]!;
  if (na === 0) throw new Error('PSI needs two non-empty score lists');
  const floor = 1e-4;
  let total = 0;
  const rows: PsiBin[] = [];
  for (let b = 0; b < nb; b++) {
    const pe = Math.max(floor, ref.expected[b]! / ref.n);
    const pa = Math.max(floor, actual[b]! / na);
    const v = (pa - pe) * Math.log(pa / pe);
    total += v;
    rows.push({ lower: b === 0 ? -Infinity : ref.cuts[b - 1]!, upper: b === nb - 1 ? Infinity : ref.cuts[b]!, expected: ref.expected[b]! / ref.n, actual: actual[b]! / na, psi: v });
  }
  return { psi: total, bins: rows };
}

/**
 * Population stability index of `actual` scores against `expected` (training)
 * scores: 10 bins cut at the expected deciles, PSI = sum (a - e) ln(a / e) with
 * shares floored at 1e-4 so empty bins stay finite. < 0.1 stable, 0.1-0.25
 * watch, > 0.25 shifted.
 */
export function psi(expected: Num, actual: Num, bins = 10): { psi: number; bins: PsiBin[] } {
  if (expected.length === 0 || actual.length === 0) throw new Error('PSI needs two non-empty score lists');
  const ref = psiReference(expected, bins);
  const counts = new Float64Array(ref.cuts.length + 1);
  for (let i = 0; i < actual.length; i++) counts[psiBinOf(ref.cuts, actual[i]!)]!++;
  return psiFromCounts(ref, counts);
}

export interface ClassificationMetrics {
  rows: number;
  positives: number;
  auc: number;
  gini: number;
  ks: number;
  logLoss: number;
  brier: number;
}

/** The headline metrics of a probability model. */
export function classificationMetrics(probs: Num, labels: Num): ClassificationMetrics {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]! > 0 ? 1 : 0;
  const a = auc(probs, labels);
  return { rows: labels.length, positives: pos, auc: a, gini: 2 * a - 1, ks: ks(probs, labels), logLoss: logLoss(probs, labels), brier: brier(probs, labels) };
}

// ---------------------------------------------------------------------------
// Uplift: Qini
// ---------------------------------------------------------------------------

export interface QiniPoint {
  /** share of the population targeted (highest uplift scores first) */
  fraction: number;
  /** incremental positives among the targeted: Y_t - Y_c * N_t / N_c */
  incremental: number;
}

/** Qini curve points after every distinct uplift score (ties move together), from (0,0). */
function qiniRaw(uplift: Num, labels: Num, treatment: Num): { x: Float64Array; q: Float64Array } {
  const n = uplift.length;
  const idx = orderAsc(uplift);
  const xs: number[] = [0];
  const qs: number[] = [0];
  let nt = 0;
  let nc = 0;
  let yt = 0;
  let yc = 0;
  let i = n - 1;
  while (i >= 0) {
    const v = uplift[idx[i]!]!;
    while (i >= 0 && uplift[idx[i]!]! === v) {
      const r = idx[i]!;
      if (treatment[r]! > 0) {
        nt++;
        yt += labels[r]! > 0 ? 1 : 0;
      } else {
        nc++;
        yc += labels[r]! > 0 ? 1 : 0;
      }
      i--;
    }
    xs.push((nt + nc) / n);
    qs.push(nc > 0 ? yt - (yc * nt) / nc : yt);
  }
  return { x: Float64Array.from(xs), q: Float64Array.from(qs) };
}

function trapezoid(x: Float64Array, y: Float64Array): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return a;
}

export interface QiniResult {
  /** area between the Qini curve and the random-targeting diagonal, per row (incremental positives / n) */
  qini: number;
  /** qini divided by the same area of the perfect ordering (1 = perfect, 0 = random) */
  qiniNormalized: number;
  curve: QiniPoint[];
}

/**
 * Qini curve and coefficient (Radcliffe). `incremental` is in positives; the
 * coefficient is the area between the curve and the straight line to its end
 * point, divided by n so data sets of different size compare. The perfect
 * ordering puts treated responders first and control responders last.
 */
export function qini(uplift: Num, labels: Num, treatment: Num, maxPoints = 200): QiniResult {
  checkLengths(uplift, labels);
  checkLengths(uplift, treatment);
  const n = uplift.length;
  const area = (u: Num): number => {
    const { x, q } = qiniRaw(u, labels, treatment);
    const end = q[q.length - 1]!;
    return (trapezoid(x, q) - end / 2) / n;
  };
  const model = qiniRaw(uplift, labels, treatment);
  const end = model.q[model.q.length - 1]!;
  const qv = (trapezoid(model.x, model.q) - end / 2) / n;
  const perfectScore = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = labels[i]! > 0 ? 1 : 0;
    perfectScore[i] = treatment[i]! > 0 ? y : -y;
  }
  const perfect = area(perfectScore);
  const m = model.x.length;
  const curve: QiniPoint[] = [];
  const step = m <= maxPoints ? 1 : (m - 1) / (maxPoints - 1);
  for (let k = 0; k < Math.min(m, maxPoints); k++) {
    const i = Math.min(m - 1, Math.round(k * step));
    curve.push({ fraction: model.x[i]!, incremental: model.q[i]! });
  }
  return { qini: qv, qiniNormalized: perfect !== 0 ? qv / perfect : NaN, curve };
}

export interface UpliftDecileRow {
  /** 1 = highest predicted uplift */
  decile: number;
  rows: number;
  treated: number;
  control: number;
  treatedRate: number;
  controlRate: number;
  /** treatedRate - controlRate */
  observedUplift: number;
  meanPredictedUplift: number;
}

/** Observed uplift (treated rate - control rate) per decile of predicted uplift. */
export function upliftByDecile(uplift: Num, labels: Num, treatment: Num, groups = 10): UpliftDecileRow[] {
  checkLengths(uplift, labels);
  checkLengths(uplift, treatment);
  return groupsDesc(uplift, groups).map(({ rows }, g) => {
    let nt = 0;
    let nc = 0;
    let yt = 0;
    let yc = 0;
    let su = 0;
    for (const r of rows) {
      su += uplift[r]!;
      const y = labels[r]! > 0 ? 1 : 0;
      if (treatment[r]! > 0) {
        nt++;
        yt += y;
      } else {
        nc++;
        yc += y;
      }
    }
    const tr = nt > 0 ? yt / nt : NaN;
    const cr = nc > 0 ? yc / nc : NaN;
    return {
      decile: g + 1,
      rows: rows.length,
      treated: nt,
      control: nc,
      treatedRate: tr,
      controlRate: cr,
      observedUplift: tr - cr,
      meanPredictedUplift: rows.length > 0 ? su / rows.length : NaN,
    };
  });
}

export interface QiniSpread {
  /** the model's Qini coefficient (as qini().qini) */
  qini: number;
  resamples: number;
  seed: number;
  /** bootstrap standard deviation of the model's Qini (rows resampled with replacement) */
  standardError: number;
  /** 95% percentile bootstrap interval of the model's Qini */
  lower: number;
  upper: number;
  /** Qini of random targeting on the same rows (random orders): mean and central 95% range */
  random: { mean: number; lower: number; upper: number };
  /** share of random orders scoring at least the model's Qini, (1 + count) / (1 + resamples) */
  pValue: number;
}

/**
 * How sure the Qini is: a seeded bootstrap interval of the model's coefficient and
 * the coefficient random targeting reaches on the same rows. The rows are sorted
 * once; a bootstrap resample is a vector of multinomial row weights walked in that
 * order (ties stay together, as in qini()), a random order a seeded shuffle.
 */
export function qiniSpread(uplift: Num, labels: Num, treatment: Num, resamples = 200, seed = 42): QiniSpread {
  checkLengths(uplift, labels);
  checkLengths(uplift, treatment);
  if (!(Number.isInteger(resamples) && resamples >= 1)) throw new RangeError(`resamples must be an integer >= 1 (got ${resamples})`);
  const n = uplift.length;
  const order = orderAsc(uplift).reverse();
  // groupEnd[k] = 1 when order[k] is the last row of its tie group
  const groupEnd = new Uint8Array(n);
  for (let k = 0; k < n; k++) groupEnd[k] = k === n - 1 || uplift[order[k]!]! !== uplift[order[k + 1]!]! ? 1 : 0;
  const y = Uint8Array.from({ length: n }, (_, i) => (labels[i]! > 0 ? 1 : 0));
  const t = Uint8Array.from({ length: n }, (_, i) => (treatment[i]! > 0 ? 1 : 0));
  const area = (ord: Uint32Array, ends: Uint8Array | null, w: Float64Array | null): number => {
    let total = 0;
    if (w) for (let i = 0; i < n; i++) total += w[i]!;
    else total = n;
    if (total === 0) return 0;
    let nt = 0;
    let nc = 0;
    let yt = 0;
    let yc = 0;
    let px = 0;
    let pq = 0;
    let trap = 0;
    for (let k = 0; k < n; k++) {
      const r = ord[k]!;
      const wr = w ? w[r]! : 1;
      if (t[r]) {
        nt += wr;
        yt += wr * y[r]!;
      } else {
        nc += wr;
        yc += wr * y[r]!;
      }
      if (ends && !ends[k]) continue;
      const x = (nt + nc) / total;
      const q = nc > 0 ? yt - (yc * nt) / nc : yt;
      trap += ((x - px) * (q + pq)) / 2;
      px = x;
      pq = q;
    }
    return (trap - pq / 2) / total;
  };
  const model = area(order, groupEnd, null);
  const rng = new Rng(seed);
  const boot = new Float64Array(resamples);
  const w = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[rng.int(n)]!++;
    boot[b] = area(order, groupEnd, w);
  }
  const rnd = new Float64Array(resamples);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  let atLeast = 0;
  for (let b = 0; b < resamples; b++) {
    rng.shuffle(perm);
    rnd[b] = area(perm, null, null);
    if (rnd[b]! >= model) atLeast++;
  }
  let m = 0;
  for (const v of boot) m += v;
  m /= resamples;
  let ss = 0;
  for (const v of boot) ss += (v - m) ** 2;
  let rm = 0;
  for (const v of rnd) rm += v;
  boot.sort();
  rnd.sort();
  return {
    qini: model,
    resamples,
    seed,
    standardError: resamples > 1 ? Math.sqrt(ss / (resamples - 1)) : NaN,
    lower: quantileSorted(boot, 0.025),
    upper: quantileSorted(boot, 0.975),
    random: { mean: rm / resamples, lower: quantileSorted(rnd, 0.025), upper: quantileSorted(rnd, 0.975) },
    pValue: (1 + atLeast) / (1 + resamples),
  };
}

/** linear interpolation between order statistics (numpy's default) */
function quantileSorted(s: Float64Array, p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
