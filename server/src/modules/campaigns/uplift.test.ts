import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measureUplift, newcombeInterval, wilsonInterval, Z_95 } from './uplift.js';

const g = (responders: number, members: number) => ({ responders, members });

describe('wilsonInterval', () => {
  it("matches Newcombe's single-proportion examples (Statist. Med. 1998; 17:857, method 3) to 4 decimals", () => {
    const r = (x: number, n: number) => {
      const w = wilsonInterval(x, n);
      return [Number(w.lower.toFixed(4)), Number(w.upper.toFixed(4))];
    };
    expect(r(15, 148)).toEqual([0.0624, 0.1605]);
    expect(r(0, 20)).toEqual([0, 0.1611]);
    expect(r(1, 29)).toEqual([0.0061, 0.1718]);
  });

  it('agrees with statsmodels proportion_confint(method="wilson") to 1e-12', () => {
    expect(wilsonInterval(56, 70).lower).toBeCloseTo(0.6918335550374695, 12);
    expect(wilsonInterval(56, 70).upper).toBeCloseTo(0.8769526075163705, 12);
    expect(wilsonInterval(48, 80).lower).toBeCloseTo(0.4904546500516038, 12);
    expect(wilsonInterval(48, 80).upper).toBeCloseTo(0.7003817240412906, 12);
  });

  it('is exactly 0 or 1 at the edges, and refuses impossible counts', () => {
    expect(wilsonInterval(0, 5).lower).toBe(0);
    expect(wilsonInterval(5, 5).upper).toBe(1);
    expect(() => wilsonInterval(1, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 5)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 5)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 5, 0)).toThrow(RangeError);
  });
});

describe('newcombeInterval (Newcombe 1998, method 10)', () => {
  /** [treated, control, lower, upper]: statsmodels confint_proportions_2indep(method="newcomb") to full precision. */
  const cases: Array<[[number, number], [number, number], number, number]> = [
    // Newcombe 1998 (Statist. Med. 17:873) Table II example (a).
    [[56, 70], [48, 80], 0.05243147240236498, 0.33387265403690614],
    // Examples (b), (c) and (d); (d) is also replicated in the ratesci package tests as -0.0381 to 0.1926.
    [[9, 10], [3, 10], 0.1705227239345029, 0.809017973535488],
    [[6, 7], [2, 7], 0.05822792748231209, 0.8062496375242278],
    [[5, 56], [0, 29], -0.038137147903536936, 0.19256001385511165],
    // Fagerland, Lydersen & Laake 2015, 7/34 vs 1/34: 0.019 to 0.34.
    [[7, 34], [1, 34], 0.018921443885772937, 0.3403686870327074],
    // Zero responders, all responders, and campaign-sized groups.
    [[0, 10], [0, 20], -0.1611251580528194, 0.27753279986288926],
    [[10, 10], [0, 20], 0.6790860371419145, 1],
    [[20, 20], [20, 20], -0.16112515805281957, 0.16112515805281957],
    [[0, 1], [1, 1], -1, 0.12210872068194178],
    [[1200, 10000], [1000, 10000], 0.011331232688257436, 0.028674801254527024],
    [[300, 90000], [20, 10000], 0.00018920216870726872, 0.0021429951149318466],
  ];

  it.each(cases)('%j vs %j', ([x1, n1], [x2, n2], lower, upper) => {
    const ci = newcombeInterval(g(x1, n1), g(x2, n2));
    expect(ci.difference).toBeCloseTo(x1 / n1 - x2 / n2, 15);
    expect(ci.lower).toBeCloseTo(lower, 12);
    expect(ci.upper).toBeCloseTo(upper, 12);
  });

  it('example (a) rounds to the published +0.2000 (+0.0524 to +0.3339)', () => {
    const ci = newcombeInterval(g(56, 70), g(48, 80));
    expect([ci.difference, ci.lower, ci.upper].map((v) => Number(v.toFixed(4)))).toEqual([0.2, 0.0524, 0.3339]);
  });

  it('is the square-and-add of the two Wilson intervals, by hand', () => {
    const [p1, p2] = [56 / 70, 48 / 80];
    const w1 = wilsonInterval(56, 70);
    const w2 = wilsonInterval(48, 80);
    const ci = newcombeInterval(g(56, 70), g(48, 80));
    expect(ci.lower).toBe(p1 - p2 - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2));
    expect(ci.upper).toBe(p1 - p2 + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2));
  });

  const groups = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.record({ members: fc.constant(n), responders: fc.integer({ min: 0, max: n }) }));

  it('contains the observed difference, stays within [-1, 1], and mirrors when the groups swap (property)', () => {
    fc.assert(
      fc.property(groups, groups, (a, b) => {
        const ci = newcombeInterval(a, b);
        expect(ci.lower).toBeLessThanOrEqual(ci.difference + 1e-12);
        expect(ci.upper).toBeGreaterThanOrEqual(ci.difference - 1e-12);
        expect(ci.lower).toBeGreaterThanOrEqual(-1);
        expect(ci.upper).toBeLessThanOrEqual(1);
        const swapped = newcombeInterval(b, a);
        expect(swapped.lower).toBeCloseTo(-ci.upper, 12);
        expect(swapped.upper).toBeCloseTo(-ci.lower, 12);
      }),
      { numRuns: 2000 },
    );
  });

  it('narrows as both groups grow at the same rates (property)', () => {
    fc.assert(
      fc.property(groups, groups, fc.integer({ min: 2, max: 20 }), (a, b, k) => {
        const small = newcombeInterval(a, b);
        const large = newcombeInterval(g(a.responders * k, a.members * k), g(b.responders * k, b.members * k));
        expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
      }),
      { numRuns: 500 },
    );
  });

  it('covers the true difference about 95% of the time (simulation with a fixed seed)', () => {
    // A campaign-like case: 3% vs 2% response, 2,000 treated and 500 control.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const draw = (n: number, p: number) => {
      let x = 0;
      for (let i = 0; i < n; i += 1) if (random() < p) x += 1;
      return x;
    };
    let covered = 0;
    const runs = 2000;
    for (let r = 0; r < runs; r += 1) {
      const ci = newcombeInterval(g(draw(2000, 0.03), 2000), g(draw(500, 0.02), 500));
      if (ci.lower <= 0.01 && 0.01 <= ci.upper) covered += 1;
    }
    expect(covered / runs).toBeGreaterThan(0.93);
    expect(covered / runs).toBeLessThan(0.975);
  });

  it('uses the 97.5th normal percentile', () => {
    expect(Z_95).toBeCloseTo(1.959963984540054, 15);
  });
});

describe('measureUplift', () => {
  it('reports rates, uplift, its interval, incremental responders and revenue', () => {
    const r = measureUplift({ treated: g(56, 70), control: g(48, 80), revenuePerResponse: { amount: '49', currency: 'SAR' } });
    expect(r.treated).toMatchObject({ members: 70, responders: 56, rate: 0.8 });
    expect(r.control).toMatchObject({ members: 80, responders: 48, rate: 0.6 });
    expect(r.treated.interval!.lower).toBeCloseTo(0.6918335550374695, 12);
    expect(r.uplift).toBeCloseTo(0.2, 15);
    expect(r.interval).toMatchObject({ confidence: 0.95, method: 'newcombe_hybrid_score' });
    expect(r.interval!.lower).toBeCloseTo(0.05243147240236498, 12);
    expect(r.unavailable).toBe(null);
    // uplift × 70 treated = 14; lower 0.0524 × 70 = 3.670; upper 0.3339 × 70 = 23.371.
    expect(r.incrementalResponders!.estimate).toBeCloseTo(14, 12);
    expect(r.incrementalResponders!.lower).toBeCloseTo(3.6702030681655486, 9);
    expect(r.incrementalResponders!.upper).toBeCloseTo(23.37108578258343, 9);
    // 14 × 49.00 = 686.00; 3.670203 × 49 = 179.839947 -> 179.84; 23.371086 × 49 = 1145.183203 -> 1145.18.
    expect(r.incrementalRevenue).toEqual({ currency: 'SAR', estimate: '686.00', lower: '179.84', upper: '1145.18' });
  });

  it('computes the revenue estimate exactly in minor units, never through a float', () => {
    // uplift × n1 = (x1·n2 − x2·n1)/n2 = (10·7 − 1·30)/7 = 40/7 responders; × 0.07 = 0.40 exactly
    // (in floats, (10/30 − 1/7) × 30 × 0.07 is 0.39999999999999997).
    const r = measureUplift({ treated: g(10, 30), control: g(1, 7), revenuePerResponse: { amount: '0.07', currency: 'USD' } });
    expect(r.incrementalRevenue!.estimate).toBe('0.40');
    // 1 − 1·2/4 = 0.5 responder: 0.005 KWD (three decimals) exactly; 0.5 JPY rounds half away from zero.
    expect(measureUplift({ treated: g(1, 2), control: g(1, 4), revenuePerResponse: { amount: '0.01', currency: 'KWD' } }).incrementalRevenue!.estimate).toBe('0.005');
    expect(measureUplift({ treated: g(1, 2), control: g(1, 4), revenuePerResponse: { amount: '1', currency: 'JPY' } }).incrementalRevenue!.estimate).toBe('1');
    expect(measureUplift({ treated: g(0, 2), control: g(1, 4), revenuePerResponse: { amount: '1', currency: 'JPY' } }).incrementalRevenue!.estimate).toBe('-1');
  });

  it('the exact revenue estimate equals the rational product (property)', () => {
    const counts = fc.integer({ min: 1, max: 100_000 }).chain((n) => fc.record({ members: fc.constant(n), responders: fc.integer({ min: 0, max: n }) }));
    fc.assert(
      fc.property(counts, counts, fc.integer({ min: 0, max: 10_000_00 }), (t, c, minor) => {
        const amount = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
        const r = measureUplift({ treated: t, control: c, revenuePerResponse: { amount, currency: 'SAR' } });
        // Rational: minor × (x1·n2 − x2·n1) / n2, rounded half away from zero, compared in BigInt.
        const num = BigInt(minor) * (BigInt(t.responders) * BigInt(c.members) - BigInt(c.responders) * BigInt(t.members));
        const den = BigInt(c.members);
        const got = BigInt(r.incrementalRevenue!.estimate.replace('.', ''));
        const abs = (v: bigint) => (v < 0n ? -v : v);
        expect(abs(got * den - num) * 2n <= den).toBe(true);
        // The bounds bracket the estimate.
        const money = (s: string) => BigInt(s.replace('.', ''));
        expect(money(r.incrementalRevenue!.lower) <= got + 1n).toBe(true);
        expect(money(r.incrementalRevenue!.upper) >= got - 1n).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('zero responders in both groups: rates 0, uplift 0, an interval around 0', () => {
    const r = measureUplift({ treated: g(0, 10), control: g(0, 20) });
    expect(r.treated.rate).toBe(0);
    expect(r.uplift).toBe(0);
    expect(r.interval!.lower).toBeCloseTo(-0.1611251580528194, 12);
    expect(r.interval!.upper).toBeCloseTo(0.27753279986288926, 12);
    expect(r.incrementalRevenue).toBe(null);
  });

  it('all responders: rate 1 with an upper bound of exactly 1', () => {
    const r = measureUplift({ treated: g(10, 10), control: g(0, 20) });
    expect(r.treated.rate).toBe(1);
    expect(r.treated.interval!.upper).toBe(1);
    expect(r.interval!.upper).toBe(1);
  });

  it('an empty control group gives rates but no uplift, with the reason', () => {
    const r = measureUplift({ treated: g(30, 1000), control: g(0, 0), revenuePerResponse: { amount: '10', currency: 'SAR' } });
    expect(r.treated.rate).toBe(0.03);
    expect(r.control).toEqual({ members: 0, responders: 0, rate: null, interval: null });
    expect(r.uplift).toBe(null);
    expect(r.interval).toBe(null);
    expect(r.incrementalResponders).toBe(null);
    expect(r.incrementalRevenue).toBe(null);
    expect(r.unavailable?.reason).toBe('no_control_members');
    expect(r.unavailable?.message).toMatch(/no control group/);
  });

  it('no one treated: no rate for the treated and the reason says so', () => {
    const r = measureUplift({ treated: g(0, 0), control: g(5, 100) });
    expect(r.treated.rate).toBe(null);
    expect(r.control.rate).toBe(0.05);
    expect(r.unavailable?.reason).toBe('no_treated_members');
  });

  it('refuses impossible counts and a bad amount', () => {
    expect(() => measureUplift({ treated: g(11, 10), control: g(0, 10) })).toThrow(RangeError);
    expect(() => measureUplift({ treated: g(1, 10), control: g(-1, 10) })).toThrow(RangeError);
    expect(() => measureUplift({ treated: g(1, 10), control: g(0, Number.NaN) })).toThrow(RangeError);
    expect(() => measureUplift({ treated: g(1, 10), control: g(0, 10), revenuePerResponse: { amount: '-5', currency: 'SAR' } })).toThrow(RangeError);
    expect(() => measureUplift({ treated: g(1, 10), control: g(0, 10), revenuePerResponse: { amount: '1.234', currency: 'SAR' } })).toThrow(/decimal places/);
    expect(() => measureUplift({ treated: g(1, 10), control: g(0, 0), revenuePerResponse: { amount: 'abc', currency: 'SAR' } })).toThrow();
  });
});
