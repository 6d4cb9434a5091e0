import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, parseCsv, unguardCell } from './csv.js';

/** Strings that stress the guard: formula starts, apostrophes, quotes, line ends, spaces. NUL is rejected before CSV. */
const tricky = fc
  .tuple(fc.constantFrom('', "'", "''", "'=", '=', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ' ', ','), fc.string({ unit: 'binary', maxLength: 40 }))
  .map(([prefix, rest]) => (prefix + rest).replaceAll('\0', ''));
const text = fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\0', '')));

describe('CSV formula guard', () => {
  it('prefixes formula starts and apostrophes, and import strips exactly that one', () => {
    expect(csvCell('=1+1', true)).toBe("'=1+1");
    expect(csvCell("'quoted", true)).toBe("''quoted");
    expect(csvCell('-5', true)).toBe("'-5");
    expect(csvCell('\tx', true)).toBe("'\tx");
    expect(csvCell('plain', true)).toBe('plain');
    expect(csvCell('', true)).toBe('');
    expect(csvCell('', true, true)).toBe("'");
    expect(unguardCell("''quoted")).toBe("'quoted");
    expect(unguardCell("'quoted")).toBe("'quoted"); // typed by hand: the apostrophe is the value's own
    expect(unguardCell("'=1+1")).toBe('=1+1');
    expect(unguardCell("'")).toBe('');
  });

  it('export -> import gives back any row of strings (property)', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 2, maxLength: 6 }), (values) => {
        const line = values.map((v) => csvCell(v, true, true)).join(',');
        const [row] = parseCsv(`${line}\r\n`);
        expect(row!.map(unguardCell)).toEqual(values);
      }),
      { numRuns: 2000 },
    );
  });
});
