import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset.js';
import { GbdtModel, trainGbdtSync } from './gbdt.js';
import { explainRow, explainRows, expectedRaw, treeShap, treeShapEncoded, treeShapExact, treeShapRows } from './treeshap.js';
import { syntheticBinary } from './synthetic.js';

/** Path-dependent conditional expectation E[f(x) | x_S] of the forest (the value function TreeSHAP explains). */
function condExpectation(model: GbdtModel, x: Float64Array, inS: (f: number) => boolean): number {
  const fo = model.forest;
  const walk = (nd: number): number => {
    const f = fo.feature[nd]!;
    if (f < 0) return fo.value[nd]!;
    const l = fo.left[nd]!;
    if (inS(f)) return walk(l + fo.goRight(nd, x[f]!));
    return (fo.cover[l]! * walk(l) + fo.cover[l + 1]! * walk(l + 1)) / fo.cover[nd]!;
  };
  let s = model.baseScore;
  for (let k = 0; k < fo.nTrees; k++) s += walk(fo.roots[k]!);
  return s;
}

function bruteShapley(model: GbdtModel, x: Float64Array): Float64Array {
  const M = x.length;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    for (let mask = 0; mask < 1 << M; mask++) {
      if (mask & (1 << i)) continue;
      const size = popcount(mask);
      const w = (fact(size) * fact(M - size - 1)) / fact(M);
      const without = condExpectation(model, x, (f) => (mask & (1 << f)) !== 0);
      const withI = condExpectation(model, x, (f) => f === i || (mask & (1 << f)) !== 0);
      phi[i] = phi[i]! + w * (withI - without);
    }
  }
  return phi;
}

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

/** A data set of nNum numeric columns (10% missing) and one categorical, with an interacting label. */
function mixedDataset(n: number, nNum: number, seed: number): Dataset {
  const cols = Array.from({ length: nNum }, () => new Float64Array(n));
  const codes = new Int32Array(n);
  const y = new Uint8Array(n);
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 4294967296);
  for (let i = 0; i < n; i++) {
    for (const c of cols) c[i] = rnd() < 0.1 ? NaN : rnd() * 2 - 1;
    codes[i] = Math.floor(rnd() * 6);
    const a = cols[0]![i]!;
    const b = cols[1]![i]!;
    const z =
      Math.sin(3 * (a || 0)) * 2 + (b > 0.2 ? 1 : -0.5) * (a > 0 ? 1 : -1) + (codes[i]! % 3 === 1 ? 1 : 0) + (Number.isNaN(b) ? 1 : 0);
    y[i] = rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return new Dataset(
    [
      ...cols.map((values, f) => ({ kind: 'numeric' as const, name: `x${f}`, values })),
      { kind: 'categorical', name: 'k', codes, vocabulary: ['p', 'q', 'r', 's', 't', 'u'] },
    ],
    y,
  );
}

/** whether some root-to-leaf path of the forest splits twice on one feature */
function hasRepeatedFeature(model: GbdtModel): boolean {
  const fo = model.forest;
  const walk = (nd: number, seen: Set<number>): boolean => {
    const f = fo.feature[nd]!;
    if (f < 0) return false;
    if (seen.has(f)) return true;
    const next = new Set(seen).add(f);
    return walk(fo.left[nd]!, next) || walk(fo.left[nd]! + 1, next);
  };
  for (let k = 0; k < fo.nTrees; k++) if (walk(fo.roots[k]!, new Set())) return true;
  return false;
}

function hasCategoricalSplit(model: GbdtModel): boolean {
  const fo = model.forest;
  for (let i = 0; i < fo.feature.length; i++) if (fo.feature[i]! >= 0 && fo.catOff[i]! >= 0) return true;
  return false;
}

/** Fast TreeSHAP (treeShapEncoded) against Algorithm 2 (treeShapExact) on the first rows of ds. */
function expectFastEqualsExact(m: GbdtModel, ds: Dataset, rows: number): void {
  const cols = m.encodeColumns(ds);
  const raw = m.predictRaw(ds);
  for (let r = 0; r < rows; r++) {
    const x = Float64Array.from(cols, (c) => c[r]!);
    const fast = treeShapEncoded(m, x);
    const exact = treeShapExact(m, x);
    expect(fast.bias).toBe(exact.bias);
    expect(fast.raw).toBe(exact.raw);
    let sum = fast.bias;
    for (let f = 0; f < x.length; f++) {
      expect(Math.abs(fast.contributions[f]! - exact.contributions[f]!)).toBeLessThan(1e-9);
      sum += fast.contributions[f]!;
    }
    expect(Math.abs(sum - raw[r]!)).toBeLessThan(1e-9);
  }
  // Rows explained together (as batch scoring explains a page's top offers; all of them at once
  // crosses treeShapRows' chunks of 256 rows): the same values, bit for bit.
  const xs = Array.from({ length: rows }, (_, r) => Float64Array.from(cols, (c) => c[r]!));
  for (const size of [2, 5, 7, rows]) {
    for (let r = 0; r < rows; r += size) {
      const group = xs.slice(r, r + size);
      treeShapRows(m, group).forEach((phi, i) => expect(phi).toEqual(treeShapEncoded(m, group[i]!).contributions));
    }
  }
}

describe('TreeSHAP', () => {
  it.each([1, 2, 4, 7, 10])('fast TreeSHAP equals Algorithm 2 on a depth-%i forest (repeated features, missing values, categories)', (depth) => {
    const ds = mixedDataset(4000, 3, 11 + depth);
    const m = trainGbdtSync(ds, { nTrees: 12, maxDepth: depth, learningRate: 0.3, minChildWeight: 0.1, seed: depth });
    expect(m.forest.maxDepth).toBe(depth);
    if (depth >= 4) {
      // 4 features and deeper paths: some feature is split on twice, and the categorical is used
      expect(hasRepeatedFeature(m)).toBe(true);
      expect(hasCategoricalSplit(m)).toBe(true);
    }
    expectFastEqualsExact(m, ds, 300);
  });

  it('trees too deep for the subset tables fall back to Algorithm 2 beside fast ones', () => {
    const ds = mixedDataset(6000, 2, 5);
    const deep = trainGbdtSync(ds, { nTrees: 3, maxDepth: 16, minLeafSize: 15, minChildWeight: 0, lambda: 0, learningRate: 0.3, seed: 2 });
    const shallow = trainGbdtSync(ds, { nTrees: 3, maxDepth: 5, learningRate: 0.3, seed: 2 });
    // one forest of both: deep trees first, then shallow ones
    const m = new GbdtModel({ ...deep.json, trees: [...deep.json.trees, ...shallow.json.trees], bestIteration: 6 });
    const fo = m.forest;
    const depth = (nd: number): number => (fo.feature[nd]! < 0 ? 0 : 1 + Math.max(depth(fo.left[nd]!), depth(fo.left[nd]! + 1)));
    const depths = Array.from(fo.roots, depth);
    expect(Math.max(...depths)).toBeGreaterThan(12);
    expect(Math.min(...depths)).toBeLessThanOrEqual(12);
    expectFastEqualsExact(m, ds, 60);
  });

  it('rows sharing features (a subscriber\'s offers) add a leaf on those features once per run: the same values, bit for bit however chunked', () => {
    const ds = mixedDataset(4000, 3, 21);
    const m = trainGbdtSync(ds, { nTrees: 30, maxDepth: 3, learningRate: 0.3, minChildWeight: 0.1, seed: 4 });
    // x0 and x1 are the subscriber's (shared by their rows), x2 and the category the offer's
    const shared = Uint8Array.from(m.featureNames, (name) => (name === 'x0' || name === 'x1' ? 1 : 0));
    const fo = m.forest;
    const onSharedOnly = (nd: number): boolean => fo.feature[nd]! < 0 ? true : shared[fo.feature[nd]!] === 1 && onSharedOnly(fo.left[nd]!) && onSharedOnly(fo.left[nd]! + 1);
    const sharedSubtrees = Array.from(fo.roots).filter((root) => fo.feature[root]! >= 0 && shared[fo.feature[root]!] === 1 && !onSharedOnly(root)).length;
    expect(sharedSubtrees).toBeGreaterThan(0); // trees that split on shared features first, then on the offer's
    const cols = m.encodeColumns(ds);
    const at = (r: number) => Float64Array.from(cols, (c) => c[r]!);
    // 60 subscribers x 5 offers: the shared columns of row s, the others of five other rows (missing values among them)
    const xs: Float64Array[] = [];
    for (let s = 0; s < 60; s++) {
      for (let o = 0; o < 5; o++) {
        const x = at(1000 + 7 * s + o);
        shared.forEach((isShared, f) => { if (isShared) x[f] = at(s)[f]!; });
        xs.push(x);
      }
    }
    // a row in the middle of a run that differs in one shared feature: a run of its own, not its neighbours'
    xs[12]![m.featureNames.indexOf('x1')] = xs[12]![m.featureNames.indexOf('x1')]! + 0.37;
    const together = treeShapRows(m, xs, shared);
    xs.forEach((x, r) => {
      const alone = treeShapEncoded(m, x).contributions;
      together[r]!.forEach((v, f) => expect(Math.abs(v - alone[f]!)).toBeLessThan(1e-12));
    });
    for (const size of [1, 3, 5, 7]) {
      for (let r = 0; r < xs.length; r += size) treeShapRows(m, xs.slice(r, r + size), shared).forEach((phi, i) => expect(phi).toEqual(together[r + i]));
    }
  });

  it('contributions + bias add up to the raw score for every row', () => {
    const { dataset } = syntheticBinary({ rows: 5000, features: 10, seed: 8 });
    const m = trainGbdtSync(dataset, { nTrees: 40, maxDepth: 6, seed: 1 });
    const raw = m.predictRaw(dataset);
    for (let r = 0; r < 120; r++) {
      const s = treeShap(m, dataset.row(r));
      let sum = s.bias;
      for (const c of s.contributions) sum += c;
      expect(Math.abs(sum - raw[r]!)).toBeLessThan(1e-6);
      expect(s.raw).toBe(raw[r]);
    }
  });

  it('matches a brute-force Shapley computation on a tiny model (with missing values and a categorical)', () => {
    const n = 3000;
    const cols = [0, 1, 2].map(() => new Float64Array(n));
    const codes = new Int32Array(n);
    const y = new Uint8Array(n);
    let s = 3;
    const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 4294967296);
    for (let i = 0; i < n; i++) {
      for (const c of cols) c[i] = rnd() < 0.1 ? NaN : rnd() * 2 - 1;
      codes[i] = Math.floor(rnd() * 5);
      const z = 1.5 * (cols[0]![i]! || 0) - (cols[1]![i]! > 0.2 ? 1 : 0) + (codes[i]! === 2 ? 1 : 0) + (Number.isNaN(cols[2]![i]!) ? 1 : 0);
      y[i] = rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const ds = new Dataset(
      [
        { kind: 'numeric', name: 'a', values: cols[0]! },
        { kind: 'numeric', name: 'b', values: cols[1]! },
        { kind: 'numeric', name: 'c', values: cols[2]! },
        { kind: 'categorical', name: 'k', codes, vocabulary: ['p', 'q', 'r', 's', 't'] },
      ],
      y,
    );
    const m = trainGbdtSync(ds, { nTrees: 4, maxDepth: 4, learningRate: 0.5 });
    const cols2 = m.encodeColumns(ds);
    for (let r = 0; r < 25; r++) {
      const x = Float64Array.from(cols2, (c) => c[r]!);
      const fast = treeShapEncoded(m, x);
      const brute = bruteShapley(m, x);
      for (let f = 0; f < 4; f++) expect(fast.contributions[f]!).toBeCloseTo(brute[f]!, 9);
      expect(fast.bias).toBeCloseTo(condExpectation(m, x, () => false), 12);
    }
    expect(expectedRaw(m)).toBeCloseTo(condExpectation(m, new Float64Array(4), () => false), 12);
  });

  it('gives top-k reasons with direction and value', () => {
    const { dataset } = syntheticBinary({ rows: 3000, features: 8, seed: 2 });
    const m = trainGbdtSync(dataset, { nTrees: 30, maxDepth: 4 });
    const row = dataset.row(7);
    const e = explainRow(m, row, 3);
    expect(e.reasons).toHaveLength(3);
    for (const r of e.reasons) {
      expect(r.direction).toBe(r.contribution > 0 ? 'increases' : 'decreases');
      expect(r.value).toBe(row[r.feature] ?? null);
    }
    const mags = e.reasons.map((r) => Math.abs(r.contribution));
    expect(mags[0]!).toBeGreaterThanOrEqual(mags[1]!);
    const rows = [6, 7, 8].map((r) => dataset.row(r));
    expect(explainRows(m, rows, 3)).toEqual(rows.map((r) => explainRow(m, r, 3).reasons));
  });
});
