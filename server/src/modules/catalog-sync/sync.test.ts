import { describe, expect, it } from 'vitest';
import { startBillingSimulator, startCrmSimulator, startXivaSimulator, XIVA_DEFAULT_CREDENTIALS, CRM_DEFAULT_CREDENTIALS, BILLING_DEFAULT_CREDENTIALS } from '@lyra/simulators';
import type { ExternalSystemCreate, SyncRun } from '@lyra/contracts';
import type { TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { syncTestSuite } from './sync-test-suite.js';

type Sim = Awaited<ReturnType<typeof startXivaSimulator>>;
const api = '/api/loyalty/v1';

describe('catalog sync against the simulators', () => {
  let t: TestContext;
  let admin: { authorization: string };
  const sims = syncTestSuite((suite) => ({ t, admin } = suite), {
    cleanUp: async (ctx) => {
      await ctx.database.executeSql("delete from products where external_system <> 'manual'", []);
    },
  });

  const xivaSystem = (sim: Sim, over: Partial<ExternalSystemCreate> = {}) =>
    t.container.externalSystems.create(SYSTEM_ACTOR, {
      name: 'Xiva', system_type: 'xiva', base_url: `${sim.url}/api`, api_version: 'v5',
      auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password },
      default_currency: null, timeout_ms: 2000, max_retries: 8, rate_limit_per_minute: 0, is_active: true,
      sync_frequency: 'daily', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20, ...over,
    } as ExternalSystemCreate);

  const runSync = async (systemId: string, mode: 'full' | 'incremental' = 'full', force = false): Promise<SyncRun> => {
    const run = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: systemId, mode, force }, { inline: true });
    await t.container.syncEngine.execute(run.id);
    return t.container.sync.get(run.id);
  };

  const catalogOf = async (systemType: string) => {
    const { rows } = await t.database.executeSql(
      `select external_product_id, name, price, currency, billing_cycle, product_type, features, is_active, retired_at, updated_at, target_segments
         from products where external_system = $1`, [systemType]);
    return new Map(rows.map((r) => [r.external_product_id as string, r]));
  };

  it('maps a full Xiva sync field by field, then a second full sync writes nothing', async () => {
    const sim = await startXivaSimulator({ items: 150, seed: 11 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    const run = await runSync(system.id);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.counts).toMatchObject({ created: 150, updated: 0, retired: 0, skipped: 0, failed: 0 });
    const catalog = await catalogOf('xiva');
    expect(catalog.size).toBe(150);
    for (const id of sim.store.validIds()) {
      const e = sim.store.expected(id)!;
      const p = catalog.get(id)!;
      expect({ id, name: p.name, price: p.price, currency: p.currency, cycle: p.billing_cycle, type: p.product_type, active: p.is_active })
        .toEqual({ id, name: e.name, price: e.price, currency: e.currency, cycle: e.billing_cycle, type: e.product_type, active: e.is_active });
      for (const [k, v] of Object.entries(e.features)) expect((p.features as Record<string, unknown>)[k], `${id} ${k}`).toBe(v);
    }
    const before = await catalogOf('xiva');
    const again = await runSync(system.id);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 150, retired: 0 });
    const after = await catalogOf('xiva');
    for (const [id, row] of before) expect(after.get(id)!.updated_at).toEqual(row.updated_at);
  });

  it('under faults ends with exactly the simulator\'s valid items and reports malformed ones', async () => {
    const sim = await startXivaSimulator({ items: 400, seed: 5, faults: { errorRate: 0.1, rateLimitRate: 0.1, retryAfterSeconds: 0, dropRate: 0.05, malformedRate: 0.02, mutateWhilePaging: 2 } });
    sims.push(sim);
    const system = await xivaSystem(sim, { max_retries: 12 });
    const run = await runSync(system.id);
    expect(['succeeded', 'partially_succeeded'], run.error ?? '').toContain(run.status);
    expect(run.counts.skipped).toBeGreaterThan(0);
    expect(run.item_errors.length).toBeGreaterThan(0);
    expect(run.item_errors[0]).toMatchObject({ reason: expect.any(String), position: expect.any(Number) });
    // Mutations stop once paging stops; a follow-up full sync converges on the final source state.
    sim.setFaults({ mutateWhilePaging: 0 });
    const second = await runSync(system.id);
    expect(['succeeded', 'partially_succeeded']).toContain(second.status);
    const catalog = await catalogOf('xiva');
    const live = [...catalog.entries()].filter(([, r]) => !r.retired_at).map(([id]) => id).sort();
    expect(live).toEqual([...sim.store.validIds()].sort());
    for (const id of sim.store.validIds()) expect(catalog.get(id)!.price).toBe(sim.store.expected(id)!.price);
  });

  it('incremental writes only changed items, keeps targeting, and deletions wait for the next full sync', async () => {
    const sim = await startXivaSimulator({ items: 200, seed: 21 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    expect((await runSync(system.id)).status).toBe('succeeded');
    const target = sim.store.validIds()[0]!;
    const { rows: [row] } = await t.database.executeSql('select id from products where external_product_id = $1', [target]);
    await t.container.segments.create(SYSTEM_ACTOR, { name: 'youth', description: '' });
    const patch = await t.app.inject({ method: 'PATCH', url: `${api}/products/${row!.id}/`, headers: admin, payload: { target_segments: ['youth'], min_customer_value: '100', notes: 'keep me' } });
    expect(patch.statusCode).toBe(200);

    const changed = sim.store.change(5);
    const removed = sim.store.remove(3).filter((id) => !changed.includes(id));
    const inc = await runSync(system.id, 'incremental');
    expect(inc.mode).toBe('incremental');
    expect(inc.counts.updated).toBe(changed.filter((id) => !removed.includes(id)).length);
    expect(inc.counts.created).toBe(0);
    expect(inc.counts.retired).toBe(0);
    expect(inc.progress.items_read).toBeLessThan(50);
    let catalog = await catalogOf('xiva');
    for (const id of removed) expect(catalog.get(id)!.retired_at).toBeNull();

    // Targeting survives a sync that rewrites the product's source fields.
    const full = await runSync(system.id, 'full');
    expect(full.counts.retired).toBe(removed.length);
    catalog = await catalogOf('xiva');
    for (const id of removed) expect(catalog.get(id)!.retired_at).not.toBeNull();
    const mine = await t.app.inject({ url: `${api}/products/${row!.id}/`, headers: admin });
    expect(mine.json()).toMatchObject({ target_segments: ['youth'], min_customer_value: '100', notes: 'keep me' });

    const changes = await t.app.inject({ url: `${api}/catalog-changes/?limit=100`, headers: admin });
    expect(changes.json().results.filter((c: { change_type: string }) => c.change_type === 'retired').length).toBe(removed.length);
  });

  it('stops a truncated source answer with the retire guard, says so in stop_reason, and retires only with force', async () => {
    const sim = await startXivaSimulator({ items: 100, seed: 31 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    const first = await runSync(system.id);
    expect(first.status).toBe('succeeded');
    expect(first.stop_reason).toBeNull();
    // A truncated answer must never retire the rest: either the connector notices (verification
    // listing) or the retire guard stops the sweep.
    sim.store.truncateNextListing(40);
    const truncated = await runSync(system.id);
    expect(truncated.counts.retired).toBe(0);
    expect([...(await catalogOf('xiva')).values()].filter((r) => r.retired_at).length).toBe(0);
    // A source that answers consistently with 30 of 100 items: the guard stops the sweep.
    const dropped = sim.store.remove(70);
    const guarded = await runSync(system.id);
    expect(guarded.status).toBe('partially_succeeded');
    expect(guarded.stop_reason).toBe('retire_guard');
    expect(guarded.error).toMatch(/Retire guard: this full sync would retire 70 of 100/);
    expect(guarded.counts.retired).toBe(0);
    expect([...(await catalogOf('xiva')).values()].filter((r) => r.retired_at).length).toBe(0);
    // The API answers the same code, and the system's last run carries it (the console offers the forced sync from it).
    const answered = (await t.app.inject({ url: `${api}/sync-runs/${guarded.id}/`, headers: admin })).json();
    expect(answered.stop_reason).toBe('retire_guard');
    const listed = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json();
    expect(listed.results[0].last_run).toMatchObject({ id: guarded.id, stop_reason: 'retire_guard' });
    // Confirmed by a person: a forced full sync applies it, and nothing stopped it.
    const forced = await runSync(system.id, 'full', true);
    expect(forced.counts.retired).toBe(dropped.length);
    expect(forced.status).toBe('succeeded');
    expect(forced.stop_reason).toBeNull();
  });

  const liveIds = async () => [...(await catalogOf('xiva')).entries()].filter(([, r]) => !r.retired_at).map(([id]) => id).sort();
  const systemState = async (id: string) => {
    const { rows: [row] } = await t.database.executeSql('select last_full_sync_at, runs_since_full from external_systems where id = $1', [id]);
    return { lastFullSyncAt: row!.last_full_sync_at as unknown, runsSinceFull: Number(row!.runs_since_full) };
  };

  it('retires no live offer when the source miscounts or omits its count, and a full sync reads every item', async () => {
    const sim = await startXivaSimulator({ items: 400, seed: 45 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    expect((await runSync(system.id)).status).toBe('succeeded');
    const shapes = [
      { totalCount: 'stale', staleCountShare: 0.5 },
      { totalCount: 'page-size' },
      { totalCount: 'none' },
      { totalCount: 'none', linkNext: true },
      { totalCount: 'none', partialStatus: 200 },
      { totalCount: 'stale', staleCountShare: 0.04, linkNext: true },
    ] as const;
    for (const shape of shapes) {
      const label = JSON.stringify(shape);
      sim.setServerStyle({ linkNext: false, partialStatus: 206, ...shape });
      const removed = sim.store.remove(2);
      const run = await runSync(system.id);
      expect(run.status, `${label} ${run.error ?? ''}`).toBe('succeeded');
      expect(run.stop_reason, label).toBeNull();
      // Exactly the deleted offerings are retired; everything the source still has stays live.
      expect(run.counts.retired, label).toBe(removed.length);
      expect(run.progress.items_read, label).toBeGreaterThanOrEqual(sim.store.validIds().length);
      expect(await liveIds(), label).toEqual([...sim.store.validIds()].sort());
    }
  });

  it('a full sync that read far fewer items than the source announced retires nothing, says incomplete_snapshot and stays due', async () => {
    const sim = await startXivaSimulator({ items: 100, seed: 47 });
    sims.push(sim);
    const system = await xivaSystem(sim, { full_sync_every: 5 });
    expect((await runSync(system.id)).status).toBe('succeeded');
    const done = await systemState(system.id);
    expect(done.runsSinceFull).toBe(0);
    // A count still holding deleted items (a cache): 90 read of 180 announced.
    const removed = sim.store.remove(10);
    sim.setServerStyle({ totalCount: 'stale', staleCountShare: 2 });
    const short = await runSync(system.id);
    expect(short.status).toBe('partially_succeeded');
    expect(short.stop_reason).toBe('incomplete_snapshot');
    expect(short.error).toMatch(/Incomplete snapshot: the source announced 180 items but this full sync read 90/);
    expect(short.counts.retired).toBe(0);
    expect(await liveIds()).toHaveLength(100);
    expect(await systemState(system.id)).toEqual({ lastFullSyncAt: done.lastFullSyncAt, runsSinceFull: 1 });
    // A person who knows the count is wrong confirms: the sweep runs and the full sync is done.
    const forced = await runSync(system.id, 'full', true);
    expect(forced).toMatchObject({ status: 'succeeded', stop_reason: null, counts: expect.objectContaining({ retired: removed.length }) });
    expect((await systemState(system.id)).runsSinceFull).toBe(0);
  });

  it('a full sync stopped by the retire guard does not count as a full sync', async () => {
    const sim = await startXivaSimulator({ items: 100, seed: 49 });
    sims.push(sim);
    const system = await xivaSystem(sim, { full_sync_every: 3 });
    expect((await runSync(system.id)).status).toBe('succeeded');
    const done = await systemState(system.id);
    const answered = (await t.container.externalSystems.get(system.id)).last_full_sync_at;
    expect(done.runsSinceFull).toBe(0);
    expect(answered).not.toBeNull();
    sim.store.remove(40);
    const guarded = await runSync(system.id);
    expect(guarded.stop_reason).toBe('retire_guard');
    // Not done: the last full sync stays the earlier one and the counter does not restart.
    expect(await systemState(system.id)).toEqual({ lastFullSyncAt: done.lastFullSyncAt, runsSinceFull: 1 });
    expect((await t.container.externalSystems.get(system.id)).last_full_sync_at).toBe(answered);
  });

  it("applies the system's category_type_map on the next sync, which reads the whole catalog", async () => {
    const sim = await startXivaSimulator({ items: 120, seed: 53 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    expect(system.category_type_map).toEqual({});
    expect((await runSync(system.id)).status).toBe('succeeded');
    const dataBundles = sim.store.all().filter((o) => o.id && o.category[0]?.name === 'Data Bundles').map((o) => o.id!);
    expect(dataBundles.length).toBeGreaterThan(3);

    const url = `${api}/external-systems/${system.id}/`;
    const bad = await t.app.inject({ method: 'PATCH', url, headers: admin, payload: { category_type_map: { 'Data Bundles': 'gadget' } } });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().error.details.fields)[0]).toMatch(/^category_type_map/);
    const patched = await t.app.inject({ method: 'PATCH', url, headers: admin, payload: { category_type_map: { 'data bundles': 'addon' } } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ category_type_map: { 'data bundles': 'addon' }, cursor: null });

    // Nothing changed at the source: an incremental run would see none of them, so it runs full.
    const run = await runSync(system.id, 'incremental');
    expect(run).toMatchObject({ mode: 'full', status: 'succeeded', counts: expect.objectContaining({ updated: dataBundles.length, retired: 0 }) });
    const catalog = await catalogOf('xiva');
    for (const id of dataBundles) expect(catalog.get(id)!.product_type, id).toBe('addon');
    for (const id of sim.store.validIds().filter((x) => !dataBundles.includes(x))) expect(catalog.get(id)!.product_type, id).toBe(sim.store.expected(id)!.product_type);
    // The same mapping again is no change: the cursor stays.
    const same = await t.app.inject({ method: 'PATCH', url, headers: admin, payload: { category_type_map: { 'Data Bundles': 'addon' } } });
    expect(same.json().cursor).not.toBeNull();
  });

  it('records a run cancelled before it started with stop_reason cancelled', async () => {
    const sim = await startXivaSimulator({ items: 10, seed: 33 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    // Started inline, so no worker picks it up: it is still queued when cancelled.
    const queued = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode: 'full', force: false }, { inline: true });
    const cancel = await t.app.inject({ method: 'POST', url: `${api}/sync-runs/${queued.id}/cancel/`, headers: admin });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', stop_reason: 'cancelled' });
  });

  it('counts only live products per system, with the retired ones beside them', async () => {
    const sim = await startXivaSimulator({ items: 100, seed: 35 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    expect((await runSync(system.id)).status).toBe('succeeded');
    const removed = sim.store.remove(6);
    const full = await runSync(system.id);
    expect(full.counts.retired).toBe(removed.length);
    const { rows: [db] } = await t.database.executeSql(
      "select count(*) filter (where retired_at is null)::int as live, count(retired_at)::int as retired from products where external_system = 'xiva'", []);
    expect(Number(db!.retired)).toBe(removed.length);
    const one = (await t.app.inject({ url: `${api}/external-systems/${system.id}/`, headers: admin })).json();
    expect({ product_count: one.product_count, retired_count: one.retired_count }).toEqual({ product_count: Number(db!.live), retired_count: removed.length });
    const [listed] = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results;
    expect({ product_count: listed.product_count, retired_count: listed.retired_count }).toEqual({ product_count: Number(db!.live), retired_count: removed.length });
  });

  it("lists one run's catalog changes with the run_id filter", async () => {
    const sim = await startXivaSimulator({ items: 100, seed: 37 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    const initial = await runSync(system.id);
    expect(initial.status).toBe('succeeded');
    const firstRemoved = sim.store.remove(5);
    const first = await runSync(system.id);
    const secondRemoved = sim.store.remove(3);
    const second = await runSync(system.id);
    expect([first.counts.retired, second.counts.retired]).toEqual([firstRemoved.length, secondRemoved.length]);

    const changesOf = async (query: string) => {
      const res = await t.app.inject({ url: `${api}/catalog-changes/?${query}`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { count: number; results: { sync_run_id: string; change_type: string }[] };
    };
    const all = await changesOf('limit=100');
    expect(all.count).toBe(firstRemoved.length + secondRemoved.length);
    for (const [run, n] of [[first, firstRemoved.length], [second, secondRemoved.length]] as const) {
      const page = await changesOf(`run_id=${run.id}&limit=100`);
      expect(page.count).toBe(n);
      expect(page.results.map((c) => [c.sync_run_id, c.change_type])).toEqual(Array.from({ length: n }, () => [run.id, 'retired']));
    }
    // Paging within one run's changes.
    const paged = await changesOf(`run_id=${first.id}&limit=2&offset=4`);
    expect({ count: paged.count, shown: paged.results.length }).toEqual({ count: firstRemoved.length, shown: 1 });
    // A run that only created products, and a run id that does not exist: an empty list, not an error.
    expect((await changesOf(`run_id=${initial.id}`)).count).toBe(0);
    expect((await changesOf('run_id=00000000-0000-4000-8000-000000000000')).count).toBe(0);
    // Strict query: a malformed run_id or an unknown parameter is a 400 naming the field.
    for (const [query, field] of [['run_id=not-a-uuid', 'run_id'], ['sync_run_id=' + first.id, 'sync_run_id']] as const) {
      const bad = await t.app.inject({ url: `${api}/catalog-changes/?${query}`, headers: admin });
      expect(bad.statusCode, query).toBe(400);
      expect(Object.keys(bad.json().error.details.fields), query).toContain(field);
    }
  });

  it('does not advance the cursor when a run fails half-way', async () => {
    const sim = await startXivaSimulator({ items: 120, seed: 41 });
    sims.push(sim);
    const system = await xivaSystem(sim, { max_retries: 1 });
    expect((await runSync(system.id)).status).toBe('succeeded');
    const cursorBefore = (await t.container.externalSystems.get(system.id)).cursor;
    sim.store.change(10);
    sim.setFaults({ errorRate: 1 });
    const failed = await runSync(system.id, 'incremental');
    expect(failed.status).toBe('failed');
    expect(failed.error).toBeTruthy();
    expect((await t.container.externalSystems.get(system.id)).cursor).toEqual(cursorBefore);
    sim.setFaults({ errorRate: 0 });
    const ok = await runSync(system.id, 'incremental');
    expect(ok.counts.updated).toBe(10);
  });

  it('keeps two systems of one type apart: the same source ids are two sets of products, each changed and retired only by its own runs', async () => {
    // A production and a staging Xiva serving the same catalog (same seed, so the same offering ids).
    const prod = await startXivaSimulator({ items: 60, seed: 61 });
    const staging = await startXivaSimulator({ items: 60, seed: 61 });
    sims.push(prod, staging);
    expect([...staging.store.validIds()].sort()).toEqual([...prod.store.validIds()].sort());
    const a = await xivaSystem(prod, { name: 'Xiva production' });
    const b = await xivaSystem(staging, { name: 'Xiva staging' });
    const productsOf = async (systemId: string) => {
      const { rows } = await t.database.executeSql(
        'select id, external_product_id, external_system, price, retired_at, updated_at from products where external_system_id = $1', [systemId]);
      return new Map(rows.map((r) => [r.external_product_id as string, r]));
    };
    expect((await runSync(a.id)).counts).toMatchObject({ created: 60, retired: 0 });
    expect((await runSync(b.id)).counts).toMatchObject({ created: 60, retired: 0 });
    const aBefore = await productsOf(a.id);
    const bBefore = await productsOf(b.id);
    expect([...aBefore.keys()].sort()).toEqual([...bBefore.keys()].sort());
    expect([...aBefore.values()].every((r) => r.external_system === 'xiva')).toBe(true);
    expect(new Set([...aBefore.values(), ...bBefore.values()].map((r) => r.id)).size).toBe(120);

    // Staging changes and drops offerings: only staging's products follow, production's stay as they were.
    const changed = staging.store.change(5);
    const removed = staging.store.remove(6);
    const bRun = await runSync(b.id);
    expect(bRun.counts).toMatchObject({ created: 0, updated: changed.filter((id) => !removed.includes(id)).length, retired: removed.length });
    const aAfter = await productsOf(a.id);
    for (const [id, row] of aBefore) expect({ id, retired: aAfter.get(id)!.retired_at, updated: aAfter.get(id)!.updated_at }).toEqual({ id, retired: null, updated: row.updated_at });
    const bAfter = await productsOf(b.id);
    for (const id of removed) expect(bAfter.get(id)!.retired_at, id).not.toBeNull();
    // Production's own full sync finds its catalog unchanged: nothing of staging's is its concern.
    expect((await runSync(a.id)).counts).toMatchObject({ created: 0, updated: 0, unchanged: 60, retired: 0 });

    // The retire guard weighs a system's own catalog: 40 of production's 60, not of the 114 live in both.
    prod.store.remove(40);
    const guarded = await runSync(a.id);
    expect(guarded.stop_reason).toBe('retire_guard');
    expect(guarded.error).toMatch(/would retire 40 of 60 Xiva production products/);
    const forced = await runSync(a.id, 'full', true);
    expect(forced.counts.retired).toBe(40);
    expect([...(await productsOf(b.id)).values()].filter((r) => r.retired_at).length).toBe(removed.length);

    // The API: each product names its system, the list filters by system, counts and changes are per system.
    const listOf = async (systemId: string) => (await t.app.inject({ url: `${api}/products/?external_system_id=${systemId}&limit=500`, headers: admin })).json();
    const [aList, bList] = [await listOf(a.id), await listOf(b.id)];
    expect([aList.count, bList.count]).toEqual([60, 60]);
    expect(new Set(aList.results.map((p: { external_system_name: string }) => p.external_system_name))).toEqual(new Set(['Xiva production']));
    expect(bList.results[0]).toMatchObject({ external_system: 'xiva', external_system_id: b.id, external_system_name: 'Xiva staging' });
    const edited = await t.app.inject({ method: 'PATCH', url: `${api}/products/${bList.results[0].id}/`, headers: admin, payload: { notes: 'staging only' } });
    expect(edited.json()).toMatchObject({ notes: 'staging only', external_system_name: 'Xiva staging', sync_frequency: 'daily' });
    const systems = (await t.app.inject({ url: `${api}/external-systems/`, headers: admin })).json().results as { id: string; product_count: number; retired_count: number }[];
    expect(systems.map((s) => [s.id, s.product_count, s.retired_count])).toEqual([[a.id, 20, 40], [b.id, 54, removed.length]]);
    const stats = (await t.app.inject({ url: `${api}/products/stats/`, headers: admin })).json();
    expect(stats.sources.filter((x: { external_system: string }) => x.external_system === 'xiva')).toEqual([
      { external_system: 'xiva', external_system_id: a.id, external_system_name: 'Xiva production', count: 60 },
      { external_system: 'xiva', external_system_id: b.id, external_system_name: 'Xiva staging', count: 60 },
    ]);
    const changes = (await t.app.inject({ url: `${api}/catalog-changes/?run_id=${forced.id}&limit=100`, headers: admin })).json();
    expect(changes.count).toBe(40);
    expect(new Set(changes.results.map((c: { external_system_id: string }) => c.external_system_id))).toEqual(new Set([a.id]));

    // A system removed: its live products are retired (no run will ever confirm them again), the other system's stay.
    await t.container.externalSystems.remove(SYSTEM_ACTOR, b.id);
    expect([...(await productsOf(b.id)).values()].filter((r) => !r.retired_at)).toEqual([]);
    expect([...(await productsOf(a.id)).values()].filter((r) => !r.retired_at)).toHaveLength(20);
    const gone = (await t.app.inject({ url: `${api}/products/?external_system_id=${b.id}&limit=1`, headers: admin })).json();
    expect(gone.results[0]).toMatchObject({ status: 'retired', external_system_name: null, external_system: 'xiva' });
    expect(gone.results[0].attributes.retired_reason).toBe('external system Xiva staging was removed');
  });

  it('leaves no run behind when its job cannot be queued (no job runner here): 503, then the next start is not refused as in progress', async () => {
    const sim = await startXivaSimulator({ items: 5, seed: 3 });
    sims.push(sim);
    const system = await xivaSystem(sim);
    const count = async (table: string) => Number((await t.database.executeSql(`select count(*)::int as n from ${table} where ${table === 'sync_runs' ? 'external_system_id' : 'entity_id'} = $1`, [system.id])).rows[0]!.n);
    const auditBefore = await count('audit_log');
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ method: 'POST', url: `${api}/products/sync/`, headers: admin, payload: { external_system_id: system.id } });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('jobs_unavailable');
    }
    expect(await count('sync_runs')).toBe(0);
    expect(await count('audit_log')).toBe(auditBefore);
    // Executed inline (the command line, the demo's start-up), a run needs no job.
    expect((await runSync(system.id)).status).toBe('succeeded');
  });

  it('syncs CRM and Billing catalogs with exact prices', async () => {
    const crm = await startCrmSimulator({ items: 120, seed: 51 });
    const billing = await startBillingSimulator({ items: 120, seed: 52 });
    sims.push(crm, billing);
    const base = { default_currency: null, timeout_ms: 2000, max_retries: 8, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'weekly', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20, api_version: null } as const;
    const crmSystem = await t.container.externalSystems.create(SYSTEM_ACTOR, { ...base, name: 'CRM', system_type: 'crm', base_url: crm.url, auth: { type: 'oauth2_client_credentials', username: CRM_DEFAULT_CREDENTIALS.clientId, secret: CRM_DEFAULT_CREDENTIALS.clientSecret } });
    const billingSystem = await t.container.externalSystems.create(SYSTEM_ACTOR, { ...base, name: 'Billing', system_type: 'billing', base_url: billing.url, auth: { type: 'api_key', secret: BILLING_DEFAULT_CREDENTIALS.apiKey } });
    for (const [system, sim, type] of [[crmSystem, crm, 'crm'], [billingSystem, billing, 'billing']] as const) {
      const run = await runSync(system.id);
      expect(['succeeded', 'partially_succeeded'], run.error ?? '').toContain(run.status);
      const catalog = await catalogOf(type);
      const live = [...catalog.entries()].filter(([, r]) => !r.retired_at).map(([id]) => id).sort();
      expect(live).toEqual([...sim.store.validIds()].sort());
      for (const id of sim.store.validIds()) {
        expect(catalog.get(id)!.price, `${type} ${id}`).toBe(sim.store.expected(id)!.price);
        expect(catalog.get(id)!.billing_cycle, `${type} ${id}`).toBe(sim.store.expected(id)!.billing_cycle);
      }
    }
  });
});
