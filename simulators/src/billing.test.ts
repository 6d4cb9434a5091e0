import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingSimulator, type BillingItemPrice, type RunningSimulator } from './index.js';
import { billingAuth, billingListAll, getJson, mapBilling } from './test-utils.js';

type Sim = RunningSimulator<BillingItemPrice>;

describe('billing auth', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startBillingSimulator({ items: 5, apiKey: 'key_123' });
  });
  afterAll(() => sim.close());

  it('accepts the API key as Basic user and rejects anything else', async () => {
    const url = `${sim.url}/api/v2/item_prices`;
    expect((await getJson(url, billingAuth('key_123'))).status).toBe(200);
    for (const headers of [{}, billingAuth('wrong'), { authorization: 'Bearer key_123' }]) {
      const r = await getJson<Record<string, unknown>>(url, headers);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ type: 'authentication', api_error_code: 'api_authentication_failed' });
      expect(typeof r.body.message).toBe('string');
    }
  });
});

describe('billing item prices', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startBillingSimulator({ items: 330, seed: 11, faults: { malformedRate: 0.05 } });
  });
  afterAll(() => sim.close());

  it('pages with next_offset over every item once, including archived and deleted', async () => {
    const { items, pages } = await billingListAll(sim.url);
    expect(pages).toBe(4);
    expect(items).toHaveLength(330);
    const ids = items.flatMap((i) => (i.id ? [i.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    const served = new Set(ids);
    expect(served).toEqual(new Set(sim.store.all().flatMap((i) => (i.id ? [i.id] : []))));
    const valid = new Set(sim.store.validIds());
    const malformed = new Set(sim.store.malformedIds());
    for (const id of [...valid, ...malformed]) expect(served.has(id)).toBe(true);
    // Whatever is served but neither valid nor malformed must be a deleted item.
    for (const i of items) if (i.id && !valid.has(i.id) && !malformed.has(i.id)) expect(i.status).toBe('deleted');
    expect(new Set(items.map((i) => i.status))).toEqual(new Set(['active', 'archived', 'deleted']));
    const first = await getJson<{ list: unknown[]; next_offset: string }>(`${sim.url}/api/v2/item_prices`, billingAuth());
    expect(first.body.list).toHaveLength(10);
    expect(typeof first.body.next_offset).toBe('string');
  });

  it('maps item prices exactly as documented', async () => {
    const { items } = await billingListAll(sim.url);
    const valid = new Set(sim.store.validIds());
    let checked = 0;
    for (const i of items) {
      if (i.id && valid.has(i.id)) {
        expect(mapBilling(i)).toEqual(sim.store.expected(i.id));
        checked++;
      } else if (i.status !== 'deleted') {
        expect(() => mapBilling(i)).toThrow();
      }
    }
    expect(checked).toBe(valid.size);
    expect(items.some((i) => i.item_type === 'charge' && i.period === undefined)).toBe(true);
    expect(items.some((i) => i.period_unit === 'month' && i.period === 3)).toBe(true);
    expect(items.some((i) => i.metadata.data_gb === 'unlimited')).toBe(true);
  });

  it('filters on updated_at[after] and keeps keyset order with sort_by[asc]=updated_at', async () => {
    const maxBefore = Math.max(...sim.store.all().map((i) => i.updated_at));
    await new Promise((r) => setTimeout(r, 1100));
    const changed = sim.store.change(4);
    const removed = sim.store.remove(2);
    const added = sim.store.add(3);
    const { items } = await billingListAll(sim.url, `updated_at[after]=${maxBefore}&sort_by[asc]=updated_at`);
    // add() may create a malformed item without an id: it is served but not returned by add().
    expect(items).toHaveLength(changed.length + removed.length + 3);
    expect(new Set(items.flatMap((i) => (i.id ? [i.id] : [])))).toEqual(new Set([...changed, ...removed, ...added]));
    for (const id of removed) expect(items.find((i) => i.id === id)?.status).toBe('deleted');
    const versions = items.map((i) => i.resource_version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    for (const id of removed) expect(sim.store.expected(id)).toBeUndefined();
    const unsorted = await billingListAll(sim.url, `updated_at[after]=${maxBefore}`);
    expect(new Set(unsorted.items.map((i) => i.id))).toEqual(new Set(items.map((i) => i.id)));
  });

  it('validates limit and offset, serves single items and 404s', async () => {
    const tooMany = await getJson<Record<string, unknown>>(`${sim.url}/api/v2/item_prices?limit=101`, billingAuth());
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ api_error_code: 'invalid_request', param: 'limit' });
    expect((await getJson(`${sim.url}/api/v2/item_prices?offset=garbage`, billingAuth())).status).toBe(400);
    const id = sim.store.validIds()[0] as string;
    const one = await getJson<{ item_price: BillingItemPrice }>(`${sim.url}/api/v2/item_prices/${encodeURIComponent(id)}`, billingAuth());
    expect(one.status).toBe(200);
    expect(one.body.item_price.id).toBe(id);
    const missing = await getJson<Record<string, unknown>>(`${sim.url}/api/v2/item_prices/nope-000001-SAR`, billingAuth());
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ api_error_code: 'resource_not_found' });
  });

  it('truncates the next full listing once', async () => {
    sim.store.truncateNextListing(150);
    const truncated = await billingListAll(sim.url);
    expect(truncated.items).toHaveLength(150);
    const full = await billingListAll(sim.url);
    expect(full.items).toHaveLength(sim.store.all().length);
  });
});

describe('billing currencies and determinism', () => {
  it('uses integer minor units with the currency exponent', async () => {
    const kwd = await startBillingSimulator({ items: 40, currency: 'KWD' });
    const jpy = await startBillingSimulator({ items: 40, currency: 'JPY' });
    try {
      for (const item of kwd.store.all()) {
        expect(Number.isInteger(item.price)).toBe(true);
        if (item.id && item.status !== 'deleted') expect(kwd.store.expected(item.id)?.price).toBe(((item.price as number) / 1000).toFixed(3));
      }
      for (const item of jpy.store.all()) {
        if (item.id && item.status !== 'deleted') expect(jpy.store.expected(item.id)?.price).toBe(String(item.price));
      }
    } finally {
      await Promise.all([kwd.close(), jpy.close()]);
    }
  });

  it('is deterministic per seed', async () => {
    const a = await startBillingSimulator({ items: 50, seed: 4 });
    const b = await startBillingSimulator({ items: 50, seed: 4 });
    const c = await startBillingSimulator({ items: 50, seed: 5 });
    try {
      expect(a.store.all()).toEqual(b.store.all());
      expect(c.store.all()).not.toEqual(a.store.all());
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
