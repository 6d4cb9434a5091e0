import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXivaSimulator, XIVA_DEFAULT_CREDENTIALS } from '@lyra/simulators';
import type { LogLevel } from '../../lib/log.js';
import { catalogSyncTickJob } from './catalog-sync.jobs.js';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';

const api = '/api/loyalty/v1';

describe('external systems and sync runs over the API', () => {
  let t: TestContext;
  let admin: { authorization: string };
  let sim: Awaited<ReturnType<typeof startXivaSimulator>>;
  const logged: Array<{ msg: string; level: LogLevel; extra: Record<string, unknown> | undefined }> = [];
  beforeAll(async () => {
    t = await createTestContext({ workJobs: { pollingIntervalSeconds: 0.5, log: (msg, extra, level = 'info') => logged.push({ msg, level, extra }) } });
    admin = await t.auth('admin');
    sim = await startXivaSimulator({ items: 120, seed: 3, faults: { latencyMs: 5 } });
  });
  afterAll(async () => {
    await sim.close();
    await t.close();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    name: 'Xiva BSS', system_type: 'xiva', base_url: `${sim.url}/api`, api_version: 'v5',
    auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password },
    sync_frequency: 'every_n_days', sync_interval_days: 3, ...over,
  });

  it('creates a system with the secret encrypted at rest and never answered', async () => {
    const res = await t.app.inject({ method: 'POST', url: `${api}/external-systems/`, headers: admin, payload: body() });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s.auth.secret).toBe('********');
    expect(JSON.stringify(s)).not.toContain(XIVA_DEFAULT_CREDENTIALS.password);
    expect(s.next_run_at).toMatch(/T02:00:00.000Z$/);
    const { rows } = await t.database.executeSql('select auth_secret_enc from external_systems where id = $1', [s.id]);
    expect(String(rows[0]!.auth_secret_enc)).not.toContain(XIVA_DEFAULT_CREDENTIALS.password);
    expect(t.container.secrets.decrypt(String(rows[0]!.auth_secret_enc))).toBe(XIVA_DEFAULT_CREDENTIALS.password);

    // Sending the mask back keeps the secret; a new value replaces it.
    const keep = await t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload: { auth: { type: 'jwt', secret: '********' }, sync_frequency: 'hourly' } });
    expect(keep.statusCode, keep.body).toBe(200);
    expect(keep.json().next_run_at).toMatch(/:00:00.000Z$/);
    const audit = (await t.app.inject({ url: `${api}/audit-log/?entity_type=external_system&entity_id=${s.id}`, headers: admin })).json();
    expect(JSON.stringify(audit)).not.toContain(XIVA_DEFAULT_CREDENTIALS.password);
    expect(audit.results.map((e: { action: string }) => e.action)).toEqual(['update', 'create']);
  });

  it('validates systems: field errors, cron syntax, unique names, admin only', async () => {
    const bad = await t.app.inject({ method: 'POST', url: `${api}/external-systems/`, headers: admin, payload: body({ name: 'X2', base_url: 'ftp://x', sync_frequency: 'cron', sync_interval_days: null, extra: 1 }) });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().error.details.fields)).toEqual(expect.arrayContaining(['base_url', 'extra', 'sync_cron']));
    const cron = await t.app.inject({ method: 'POST', url: `${api}/external-systems/`, headers: admin, payload: body({ name: 'X3', system_type: 'crm', api_version: null, auth: { type: 'oauth2_client_credentials', username: 'id', secret: 's' }, sync_frequency: 'cron', sync_interval_days: null, sync_cron: 'every tuesday' }) });
    expect(cron.statusCode).toBe(400);
    expect(cron.json().error.details.fields.sync_cron[0]).toMatch(/cron/);
    const dup = await t.app.inject({ method: 'POST', url: `${api}/external-systems/`, headers: admin, payload: body({ name: 'Xiva BSS' }) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.details.fields).toEqual({ name: ['already in use'] });
    const marketer = await t.auth('marketer');
    expect((await t.app.inject({ url: `${api}/external-systems/`, headers: marketer })).statusCode).toBe(403);
  });

  it('connects a second system of a type; a sync by type then says which systems it could mean', async () => {
    const staging = await t.app.inject({ method: 'POST', url: `${api}/external-systems/`, headers: admin, payload: body({ name: 'Xiva staging', sync_frequency: 'manual', sync_interval_days: null }) });
    expect(staging.statusCode, staging.body).toBe(201);
    expect(staging.json()).toMatchObject({ system_type: 'xiva', product_count: 0 });
    try {
      const listed = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json();
      expect(listed.results.map((s: { name: string; system_type: string }) => [s.name, s.system_type])).toEqual([['Xiva BSS', 'xiva'], ['Xiva staging', 'xiva']]);
      const byType = await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'xiva' } });
      expect(byType.statusCode).toBe(400);
      expect(byType.json().error.details.fields).toEqual({ external_system: ['2 xiva systems are configured ("Xiva BSS", "Xiva staging"); give external_system_id to choose one'] });
      expect((await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'crm' } })).json().error.details.fields)
        .toEqual({ external_system: ['no crm system is configured'] });
    } finally {
      expect((await t.app.inject({ method: 'DELETE', url: `${api}/external-systems/${staging.json().id}/`, headers: admin })).statusCode).toBe(204);
    }
  });

  it('PATCH validates the stored record merged with the patch, not the patch alone', async () => {
    const [s] = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results;
    const patch = (payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload });
    const stored = await patch({ sync_frequency: 'hourly', sync_interval_days: 5 });
    expect(stored.statusCode, stored.body).toBe(200);
    // The interval is already stored: switching to every_n_days alone is complete.
    const everyN = await patch({ sync_frequency: 'every_n_days' });
    expect(everyN.statusCode, everyN.body).toBe(200);
    expect(everyN.json()).toMatchObject({ sync_frequency: 'every_n_days', sync_interval_days: 5 });
    expect(everyN.json().next_run_at).toMatch(/T02:00:00.000Z$/);
    // What the merged record lacks is still refused, naming the field.
    const cleared = await patch({ sync_interval_days: null });
    expect(cleared.statusCode).toBe(400);
    expect(Object.keys(cleared.json().error.details.fields)).toEqual(['sync_interval_days']);
    const cron = await patch({ sync_frequency: 'cron' });
    expect(cron.statusCode).toBe(400);
    expect(Object.keys(cron.json().error.details.fields)).toEqual(['sync_cron']);
    expect((await patch({ sync_frequency: 'hourly' })).statusCode).toBe(200);
  });

  it('tests the connection and says what it found', async () => {
    const [s] = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results;
    const ok = await t.app.inject({ method: 'POST', url: `${api}/external-systems/${s.id}/test/`, headers: admin });
    expect(ok.json()).toMatchObject({ ok: true });
    expect(ok.json().message).toMatch(/v5/);
    await t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload: { auth: { type: 'jwt', secret: 'wrong-password' } } });
    const bad = await t.app.inject({ method: 'POST', url: `${api}/external-systems/${s.id}/test/`, headers: admin });
    expect(bad.json().ok).toBe(false);
    expect(bad.json().message).toMatch(/401|credential|denied|auth/i);
    await t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload: { auth: { type: 'jwt', secret: XIVA_DEFAULT_CREDENTIALS.password } } });
  });

  it('starts a sync with 202 through the job queue, refuses a second with 409, and records the run', async () => {
    const start = await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'xiva', mode: 'full' } });
    expect(start.statusCode, start.body).toBe(202);
    const run = start.json().run;
    expect(run.status).toBe('queued');
    const again = await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'xiva' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('sync_in_progress');
    let current = run;
    for (let i = 0; i < 120 && ['queued', 'running'].includes(current.status); i++) {
      await new Promise((r) => setTimeout(r, 250));
      current = (await t.app.inject({ url: `${api}/sync-runs/${run.id}/`, headers: admin })).json();
    }
    expect(current.status, current.error).toBe('succeeded');
    expect(current.stop_reason).toBeNull();
    expect(current.counts.created).toBe(120);
    expect(current.duration_ms).toBeGreaterThan(0);
    const list = (await t.app.inject({ url: `${api}/sync-runs/?external_system=xiva&status=succeeded`, headers: admin })).json();
    expect(list.results[0].id).toBe(run.id);
    const products = (await t.app.inject({ url: `${api}/products/?external_system=xiva&limit=1`, headers: admin })).json();
    expect(products.count).toBe(120);
    expect(products.results[0].last_synced).toBeTruthy();
    expect(products.results[0].sync_frequency).toBe('hourly');
    const viewer = await t.auth('viewer');
    expect((await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: viewer, payload: { external_system: 'xiva' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'billing' } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: `${api}/sync-runs/${run.id}/cancel/`, headers: admin })).statusCode).toBe(409);
  });

  it('logs a failed sync job as failed at warn level, and a tick with nothing due at debug', async () => {
    const [s] = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results;
    await t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload: { max_retries: 0 } });
    sim.setFaults({ errorRate: 1 });
    try {
      const run = (await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'xiva' } })).json().run;
      const line = async (pattern: RegExp) => {
        for (let i = 0; i < 120; i++) {
          const hit = logged.find((l) => pattern.test(l.msg) && JSON.stringify(l.extra ?? {}).includes(run.id));
          if (hit) return hit;
          await new Promise((r) => setTimeout(r, 250));
        }
        return undefined;
      };
      const job = await line(/^job catalog-sync /);
      expect(job).toMatchObject({ msg: 'job catalog-sync failed', level: 'warn', extra: { detail: expect.stringMatching(new RegExp(`^run ${run.id} failed: `)) } });
      expect(logged.filter((l) => /^job catalog-sync succeeded/.test(l.msg) && JSON.stringify(l.extra).includes(run.id))).toEqual([]);
    } finally {
      sim.setFaults({ errorRate: 0 });
      await t.app.inject({ method: 'PATCH', url: `${api}/external-systems/${s.id}/`, headers: admin, payload: { max_retries: 5 } });
    }
    // Nothing is due (the next hourly slot is ahead): the minute tick is quiet.
    const before = logged.length;
    await t.jobs!.queueOn(t.database.db).send(catalogSyncTickJob, {});
    for (let i = 0; i < 80 && !logged.slice(before).some((l) => l.msg.startsWith('job catalog-sync-tick')); i++) await new Promise((r) => setTimeout(r, 250));
    expect(logged.slice(before).find((l) => l.msg.startsWith('job catalog-sync-tick'))).toMatchObject({ msg: 'job catalog-sync-tick skipped', level: 'debug' });
  });

  it('cancels a running sync', async () => {
    sim.setFaults({ latencyMs: 300 });
    const start = (await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system: 'xiva' } })).json().run;
    await new Promise((r) => setTimeout(r, 400));
    const cancel = await t.app.inject({ method: 'POST', url: `${api}/sync-runs/${start.id}/cancel/`, headers: admin });
    expect(cancel.statusCode).toBe(200);
    let current = cancel.json();
    for (let i = 0; i < 120 && ['queued', 'running'].includes(current.status); i++) {
      await new Promise((r) => setTimeout(r, 250));
      current = (await t.app.inject({ url: `${api}/sync-runs/${start.id}/`, headers: admin })).json();
    }
    expect(current.status).toBe('cancelled');
    expect(current.stop_reason).toBe('cancelled');
    sim.setFaults({ latencyMs: 5 });
  });

  it('runs a missed scheduled slot once, and moves the next slot past now', async () => {
    const [s] = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results;
    // The app was "down" for three days: three hourly... slots passed.
    await t.database.executeSql("update external_systems set next_run_at = now() - interval '3 days' where id = $1", [s.id]);
    const first = await t.container.sync.tick(SYSTEM_ACTOR);
    const second = await t.container.sync.tick(SYSTEM_ACTOR);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    const after = (await t.app.inject({ url: `${api}/external-systems/${s.id}/`, headers: admin })).json();
    expect(Date.parse(after.next_run_at)).toBeGreaterThan(Date.now());
    const run = (await t.app.inject({ url: `${api}/sync-runs/${first[0]}/`, headers: admin })).json();
    expect(run.trigger).toBe('schedule');
  });
});
