import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** The rows of a raw `execute(sql...)` answer: both drivers (PGlite, node-postgres) put them in `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

export interface SqlResult {
  rows: Record<string, unknown>[];
}

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Raw SQL for pg-boss and maintenance: parameterised text, or several statements when no values. */
  executeSql(text: string, values?: unknown[]): Promise<SqlResult>;
  /** The PostgreSQL URL when on a server (pg-boss then uses its own pool). */
  url: string | undefined;
  /**
   * On a server: a small pool of its own for work one request splits across connections (the
   * slices of an audience preview). A request holding a connection of the main pool waits only for
   * these, which are never held while waiting for another: so no number of such requests at once
   * can leave every one of them waiting. Null on PGlite (one connection).
   */
  helpers: Db | null;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

// numeric -> string and timestamptz -> ISO 8601 UTC on the node-postgres driver, so both drivers answer alike.
pg.types.setTypeParser(1184, (v: string) => new Date(v).toISOString());

/**
 * PGlite's shared buffers live in its WebAssembly memory, which never shrinks: at PostgreSQL's
 * default of 128 MB the demo server kept ~170 MB of it resident for good. At 32 MB it keeps ~63 MB;
 * a page that misses is read from the data folder through the OS's file cache. On the demo's data
 * (3,000 subscribers, ~200 MB folder) the API thread's CPU for a scoring run, a training and the
 * campaign previews was the same or lower than at 128 MB (two rounds each, same copy of the data).
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/**
 * PGlite in `dataDir`, or in memory when null. `loadDataDir` starts the in-memory database from a
 * dump of another (tests start from one migrated template instead of initdb and migrations each).
 */
export async function openPglite(dataDir: string | null, opts: { loadDataDir?: Blob } = {}): Promise<Database & { dumpDataDir(): Promise<Blob> }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const options = {
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    ...(opts.loadDataDir && { loadDataDir: opts.loadDataDir }),
  };
  const client = dataDir ? await PGlite.create(path.join(dataDir, 'pgdata'), options) : await PGlite.create(options);
  await client.exec("SET TIME ZONE 'UTC'");
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    url: undefined,
    helpers: null,
    async executeSql(text, values) {
      if (values && values.length > 0) return { rows: (await client.query<Record<string, unknown>>(text, values)).rows };
      const results = await client.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
    },
    async close() {
      await client.close();
    },
    /** The whole data folder as an uncompressed tarball (what `loadDataDir` takes). */
    dumpDataDir: () => client.dumpDataDir('none'),
  };
}

/**
 * Every session of Lyra's pool: UTC, and no JIT. Lyra's statements are many small ones, and the
 * planner's cost of some exceeds `jit_above_cost` by far without their work doing so: a scoring
 * page's offerable products (100 subscribers x 500 products, a correlated default-risk test per
 * pair) is costed at ~570,000, so PostgreSQL 15 spent 256 ms compiling it (inlining, optimizing)
 * to run it in 12 ms, on every page. The statements that are large (an audience preview over a
 * million subscribers) never earned their compilation back either.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC -c jit=off';

/** Connections of the helpers' pool (Database.helpers): two previews split in two at once. */
const HELPER_POOL_SIZE = 2;

export async function openPostgres(url: string, poolSize = 10): Promise<Database> {
  const open = (max: number) => {
    const p = new pg.Pool({ connectionString: url, max, options: SESSION_OPTIONS });
    p.on('error', () => undefined); // idle-client errors surface on the next query
    return p;
  };
  const pool = open(poolSize);
  const helperPool = open(HELPER_POOL_SIZE);
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    url,
    helpers: drizzlePg(helperPool, { schema }) as unknown as Db,
    async executeSql(text, values) {
      const r = await pool.query(text, values as unknown[] | undefined);
      const last = Array.isArray(r) ? r.at(-1) : r;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
    },
    async close() {
      await Promise.all([pool.end(), helperPool.end()]);
    },
  };
}

export async function openDatabase(opts: { databaseUrl?: string | undefined; dataDir: string | null }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}

export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    // Several instances may start at once: serialise migrations with an advisory lock.
    await database.executeSql('SELECT pg_advisory_lock(7301001)');
    try {
      await migratePg(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await database.executeSql('SELECT pg_advisory_unlock(7301001)');
    }
  }
}
