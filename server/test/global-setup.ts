import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPglite, openPostgres, runMigrations } from '../src/db/client.js';

async function adminQuery(serverUrl: string, text: string) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/**
 * Handed to the test workers (forked after this setup, with its environment) by environment
 * variables rather than vitest's provide/inject: helpers.ts is also imported outside vitest (the
 * fuzz command), where importing vitest fails.
 */
export const PGLITE_TEMPLATE_ENV = 'LYRA_TEST_PGLITE_TEMPLATE';
export const POSTGRES_TEMPLATE_ENV = 'LYRA_TEST_POSTGRES_TEMPLATE';

/**
 * Once per `npm test`: a database with every migration applied that each test file's database
 * starts from, instead of running initdb (PGlite) and the migrations again per file (seconds per
 * file on a busy two-core machine). PGlite: dumped to a file that each in-memory database loads.
 * PostgreSQL: a template database (nobody connects to it, so copies of it can be made at once).
 */
export default async function setup() {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `lyra_test_template_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = await openPostgres(url.toString(), 1);
    try {
      await runMigrations(database);
    } finally {
      await database.close();
    }
    process.env[POSTGRES_TEMPLATE_ENV] = name;
    return () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'lyra-test-template-'));
  const file = path.join(dir, 'pgdata.tar');
  const database = await openPglite(null);
  try {
    await runMigrations(database);
    writeFileSync(file, Buffer.from(await (await database.dumpDataDir()).arrayBuffer()));
  } finally {
    await database.close();
  }
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
