import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openPglite, runMigrations } from '../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data folder (tarball) every PGlite test database starts from; '' on PostgreSQL. */
    pgliteTemplate: string;
  }
}

/**
 * Once per `npm test`: a PGlite database with every migration applied, dumped to a file. Each test
 * file's database loads it instead of running initdb and the migrations again (seconds per file on
 * a busy two-core machine). On PostgreSQL each test database is created and migrated as before.
 */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('pgliteTemplate', '');
    return;
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
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
