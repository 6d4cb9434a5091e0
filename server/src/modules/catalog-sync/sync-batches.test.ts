import type { ExternalSystemCreate, SyncRun } from '@lyra/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { ConnectorRegistry } from './connectors/registry.js';
import type { ConnectorFactory, ConnectorPage, MappedProduct, ReadResult, SourceItem } from './connectors/types.js';

/**
 * The engine writes several source pages as one batch. A source is scripted here (pages of
 * records, a failure after some page) so what was committed when a run stops is known exactly.
 */

const product = (id: string, price: string): MappedProduct => ({
  name: `Offer ${id}`, description: '', product_type: 'data', category: 'Data', price, currency: 'SAR', recurring: true,
  billing_cycle: 'monthly', features: { data_gb: 10 }, attributes: { lifecycle_status: 'Launched' }, is_active: true, is_available: true,
  valid_from: null, valid_to: null,
});
const item = (id: string, price = '10.00'): SourceItem => ({ externalId: id, version: price, updatedAt: '2026-01-01T00:00:00.000Z', product: product(id, price) });

/** What the scripted source serves on the next read: its pages, and the page after which it fails (if any). */
const script: { pages: SourceItem[][]; failAfter: number | null; yielded: number } = { pages: [], failAfter: null, yielded: 0 };

const scripted: ConnectorFactory = {
  systemType: 'xiva',
  authTypes: ['bearer'],
  create: () => ({
    test: async () => ({ ok: true, message: 'scripted', details: {} }),
    async *read(): AsyncGenerator<ConnectorPage, ReadResult, void> {
      let read = 0;
      const total = script.pages.reduce((n, p) => n + p.length, 0);
      for (const [i, items] of script.pages.entries()) {
        if (script.failAfter !== null && i === script.failAfter) throw new Error('the source went away');
        read += items.length;
        script.yielded = read;
        yield { items, errors: [], read, total };
      }
      return { mode: 'full', completeSnapshot: true, deletedIds: [] };
    },
  }),
};

/** `n` items in pages of `size`, ids o0000... */
const pagesOf = (n: number, size: number, price = '10.00'): SourceItem[][] => {
  const pages: SourceItem[][] = [];
  for (let i = 0; i < n; i += size) pages.push(Array.from({ length: Math.min(size, n - i) }, (_, k) => item(`o${String(i + k).padStart(4, '0')}`, price)));
  return pages;
};

describe('catalog sync writes source pages in batches', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext({ connectors: new ConnectorRegistry([scripted]) });
  });
  afterAll(async () => t?.close());
  afterEach(async () => {
    for (const s of await t.container.externalSystems.list()) await t.container.externalSystems.remove(SYSTEM_ACTOR, s.id);
    await t.database.executeSql("delete from products where external_system <> 'manual'", []);
    script.failAfter = null;
  });

  const system = () =>
    t.container.externalSystems.create(SYSTEM_ACTOR, {
      name: 'Scripted', system_type: 'xiva', base_url: 'http://127.0.0.1:9/api', api_version: 'v5', auth: { type: 'bearer', username: null, secret: 'x' },
      default_currency: null, timeout_ms: 2000, max_retries: 1, rate_limit_per_minute: 0, is_active: true,
      sync_frequency: 'manual', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
    } as ExternalSystemCreate);
  const runSync = async (systemId: string): Promise<SyncRun> => {
    const run = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: systemId, mode: 'full', force: false }, { inline: true });
    await t.container.syncEngine.execute(run.id);
    return t.container.sync.get(run.id);
  };
  const stored = async () => {
    const { rows } = await t.database.executeSql("select external_product_id, price, updated_at from products where external_system = 'xiva'", []);
    return new Map(rows.map((r) => [r.external_product_id as string, { price: String(r.price), updatedAt: String(r.updated_at) }]));
  };
  const changesOf = async (runId: string) => {
    const { rows } = await t.database.executeSql('select count(*)::int as n from catalog_changes where sync_run_id = $1', [runId]);
    return Number(rows[0]!.n);
  };

  it('a run that fails mid-batch keeps exactly the batches it committed, its progress says so, and the next run writes nothing twice and loses nothing', async () => {
    const sys = await system();
    // 30 pages of 100: batches of about 1,000 items, so the failure after page 15 falls in the second batch.
    script.pages = pagesOf(3000, 100);
    script.failAfter = 15;
    const failed = await runSync(sys.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/the source went away/);
    expect(script.yielded).toBe(1500);
    const kept = await stored();
    // The first batch only: the pages held for the second were neither written nor counted.
    expect(kept.size).toBeGreaterThan(0);
    expect(kept.size).toBeLessThan(1500);
    expect(kept.size % 100).toBe(0);
    expect(failed.counts.created).toBe(kept.size);
    expect(failed.progress.items_read).toBe(kept.size);
    expect([...kept.keys()].sort()).toEqual(script.pages.flat().slice(0, kept.size).map((i) => i.externalId));

    script.failAfter = null;
    const next = await runSync(sys.id);
    expect(next.status, next.error ?? '').toBe('succeeded');
    expect(next.counts).toMatchObject({ created: 3000 - kept.size, updated: 0, unchanged: kept.size, retired: 0, failed: 0 });
    expect(await changesOf(next.id)).toBe(0);
    const after = await stored();
    expect(after.size).toBe(3000);
    for (const [id, row] of kept) expect(after.get(id)!.updatedAt, id).toBe(row.updatedAt);
  });

  it('a record served twice within one batch is written once, with the content read last', async () => {
    const sys = await system();
    script.pages = [[item('a', '1.00'), item('b', '2.00')], [item('c', '3.00'), item('a', '1.50')], [item('b', '2.00')]];
    const first = await runSync(sys.id);
    expect(first.status, first.error ?? '').toBe('succeeded');
    expect(first.counts).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    const rows = await stored();
    expect(Object.fromEntries([...rows].map(([id, r]) => [id, r.price]))).toEqual({ a: '1.50', b: '2.00', c: '3.00' });

    // Known products: a re-pricing on one page and back again on a later page of the same batch.
    script.pages = [[item('a', '9.00'), item('b', '2.00'), item('c', '3.00')], [item('a', '1.50')]];
    const second = await runSync(sys.id);
    expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(await changesOf(second.id)).toBe(0);
    expect((await stored()).get('a')).toEqual(rows.get('a'));

    // Changed for good: one update and one price change.
    script.pages = [[item('a', '4.00'), item('b', '2.00')], [item('a', '5.00'), item('c', '3.00')]];
    const third = await runSync(sys.id);
    expect(third.counts).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(await changesOf(third.id)).toBe(1);
    expect((await stored()).get('a')!.price).toBe('5.00');
  });
});
