/**
 * The block scorer (FlatForest.scoreBlock: complete layouts, categorical bin sets, deep trees through
 * the node arrays, four and two rows side by side) against the reference walk (FlatForest.leaf /
 * goRight, one row at a time), on random forests: numeric and categorical splits on the same
 * features across trees, thresholds at +Infinity, missing values either way, leaves at every depth,
 * trees deeper than the complete layouts, and inputs with missing, out-of-range and fractional
 * category values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dataset, Rng, type Column } from './dataset.js';
import { FlatForest, GbdtModel, categoryBin, resolveGbdtParams, type GbdtModelJson, type GbdtTreeJson } from './gbdt.js';
import type { FeatureSpec } from './binning.js';

interface ForestShape {
  nFeat: number;
  /** per feature: number of categories (0 = numeric) */
  cats: number[];
  trees: GbdtTreeJson[];
}

const NUMERIC_VALUES = [-2, -0.5, 0, 0.25, 1, 3, 10];

/**
 * A random tree, nodes breadth-first with adjacent children (the stored layout). With `mixed`, feature
 * 0 also gets categorical splits when numeric (as no trained model does), which the scorer must
 * still walk exactly (without bin sets).
 */
function randomTree(rng: Rng, cats: number[], maxDepth: number, mixed = false): GbdtTreeJson {
  const t: GbdtTreeJson = { feature: [], threshold: [], left: [], defaultLeft: [], value: [], cover: [], gain: [], catLeft: [] };
  const depth: number[] = [0];
  t.feature.push(-1);
  for (let i = 0; i < t.feature.length; i++) {
    const d = depth[i]!;
    // the root always splits; deeper nodes split less often, so leaves end at many depths
    const split = d < maxDepth && (i === 0 || rng.next() < 0.8 - d * 0.03);
    t.cover.push(1 + rng.int(100));
    if (!split) {
      t.feature[i] = -1;
      t.threshold.push(null);
      t.left.push(-1);
      t.defaultLeft.push(0);
      t.value.push(rng.normal() / 8);
      t.gain.push(0);
      t.catLeft.push(null);
      continue;
    }
    const f = rng.int(cats.length);
    t.feature[i] = f;
    t.left.push(t.feature.length);
    t.defaultLeft.push(rng.int(2));
    t.value.push(0);
    t.gain.push(rng.next());
    const nc = cats[f]! > 0 ? cats[f]! : mixed && f === 0 && rng.next() < 0.5 ? 5 : 0;
    if (nc > 0) {
      const left = new Set<number>();
      const k = 1 + rng.int(Math.max(1, nc - 1));
      for (let q = 0; q < k; q++) left.add(1 + rng.int(nc));
      t.threshold.push(null);
      t.catLeft.push([...left].sort((a, b) => a - b));
    } else {
      // "is missing" splits (+Infinity) as well as thresholds between and on the values rows take
      t.threshold.push(rng.next() < 0.1 ? null : NUMERIC_VALUES[rng.int(NUMERIC_VALUES.length)]! + (rng.next() < 0.5 ? 0 : 0.1));
      t.catLeft.push(null);
    }
    t.feature.push(-1, -1);
    depth.push(d + 1, d + 1);
  }
  return t;
}

function randomForest(seed: number): ForestShape {
  const rng = new Rng(seed);
  const nFeat = 1 + rng.int(12);
  // up to 255 categories: the bins a categorical feature can have
  const cats = Array.from({ length: nFeat }, () => (rng.next() < 0.5 ? [2, 5, 40, 255][rng.int(4)]! : 0));
  const nTrees = 1 + rng.int(12);
  const mixed = rng.next() < 0.2;
  // mostly shallow trees (complete layouts), sometimes deeper than they go (node arrays)
  const trees = Array.from({ length: nTrees }, () => randomTree(rng, cats, rng.next() < 0.2 ? 11 + rng.int(3) : 1 + rng.int(8), mixed));
  return { nFeat, cats, trees };
}

/** Row-major model values: categories, missing values, and values no encoder produces. */
function randomRows(rng: Rng, shape: ForestShape, n: number): Float64Array {
  const x = new Float64Array(n * shape.nFeat);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < shape.nFeat; f++) {
      const c = shape.cats[f]!;
      const r = rng.next();
      let v: number;
      if (r < 0.15) v = NaN;
      else if (c > 0) v = r < 0.2 ? [0, -1, 256, 300, 2.5, Infinity][rng.int(6)]! : 1 + rng.int(c);
      else v = r < 0.2 ? [Infinity, -Infinity][rng.int(2)]! : NUMERIC_VALUES[rng.int(NUMERIC_VALUES.length)]! + (rng.next() < 0.5 ? 0 : 0.1 * rng.int(3));
      x[i * shape.nFeat + f] = v;
    }
  }
  return x;
}

function referenceRaw(fo: FlatForest, x: Float64Array, F: number, n: number, base: number): Float64Array {
  const out = new Float64Array(n).fill(base);
  for (let i = 0; i < n; i++) for (let k = 0; k < fo.nTrees; k++) out[i] = out[i]! + fo.value[fo.leaf(k, x, i * F)]!;
  return out;
}

describe('FlatForest block scorer', () => {
  it('equals the reference walk on random forests with categories and missing values', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 70 }), (seed, n) => {
        const shape = randomForest(seed);
        const fo = new FlatForest(shape.trees);
        const rows = randomRows(new Rng(seed ^ 0x9e3779b9), shape, n);
        const F = shape.nFeat;
        const want = referenceRaw(fo, rows, F, n, 0.25);
        const got = new Float64Array(n + 3).fill(0.25);
        // scored into the middle of a longer output, as predictRaw does block after block
        fo.scoreBlock(rows, n, F, got, 3);
        expect(Array.from(got.subarray(3, 3 + n))).toEqual(Array.from(want));
        expect(Array.from(got.subarray(0, 3))).toEqual([0.25, 0.25, 0.25]);
      }),
      { numRuns: 300 },
    );
  });

  it('walks numeric splits alone through bin sets once there are several trees per feature, as the float walk would', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 70 }), (seed, n) => {
        const rng = new Rng(seed);
        const cats = [0, 0, 0];
        const shallow = () => randomTree(rng, cats, 1 + rng.int(6));
        const few = new FlatForest(Array.from({ length: 3 }, shallow));
        const many = new FlatForest(Array.from({ length: 12 + rng.int(30) }, shallow));
        // fewer trees than 4 per feature tested: the float walk; at least that many: bin sets
        expect(few.walksBinSets).toBe(false);
        expect(many.walksBinSets).toBe(true);
        const shape = { nFeat: 3, cats, trees: [] };
        for (const fo of [few, many]) {
          const rows = randomRows(new Rng(seed ^ 0x85ebca6b), shape, n);
          const got = new Float64Array(n);
          fo.scoreBlock(rows, n, 3, got, 0);
          expect(Array.from(got)).toEqual(Array.from(referenceRaw(fo, rows, 3, n, 0)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('equals the reference walk when a feature has more thresholds than bins (no bin sets)', () => {
    // 300 stumps on feature 0, each at its own threshold, and a categorical split on feature 1
    const stump = (t: number): GbdtTreeJson => ({
      feature: [0, -1, -1], threshold: [t, null, null], left: [1, -1, -1], defaultLeft: [t > 0 ? 1 : 0, 0, 0],
      value: [0, t / 1000, -t / 999], cover: [2, 1, 1], gain: [1, 0, 0], catLeft: [null, null, null],
    });
    const trees = Array.from({ length: 300 }, (_, k) => stump((k - 150) / 7));
    trees.push({
      feature: [1, -1, -1], threshold: [null, null, null], left: [1, -1, -1], defaultLeft: [0, 0, 0],
      value: [0, 0.5, -0.25], cover: [2, 1, 1], gain: [1, 0, 0], catLeft: [[2, 3], null, null],
    });
    const fo = new FlatForest(trees);
    const rng = new Rng(5);
    const n = 97;
    const x = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = rng.next() < 0.1 ? NaN : Math.round(rng.normal() * 100) / 7;
      x[2 * i + 1] = rng.next() < 0.1 ? NaN : 1 + rng.int(4);
    }
    const got = new Float64Array(n);
    fo.scoreBlock(x, n, 2, got, 0);
    expect(Array.from(got)).toEqual(Array.from(referenceRaw(fo, x, 2, n, 0)));
  });

  it('a model scores a data set as it scores its rows one by one (categories through their names, unseen ones missing)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 600 }), (seed, n) => {
        const shape = randomForest(seed);
        const specs: FeatureSpec[] = shape.cats.map((c, f) =>
          c > 0 ? { name: `f${f}`, kind: 'categorical', categories: Array.from({ length: c }, (_, k) => `c${k}`) } : { name: `f${f}`, kind: 'numeric', cuts: NUMERIC_VALUES },
        );
        const json: GbdtModelJson = {
          format: 'lyra-gbdt', version: 1, objective: 'binary:logistic', params: resolveGbdtParams(), baseScore: -1.5, features: specs, trees: shape.trees,
          bestIteration: shape.trees.length, importance: { gain: shape.cats.map(() => 0), split: shape.cats.map(() => 0) },
          training: { rows: 0, validationRows: 0, positives: 0, validationLoss: [], seconds: 0, threads: 1 },
        };
        const model = GbdtModel.fromJSON(json);
        const rng = new Rng(seed ^ 0x5bd1e995);
        const columns: Column[] = shape.cats.map((c, f) => {
          if (c === 0) return { kind: 'numeric', name: `f${f}`, values: Float64Array.from({ length: n }, () => (rng.next() < 0.2 ? NaN : NUMERIC_VALUES[rng.int(7)]! + 0.05 * rng.int(3))) };
          // the scoring vocabulary has its own order and a level the model never saw
          const vocabulary = ['unseen', ...Array.from({ length: c }, (_, k) => `c${c - 1 - k}`)];
          return { kind: 'categorical', name: `f${f}`, codes: Int32Array.from({ length: n }, () => (rng.next() < 0.15 ? -1 : rng.int(vocabulary.length))), vocabulary };
        });
        const ds = new Dataset(columns);
        const raw = model.predictRaw(ds);
        for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 40))) expect(raw[i]).toBe(model.predictRowRaw(ds.row(i)));
      }),
      { numRuns: 60 },
    );
  });

  it('categoryBin keeps categories 1..255 and makes anything else the missing bin', () => {
    expect([1, 17, 255].map(categoryBin)).toEqual([1, 17, 255]);
    expect([NaN, 0, -1, 256, 2.5, Infinity, -Infinity].map(categoryBin)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
