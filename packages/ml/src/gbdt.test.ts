import { describe, expect, it } from 'vitest';
import { Dataset, stratifiedSplitIndices } from './dataset.js';
import { GbdtModel, trainGbdt, trainGbdtSync } from './gbdt.js';
import { auc, expectedCalibrationError } from './metrics.js';
import { fitIsotonic, fitPlatt } from './calibration.js';
import { syntheticBinary } from './synthetic.js';

function split(seed = 11, rows = 30_000): { train: Dataset; test: Dataset; calib: Dataset; trueTest: Float64Array } {
  const { dataset, prob } = syntheticBinary({ rows, features: 10, seed });
  const a = stratifiedSplitIndices(dataset.label!, 0.4, 1);
  const rest = dataset.subset(a.test);
  const b = stratifiedSplitIndices(rest.label!, 0.5, 2);
  const testIdx = Array.from(b.test, (i) => a.test[i]!);
  return { train: dataset.subset(a.train), calib: rest.subset(b.train), test: dataset.subset(testIdx), trueTest: Float64Array.from(testIdx, (i) => prob[i]!) };
}

/** model JSON without the wall-clock fields */
function stable(m: GbdtModel): string {
  const j = structuredClone(m.toJSON());
  j.training.seconds = 0;
  j.training.threads = 0;
  j.params.nThreads = 0;
  return JSON.stringify(j);
}

describe('GBDT on data with known probabilities', () => {
  const d = split();
  const model = trainGbdtSync(d.train, { nTrees: 150, maxDepth: 4, learningRate: 0.08, seed: 3 });
  const p = model.predictProba(d.test);

  it('test AUC is within 0.02 of the AUC of the true probabilities', () => {
    const ours = auc(p, d.test.label!);
    const best = auc(d.trueTest, d.test.label!);
    expect(best - ours).toBeLessThan(0.02);
    expect(ours).toBeGreaterThan(0.7);
  });

  it('calibrated probabilities have a small ECE (Platt and isotonic on held-out rows)', () => {
    const pc = model.predictProba(d.calib);
    for (const cal of [fitPlatt(pc, d.calib.label!), fitIsotonic(pc, d.calib.label!)]) {
      const q = cal.predictAll(p);
      expect(expectedCalibrationError(q, d.test.label!)).toBeLessThan(0.02);
    }
  });

  it('feature importance ranks the informative features above noise', () => {
    const imp = model.featureImportance('gain').map((r) => r.feature);
    expect(imp.slice(0, 4)).toContain('x0');
    expect(imp.indexOf('x2')).toBeLessThan(imp.indexOf('x8'));
    const split = model.featureImportance('split');
    expect(split.reduce((s, r) => s + r.importance, 0)).toBeGreaterThan(0);
  });

  it('serialization round trip gives identical predictions (data set and single rows)', () => {
    const json = JSON.stringify(model.toJSON());
    const back = GbdtModel.fromJSON(JSON.parse(json));
    const q = back.predictProba(d.test);
    expect(Array.from(q)).toEqual(Array.from(p));
    for (let i = 0; i < 50; i++) expect(back.predictRowProba(d.test.row(i))).toBe(p[i]);
  });

  it('batch scoring equals row-by-row scoring for every tree layout (numeric, categorical, deep, missing values)', () => {
    const { dataset: num } = syntheticBinary({ rows: 4000, features: 10, seed: 21, categorical: false, missingRate: 0.3 });
    const shallow = trainGbdtSync(num, { nTrees: 30, maxDepth: 5, seed: 1 });
    // deeper than the complete layouts go (walked through the node arrays), leaves at many depths
    const deep = trainGbdtSync(num, { nTrees: 3, maxDepth: 14, minChildWeight: 0.05, seed: 1 });
    expect(deep.forest.maxDepth).toBeGreaterThan(10);
    for (const m of [shallow, deep, model]) {
      const data = m === model ? d.test : num;
      const raw = m.predictRaw(data);
      // an odd row count: the two-rows-at-a-time loops end with a single row
      const part = m.predictRaw(data.subset(Array.from({ length: 257 }, (_, i) => i)));
      for (let i = 0; i < 300; i++) expect(raw[i]).toBe(m.predictRowRaw(data.row(i)));
      for (let i = 0; i < 257; i++) expect(part[i]).toBe(raw[i]);
    }
  });

  it('a feature absent from a request is missing, never zero', () => {
    const row = d.test.row(0);
    const { x3: _drop, ...without } = row;
    const asMissing = model.predictRowRaw({ ...row, x3: null });
    expect(model.predictRowRaw(without)).toBe(asMissing);
    // and differs from padding with 0 on some row where x3 matters
    let differs = false;
    for (let i = 0; i < 200 && !differs; i++) {
      const r = d.test.row(i);
      differs = model.predictRowRaw({ ...r, x3: null }) !== model.predictRowRaw({ ...r, x3: 0 });
    }
    expect(differs).toBe(true);
    // unseen category behaves as missing
    expect(model.predictRowRaw({ ...row, plan: 'never-seen' })).toBe(model.predictRowRaw({ ...row, plan: null }));
    // In a batch too, right after one that had the column (its encoded values are kept for the next call, not read again).
    model.predictRaw(d.test);
    const batch = model.predictRaw(d.test.dropColumns(['plan']));
    for (let i = 0; i < 100; i++) expect(batch[i]).toBe(model.predictRowRaw({ ...d.test.row(i), plan: null }));
  });
});

describe('GBDT options', () => {
  const { dataset } = syntheticBinary({ rows: 6000, features: 8, seed: 5 });

  it('same seed => identical model JSON (with row and column subsampling)', () => {
    const params = { nTrees: 20, maxDepth: 4, subsample: 0.7, colsample: 0.6, seed: 9 };
    const a = trainGbdtSync(dataset, params);
    const b = trainGbdtSync(dataset, params);
    const c = trainGbdtSync(dataset, { ...params, seed: 10 });
    expect(stable(a)).toBe(stable(b));
    expect(stable(a)).not.toBe(stable(c));
  });

  it('1 vs 2 worker threads give an identical model', async () => {
    const params = { nTrees: 15, maxDepth: 5, minLeafSize: 5, seed: 4 };
    const one = await trainGbdt(dataset, { ...params, nThreads: 1 });
    const two = await trainGbdt(dataset, { ...params, nThreads: 2 });
    expect(two.toJSON().training.threads).toBe(2);
    expect(stable(one)).toBe(stable(two));
    const three = await trainGbdt(dataset, { ...params, nThreads: 3, subsample: 0.8 });
    const oneSub = await trainGbdt(dataset, { ...params, nThreads: 1, subsample: 0.8 });
    expect(stable(three)).toBe(stable(oneSub));
  });

  it('1 vs 2 threads give an identical model when the work is split (partitions, updates, categorical splits)', async () => {
    // above MIN_PARALLEL_ROWS, so the workers take part in histograms, partitions and score updates
    const { dataset: big } = syntheticBinary({ rows: 60_000, features: 8, seed: 9 });
    const params = { nTrees: 6, maxDepth: 4, seed: 4 };
    const one = await trainGbdt(big, { ...params, nThreads: 1 });
    const two = await trainGbdt(big, { ...params, nThreads: 2 });
    expect(two.toJSON().training.threads).toBe(2);
    expect(one.toJSON().trees.some((t) => t.catLeft.some((c) => c !== null))).toBe(true);
    expect(stable(one)).toBe(stable(two));
    // row and column sampling, early stopping on a validation split
    const more = { ...params, subsample: 0.7, colsample: 0.8, earlyStoppingRounds: 3, minLeafSize: 3 };
    expect(stable(await trainGbdt(big, { ...more, nThreads: 2 }))).toBe(stable(await trainGbdt(big, { ...more, nThreads: 1 })));
  });

  it('monotone constraints hold along the constrained feature', () => {
    const m = trainGbdtSync(dataset, { nTrees: 60, maxDepth: 5, monotone: { x1: 1, x0: -1 }, seed: 2 });
    const grid = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
    for (let r = 0; r < 40; r++) {
      const row = dataset.row(r);
      const up = grid.map((v) => m.predictRowRaw({ ...row, x1: v }));
      const down = grid.map((v) => m.predictRowRaw({ ...row, x0: v }));
      for (let i = 1; i < grid.length; i++) {
        expect(up[i]!).toBeGreaterThanOrEqual(up[i - 1]! - 1e-12);
        expect(down[i]!).toBeLessThanOrEqual(down[i - 1]! + 1e-12);
      }
    }
    // x1 truly decreases p (coefficient -0.5): the constrained model must be flat-ish, not decreasing
    const free = trainGbdtSync(dataset, { nTrees: 60, maxDepth: 5, seed: 2 });
    const row = dataset.row(0);
    expect(free.predictRowRaw({ ...row, x1: 2 })).toBeLessThan(free.predictRowRaw({ ...row, x1: -2 }));
  });

  it('early stopping keeps the best iteration on the validation split', () => {
    const m = trainGbdtSync(dataset, { nTrees: 400, learningRate: 0.3, maxDepth: 6, earlyStoppingRounds: 10, seed: 1 });
    const j = m.toJSON();
    expect(j.bestIteration).toBeLessThan(400);
    expect(j.trees).toHaveLength(j.bestIteration);
    const vl = j.training.validationLoss;
    expect(Math.min(...vl)).toBe(vl[j.bestIteration - 1]);
    expect(vl.length).toBe(j.bestIteration + 10);
  });

  it('maxLeaves, minLeafSize, gamma and lambda restrict the trees', () => {
    const m = trainGbdtSync(dataset, { nTrees: 5, maxDepth: 6, maxLeaves: 8, minLeafSize: 100 });
    for (const t of m.toJSON().trees) {
      const leaves = t.feature.filter((f) => f < 0).length;
      expect(leaves).toBeLessThanOrEqual(8);
      t.feature.forEach((f, i) => f < 0 && expect(t.cover[i]!).toBeGreaterThanOrEqual(100));
    }
    const g = trainGbdtSync(dataset, { nTrees: 3, gamma: 1e9 });
    expect(g.toJSON().trees.every((t) => t.feature.length === 1)).toBe(true);
  });

  it('learns a categorical effect and a missing-value effect', () => {
    const n = 8000;
    const codes = new Int32Array(n);
    const x = new Float64Array(n);
    const y = new Uint8Array(n);
    let s = 1;
    const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 4294967296);
    for (let i = 0; i < n; i++) {
      codes[i] = Math.floor(rnd() * 8);
      x[i] = rnd() < 0.3 ? NaN : rnd();
      const p = ([1, 4, 6].includes(codes[i]!) ? 0.7 : 0.2) + (Number.isNaN(x[i]!) ? 0.2 : 0);
      y[i] = rnd() < p ? 1 : 0;
    }
    const ds = new Dataset(
      [
        { kind: 'categorical', name: 'c', codes, vocabulary: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] },
        { kind: 'numeric', name: 'x', values: x },
      ],
      y,
    );
    const m = trainGbdtSync(ds, { nTrees: 30, maxDepth: 3 });
    const pr = (c: string, v: number | null): number => m.predictRowProba({ c, x: v });
    expect(pr('b', 0.5)).toBeGreaterThan(pr('a', 0.5) + 0.3);
    expect(pr('g', 0.5)).toBeGreaterThan(pr('h', 0.5) + 0.3);
    expect(pr('a', null)).toBeGreaterThan(pr('a', 0.5) + 0.1);
  });

  it('rejects bad parameters clearly', () => {
    expect(() => trainGbdtSync(dataset, { maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => trainGbdtSync(dataset, { monotone: { plan: 1 } })).toThrow(/categorical/);
    expect(() => trainGbdtSync(dataset, { monotone: { nope: 1 } })).toThrow(/unknown feature/);
  });
});
