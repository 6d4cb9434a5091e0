/**
 * Probability calibration fitted on held-out predictions (never on the rows the
 * model was trained on, where scores are over-confident).
 *  - Platt scaling: p' = sigmoid(a * logit(p) + b), two parameters, smooth;
 *    good when the model is well ordered but mis-scaled.
 *  - Isotonic regression (pool adjacent violators): a monotone step function,
 *    flexible, needs a few thousand held-out rows.
 */

export interface PlattJson {
  method: 'platt';
  a: number;
  b: number;
}

export interface IsotonicJson {
  method: 'isotonic';
  /** block boundaries (ascending input probabilities) and calibrated values; linear in between */
  x: number[];
  y: number[];
}

export type CalibratorJson = PlattJson | IsotonicJson;

export interface Calibrator {
  readonly method: 'platt' | 'isotonic';
  /** calibrated probability of an uncalibrated probability */
  predict(p: number): number;
  predictAll(p: ArrayLike<number>): Float64Array;
  toJSON(): CalibratorJson;
}

const EPS = 1e-12;
function logit(p: number): number {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
}

export class PlattCalibrator implements Calibrator {
  readonly method = 'platt' as const;
  constructor(
    readonly a: number,
    readonly b: number,
  ) {}
  predict(p: number): number {
    const z = this.a * logit(p) + this.b;
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }
  predictAll(p: ArrayLike<number>): Float64Array {
    const o = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) o[i] = this.predict(p[i]!);
    return o;
  }
  toJSON(): PlattJson {
    return { method: 'platt', a: this.a, b: this.b };
  }
}

/**
 * Fits Platt scaling by Newton's method on the log loss of sigmoid(a*logit(p)+b),
 * with Platt's smoothed targets (N+ + 1)/(N+ + 2) and 1/(N- + 2) so a perfectly
 * separated calibration set does not send a to infinity.
 */
export function fitPlatt(probs: ArrayLike<number>, labels: ArrayLike<number>): PlattCalibrator {
  const n = probs.length;
  if (n !== labels.length || n === 0) throw new Error('fitPlatt: probabilities and labels must be non-empty and equal in length');
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i]! > 0 ? 1 : 0;
  const tPos = (nPos + 1) / (nPos + 2);
  const tNeg = 1 / (n - nPos + 2);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = logit(probs[i]!);
  let a = 1;
  let b = 0;
  const loss = (a_: number, b_: number): number => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      const z = a_ * s[i]! + b_;
      const t = labels[i]! > 0 ? tPos : tNeg;
      const sp = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      l += sp - t * z;
    }
    return l;
  };
  let cur = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const z = a * s[i]! + b;
      const p = 1 / (1 + Math.exp(-z));
      const t = labels[i]! > 0 ? tPos : tNeg;
      const d = p - t;
      const w = p * (1 - p);
      ga += d * s[i]!;
      gb += d;
      haa += w * s[i]! * s[i]!;
      hab += w * s[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // backtracking keeps Newton stable far from the optimum
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > cur && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    a -= step * da;
    b -= step * db;
    const improved = cur - next;
    cur = next;
    if (Math.abs(da * step) < 1e-10 && Math.abs(db * step) < 1e-10) break;
    if (improved >= 0 && improved < 1e-12 * Math.max(1, Math.abs(cur))) break;
  }
  return new PlattCalibrator(a, b);
}

export class IsotonicCalibrator implements Calibrator {
  readonly method = 'isotonic' as const;
  constructor(
    readonly x: Float64Array,
    readonly y: Float64Array,
  ) {}
  /** linear interpolation between block points, constant beyond the ends (as scikit-learn) */
  predict(p: number): number {
    const { x, y } = this;
    const m = x.length;
    if (m === 0) return p;
    if (p <= x[0]!) return y[0]!;
    if (p >= x[m - 1]!) return y[m - 1]!;
    let lo = 0;
    let hi = m - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (x[mid]! <= p) lo = mid;
      else hi = mid;
    }
    const x0 = x[lo]!;
    const x1 = x[hi]!;
    return x1 > x0 ? y[lo]! + ((y[hi]! - y[lo]!) * (p - x0)) / (x1 - x0) : y[hi]!;
  }
  predictAll(p: ArrayLike<number>): Float64Array {
    const o = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) o[i] = this.predict(p[i]!);
    return o;
  }
  toJSON(): IsotonicJson {
    return { method: 'isotonic', x: Array.from(this.x), y: Array.from(this.y) };
  }
}

/**
 * Isotonic regression by pool adjacent violators on (p, y) sorted by p. Equal
 * inputs are pooled first (a step function cannot split ties). Each block is
 * kept as its two end points (min and max input, block mean) so interpolation
 * is flat inside a block and linear between blocks.
 */
export function fitIsotonic(probs: ArrayLike<number>, labels: ArrayLike<number>): IsotonicCalibrator {
  const n = probs.length;
  if (n !== labels.length || n === 0) throw new Error('fitIsotonic: probabilities and labels must be non-empty and equal in length');
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const pv = Float64Array.from(probs);
  idx.sort((a, b) => pv[a]! - pv[b]! || a - b);
  // blocks as a stack: sum of y, weight, min x, max x
  const sy: number[] = [];
  const w: number[] = [];
  const xmin: number[] = [];
  const xmax: number[] = [];
  for (let k = 0; k < n; ) {
    const x = pv[idx[k]!]!;
    let s = 0;
    let c = 0;
    while (k < n && pv[idx[k]!] === x) {
      s += labels[idx[k]!]! > 0 ? 1 : 0;
      c++;
      k++;
    }
    sy.push(s);
    w.push(c);
    xmin.push(x);
    xmax.push(x);
    // merge while the previous block's mean is not below this one's
    while (sy.length > 1) {
      const j = sy.length - 1;
      if (sy[j - 1]! / w[j - 1]! < sy[j]! / w[j]!) break;
      sy[j - 1]! += sy[j]!;
      w[j - 1]! += w[j]!;
      xmax[j - 1] = xmax[j]!;
      sy.pop();
      w.pop();
      xmin.pop();
      xmax.pop();
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let j = 0; j < sy.length; j++) {
    const m = sy[j]! / w[j]!;
    xs.push(xmin[j]!);
    ys.push(m);
    if (xmax[j]! > xmin[j]!) {
      xs.push(xmax[j]!);
      ys.push(m);
    }
  }
  return new IsotonicCalibrator(Float64Array.from(xs), Float64Array.from(ys));
}

export function fitCalibrator(method: 'platt' | 'isotonic', probs: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  return method === 'platt' ? fitPlatt(probs, labels) : fitIsotonic(probs, labels);
}

export function calibratorFromJSON(json: CalibratorJson): Calibrator {
  if (json.method === 'platt') return new PlattCalibrator(json.a, json.b);
  if (json.method === 'isotonic') {
    if (json.x.length !== json.y.length) throw new Error('isotonic calibrator: x and y differ in length');
    return new IsotonicCalibrator(Float64Array.from(json.x), Float64Array.from(json.y));
  }
  throw new Error(`unknown calibration method ${(json as { method: string }).method}`);
}
