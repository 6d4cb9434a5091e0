import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DbOrTx, Tx } from './client.js';

/**
 * Bulk writes at the speed of the database: rows go through `COPY` into a temporary staging table,
 * and the caller turns that table into one set-based statement (`insert ... select ... on conflict
 * do update`). Both drivers: node-postgres streams `COPY ... FROM STDIN` (pg-copy-streams), PGlite
 * reads the same text from `'/dev/blob'`. The encoding is PostgreSQL's text format, so any string
 * (tabs, newlines, backslashes, `\N`, unicode) arrives exactly as sent and `null` stays apart from ''.
 */

/** A staging column: its name and SQL type (`text`, `numeric`, `jsonb`, `text[]`, `timestamptz` ...). */
export interface StagingColumn {
  name: string;
  type: string;
}

/**
 * A value for one staging cell. Strings go as they are (money as decimal strings); string arrays
 * into array columns; other objects into jsonb columns as JSON; null/undefined is SQL NULL.
 */
export type CopyValue = string | number | bigint | boolean | null | undefined | readonly (string | null)[] | Record<string, unknown> | unknown[];

const IDENT = /^[a-z_][a-z0-9_]*$/;
/** A staging column's type: a type name with optional modifiers and array brackets, nothing that could end the statement. */
const TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?(\[\])?$/;

/** Text-format escaping: backslash, newline, carriage return and tab are the only bytes COPY treats specially. */
function escapeText(s: string): string {
  if (s.includes('\u0000')) throw new Error('a text value cannot hold the NUL character (U+0000)');
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : s;
}

/** A PostgreSQL array literal of text elements: every element quoted, `"` and `\` escaped, NULL bare. */
function arrayLiteral(items: readonly (string | null)[]): string {
  return `{${items.map((x) => (x === null ? 'NULL' : `"${x.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** One cell in COPY text format (before the field escaping for the raw kinds, after it for all). */
export function copyCell(value: CopyValue, type: string): string {
  if (value === null || value === undefined) return '\\N';
  // A JSON column takes any value as JSON, a bare string too (a jsonb string is "quoted").
  if (type === 'jsonb' || type === 'json') return escapeText(JSON.stringify(value));
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      // Floating-point columns hold NaN and the infinities (as an INSERT would write them); other types cannot.
      if (!/^(double precision|float[48]?|real)$/.test(type)) throw new Error(`a ${type} value must be a finite number, got ${value}`);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value) && type.endsWith('[]')) {
    if (value.some((x) => x !== null && typeof x !== 'string')) throw new Error(`a ${type} value must hold strings or nulls`);
    return escapeText(arrayLiteral(value as (string | null)[]));
  }
  return escapeText(JSON.stringify(value));
}

/** Rows in COPY text format, cut into chunks of about 256 KB so neither driver holds one huge string. */
export function* copyText(columns: readonly StagingColumn[], rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`a staging row has ${row.length} values for ${columns.length} columns`);
    let line = '';
    for (let i = 0; i < columns.length; i++) line += (i ? '\t' : '') + copyCell(row[i], columns[i]!.type);
    chunk += `${line}\n`;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

interface PgliteLike {
  query(text: string, params?: unknown[], options?: { blob?: Blob }): Promise<unknown>;
}

/** The connection under a transaction handle: a node-postgres client, or PGlite's transaction. */
function connectionOf(tx: Tx): pg.ClientBase | PgliteLike {
  // Drizzle keeps it on the session (not in its public types): a PoolClient inside a
  // node-postgres transaction, PGlite's Transaction inside a PGlite one.
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  if (!client || typeof (client as { query?: unknown }).query !== 'function') throw new Error('bulk copy: no database connection under this handle');
  return client as pg.ClientBase | PgliteLike;
}

function checkColumns(columns: readonly StagingColumn[]): string {
  for (const c of columns) {
    if (!IDENT.test(c.name) || !TYPE.test(c.type)) throw new Error(`bulk copy: bad staging column ${c.name} ${c.type}`);
  }
  return columns.map((c) => `"${c.name}"`).join(', ');
}

/**
 * COPYs rows straight into an existing table (no staging, no upsert): the plain bulk load, for
 * loads into empty tables and as the benchmarks' baseline. One transaction (or savepoint).
 */
export async function copyRows(handle: DbOrTx, table: string, columns: readonly StagingColumn[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  if (!IDENT.test(table)) throw new Error(`bulk copy: bad table name ${table}`);
  const columnList = checkColumns(columns);
  await handle.transaction(async (tx) => copyInto(connectionOf(tx), table, columnList, copyText(columns, rows)));
}

let stagingSeq = 0;

/**
 * COPYs the rows into a new temporary table (dropped at commit) and hands `use` the transaction and
 * the table's name. Runs in a transaction of its own (a savepoint when `handle` is one already), so
 * both statements use one connection and a failed COPY leaves nothing behind.
 */
export async function withStagedRows<T>(
  handle: DbOrTx,
  staging: { name: string; columns: readonly StagingColumn[] },
  rows: Iterable<readonly CopyValue[]>,
  use: (tx: Tx, table: string) => Promise<T>,
): Promise<T> {
  if (!IDENT.test(staging.name)) throw new Error(`bulk copy: bad staging table name ${staging.name}`);
  const columnList = checkColumns(staging.columns);
  const table = `${staging.name}_${(stagingSeq = (stagingSeq + 1) % 1_000_000)}`;
  return handle.transaction(async (tx) => {
    await tx.execute(sql.raw(`create temp table ${table} (${staging.columns.map((c) => `"${c.name}" ${c.type}`).join(', ')}) on commit drop`));
    await copyInto(connectionOf(tx), table, columnList, copyText(staging.columns, rows));
    const result = await use(tx, table);
    // Inside a longer transaction (a savepoint) the table would live until its commit: drop it now.
    // On failure the rollback removes it.
    await tx.execute(sql.raw(`drop table ${table}`));
    return result;
  });
}

async function copyInto(client: pg.ClientBase | PgliteLike, table: string, columnList: string, text: Iterable<string>): Promise<void> {
  const chunks = [...text];
  if (chunks.length === 0) return;
  if (client instanceof pg.Client) {
    const stream = client.query(copyFrom(`copy ${table} (${columnList}) from stdin`));
    await pipeline(Readable.from(chunks, { objectMode: false }), stream);
    return;
  }
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const c of chunks) parts.push(encoder.encode(c));
  await (client as PgliteLike).query(`copy ${table} (${columnList}) from '/dev/blob'`, [], { blob: new Blob(parts) });
}
