/**
 * Synthetic binary-outcome data with known true probabilities, for tests and
 * benchmarks: because p(y=1|x) is known for every row, the AUC of the true
 * probabilities is the best any model can reach on the same rows.
 *
 * The true log-odds mix what trees must find: thresholds, an interaction, a
 * smooth non-linearity, a categorical effect, informative missing values and
 * weak linear noise features.
 */
import { Dataset, Rng, type Column } from './dataset.js';

export interface SyntheticOptions {
  rows: number;
  /** numeric features (>= 9) */
  features?: number;
  seed?: number;
  /** add a categorical feature `plan` (else plan is a numeric code column) */
  categorical?: boolean;
  /** share of missing values in x3 and x8 */
  missingRate?: number;
  /** shifts the base rate */
  intercept?: number;
}

export interface SyntheticData {
  dataset: Dataset;
  /** true p(y = 1 | x) of every row */
  prob: Float64Array;
}

const PLANS = ['prepaid', 'postpaid_basic', 'postpaid_plus', 'family', 'business'];
const PLAN_EFFECT = [-0.6, 0, 0.4, 0.2, 0.9];

export function syntheticBinary(opts: SyntheticOptions): SyntheticData {
  const n = opts.rows;
  const F = Math.max(9, opts.features ?? 10);
  const rng = new Rng(opts.seed ?? 1);
  const miss = opts.missingRate ?? 0.1;
  const b0 = opts.intercept ?? -1;
  const X: Float64Array[] = [];
  for (let f = 0; f < F; f++) X.push(new Float64Array(n));
  const plan = new Int32Array(n);
  const prob = new Float64Array(n);
  const label = new Uint8Array(n);
  const weak = new Float64Array(F);
  for (let f = 9; f < F; f++) weak[f] = 0.08 * (f % 2 === 0 ? 1 : -1) * (1 + (f % 3));
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) X[f]![i] = rng.normal();
    // a skewed "spend"-like feature and an integer "count" feature
    X[6]![i] = Math.exp(0.8 * X[6]![i]!) * 20;
    X[7]![i] = Math.floor(Math.abs(X[7]![i]!) * 3);
    const pl = Math.min(4, Math.floor(rng.next() * rng.next() * 7));
    plan[i] = pl;
    const x = (f: number): number => X[f]![i]!;
    let z = b0 + 0.8 * x(0) - 0.5 * x(1) + (x(2) > 0.5 ? 1.0 : -0.3) + 0.4 * Math.sin(2 * x(5));
    z += 0.5 * Math.max(-2, Math.min(2, x(4))) * (x(0) > 0 ? 1 : -0.5);
    z += x(6) > 30 ? 0.5 : 0;
    z += x(7) >= 3 ? -0.4 : 0.1 * x(7);
    z += PLAN_EFFECT[pl]!;
    // informative missingness: x3 missing more often for responders-to-be
    let x3Missing = rng.next() < miss;
    if (x3Missing) z += 0.6;
    else z += 0.6 * x(3);
    for (let f = 9; f < F; f++) z += weak[f]! * x(f);
    const p = 1 / (1 + Math.exp(-z));
    prob[i] = p;
    label[i] = rng.next() < p ? 1 : 0;
    if (x3Missing) X[3]![i] = NaN;
    // x8 is pure noise with uninformative missing values
    if (rng.next() < miss) X[8]![i] = NaN;
    x3Missing = false;
  }
  const cols: Column[] = X.map((values, f) => ({ kind: 'numeric', name: `x${f}`, values }));
  if (opts.categorical ?? true) cols.push({ kind: 'categorical', name: 'plan', codes: plan, vocabulary: PLANS.slice() });
  else cols.push({ kind: 'numeric', name: 'plan', values: Float64Array.from(plan) });
  return { dataset: new Dataset(cols, label, null, 'y'), prob };
}

export interface SyntheticUpliftData {
  dataset: Dataset;
  /** true p(y=1 | x, treated) - p(y=1 | x, control) */
  trueUplift: Float64Array;
}

/**
 * Campaign data with a control group: treatment assigned at random (50 %), and
 * the treatment effect depends on the subscriber (positive for some, zero or
 * negative for others), so targeting by predicted uplift beats random targeting.
 */
export function syntheticUplift(opts: { rows: number; seed?: number }): SyntheticUpliftData {
  const n = opts.rows;
  const rng = new Rng(opts.seed ?? 7);
  const F = 6;
  const X: Float64Array[] = [];
  for (let f = 0; f < F; f++) X.push(new Float64Array(n));
  const label = new Uint8Array(n);
  const treat = new Uint8Array(n);
  const up = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) X[f]![i] = rng.normal();
    const x = (f: number): number => X[f]![i]!;
    const base = -1.2 + 0.6 * x(0) - 0.4 * x(1);
    // effect in log-odds: strong when x2 > 0, negative when x3 > 1
    const effect = (x(2) > 0 ? 1.2 : 0) + (x(3) > 1 ? -0.8 : 0) + 0.3 * x(4);
    const p0 = 1 / (1 + Math.exp(-base));
    const p1 = 1 / (1 + Math.exp(-(base + effect)));
    up[i] = p1 - p0;
    const t = rng.next() < 0.5 ? 1 : 0;
    treat[i] = t;
    label[i] = rng.next() < (t ? p1 : p0) ? 1 : 0;
  }
  const cols: Column[] = X.map((values, f) => ({ kind: 'numeric', name: `x${f}`, values }));
  return { dataset: new Dataset(cols, label, treat, 'y'), trueUplift: up };
}
