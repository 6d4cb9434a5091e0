/**
 * L2-regularised logistic regression (Newton / IRLS) as the transparent
 * baseline, and a credit scorecard (weight-of-evidence bins -> points).
 *
 * Preprocessing is fitted on the training data and stored in the model:
 * numeric features are mean-imputed with a missing indicator (when training had
 * missing values), categorical features one-hot encoded (frequent categories;
 * missing / rare / unseen = all zeros), and every design column standardised so
 * one lambda treats all features alike. The intercept is the log-odds at the
 * average row, so per-feature contributions beta_j * z_j add up to the raw score.
 */
import type { Dataset, Row } from './dataset.js';
import { isMissingValue, isNumericString } from './dataset.js';
import { quantileCuts, columnModelValues, type FeatureSpec } from './binning.js';
import { sigmoid } from './gbdt.js';

// ---------------------------------------------------------------------------
// IRLS solver
// ---------------------------------------------------------------------------

/**
 * Minimises sum(logloss) + lambda/2 * |beta|^2 (intercept unpenalised) by Newton's
 * method with step halving. X is row-major n x p (no intercept column).
 */
export function irls(
  X: Float64Array,
  y: Uint8Array,
  n: number,
  p: number,
  lambda: number,
  maxIter = 50,
  tol = 1e-8,
  onIteration?: (iteration: number) => void,
): { intercept: number; coef: Float64Array; iterations: number } {
  const q = p + 1; // parameter 0 is the intercept
  let beta = new Float64Array(q);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean = Math.min(1 - 1e-9, Math.max(1e-9, mean / n));
  beta[0] = Math.log(mean / (1 - mean));
  const objective = (b: Float64Array): number => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      let z = b[0]!;
      const o = i * p;
      for (let j = 0; j < p; j++) z += X[o + j]! * b[j + 1]!;
      const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      l += sp - y[i]! * z;
    }
    for (let j = 1; j < q; j++) l += 0.5 * lambda * b[j]! * b[j]!;
    return l;
  };
  let cur = objective(beta);
  let it = 0;
  const g = new Float64Array(q);
  const H = new Float64Array(q * q);
  for (; it < maxIter; it++) {
    g.fill(0);
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * p;
      let z = beta[0]!;
      for (let j = 0; j < p; j++) z += X[o + j]! * beta[j + 1]!;
      const pr = sigmoid(z);
      const r = pr - y[i]!;
      const w = Math.max(pr * (1 - pr), 1e-12);
      g[0] = g[0]! + r;
      H[0] = H[0]! + w;
      for (let j = 0; j < p; j++) {
        const xj = X[o + j]!;
        if (xj === 0) continue; // nothing to add
        g[j + 1] = g[j + 1]! + r * xj;
        const wx = w * xj;
        H[j + 1] = H[j + 1]! + wx; // row 0, column j+1
        const row = (j + 1) * q;
        for (let k = 0; k <= j; k++) H[row + k + 1] = H[row + k + 1]! + wx * X[o + k]!;
      }
    }
    // symmetrise (only the lower triangle and row 0 were accumulated) and add the penalty
    for (let j = 1; j < q; j++) {
      H[j * q] = H[j]!;
      for (let k = 1; k < j; k++) H[k * q + j] = H[j * q + k]!;
      H[j * q + j] = H[j * q + j]! + lambda;
      g[j] = g[j]! + lambda * beta[j]!;
    }
    const step = choleskySolve(H, g, q);
    let t = 1;
    let next = new Float64Array(q);
    let val = Infinity;
    for (let k = 0; k < 30; k++) {
      for (let j = 0; j < q; j++) next[j] = beta[j]! - t * step[j]!;
      val = objective(next);
      if (val <= cur + 1e-12 * Math.abs(cur)) break;
      t /= 2;
    }
    let maxDelta = 0;
    for (let j = 0; j < q; j++) maxDelta = Math.max(maxDelta, Math.abs(t * step[j]!));
    if (val > cur + 1e-12 * Math.abs(cur)) break; // no descent possible: at the optimum within precision
    [beta, next] = [next, beta];
    cur = val;
    onIteration?.(it + 1);
    if (maxDelta < tol) {
      it++;
      break;
    }
  }
  return { intercept: beta[0]!, coef: beta.slice(1), iterations: it };
}

/** Solves A x = b for symmetric positive definite A (q x q, row-major) by Cholesky. */
function choleskySolve(A: Float64Array, b: Float64Array, q: number): Float64Array {
  const L = new Float64Array(q * q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * q + j]!;
      for (let k = 0; k < j; k++) s -= L[i * q + k]! * L[j * q + k]!;
      if (i === j) L[i * q + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * q + j] = s / L[j * q + j]!;
    }
  }
  const z = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * q + k]! * z[k]!;
    z[i] = s / L[i * q + i]!;
  }
  const x = new Float64Array(q);
  for (let i = q - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < q; k++) s -= L[k * q + i]! * x[k]!;
    x[i] = s / L[i * q + i]!;
  }
  return x;
}

// ---------------------------------------------------------------------------
// Logistic regression
// ---------------------------------------------------------------------------

export interface LogisticParams {
  /** L2 penalty on standardised coefficients (sum-of-loss scale) */
  lambda: number;
  maxIter: number;
  tol: number;
  /** most frequent categories one-hot encoded per feature; the rest share the all-zero code */
  maxCategories: number;
}

export const DEFAULT_LOGISTIC_PARAMS: Readonly<LogisticParams> = Object.freeze({ lambda: 1, maxIter: 50, tol: 1e-8, maxCategories: 50 });

export type LogisticFeature =
  | { name: string; kind: 'numeric'; mean: number; missingIndicator: boolean }
  | { name: string; kind: 'categorical'; categories: string[] };

export interface LogisticTerm {
  /** e.g. "tenure", "tenure:missing", "plan=prepaid" */
  name: string;
  feature: string;
  /** design column mean and standard deviation (training) */
  mean: number;
  std: number;
}

export interface LogisticModelJson {
  format: 'lyra-logistic';
  version: 1;
  params: LogisticParams;
  features: LogisticFeature[];
  terms: LogisticTerm[];
  /** on standardised columns: raw = intercept + sum coef_j * (x_j - mean_j) / std_j */
  intercept: number;
  coef: number[];
  training: { rows: number; iterations: number; seconds: number };
}

/** Design-matrix builder for a fitted feature list. */
function designColumns(features: LogisticFeature[], ds: Dataset): Float64Array[] {
  const n = ds.nRows;
  const out: Float64Array[] = [];
  for (const f of features) {
    const col = ds.column(f.name);
    if (f.kind === 'numeric') {
      const spec: FeatureSpec = { name: f.name, kind: 'numeric', cuts: [] };
      const v = columnModelValues(spec, col, n);
      const x = new Float64Array(n);
      const m = f.missingIndicator ? new Float64Array(n) : null;
      for (let i = 0; i < n; i++) {
        const a = v[i]!;
        if (a !== a) {
          x[i] = f.mean;
          if (m) m[i] = 1;
        } else x[i] = a;
      }
      out.push(x);
      if (m) out.push(m);
    } else {
      const spec: FeatureSpec = { name: f.name, kind: 'categorical', categories: f.categories };
      const v = columnModelValues(spec, col, n); // 1-based category index or NaN
      const cols = f.categories.map(() => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const b = v[i]!;
        if (b === b) cols[b - 1]![i] = 1;
      }
      out.push(...cols);
    }
  }
  return out;
}

function designRow(features: LogisticFeature[], row: Row): number[] {
  const out: number[] = [];
  for (const f of features) {
    const v = row[f.name];
    if (f.kind === 'numeric') {
      let x = NaN;
      if (!isMissingValue(v)) x = typeof v === 'number' ? v : isNumericString(String(v).trim()) ? Number(v) : NaN;
      out.push(x === x ? x : f.mean);
      if (f.missingIndicator) out.push(x === x ? 0 : 1);
    } else {
      const s = isMissingValue(v) ? null : String(v);
      for (const c of f.categories) out.push(s === c ? 1 : 0);
    }
  }
  return out;
}

export class LogisticModel {
  constructor(readonly json: LogisticModelJson) {
    if (json.format !== 'lyra-logistic' || json.version !== 1) throw new Error('not a lyra-logistic v1 model');
  }
  static fromJSON(json: LogisticModelJson | string): LogisticModel {
    return new LogisticModel(typeof json === 'string' ? (JSON.parse(json) as LogisticModelJson) : json);
  }
  toJSON(): LogisticModelJson {
    return this.json;
  }
  get featureNames(): string[] {
    return this.json.features.map((f) => f.name);
  }

  predictRaw(ds: Dataset): Float64Array {
    const cols = designColumns(this.json.features, ds);
    const { terms, coef, intercept } = this.json;
    const out = new Float64Array(ds.nRows).fill(intercept);
    cols.forEach((c, j) => {
      const t = terms[j]!;
      const b = coef[j]! / t.std;
      for (let i = 0; i < c.length; i++) out[i] = out[i]! + b * (c[i]! - t.mean);
    });
    return out;
  }
  predictProba(ds: Dataset): Float64Array {
    const r = this.predictRaw(ds);
    for (let i = 0; i < r.length; i++) r[i] = sigmoid(r[i]!);
    return r;
  }
  /** Contributions per feature (a feature's one-hot / indicator terms summed) and the bias (intercept). */
  contributions(row: Row): { bias: number; contributions: Float64Array; raw: number } {
    const x = designRow(this.json.features, row);
    const { terms, coef, intercept } = this.json;
    const names = this.featureNames;
    const pos = new Map(names.map((n, i) => [n, i]));
    const phi = new Float64Array(names.length);
    let raw = intercept;
    terms.forEach((t, j) => {
      const c = (coef[j]! * (x[j]! - t.mean)) / t.std;
      const k = pos.get(t.feature)!;
      phi[k] = phi[k]! + c;
      raw += c;
    });
    return { bias: intercept, contributions: phi, raw };
  }
  predictRowRaw(row: Row): number {
    return this.contributions(row).raw;
  }
  predictRowProba(row: Row): number {
    return sigmoid(this.predictRowRaw(row));
  }
  /** Coefficients per term on the original scale (per unit of the feature) and standardised. */
  coefficients(): { intercept: number; terms: Array<{ term: string; feature: string; coefficient: number; standardized: number }> } {
    const { terms, coef, intercept } = this.json;
    let b0 = intercept;
    const rows = terms.map((t, j) => {
      const c = coef[j]! / t.std;
      b0 -= c * t.mean;
      return { term: t.name, feature: t.feature, coefficient: c, standardized: coef[j]! };
    });
    return { intercept: b0, terms: rows };
  }
}

/** Observes a fit without being part of the model: `onIteration` after each Newton step (1, 2, ...). */
export interface LogisticTrainOptions {
  onIteration?: (iteration: number) => void;
}

export function trainLogistic(ds: Dataset, params: Partial<LogisticParams> = {}, opts: LogisticTrainOptions = {}): LogisticModel {
  const t0 = performance.now();
  const p: LogisticParams = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
  if (!(p.lambda >= 0)) throw new RangeError('lambda must be >= 0');
  if (!ds.label) throw new Error('training data has no label');
  const n = ds.nRows;
  const features: LogisticFeature[] = ds.columns.map((c) => {
    if (c.kind === 'numeric') {
      let s = 0;
      let k = 0;
      for (let i = 0; i < n; i++) {
        const v = c.values[i]!;
        if (v === v) {
          s += v;
          k++;
        }
      }
      return { name: c.name, kind: 'numeric', mean: k > 0 ? s / k : 0, missingIndicator: k < n && k > 0 };
    }
    const counts = new Float64Array(c.vocabulary.length);
    for (let i = 0; i < n; i++) if (c.codes[i]! >= 0) counts[c.codes[i]!]!++;
    const cats = [...c.vocabulary.keys()]
      .filter((j) => counts[j]! > 0)
      .sort((a, b) => counts[b]! - counts[a]! || (c.vocabulary[a]! < c.vocabulary[b]! ? -1 : 1))
      .slice(0, p.maxCategories)
      .map((j) => c.vocabulary[j]!);
    return { name: c.name, kind: 'categorical', categories: cats };
  });
  const cols = designColumns(features, ds);
  const terms: LogisticTerm[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') {
      terms.push({ name: f.name, feature: f.name, mean: 0, std: 1 });
      if (f.missingIndicator) terms.push({ name: `${f.name}:missing`, feature: f.name, mean: 0, std: 1 });
    } else for (const c of f.categories) terms.push({ name: `${f.name}=${c}`, feature: f.name, mean: 0, std: 1 });
  }
  // standardise; constant columns get std 1 (their coefficient is then shrunk to 0 by lambda)
  cols.forEach((c, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i]!;
    const m = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (c[i]! - m) ** 2;
    const sd = Math.sqrt(v / n);
    terms[j]!.mean = m;
    terms[j]!.std = sd > 1e-12 ? sd : 1;
  });
  const q = cols.length;
  const X = new Float64Array(n * q);
  cols.forEach((c, j) => {
    const { mean, std } = terms[j]!;
    for (let i = 0; i < n; i++) X[i * q + j] = (c[i]! - mean) / std;
  });
  const fit = irls(X, ds.label, n, q, p.lambda, p.maxIter, p.tol, opts.onIteration);
  return new LogisticModel({
    format: 'lyra-logistic',
    version: 1,
    params: p,
    features,
    terms,
    intercept: fit.intercept,
    coef: Array.from(fit.coef),
    training: { rows: n, iterations: fit.iterations, seconds: (performance.now() - t0) / 1000 },
  });
}

// ---------------------------------------------------------------------------
// Scorecard
// ---------------------------------------------------------------------------

export interface ScorecardParams {
  /** initial equal-frequency bins per numeric feature */
  maxBins: number;
  /** bins smaller than this share of rows are merged into a neighbour (categories into "other") */
  minBinShare: number;
  /** merge neighbouring numeric bins until the event rate is monotone */
  monotone: boolean;
  /** points to double the odds */
  pdo: number;
  /** score at the base odds */
  basePoints: number;
  /** good:bad odds at basePoints (50 = 50:1) */
  baseOdds: number;
  lambda: number;
}

export const DEFAULT_SCORECARD_PARAMS: Readonly<ScorecardParams> = Object.freeze({
  maxBins: 10,
  minBinShare: 0.05,
  monotone: true,
  pdo: 20,
  basePoints: 600,
  baseOdds: 50,
  lambda: 1,
});

export interface WoeBin {
  /** numeric: upper bound (inclusive), null = +Infinity; categorical: the categories; missing bin: kind 'missing' */
  kind: 'range' | 'categories' | 'missing' | 'other';
  lower?: number | null;
  upper?: number | null;
  categories?: string[];
  rows: number;
  events: number;
  woe: number;
}

export interface ScorecardFeature {
  name: string;
  kind: 'numeric' | 'categorical';
  bins: WoeBin[];
  /** logistic coefficient on the WoE value */
  coef: number;
}

export interface ScorecardJson {
  format: 'lyra-scorecard';
  version: 1;
  params: ScorecardParams;
  intercept: number;
  features: ScorecardFeature[];
  factor: number;
  offset: number;
  training: { rows: number; events: number };
}

export interface ScorecardRow {
  feature: string;
  bin: string;
  rows: number;
  events: number;
  eventRate: number;
  /** ln(share of non-events / share of events): higher = lower risk */
  woe: number;
  points: number;
}

function woeOf(events: number, rows: number, totalEvents: number, totalNon: number): number {
  // +0.5 smoothing keeps empty cells finite
  return Math.log((rows - events + 0.5) / (totalNon + 0.5) / ((events + 0.5) / (totalEvents + 0.5)));
}

function binNumeric(values: Float64Array, y: Uint8Array, p: ScorecardParams): WoeBin[] {
  const n = values.length;
  const present: number[] = [];
  for (let i = 0; i < n; i++) if (values[i] === values[i]) present.push(i);
  const sorted = Float64Array.from(present, (i) => values[i]!).sort();
  const cuts = quantileCuts(sorted, p.maxBins);
  // bins as [count, events] per interval (cuts[k-1], cuts[k]]
  let bins = cuts.map((c, k) => ({ lower: k === 0 ? null : cuts[k - 1]!, upper: c as number | null, rows: 0, events: 0 }));
  bins.push({ lower: cuts.length ? cuts[cuts.length - 1]! : null, upper: null, rows: 0, events: 0 });
  const cutsArr = Float64Array.from(cuts);
  for (const i of present) {
    const v = values[i]!;
    let lo = 0;
    let hi = cutsArr.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (v <= cutsArr[m]!) hi = m;
      else lo = m + 1;
    }
    bins[lo]!.rows++;
    bins[lo]!.events += y[i]!;
  }
  const merge = (k: number): void => {
    // merge bin k with bin k+1
    const a = bins[k]!;
    const b = bins[k + 1]!;
    bins.splice(k, 2, { lower: a.lower, upper: b.upper, rows: a.rows + b.rows, events: a.events + b.events });
  };
  bins = bins.filter((b) => b.rows > 0 || bins.length === 1);
  // re-link bounds after dropping empty bins
  for (let k = 1; k < bins.length; k++) bins[k]!.lower = bins[k - 1]!.upper;
  if (bins.length > 0) bins[0]!.lower = null;
  if (bins.length > 0) bins[bins.length - 1]!.upper = null;
  const minRows = p.minBinShare * n;
  for (let changed = true; changed && bins.length > 1; ) {
    changed = false;
    let k = bins.findIndex((b) => b.rows < minRows);
    if (k >= 0) {
      if (k === bins.length - 1) k--;
      else if (k > 0 && bins[k - 1]!.rows < bins[k + 1]!.rows) k--;
      merge(k);
      changed = true;
    }
  }
  if (p.monotone && bins.length > 2) {
    const rate = (b: { rows: number; events: number }): number => b.events / b.rows;
    const up = rate(bins[bins.length - 1]!) >= rate(bins[0]!);
    for (let changed = true; changed && bins.length > 1; ) {
      changed = false;
      for (let k = 0; k + 1 < bins.length; k++) {
        const ok = up ? rate(bins[k]!) <= rate(bins[k + 1]!) : rate(bins[k]!) >= rate(bins[k + 1]!);
        if (!ok) {
          merge(k);
          changed = true;
          break;
        }
      }
    }
  }
  const out: WoeBin[] = bins.map((b) => ({ kind: 'range', lower: b.lower, upper: b.upper, rows: b.rows, events: b.events, woe: 0 }));
  const missing = n - present.length;
  if (missing > 0) {
    let ev = 0;
    for (let i = 0; i < n; i++) if (values[i] !== values[i]) ev += y[i]!;
    out.push({ kind: 'missing', rows: missing, events: ev, woe: 0 });
  }
  return out;
}

function binCategorical(codes: Int32Array, vocab: string[], y: Uint8Array, p: ScorecardParams): WoeBin[] {
  const n = codes.length;
  const rows = new Float64Array(vocab.length);
  const ev = new Float64Array(vocab.length);
  let missRows = 0;
  let missEv = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c < 0) {
      missRows++;
      missEv += y[i]!;
    } else {
      rows[c]!++;
      ev[c]! += y[i]!;
    }
  }
  const out: WoeBin[] = [];
  const other: WoeBin = { kind: 'other', categories: [], rows: 0, events: 0, woe: 0 };
  vocab.forEach((v, c) => {
    if (rows[c] === 0) return;
    if (rows[c]! < p.minBinShare * n) {
      other.categories!.push(v);
      other.rows += rows[c]!;
      other.events += ev[c]!;
    } else out.push({ kind: 'categories', categories: [v], rows: rows[c]!, events: ev[c]!, woe: 0 });
  });
  out.push(other); // also receives categories never seen in training
  if (missRows > 0) out.push({ kind: 'missing', rows: missRows, events: missEv, woe: 0 });
  return out;
}

/** index of the bin a value falls in, or -1 (missing without a missing bin) */
function woeBinIndex(f: ScorecardFeature, v: unknown): number {
  const bins = f.bins;
  if (isMissingValue(v)) return bins.findIndex((b) => b.kind === 'missing');
  if (f.kind === 'numeric') {
    const x = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(x) && !(x === Infinity || x === -Infinity)) return bins.findIndex((b) => b.kind === 'missing');
    for (let k = 0; k < bins.length; k++) {
      const b = bins[k]!;
      if (b.kind !== 'range') continue;
      if (b.upper === null || b.upper === undefined || x <= b.upper) return k;
    }
    return -1;
  }
  const s = String(v);
  const k = bins.findIndex((b) => b.kind === 'categories' && b.categories!.includes(s));
  return k >= 0 ? k : bins.findIndex((b) => b.kind === 'other');
}

function binLabel(b: WoeBin): string {
  if (b.kind === 'missing') return 'missing';
  if (b.kind === 'other') return b.categories && b.categories.length > 0 ? `other (${b.categories.join(', ')})` : 'other';
  if (b.kind === 'categories') return b.categories!.join(', ');
  const lo = b.lower === null || b.lower === undefined ? '-inf' : fmt(b.lower);
  const hi = b.upper === null || b.upper === undefined ? '+inf' : fmt(b.upper);
  return `(${lo}, ${hi}]`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, '');
}

export class ScorecardModel {
  constructor(readonly json: ScorecardJson) {
    if (json.format !== 'lyra-scorecard' || json.version !== 1) throw new Error('not a lyra-scorecard v1 model');
  }
  static fromJSON(json: ScorecardJson | string): ScorecardModel {
    return new ScorecardModel(typeof json === 'string' ? (JSON.parse(json) as ScorecardJson) : json);
  }
  toJSON(): ScorecardJson {
    return this.json;
  }

  private pointsOf(f: ScorecardFeature, woe: number): number {
    const { factor, offset, intercept } = this.json;
    const k = this.json.features.length;
    return -factor * (f.coef * woe + intercept / k) + offset / k;
  }

  /** The scorecard table: points per bin of every feature. */
  scorecard(): ScorecardRow[] {
    return this.json.features.flatMap((f) =>
      f.bins.map((b) => ({
        feature: f.name,
        bin: binLabel(b),
        rows: b.rows,
        events: b.events,
        eventRate: b.rows > 0 ? b.events / b.rows : NaN,
        woe: b.woe,
        points: this.pointsOf(f, b.woe),
      })),
    );
  }

  /** log-odds of the event (bad) for a row */
  predictRowRaw(row: Row): number {
    let z = this.json.intercept;
    for (const f of this.json.features) {
      const k = woeBinIndex(f, row[f.name]);
      z += f.coef * (k >= 0 ? f.bins[k]!.woe : 0); // no bin: WoE 0 = neutral evidence
    }
    return z;
  }
  predictRowProba(row: Row): number {
    return sigmoid(this.predictRowRaw(row));
  }
  /** points: offset - factor * log-odds(bad) = sum of the bins' points */
  score(row: Row): number {
    return this.json.offset - this.json.factor * this.predictRowRaw(row);
  }
  /** per-feature points of a row (they add up to score(row)) */
  points(row: Row): Array<{ feature: string; bin: string; points: number }> {
    return this.json.features.map((f) => {
      const k = woeBinIndex(f, row[f.name]);
      const b = k >= 0 ? f.bins[k]! : null;
      return { feature: f.name, bin: b ? binLabel(b) : 'unbinned', points: this.pointsOf(f, b ? b.woe : 0) };
    });
  }
  scoreDataset(ds: Dataset): Float64Array {
    const out = new Float64Array(ds.nRows);
    for (let i = 0; i < ds.nRows; i++) out[i] = this.score(ds.row(i));
    return out;
  }
  predictProba(ds: Dataset): Float64Array {
    const out = new Float64Array(ds.nRows);
    for (let i = 0; i < ds.nRows; i++) out[i] = this.predictRowProba(ds.row(i));
    return out;
  }
}

/**
 * Fits a scorecard: WoE bins per feature, logistic regression on the WoE values,
 * points scaled so `basePoints` means `baseOdds`:1 good:bad and every `pdo` points
 * double the odds. The label is the bad event (default = 1).
 */
export function fitScorecard(ds: Dataset, params: Partial<ScorecardParams> = {}): ScorecardModel {
  const p: ScorecardParams = { ...DEFAULT_SCORECARD_PARAMS, ...params };
  if (!ds.label) throw new Error('training data has no label');
  const y = ds.label;
  const n = ds.nRows;
  let events = 0;
  for (let i = 0; i < n; i++) events += y[i]!;
  const non = n - events;
  if (events === 0 || non === 0) throw new Error('the label has a single class');
  const feats: ScorecardFeature[] = ds.columns.map((c) => {
    const bins = c.kind === 'numeric' ? binNumeric(c.values, y, p) : binCategorical(c.codes, c.vocabulary, y, p);
    for (const b of bins) b.woe = woeOf(b.events, b.rows, events, non);
    return { name: c.name, kind: c.kind, bins, coef: 0 };
  });
  const q = feats.length;
  const X = new Float64Array(n * q);
  feats.forEach((f, j) => {
    const col = ds.column(f.name)!;
    // per-value bin lookup once per category / row
    for (let i = 0; i < n; i++) {
      const k = woeBinIndex(f, ds.cell(col, i));
      X[i * q + j] = k >= 0 ? f.bins[k]!.woe : 0;
    }
  });
  const fit = irls(X, y, n, q, p.lambda);
  feats.forEach((f, j) => (f.coef = fit.coef[j]!));
  const factor = p.pdo / Math.LN2;
  const offset = p.basePoints - factor * Math.log(p.baseOdds);
  return new ScorecardModel({
    format: 'lyra-scorecard',
    version: 1,
    params: p,
    intercept: fit.intercept,
    features: feats,
    factor,
    offset,
    training: { rows: n, events },
  });
}
