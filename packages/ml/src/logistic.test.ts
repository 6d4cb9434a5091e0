import { describe, expect, it } from 'vitest';
import { Dataset, Rng } from './dataset.js';
import { LogisticModel, ScorecardModel, fitScorecard, trainLogistic } from './logistic.js';
import { auc } from './metrics.js';

function linearData(n: number, seed: number): Dataset {
  const r = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const codes = new Int32Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = 10 + 3 * r.normal(); // mean 10, sd 3
    b[i] = r.next() < 0.1 ? NaN : r.normal();
    codes[i] = r.int(3);
    const z = -0.5 + 0.4 * (a[i]! - 10) - 1.0 * (Number.isNaN(b[i]!) ? 0 : b[i]!) + (codes[i] === 2 ? 0.8 : 0);
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return new Dataset(
    [
      { kind: 'numeric', name: 'a', values: a },
      { kind: 'numeric', name: 'b', values: b },
      { kind: 'categorical', name: 'c', codes, vocabulary: ['x', 'y', 'z'] },
    ],
    y,
  );
}

describe('logistic regression (IRLS)', () => {
  const ds = linearData(20000, 1);
  const m = trainLogistic(ds, { lambda: 1 });

  it('recovers the coefficients of a linear problem roughly', () => {
    const c = m.coefficients();
    const coef = (t: string): number => c.terms.find((x) => x.term === t)!.coefficient;
    expect(coef('a')).toBeCloseTo(0.4, 1);
    expect(coef('b')).toBeCloseTo(-1.0, 1);
    // one-hot of all three levels: differences are identified
    expect(coef('c=z') - coef('c=x')).toBeCloseTo(0.8, 0);
    expect(Math.abs(coef('c=y') - coef('c=x'))).toBeLessThan(0.2);
    expect(c.terms.some((t) => t.term === 'b:missing')).toBe(true);
    expect(m.json.training.iterations).toBeLessThan(20);
  });

  it('reports each Newton step to onIteration (1, 2, ... up to the iterations it took) without changing the fit', () => {
    const steps: number[] = [];
    const observed = trainLogistic(ds, { lambda: 1 }, { onIteration: (it) => steps.push(it) });
    expect(steps.length).toBeGreaterThan(1);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    expect(steps.at(-1)).toBe(observed.json.training.iterations);
    expect(observed.json.coef).toEqual(m.json.coef);
  });

  it('contributions add up to the raw score; JSON round trip is exact', () => {
    const raw = m.predictRaw(ds);
    const back = LogisticModel.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    for (let i = 0; i < 100; i++) {
      const row = ds.row(i);
      const k = m.contributions(row);
      let s = k.bias;
      for (const v of k.contributions) s += v;
      expect(s).toBeCloseTo(raw[i]!, 9);
      expect(back.predictRowRaw(row)).toBeCloseTo(raw[i]!, 9);
    }
    // missing numeric -> mean + indicator, not 0
    expect(m.predictRowRaw({ a: 10, b: null, c: 'x' })).not.toBeCloseTo(m.predictRowRaw({ a: 10, b: 0, c: 'x' }), 6);
  });

  it('scorecard: WoE bins -> points, 600 at 50:1 and 20 PDO', () => {
    const sc = fitScorecard(ds, { maxBins: 8 });
    const table = sc.scorecard();
    expect(new Set(table.map((r) => r.feature))).toEqual(new Set(['a', 'b', 'c']));
    expect(table.some((r) => r.feature === 'b' && r.bin === 'missing')).toBe(true);
    // points of a row add up to its score; score maps to odds by PDO
    const row = ds.row(3);
    const pts = sc.points(row).reduce((s, p) => s + p.points, 0);
    expect(pts).toBeCloseTo(sc.score(row), 9);
    const p = sc.predictRowProba(row);
    const oddsGood = (1 - p) / p;
    expect(sc.score(row)).toBeCloseTo(600 + (20 / Math.LN2) * Math.log(oddsGood / 50), 6);
    // risk ordering: higher score = lower event probability; AUC of -score is decent
    const scores = sc.scoreDataset(ds);
    expect(auc(Array.from(scores, (s) => -s), ds.label!)).toBeGreaterThan(0.7);
    // a numeric feature's WoE is monotone in its bins (monotone merging)
    const aw = table.filter((r) => r.feature === 'a' && r.bin !== 'missing').map((r) => r.woe);
    const dec = aw.every((w, i) => i === 0 || w <= aw[i - 1]!);
    const inc = aw.every((w, i) => i === 0 || w >= aw[i - 1]!);
    expect(dec || inc).toBe(true);
    const back = ScorecardModel.fromJSON(JSON.stringify(sc.toJSON()));
    expect(back.score(row)).toBe(sc.score(row));
  });
});
