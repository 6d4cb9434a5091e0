import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startXivaSimulator, XIVA_DEFAULT_CREDENTIALS } from '@lyra/simulators';
import { createContainer } from '../../container.js';
import { openPglite, runMigrations, type Database } from '../../db/client.js';
import { createSecretBox, keyFromString } from '../../lib/secrets.js';
import { createTestDatabase, FAST_HTTP } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';

const child = fileURLToPath(new URL('../../../test/fixtures/lyra-child.ts', import.meta.url));
const KEY = 'process-test-key';
const serverUrl = process.env.TEST_DATABASE_URL;

function spawnChild(args: string[], env: Record<string, string>): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { env: { ...process.env, ...env, LYRA_SECRET_KEY: KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  proc.stderr!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { proc, lines, exited: new Promise((r) => proc.on('exit', (code) => r(code))) };
}

const containerFor = (database: Database) => createContainer(database, { sessionTtlHours: 1, secrets: createSecretBox(keyFromString(KEY)), httpOverrides: FAST_HTTP });

describe('sync across processes', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('a process killed mid-run leaves a consistent catalog; the next start marks the run failed and the next run converges, writing nothing twice', async () => {
    const sim = await startXivaSimulator({ items: 2500, seed: 9, faults: { latencyMs: 120 } });
    cleanup.push(() => sim.close());
    // PGlite lives in one process at a time: the parent closes it while the child syncs.
    const dir = serverUrl ? null : mkdtempSync(path.join(tmpdir(), 'lyra-crash-'));
    // Pushed first, so it runs last (after the database is closed); 65 MB a run otherwise stay in /tmp.
    if (dir) cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    let database: Database = serverUrl ? await createTestDatabase() : await openPglite(dir);
    if (!serverUrl) await runMigrations(database);
    const url = serverUrl ? (database as Database & { url: string }).url : undefined;
    let c = containerFor(database);
    const system = await c.externalSystems.create(SYSTEM_ACTOR, {
      name: 'Xiva', system_type: 'xiva', base_url: `${sim.url}/api`, api_version: 'v5', auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password },
      default_currency: null, timeout_ms: 5000, max_retries: 3, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'daily', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
    });
    // Pages of 100, each 120 ms late: the run commits what it holds about every half second.
    await database.executeSql(`update external_systems set options = '{"page_size": 100}'::jsonb where id = $1`, [system.id]);
    if (!serverUrl) await database.close();

    const run = spawnChild(['sync', system.id], url ? { DATABASE_URL: url } : { DATA_DIR: dir! });
    // Kill it once batches are committed, while it reads the pages of the next one.
    for (let i = 0; i < 1200; i++) {
      const read = run.lines.filter((l) => l.startsWith('PROGRESS')).map((l) => Number(l.split(' ')[1])).at(-1) ?? 0;
      if (read >= 1000) break;
      if (run.lines.includes('DONE')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run.lines.includes('DONE'), run.lines.join('\n')).toBe(false);
    run.proc.kill('SIGKILL');
    await run.exited;

    if (!serverUrl) {
      database = await openPglite(dir);
      c = containerFor(database);
    }
    const recovered = await c.sync.recover({ singleProcess: !serverUrl });
    if (serverUrl) {
      // On a shared server a run is abandoned once its heartbeat is stale.
      await database.executeSql("update sync_runs set heartbeat_at = now() - interval '10 minutes' where status = 'running'", []);
      expect((await c.sync.recover({ singleProcess: false })).failed).toBe(1);
    } else {
      expect(recovered.failed).toBe(1);
    }
    const { results } = await c.sync.list({ limit: 5, offset: 0 });
    expect(results[0]!.status).toBe('failed');
    expect(results[0]!.error).toMatch(/stopped/);
    expect(results[0]!.stop_reason).toBe('abandoned');
    const { rows: dupes } = await database.executeSql('select external_product_id, count(*) from products group by 1 having count(*) > 1', []);
    expect(dupes).toEqual([]);
    const { rows: partial } = await database.executeSql("select external_product_id, updated_at from products where external_system = 'xiva'", []);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(2500);
    // The run's last saved progress counts only what was committed (the kill may fall between a
    // batch's commit and its progress, never the other way round).
    expect(results[0]!.counts.created).toBeLessThanOrEqual(partial.length);
    expect((await c.externalSystems.get(system.id)).cursor).toBeNull();

    sim.setFaults({ latencyMs: 0 });
    const next = await c.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode: 'full', force: false }, { inline: true });
    await c.syncEngine.execute(next.id);
    const done = await c.sync.get(next.id);
    expect(done.status).toBe('succeeded');
    // Nothing lost, nothing written twice: what the killed run committed comes back unchanged.
    expect(done.counts).toMatchObject({ created: sim.store.validIds().length - partial.length, updated: 0, unchanged: partial.length, retired: 0 });
    const { rows: kept } = await database.executeSql("select external_product_id, updated_at from products where external_system = 'xiva'", []);
    const updatedAt = new Map(kept.map((r) => [r.external_product_id, String(r.updated_at)]));
    for (const r of partial) expect(updatedAt.get(r.external_product_id), String(r.external_product_id)).toBe(String(r.updated_at));
    const { rows } = await database.executeSql("select external_product_id from products where external_system = 'xiva' and retired_at is null order by 1", []);
    expect(rows.map((r) => r.external_product_id)).toEqual([...sim.store.validIds()].sort());
    cleanup.push(async () => (serverUrl ? (database as Database & { dispose(): Promise<void> }).dispose() : database.close()));
  }, 120_000);

  it.skipIf(!serverUrl)('two Lyra processes on one PostgreSQL run a scheduled sync once', async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.dispose());
    const c = containerFor(database);
    const system = await c.externalSystems.create(SYSTEM_ACTOR, {
      name: 'Xiva', system_type: 'xiva', base_url: 'http://127.0.0.1:9/api', api_version: 'v5', auth: { type: 'jwt', username: 'a@b.example', secret: 'x' },
      default_currency: null, timeout_ms: 5000, max_retries: 3, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'hourly', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
    });
    await database.executeSql("update external_systems set next_run_at = now() - interval '1 minute' where id = $1", [system.id]);
    const at = String(Date.now() + 4000);
    const a = spawnChild(['tick', at], { DATABASE_URL: database.url! });
    const b = spawnChild(['tick', at], { DATABASE_URL: database.url! });
    expect(await a.exited, a.lines.join('\n')).toBe(0);
    expect(await b.exited, b.lines.join('\n')).toBe(0);
    const started = [...a.lines, ...b.lines].filter((l) => l.startsWith('STARTED')).map((l) => Number(l.split(' ')[1]));
    expect(started.sort()).toEqual([0, 1]);
    const { rows } = await database.executeSql("select count(*)::int as n from sync_runs where trigger = 'schedule'", []);
    expect(Number(rows[0]!.n)).toBe(1);
  }, 60_000);
});
