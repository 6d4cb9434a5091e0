import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPglite, openPostgres, type Database } from '@lyra/server/db/client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drops a benchmark's database on the server of `serverUrl`. A plain DROP stops the autovacuum
 * workers in it by itself; `with (force)` would also have to terminate them, which a role that is
 * not a superuser (nor in pg_signal_backend) may not do. Sessions of the bench's own (a server
 * process just stopped) may take a moment to go: retried, and forced only as the last resort.
 */
export async function dropBenchDatabase(serverUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`drop database if exists ${name}`);
        return;
      } catch (err) {
        // 55006: the database is being accessed by other users
        if ((err as { code?: string }).code !== '55006' || attempt >= 20) break;
        await sleep(500);
      }
    }
    await c.query(`drop database if exists ${name} with (force)`);
  } finally {
    await c.end();
  }
}

/**
 * A database of the benchmark's own: PGlite in a temporary directory, or a new database on the
 * PostgreSQL server `serverUrl` names (the database in the URL is never written), dropped (or
 * deleted) at the end unless `keep`, which prints where it stays for a look afterwards.
 */
export async function benchDatabase(serverUrl: string | undefined, opts: { prefix: string; keep?: boolean }): Promise<{ database: Database; dispose(): Promise<void> }> {
  const keep = opts.keep ?? false;
  if (!serverUrl) {
    const dir = mkdtempSync(path.join(tmpdir(), `${opts.prefix}-`));
    const database = await openPglite(dir);
    return {
      database,
      async dispose() {
        await database.close();
        if (keep) console.log(`${opts.prefix}: PGlite data kept in ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `${opts.prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), 4);
  return {
    database,
    async dispose() {
      await database.close();
      if (keep) console.log(`${opts.prefix}: database ${name} kept`);
      else await dropBenchDatabase(serverUrl, name);
    },
  };
}

/** The machine's 1, 5 and 15 minute load averages, for the lines a benchmark prints on a shared machine. */
export const loadAverage = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
