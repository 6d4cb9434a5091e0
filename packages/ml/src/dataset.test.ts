import { describe, expect, it } from 'vitest';
import { Dataset, Rng, mulberry32, parseCsv, readCsv, stratifiedSplit, stratifiedSplitIndices } from './dataset.js';

describe('CSV parsing', () => {
  it('handles quotes, doubled quotes, embedded delimiters and line breaks, CRLF, BOM', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","he said ""hi"""\r\n2,"line1\nline2",\r\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'he said "hi"'],
      ['2', 'line1\nline2', ''],
    ]);
  });
  it('keeps empty fields, trailing delimiter, no final newline, skips blank lines', () => {
    expect(parseCsv('a,b\n,\n\n1,')).toEqual([
      ['a', 'b'],
      ['', ''],
      ['1', ''],
    ]);
  });
  it('rejects an unterminated quote', () => {
    expect(() => parseCsv('a\n"oops\n')).toThrow(/unterminated/);
  });
  it('infers numeric vs categorical columns, empty cells are missing', () => {
    const ds = readCsv('id,age,plan,zip,y\n1,34,gold,00123,1\n2,,silver,00456,0\n3,51.5,,00789,true\n', {
      label: 'y',
      drop: ['id'],
      categorical: ['zip'],
    });
    expect(ds.featureNames).toEqual(['age', 'plan', 'zip']);
    const age = ds.column('age')!;
    expect(age.kind).toBe('numeric');
    if (age.kind === 'numeric') {
      expect(age.values[0]).toBe(34);
      expect(Number.isNaN(age.values[1]!)).toBe(true); // missing, not 0
      expect(age.values[2]).toBe(51.5);
    }
    const plan = ds.column('plan')!;
    expect(plan.kind).toBe('categorical');
    if (plan.kind === 'categorical') expect(Array.from(plan.codes)).toEqual([0, 1, -1]);
    const zip = ds.column('zip')!;
    if (zip.kind === 'categorical') expect(zip.vocabulary).toEqual(['00123', '00456', '00789']);
    else throw new Error('zip must be categorical');
    expect(Array.from(ds.label!)).toEqual([1, 0, 1]);
    expect(ds.row(1)).toEqual({ age: null, plan: 'silver', zip: '00456' });
  });
  it('a column with one text value is categorical', () => {
    const ds = readCsv('x,y\n1,0\n2,1\nn/a,0\n', { label: 'y' });
    expect(ds.column('x')!.kind).toBe('categorical');
  });
  it('clear errors for bad input', () => {
    expect(() => readCsv('a,b\n1,2\n', { label: 'y' })).toThrow(/label column "y" not found/);
    expect(() => readCsv('a,y\n1,2\n', { label: 'y' })).toThrow(/binary/);
    expect(() => readCsv('a,y\n1,0,5\n', { label: 'y' })).toThrow(/3 fields, header has 2/);
    expect(() => readCsv('a,a\n1,0\n')).toThrow(/duplicate/);
  });
});

describe('PRNG and split', () => {
  it('mulberry32 is deterministic and uniform-ish', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    let s = 0;
    for (let i = 0; i < 10000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      s += x;
    }
    expect(s / 10000).toBeCloseTo(0.5, 1);
    const r = new Rng(1);
    let m = 0;
    let v = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      m += z;
      v += z * z;
    }
    expect(Math.abs(m / 20000)).toBeLessThan(0.03);
    expect(v / 20000).toBeCloseTo(1, 1);
  });
  it('stratified split keeps the base rate, is seeded and partitions the rows', () => {
    const n = 1000;
    const label = new Uint8Array(n);
    for (let i = 0; i < n; i++) label[i] = i % 10 === 0 ? 1 : 0;
    const a = stratifiedSplitIndices(label, 0.3, 7);
    const b = stratifiedSplitIndices(label, 0.3, 7);
    const c = stratifiedSplitIndices(label, 0.3, 8);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    expect(a.test.length).toBe(300);
    expect(a.train.length + a.test.length).toBe(n);
    expect(Array.from(a.test).filter((i) => label[i]).length).toBe(30);
    const ds = new Dataset([{ kind: 'numeric', name: 'x', values: Float64Array.from({ length: n }, (_, i) => i) }], label);
    const s = stratifiedSplit(ds, 0.3, 7);
    expect(s.test.nRows).toBe(300);
    expect(s.train.nRows).toBe(700);
  });
});
