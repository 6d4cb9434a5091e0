import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.js';
import { copyCell, copyRows, withStagedRows, type StagingColumn } from './bulk-copy.js';
import { rowsOf, type Database } from './client.js';

/** Strings COPY's text format treats specially, and arbitrary unicode (no NUL: PostgreSQL text cannot hold it). */
const nasty = fc.oneof(
  fc.constantFrom('', '\\N', '\\', '\\\\', '\t', '\n', '\r', '\r\n', '"', "'", ',', '{', '}', '{"a"}', 'NULL', 'null', ' ', '\\t', 'a\tb\nc\\d', '€', '𝄞', 'ü\u0301'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', 'N', '"', ',', '{', '}', 'x', ' '), maxLength: 20 }),
).filter((s) => !s.includes('\u0000'));

const columns: StagingColumn[] = [
  { name: 'k', type: 'integer' },
  { name: 't', type: 'text' },
  { name: 'arr', type: 'text[]' },
  { name: 'doc', type: 'jsonb' },
  { name: 'amount', type: 'numeric' },
  { name: 'flag', type: 'boolean' },
];

/** JSON without NUL in its strings (jsonb rejects \u0000 too) and with numbers jsonb keeps exactly. */
const json = fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('\\u0000') && !/[eE.]/.test(JSON.stringify(v).replace(/"(?:[^"\\]|\\.)*"/g, '')));

describe('bulk copy (COPY into a staging table)', () => {
  let database: Database & { dispose(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => database.dispose());

  async function roundTrip(rows: unknown[][]): Promise<Record<string, unknown>[]> {
    return withStagedRows(database.db, { name: 'copy_probe', columns }, rows as never, async (tx, table) =>
      rowsOf<Record<string, unknown>>(await tx.execute(sql.raw(`select k, t, arr, doc, amount::text as amount, flag from ${table} order by k`))),
    );
  }

  it('round-trips arbitrary strings, arrays and JSON exactly, NULL apart from the empty string (property)', async () => {
    const row = fc.record({
      t: fc.option(nasty, { nil: null }),
      arr: fc.option(fc.array(fc.option(nasty, { nil: null }), { maxLength: 4 }), { nil: null }),
      doc: fc.option(json, { nil: null }),
      amount: fc.option(fc.constantFrom('0', '1.50', '-12345678901234567890.123456789', '0.01'), { nil: null }),
      flag: fc.option(fc.boolean(), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (input) => {
        const out = await roundTrip(input.map((r, k) => [k, r.t, r.arr, r.doc, r.amount, r.flag]));
        // The JSON document as JSON means it (-0 is written 0).
        expect(out).toEqual(input.map((r, k) => ({ k, ...r, doc: r.doc === null ? null : JSON.parse(JSON.stringify(r.doc)) })));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps NULL, the empty string and the two characters \\N apart', async () => {
    const out = await roundTrip([
      [1, null, [], {}, null, null],
      [2, '', [''], { a: '' }, '0', false],
      [3, '\\N', ['\\N', null], { a: '\\N' }, '1', true],
    ]);
    expect(out.map((r) => [r.t, r.arr, r.doc])).toEqual([
      [null, [], {}],
      ['', [''], { a: '' }],
      ['\\N', ['\\N', null], { a: '\\N' }],
    ]);
  });

  it('writes nothing and still answers when there are no rows', async () => {
    expect(await roundTrip([])).toEqual([]);
  });

  it('rolls the staging table back with a failed statement, and inside a transaction leaves it nowhere', async () => {
    await expect(roundTrip([[1, 'x', null, null, 'not a number', null]])).rejects.toThrow();
    await database.db.transaction(async (tx) => {
      await withStagedRows(tx, { name: 'copy_probe', columns }, [[1, 'a', null, null, null, null]], async () => undefined);
      const left = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from pg_class where relname like 'copy_probe_%' and relpersistence = 't'`));
      expect(left[0]?.n).toBe(0);
    });
  });

  it('copies straight into a table, its defaults filling the columns left out; floats keep NaN and the infinities', async () => {
    await database.executeSql('create table copy_target (id bigserial primary key, "group" text not null, score double precision, tags text[] not null default \'{}\')');
    await copyRows(database.db, 'copy_target', [{ name: 'group', type: 'text' }, { name: 'score', type: 'double precision' }], [
      ['a\tb', 0.1 + 0.2],
      ['', Number.NaN],
      ['\\N', Number.NEGATIVE_INFINITY],
    ]);
    const rows = await database.executeSql('select id::int as id, "group", score::text as score, tags from copy_target order by id');
    expect(rows.rows).toEqual([
      { id: 1, group: 'a\tb', score: String(0.1 + 0.2), tags: [] },
      { id: 2, group: '', score: 'NaN', tags: [] },
      { id: 3, group: '\\N', score: '-Infinity', tags: [] },
    ]);
  });

  it('refuses what it cannot carry instead of changing it', async () => {
    expect(() => copyCell('a\u0000b', 'text')).toThrow(/NUL/);
    expect(() => copyCell(Number.NaN, 'numeric')).toThrow(/finite/);
    await expect(withStagedRows(database.db, { name: 'x; drop table y', columns }, [], async () => undefined)).rejects.toThrow(/bad staging/);
  });
});
