/**
 * The row loops split between threads give what one thread gives: partitions (every piece's rows
 * in place, the first piece's and the last piece's kept where they are, the others' through the
 * scratch buffer) and histograms whose features move between threads.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { HistBuilder, MIN_PARALLEL_ROWS, rebalanceFeatureBounds, type PartitionJob } from './hist-pool.js';

const N_FEAT = 7;

/** A builder whose records hold random bins (0 = missing) and labels, scores from the row number. */
async function builderWith(rows: number, threads: number, seed: number): Promise<HistBuilder> {
  const b = await HistBuilder.create(rows, N_FEAT, false, threads);
  const binsFM = new Uint8Array(rows * N_FEAT);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < binsFM.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // a few values per feature, so every threshold splits off a real share of the rows
    binsFM[i] = (x >>> 0) % 12;
  }
  const y = Uint8Array.from({ length: rows }, (_, i) => i % 3 === 0 ? 1 : 0);
  b.fillRows(binsFM, y, 0);
  // the raw score of a record tells which row it is, wherever partitions move it
  const { f64, layout } = b.rows;
  for (let i = 0; i < rows; i++) f64[(i * layout.W + layout.rOff) >>> 1] = i;
  b.update([0, rows, 0]);
  return b;
}

const open: HistBuilder[] = [];
afterAll(async () => {
  for (const b of open) await b.close();
});

describe('HistBuilder partitions', () => {
  const rows = 2 * MIN_PARALLEL_ROWS + 1234;
  const cut = fc.record({
    feature: fc.integer({ min: 0, max: N_FEAT - 1 }),
    thrBin: fc.integer({ min: 0, max: 11 }),
    defaultLeft: fc.boolean(),
    categorical: fc.boolean(),
    catBits: fc.integer({ min: 0, max: 0xfff }),
  });

  it('give the same records, in the same order, on 1, 2 and 3 threads, level after level', async () => {
    const builders = await Promise.all([1, 2, 3].map((t) => builderWith(rows, t, 99)));
    open.push(...builders);
    // one level of nodes: the whole range cut in 1-4 nodes (some below the parallel size alone)
    const level = fc.tuple(fc.array(fc.integer({ min: 1, max: rows - 1 }), { minLength: 0, maxLength: 3 }), fc.array(cut, { minLength: 4, maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(level, async ([edges, cuts]) => {
        const bounds = [...new Set([0, ...edges, rows])].sort((a, b) => a - b);
        const jobs: PartitionJob[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          const c = cuts[k]!;
          let catSet: Uint32Array | null = null;
          if (c.categorical) {
            catSet = new Uint32Array(8);
            catSet[0] = c.catBits << 1;
          }
          jobs.push({ begin: bounds[k]!, end: bounds[k + 1]!, feature: c.feature, thrBin: c.thrBin, defaultLeft: c.defaultLeft, catSet });
        }
        const { u8, f64, layout } = builders[0]!.rows;
        const rowAt = (i: number): number => f64[(i * layout.W + layout.rOff) >>> 1]!;
        const binOf = (i: number, f: number): number => u8[4 * i * layout.W + f]!;
        // what a stable partition gives: per node, its rows going left, then those going right, each in the order they had
        const expected: number[] = [];
        const expectedMids: number[] = [];
        for (const j of jobs) {
          const left: number[] = [];
          const right: number[] = [];
          for (let i = j.begin; i < j.end; i++) {
            const bin = binOf(i, j.feature);
            const goLeft = bin === 0 ? j.defaultLeft : j.catSet ? ((j.catSet[bin >>> 5]! >>> (bin & 31)) & 1) === 1 : bin <= j.thrBin;
            (goLeft ? left : right).push(rowAt(i));
          }
          expected.push(...left, ...right);
          expectedMids.push(j.begin + left.length);
        }
        const mids = builders.map((b) => Array.from(b.partition(jobs)));
        expect(Array.from({ length: rows }, (_, i) => rowAt(i))).toEqual(expected);
        expect(mids[0]).toEqual(expectedMids);
        // every thread count leaves the same bytes
        const records = builders.map((b) => Buffer.from(b.rows.u32.buffer));
        expect(mids[1]).toEqual(mids[0]);
        expect(mids[2]).toEqual(mids[0]);
        expect(Buffer.compare(records[1]!, records[0]!)).toBe(0);
        expect(Buffer.compare(records[2]!, records[0]!)).toBe(0);
      }),
      { numRuns: 12, seed: 20261205 },
    );
  });
});

describe('HistBuilder histograms', () => {
  it('are the same on 1 and 3 threads whatever features each thread takes', async () => {
    const rows = MIN_PARALLEL_ROWS + 500;
    const [one, three] = await Promise.all([builderWith(rows, 1, 7), builderWith(rows, 3, 7)]);
    open.push(one!, three!);
    one!.build([0, rows, 0, 0, 5000, 1]);
    // enough builds for several rebalances, then the same histograms again
    for (let k = 0; k < 100; k++) three!.build([0, rows, 0, 0, 5000, 1]);
    const size = 2 * one!.histSize;
    expect(Array.from(three!.hist.subarray(0, size))).toEqual(Array.from(one!.hist.subarray(0, size)));
    const bounds = three!.featureBounds;
    expect(bounds[0]).toBe(0);
    expect(bounds.at(-1)).toBe(N_FEAT);
  });
});

describe('rebalanceFeatureBounds', () => {
  it('moves a feature from the slower thread to its neighbour only when that evens their times out', () => {
    const bounds = Int32Array.from([0, 15, 30]);
    rebalanceFeatureBounds(bounds, Float64Array.from([100, 95]));
    expect(Array.from(bounds)).toEqual([0, 15, 30]); // a feature costs ~6.7: a move would not help
    rebalanceFeatureBounds(bounds, Float64Array.from([100, 80]));
    expect(Array.from(bounds)).toEqual([0, 14, 30]);
    rebalanceFeatureBounds(bounds, Float64Array.from([50, 80]));
    expect(Array.from(bounds)).toEqual([0, 15, 30]);
  });

  it('keeps every chunk in order and at least one feature long', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((t) =>
          fc.tuple(fc.integer({ min: t, max: 40 }), fc.array(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: t, maxLength: t }), { minLength: 1, maxLength: 30 })),
        ),
        ([nFeat, rounds]) => {
          const t = rounds[0]!.length;
          const bounds = Int32Array.from({ length: t + 1 }, (_, k) => Math.floor((k * nFeat) / t));
          for (const busy of rounds) {
            rebalanceFeatureBounds(bounds, Float64Array.from(busy));
            expect(bounds[0]).toBe(0);
            expect(bounds[t]).toBe(nFeat);
            for (let k = 0; k < t; k++) expect(bounds[k + 1]!).toBeGreaterThan(bounds[k]!);
          }
        },
      ),
    );
  });
});
