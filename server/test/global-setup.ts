import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
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

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data folder (tarball) every PGlite test database starts from; '' on PostgreSQL. */
    pgliteTemplate: string;
    /** On PostgreSQL: a migrated database every test database is created from (CREATE DATABASE ... TEMPLATE). */
    postgresTemplate: string;
  }
}

/**
 * Once per `npm test`: a database with every migration applied that each test file's database
 * starts from, instead of running initdb (PGlite) and the migrations again per file (seconds per
 * file on a busy two-core machine). PGlite: dumped to a file that each in-memory database loads.
 * PostgreSQL: a template database (nobody connects to it, so copies of it can be made at once).
 */
export default async function setup(project: TestProject) {
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
    project.provide('pgliteTemplate', '');
    project.provide('postgresTemplate', name);
    return () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  project.provide('postgresTemplate', '');
  const dir = mkdtempSync(path.join(tmpdir(), 'lyra-test-template-'));
  const file = path.join(dir, 'pgdata.tar');
  const database = await openPglite(null);
  try {
    await runMigrations(database);
    writeFileSync(file, Buffer.from(await (await database.dumpDataDir()).arrayBuffer()));
  } finally {
    await database.close();
  }
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
