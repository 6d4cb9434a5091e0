import { describe, expect, it } from 'vitest';
import { ColumnBuilder, type FeatureDef } from './features.js';

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
