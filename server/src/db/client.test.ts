import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, type Database } from './client.js';

/** PGlite only: on PostgreSQL these settings are the server's. */
describe('openPglite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPglite(null);
  });
  afterAll(() => database.close());

  const setting = async (name: string) => (await database.executeSql(`SELECT current_setting('${name}') AS v`)).rows[0]!.v;

  it('runs with small shared buffers (they stay in its WebAssembly memory for good)', async () => {
    expect(await setting('shared_buffers')).toBe('32MB');
  });

  it("keeps PGlite's own start parameters beside it", async () => {
    // PGlite's defaults, which passing start parameters replaces unless they are repeated.
    expect(await setting('search_path')).toBe('public');
    expect(await setting('max_parallel_workers_per_gather')).toBe('0');
    expect(await setting('exit_on_error')).toBe('off');
  });
});

/** PostgreSQL: the settings Lyra gives each session of its pool (the server's own defaults aside). */
describe.skipIf(!process.env.TEST_DATABASE_URL)('openPostgres', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPostgres(process.env.TEST_DATABASE_URL!, 2);
  });
  afterAll(() => database.close());

  it('runs every session in UTC and without JIT (small statements costed high compiled for far longer than they ran)', async () => {
    const { rows } = await database.executeSql(`SELECT current_setting('TimeZone') AS tz, current_setting('jit') AS jit`);
    expect(rows[0]).toEqual({ tz: 'UTC', jit: 'off' });
  });
});
