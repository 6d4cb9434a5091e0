import { describe, expect, it } from 'vitest';
import { ColumnBuilder, SpareColumns, type FeatureDef } from './features.js';

describe('ColumnBuilder.addGroup', () => {
  it('gives the same columns and vocabularies as adding each row with the shared parts first', () => {
    const defs: FeatureDef[] = [
      { name: 'tenure', kind: 'numeric' }, { name: 'plan', kind: 'categorical' }, { name: 'price', kind: 'numeric' },
      { name: 'type', kind: 'categorical' }, { name: 'gap', kind: 'numeric' }, { name: 'absent', kind: 'categorical' },
    ];
    const shared = [{ gap: 7 }, { tenure: 12, plan: 'prepaid', gap: null, price: undefined }];
    const own = [
      { price: 10, type: 'data', gap: 99 },
      { price: null, type: 'voice' },
      { price: Number.NaN, type: '', plan: 'postpaid' },
      { price: '3.5', type: 'data' },
    ];
    // Enough rows to grow the builder past its initial capacity on both paths.
    const groups = Array.from({ length: 9 }, (_, g) => ({ shared: g % 2 ? shared : [{ tenure: g, plan: null }], own }));
    const one = new ColumnBuilder(defs, 16);
    const grouped = new ColumnBuilder(defs, 16);
    for (const g of groups) {
      for (const r of g.own) one.add(...g.shared, r);
      grouped.addGroup(g.shared, g.own);
    }
    expect(grouped.rows).toBe(36);
    expect(grouped.columns()).toEqual(one.columns());
  });
});

describe('SpareColumns', () => {
  it("gives each page the columns a fresh builder gives, in the previous page's arrays when they have room", () => {
    const defs: FeatureDef[] = [{ name: 'x', kind: 'numeric' }, { name: 'c', kind: 'categorical' }, { name: 'y', kind: 'numeric' }];
    const rowsOf = (page: number, n: number) => Array.from({ length: n }, (_, i) => ({ x: page * 1000 + i, c: `v${(page + i) % 4}`, y: i % 5 ? i : null }));
    const spare = new SpareColumns();
    let previous: Float64Array | null = null;
    // Pages of 300, 200 (in the same arrays), 700 (too many: fresh arrays) and 100 rows.
    for (const [page, n] of [300, 200, 700, 100].entries()) {
      const fresh = new ColumnBuilder(defs, n);
      const reused = new ColumnBuilder(defs, n, spare);
      for (const r of rowsOf(page, n)) {
        fresh.add(r);
        reused.add(r);
      }
      const columns = reused.columns();
      expect(columns).toEqual(fresh.columns());
      const x = columns[0]!.kind === 'numeric' ? columns[0]!.values : null;
      expect(x!.buffer === previous?.buffer).toBe(page === 1 || page === 3);
      previous = x;
      reused.release();
    }
    expect(() => new ColumnBuilder(defs, 10, spare).release()).toThrow(/before columns/);
  });
});
