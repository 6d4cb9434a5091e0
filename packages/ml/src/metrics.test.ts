import { describe, expect, it } from 'vitest';
import { auc, brier, calibrationTable, expectedCalibrationError, gini, ks, liftTable, logLoss, psi, psiBinOf, psiFromCounts, psiReference, qini, qiniSpread, rocCurve, upliftByDecile } from './metrics.js';
import { Rng } from './dataset.js';

describe('metrics against hand-computed values', () => {
  it('AUC counts ties as one half', () => {
    // pairs (pos, neg): scores pos [0.8, 0.4], neg [0.4, 0.2, 0.1]
    // 0.8 beats all 3; 0.4 ties one (0.5) and beats two -> (3 + 2.5) / 6
    const s = [0.8, 0.4, 0.4, 0.2, 0.1];
    const y = [1, 1, 0, 0, 0];
    expect(auc(s, y)).toBeCloseTo(5.5 / 6, 12);
    expect(gini(s, y)).toBeCloseTo(2 * (5.5 / 6) - 1, 12);
    expect(auc([0.5, 0.5, 0.5], [1, 0, 1])).toBe(0.5);
    expect(auc([0.1, 0.9], [1, 0])).toBe(0);
    expect(Number.isNaN(auc([0.1, 0.2], [1, 1]))).toBe(true);
  });
  it('KS: maximal TPR - FPR, ties move together', () => {
    // thresholds: >=0.8: tpr .5 fpr 0 -> .5; >=0.4: tpr 1, fpr 1/3 -> .667
    expect(ks([0.8, 0.4, 0.4, 0.2, 0.1], [1, 1, 0, 0, 0])).toBeCloseTo(2 / 3, 12);
  });
  it('log loss and Brier', () => {
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(brier([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });
  it('lift table by decile', () => {
    const s = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = s.map((v) => (v >= 0.9 ? 1 : 0)); // top decile all positive
    const t = liftTable(s, y);
    expect(t).toHaveLength(10);
    expect(t[0]!.positives).toBe(10);
    expect(t[0]!.lift).toBeCloseTo(10, 12);
    expect(t[0]!.cumulativeGain).toBe(1);
    expect(t[9]!.cumulativeLift).toBeCloseTo(1, 12);
    expect(t[0]!.minScore).toBeCloseTo(0.9, 12);
  });
  it('ROC curve is downsampled to <= 200 points and keeps the ends', () => {
    const r = new Rng(3);
    const s = Array.from({ length: 5000 }, () => r.next());
    const y = s.map((v) => (r.next() < v ? 1 : 0));
    const roc = rocCurve(s, y);
    expect(roc.length).toBeLessThanOrEqual(200);
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(roc[roc.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    for (let i = 1; i < roc.length; i++) expect(roc[i]!.fpr).toBeGreaterThanOrEqual(roc[i - 1]!.fpr);
  });
  it('calibration table and ECE', () => {
    const p = [0.05, 0.15, 0.15, 0.95];
    const y = [0, 0, 1, 1];
    const t = calibrationTable(p, y, 10, 'uniform');
    expect(t.map((r) => r.bin)).toEqual([1, 2, 10]);
    expect(t[1]!.observedRate).toBe(0.5);
    // |0.05-0|*1/4 + |0.15-0.5|*2/4 + |0.95-1|*1/4
    expect(expectedCalibrationError(p, y, 10, 'uniform')).toBeCloseTo(0.05 / 4 + 0.35 / 2 + 0.05 / 4, 12);
  });
  it('PSI: 0 for identical distributions, hand value for a shift', () => {
    const e = Array.from({ length: 1000 }, (_, i) => i);
    expect(psi(e, e).psi).toBeCloseTo(0, 12);
    // actual: all in the top decile -> 9 bins at floor 1e-4 vs 0.1, one bin 1 vs 0.1
    const a = Array.from({ length: 100 }, () => 999);
    const fl = 1e-4;
    const expected = 9 * (fl - 0.1) * Math.log(fl / 0.1) + (1 - 0.1) * Math.log(1 / 0.1);
    expect(psi(e, a).psi).toBeCloseTo(expected, 9);
    expect(psi(e, a).bins).toHaveLength(10);
  });
  it('PSI from counts summed over parts of the population equals the PSI of all its scores', () => {
    const r = new Rng(11);
    const e = Array.from({ length: 2000 }, () => r.next());
    const a = Array.from({ length: 3001 }, () => r.next() ** 1.3);
    const ref = psiReference(e);
    const counts = new Float64Array(ref.cuts.length + 1);
    for (const part of [a.slice(0, 1000), a.slice(1000, 1001), a.slice(1001)]) {
      const c = new Float64Array(ref.cuts.length + 1);
      for (const x of part) c[psiBinOf(ref.cuts, x)]!++;
      for (let b = 0; b < c.length; b++) counts[b]! += c[b]!;
    }
    expect(psiFromCounts(ref, counts)).toEqual(psi(e, a));
    expect(psi(e, a).psi).toBeGreaterThan(0.01);
    expect(() => psiFromCounts(ref, [1, 2])).toThrow(/bins/);
  });
  it('Qini: a perfect ordering beats random, random is near zero', () => {
    // treated responders (uplift) have high scores
    const n = 4000;
    const r = new Rng(5);
    const t = Array.from({ length: n }, () => (r.next() < 0.5 ? 1 : 0));
    const score = Array.from({ length: n }, () => r.next());
    const y = score.map((s, i) => (r.next() < (t[i] ? 0.1 + 0.5 * s : 0.1) ? 1 : 0));
    const good = qini(score, y, t);
    const rnd = qini(Array.from({ length: n }, () => r.next()), y, t);
    expect(good.qini).toBeGreaterThan(0.01);
    expect(Math.abs(rnd.qini)).toBeLessThan(good.qini / 2);
    expect(good.qiniNormalized).toBeGreaterThan(0);
    const dec = upliftByDecile(score, y, t);
    expect(dec[0]!.observedUplift).toBeGreaterThan(dec[9]!.observedUplift);
  });
  it('Qini spread: bootstrap interval around the model, random baseline near zero, seeded', () => {
    const n = 3000;
    const r = new Rng(11);
    const t = Array.from({ length: n }, () => (r.next() < 0.5 ? 1 : 0));
    // rounded scores make ties, which must move together as in qini()
    const score = Array.from({ length: n }, () => Math.round(r.next() * 50) / 50);
    const y = score.map((s, i) => (r.next() < (t[i] ? 0.1 + 0.4 * s : 0.1) ? 1 : 0));
    const s = qiniSpread(score, y, t, 300, 7);
    expect(s.qini).toBeCloseTo(qini(score, y, t).qini, 12);
    expect(s.lower).toBeLessThan(s.qini);
    expect(s.upper).toBeGreaterThan(s.qini);
    expect(s.standardError).toBeGreaterThan(0);
    // the percentile interval spans about four standard errors
    expect((s.upper - s.lower) / s.standardError).toBeGreaterThan(3);
    expect((s.upper - s.lower) / s.standardError).toBeLessThan(5);
    expect(Math.abs(s.random.mean)).toBeLessThan(s.qini / 4);
    expect(s.random.lower).toBeLessThan(0);
    expect(s.random.upper).toBeGreaterThan(0);
    expect(s.random.upper).toBeLessThan(s.qini);
    expect(s.pValue).toBeCloseTo(1 / 301, 9);
    expect(qiniSpread(score, y, t, 300, 7)).toEqual(s);
    expect(qiniSpread(score, y, t, 300, 8).lower).not.toBe(s.lower);
    // a score unrelated to the outcome sits inside the random range
    const noise = Array.from({ length: n }, () => r.next());
    const ns = qiniSpread(noise, y, t, 300, 7);
    expect(ns.qini).toBeGreaterThan(ns.random.lower);
    expect(ns.qini).toBeLessThan(ns.random.upper);
    expect(ns.pValue).toBeGreaterThan(0.025);
  });
});
