import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DbOrTx, Tx } from './client.js';
import { copyText, type CopyValue, type StagingColumn } from './copy-text.js';

/**
 * Bulk writes at the speed of the database: rows go through `COPY` into a temporary staging table,
 * and the caller turns that table into one set-based statement (`insert ... select ... on conflict
 * do update`). Both drivers: node-postgres streams `COPY ... FROM STDIN` (pg-copy-streams), PGlite
 * reads the same text from `'/dev/blob'`. The encoding is PostgreSQL's text format, so any string
 * (tabs, newlines, backslashes, `\N`, unicode) arrives exactly as sent and `null` stays apart from ''.
 */

export { copyCell, copyText, type CopyValue, type StagingColumn } from './copy-text.js';

const IDENT = /^[a-z_][a-z0-9_]*$/;
/** A staging column's type: a type name with optional modifiers and array brackets, nothing that could end the statement. */
const TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\s*\d+)?\))?(\[\])?$/;

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
  await copyEncoded(handle, table, columns, copyText(columns, rows));
}

/**
 * copyRows of rows already in COPY text format: `copyText` of the same columns, e.g. encoded by a
 * worker thread (batch scoring), so this thread only sends them.
 */
export async function copyEncoded(handle: DbOrTx, table: string, columns: readonly StagingColumn[], text: Iterable<string>): Promise<void> {
  if (!IDENT.test(table)) throw new Error(`bulk copy: bad table name ${table}`);
  const columnList = checkColumns(columns);
  await handle.transaction(async (tx) => copyInto(connectionOf(tx), table, columnList, text));
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
