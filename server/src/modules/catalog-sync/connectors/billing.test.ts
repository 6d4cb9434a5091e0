import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING_DEFAULT_CREDENTIALS, startBillingSimulator, type BillingItemPrice, type BillingOptions, type RunningSimulator } from '@lyra/simulators';
import { billingConnector } from './billing.js';
import { FAULTS, compareAll, configFor, cursorAfter, readAll, repeatedEmissions, testHttp } from './connector-test-kit.js';
import type { ConnectorConfig } from './types.js';

const apiKey = { type: 'api_key' as const, secret: BILLING_DEFAULT_CREDENTIALS.apiKey };

function connect(sim: RunningSimulator<BillingItemPrice>, extra: Partial<ConnectorConfig> = {}, auth: Partial<ConnectorConfig['auth']> = {}) {
  const http = testHttp(sim.url);
  return { http, connector: billingConnector.create(configFor('billing', sim.url, { ...apiKey, ...auth }, extra), http) };
}

const started: Array<RunningSimulator<BillingItemPrice>> = [];
async function sim(o: BillingOptions) {
  const s = await startBillingSimulator(o);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

const deletedIds = (s: RunningSimulator<BillingItemPrice>) => s.store.all().filter((i) => i.status === 'deleted' && i.id).map((i) => i.id!);

describe('billing connector on a 300-item JPY catalog', () => {
  let billing: RunningSimulator<BillingItemPrice>;
  beforeAll(async () => {
    billing = await sim({ items: 300, seed: 31, currency: 'JPY' });
  });

  it('maps item prices field by field and reports deleted ones as deletions', async () => {
    const r = await readAll(connect(billing).connector);
    expect(r.result).toMatchObject({ mode: 'full', completeSnapshot: true });
    expect(r.result.deletedIds.sort()).toEqual(deletedIds(billing).sort());
    expect(r.errors).toEqual([]);
    expect(new Set(r.latest.keys())).toEqual(new Set(billing.store.validIds()));
    const { got, want } = compareAll(r.latest, billing.store);
    expect(got).toEqual(want);

    const archived = billing.store.all().find((i) => i.status === 'archived' && i.id)!;
    const item = r.latest.get(archived.id!)!;
    expect(item).toMatchObject({ updatedAt: new Date(archived.updated_at * 1000).toISOString(), version: String(archived.resource_version) });
    expect(item.product).toMatchObject({ is_active: false, is_available: false, category: archived.metadata.category, attributes: { status: 'archived', item_type: archived.item_type } });
  });

  it('reads incrementally only what changed, with deletions', async () => {
    const full = await readAll(connect(billing).connector);
    const changed = billing.store.change(5);
    const removed = billing.store.remove(2);
    const r = await readAll(connect(billing).connector, { mode: 'incremental', cursor: cursorAfter(full.latest.values()) });
    expect(r.result).toMatchObject({ mode: 'incremental', completeSnapshot: false });
    expect(r.result.deletedIds.sort()).toEqual(removed.sort());
    expect(r.latest.size).toBeLessThan(20);
    const live = changed.filter((id) => !removed.includes(id));
    const { got, want } = compareAll(r.latest, { validIds: () => live, expected: (id) => billing.store.expected(id) });
    expect(got).toEqual(want);
  });

  it('test() reads the first page', async () => {
    expect(await connect(billing).connector.test(AbortSignal.timeout(5000))).toMatchObject({ ok: true, message: 'connected, more than 100 item prices' });
  });
});

describe('billing connector, other server behaviours', () => {
  it('reports malformed item prices as item errors and maps the rest (KWD, 3 decimals)', async () => {
    const billing = await sim({ items: 200, seed: 32, currency: 'KWD', faults: { malformedRate: 0.1 } });
    const r = await readAll(connect(billing).connector);
    const malformedLive = billing.store.malformedIds().filter((id) => !deletedIds(billing).includes(id));
    expect(new Set(r.errors.filter((e) => e.externalId).map((e) => e.externalId))).toEqual(new Set(malformedLive));
    for (const e of r.errors) expect(e.reason).toMatch(/no id|no name|not an integer|unknown currency/);
    const { got, want } = compareAll(r.latest, billing.store);
    expect(got).toEqual(want);
  });

  it.each([34, 34 + 100, 34 + 200])('under faults and mutations while paging ends with exactly the valid ids, current content, complete (seed %i)', async (seed) => {
    const billing = await sim({ items: 300, seed, faults: FAULTS });
    const { connector, http } = connect(billing, { options: { page_size: 50 } });
    const r = await readAll(connector);
    expect(http.stats.retries + http.stats.rateLimited).toBeGreaterThan(0);
    expect(r.result.completeSnapshot).toBe(true);
    expect(new Set(r.latest.keys())).toEqual(new Set([...billing.store.validIds(), ...[...r.latest.keys()].filter((id) => r.result.deletedIds.includes(id))]));
    expect(repeatedEmissions(r.emissions)).toEqual([]);
    const { got, want } = compareAll(r.latest, billing.store);
    expect(got).toEqual(want);
  });

  it('detects a listing that ends early with the verification listing', async () => {
    const billing = await sim({ items: 250, seed: 35 });
    billing.store.truncateNextListing(100);
    const r = await readAll(connect(billing).connector);
    expect(r.logs.join('\n')).toMatch(/verification listing returned 150 item price/);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, billing.store);
    expect(got).toEqual(want);
  });

  it('sends an API key in a named header when one is configured, and says when it is refused', async () => {
    const billing = await sim({ items: 5, seed: 36 });
    const header = await connect(billing, {}, { headerName: 'X-Api-Key' }).connector.test(AbortSignal.timeout(5000));
    expect(header).toMatchObject({ ok: false, message: expect.stringMatching(/rejected the configured API key \(HTTP 401\)/) });
    const basic = await connect(billing, {}, { type: 'basic', username: BILLING_DEFAULT_CREDENTIALS.apiKey, secret: '' }).connector.test(AbortSignal.timeout(5000));
    expect(basic).toMatchObject({ ok: true, message: 'connected, 5 item prices' });
  });
});
