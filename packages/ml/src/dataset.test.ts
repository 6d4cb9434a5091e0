import { describe, expect, it } from 'vitest';
import { Dataset, Rng, detectDelimiter, mulberry32, parseCsv, readCsv, readCsvReport, stratifiedSplit, stratifiedSplitIndices } from './dataset.js';

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
    const ds = readCsv('x,y\n1,0\n2,1\nunknown,0\n', { label: 'y' });
    expect(ds.column('x')!.kind).toBe('categorical');
  });
  it('blank cells and missing-value tokens keep a numeric column numeric, counted per token', () => {
    const rows = ['spend,plan,y'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 10 === 3 ? ' ' : i % 10 === 7 ? 'NA' : i % 10 === 8 ? 'null' : i % 10 === 9 ? '-' : String(i * 1.5)},${i % 2 ? 'gold' : 'N/A'},${i % 2}`);
    const r = readCsvReport(rows.join('\n'), { label: 'y' });
    const spend = r.dataset.column('spend')!;
    expect(spend.kind).toBe('numeric');
    if (spend.kind !== 'numeric') throw new Error('spend must be numeric');
    expect(spend.values[0]).toBe(0);
    expect(Number.isNaN(spend.values[3]!)).toBe(true);
    expect(Number.isNaN(spend.values[7]!)).toBe(true);
    const rep = r.columns.find((c) => c.name === 'spend')!;
    expect(rep).toMatchObject({ role: 'feature', kind: 'numeric', how: 'inferred', missing: 16, missingTokens: { ' ': 4, NA: 4, null: 4, '-': 4 } });
    // tokens are missing in categorical columns too
    const plan = r.dataset.column('plan')!;
    if (plan.kind !== 'categorical') throw new Error('plan must be categorical');
    expect(plan.vocabulary).toEqual(['gold']);
    expect(r.columns.find((c) => c.name === 'plan')).toMatchObject({ kind: 'categorical', levels: 1, missing: 20 });
    expect(r.columns.find((c) => c.name === 'y')).toMatchObject({ role: 'label' });
    expect(r.warnings).toEqual([]);
    // an explicit token list replaces the default one: '-' is then a category
    const own = readCsvReport('x,y\n1,0\n-,1\n?,0\n', { label: 'y', missingValues: ['?'] });
    expect(own.dataset.column('x')!.kind).toBe('categorical');
    expect(own.columns[0]).toMatchObject({ missing: 1, missingTokens: { '?': 1 } });
  });
  it('warns about a mostly numeric column read as categorical, and about very many levels', () => {
    const rows = ['amount,customer,y'];
    for (let i = 0; i < 300; i++) rows.push(`${i === 17 ? 'n.a.' : i},c${i},${i % 2}`);
    const r = readCsvReport(rows.join('\n'), { label: 'y' });
    expect(r.dataset.column('amount')!.kind).toBe('categorical');
    expect(r.columns[0]).toMatchObject({ kind: 'categorical', how: 'inferred', numericCells: 299, example: { row: 18, value: 'n.a.' } });
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/column amount: read as categorical because 1 of 300 filled cells are not numbers \(first: "n\.a\." in row 18\)/);
    expect(r.warnings[1]).toMatch(/column customer: categorical with 300 levels \(every value distinct/);
  });
  it('warns about decimal commas and a column with every cell missing', () => {
    const r = readCsvReport('price;empty;y\n1,5;;0\n2;NA;1\n-3,25; ;0\n', { label: 'y' });
    expect(r.dataset.column('price')!.kind).toBe('categorical');
    expect(r.dataset.column('empty')!.kind).toBe('numeric');
    expect(r.warnings).toEqual([
      'column price: read as categorical because 2 of 3 filled cells are numbers with a decimal comma (first: "1,5" in row 1); numbers are read with a decimal point',
      'column empty: every cell is missing',
    ]);
  });
  it('reads a test file with the training kinds: text in a numeric column is missing and counted', () => {
    const r = readCsvReport('a,b,y\n1,7,0\nx,8,1\n3,9,0\n', { label: 'y', kinds: { a: 'numeric', b: 'categorical' } });
    const a = r.dataset.column('a')!;
    if (a.kind !== 'numeric') throw new Error('a must be numeric');
    expect(Array.from(a.values).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, 3]);
    expect(r.dataset.column('b')!.kind).toBe('categorical');
    expect(r.columns[0]).toMatchObject({ how: 'forced', invalid: 1, example: { row: 2, value: 'x' } });
    expect(r.warnings[0]).toMatch(/column a: 1 cells are not numbers \(first: "x" in row 2\); read as missing/);
    const blank = readCsvReport('a,b,y\n1, ,0\n2,,1\n', { label: 'y', kinds: { a: 'numeric', b: 'categorical' } });
    expect(blank.warnings).toEqual(['column b: every cell is missing']);
  });
  it('detects the delimiter from the header line, or takes the given one; keeps ids apart', () => {
    expect(detectDelimiter('a;b;"c,d"\n1,2;3;4\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc\n')).toBe('\t');
    expect(detectDelimiter('a,b\n1;2;3;4\n')).toBe(',');
    expect(detectDelimiter('single\n1\n')).toBe(',');
    const r = readCsvReport('id;x;y\nA;1,5;1\nB;2;0\n', { label: 'y', id: 'id' });
    expect(r).toMatchObject({ delimiter: ';', delimiterDetected: true, ids: ['A', 'B'] });
    expect(r.dataset.featureNames).toEqual(['x']);
    const t = readCsvReport('x\ty\n1\t0\n', { label: 'y', delimiter: '\t' });
    expect(t).toMatchObject({ delimiter: '\t', delimiterDetected: false });
    expect(() => readCsvReport('a;y\n1;0\n', { label: 'y', delimiter: ',' })).toThrow(/label column "y" not found \(columns: a;y\)/);
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
