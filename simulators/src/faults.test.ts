import { describe, expect, it } from 'vitest';
import { startAllSimulators, startBillingSimulator, startCrmSimulator, startXivaSimulator, XIVA_V5_BASE, type BillingItemPrice, type ExpectedProduct } from './index.js';
import { billingAuth, crmLogin, getJson, postJson, xivaLogin } from './test-utils.js';

/** Status of one request, or 'failed' when the connection broke (dropped) or the body was cut. */
async function attempt(url: string, headers: Record<string, string>, timeoutMs = 2000): Promise<{ status: number | 'failed'; retryAfter: string | null; body: string }> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  } catch {
    return { status: 'failed', retryAfter: null, body: '' };
  }
}

const share = (xs: unknown[], pred: (x: unknown) => boolean) => xs.filter(pred).length / xs.length;

describe('fault injection', () => {
  it('honours errorRate with 500/502/503 (503 and 429 carry Retry-After)', async () => {
    const sim = await startBillingSimulator({ items: 20, faults: { errorRate: 0.3, retryAfterSeconds: 0 } });
    try {
      const results = [];
      for (let i = 0; i < 400; i++) results.push(await attempt(`${sim.url}/api/v2/item_prices?limit=5`, billingAuth()));
      const statuses = results.map((r) => r.status);
      expect(share(statuses, (s) => s === 500 || s === 502 || s === 503)).toBeGreaterThan(0.22);
      expect(share(statuses, (s) => s === 500 || s === 502 || s === 503)).toBeLessThan(0.38);
      expect(new Set(statuses)).toEqual(new Set([200, 500, 502, 503]));
      expect(results.filter((r) => r.status === 503).every((r) => r.retryAfter === '0')).toBe(true);
      expect(JSON.parse(results.find((r) => r.status === 500)?.body ?? '{}')).toMatchObject({ api_error_code: 'internal_error' });
      expect(results.find((r) => r.status === 502)?.body).toMatch(/Bad Gateway/);
      const stats = sim.stats();
      expect(stats.requests).toBe(400);
      expect((stats.byStatus['500'] ?? 0) + (stats.byStatus['502'] ?? 0) + (stats.byStatus['503'] ?? 0) + (stats.byStatus['200'] ?? 0)).toBe(400);
    } finally {
      await sim.close();
    }
  });

  it('answers 429 with Retry-After in each system style', async () => {
    const billing = await startBillingSimulator({ items: 5, faults: { rateLimitRate: 0.25, retryAfterSeconds: 1 } });
    const crm = await startCrmSimulator({ items: 5, faults: { rateLimitRate: 1 } });
    const xiva = await startXivaSimulator({ items: 5, faults: { rateLimitRate: 1, retryAfterSeconds: 0 } });
    try {
      const results = [];
      for (let i = 0; i < 300; i++) results.push(await attempt(`${billing.url}/api/v2/item_prices`, billingAuth()));
      const limited = results.filter((r) => r.status === 429);
      expect(limited.length / results.length).toBeGreaterThan(0.17);
      expect(limited.length / results.length).toBeLessThan(0.33);
      expect(limited.every((r) => r.retryAfter === '1')).toBe(true);
      expect(JSON.parse(limited[0]?.body ?? '{}')).toMatchObject({
        message: expect.stringMatching(/^Sorry, access has been blocked temporarily due to request count exceeding acceptable limits/),
        api_error_code: 'api_request_limit_exceeded',
      });
      const c = await attempt(`${crm.url}/services/data/v59.0/query?q=SELECT+Id+FROM+Product2`, {});
      expect(c.status).toBe(429);
      expect(JSON.parse(c.body)).toEqual([expect.objectContaining({ errorCode: 'REQUEST_LIMIT_EXCEEDED' })]);
      // Auth endpoints are subject to faults too: a good client retries them.
      const login = await fetch(`${xiva.url}/api/auth/jwt/create/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(login.status).toBe(429);
      expect(login.headers.get('retry-after')).toBe('0');
    } finally {
      await Promise.all([billing.close(), crm.close(), xiva.close()]);
    }
  });

  it('drops connections before or during the answer', async () => {
    const sim = await startBillingSimulator({ items: 200, faults: { dropRate: 0.3 } });
    try {
      const results = [];
      for (let i = 0; i < 200; i++) results.push(await attempt(`${sim.url}/api/v2/item_prices?limit=100`, billingAuth()));
      const failed = share(results.map((r) => r.status), (s) => s === 'failed');
      expect(failed).toBeGreaterThan(0.2);
      expect(failed).toBeLessThan(0.4);
      expect(results.filter((r) => r.status === 200).every((r) => JSON.parse(r.body).list.length === 100)).toBe(true);
      expect(sim.stats().byStatus.dropped).toBe(results.filter((r) => r.status === 'failed').length);
    } finally {
      await sim.close();
    }
  });

  it('hangs requests until the client times out, and close() ends hung sockets', async () => {
    const sim = await startXivaSimulator({ items: 5, faults: { timeoutRate: 1 } });
    const started = Date.now();
    const r = await attempt(`${sim.url}/api/auth/jwt/create/`, {}, 300);
    expect(r.status).toBe('failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const pending = [1, 2, 3].map(() => fetch(`${sim.url}${XIVA_V5_BASE}productOffering/`).catch((err: unknown) => err));
    await new Promise((res) => setTimeout(res, 100));
    // close() resolving at all is the check: a hung socket left open would keep it waiting past the test's timeout.
    await sim.close();
    for (const p of await Promise.all(pending)) expect(p).toBeInstanceOf(Error);
    expect(sim.stats().byStatus.timeout).toBe(4);
  });

  it('adds latency', async () => {
    const sim = await startBillingSimulator({ items: 5, faults: { latencyMs: 150 } });
    try {
      const t = Date.now();
      expect((await attempt(`${sim.url}/api/v2/item_prices`, billingAuth())).status).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    } finally {
      await sim.close();
    }
  });

  it('is deterministic per seed', async () => {
    const run = async () => {
      const sim = await startBillingSimulator({ items: 5, seed: 21, faults: { errorRate: 0.2, rateLimitRate: 0.2, dropRate: 0.1 } });
      try {
        const out = [];
        for (let i = 0; i < 60; i++) out.push((await attempt(`${sim.url}/api/v2/item_prices`, billingAuth())).status);
        return out;
      } finally {
        await sim.close();
      }
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(2);
  });

  it('never lets a faulted answer change the store; a retrying client gets the whole catalog', async () => {
    const sim = await startBillingSimulator({ items: 400, faults: { errorRate: 0.2, rateLimitRate: 0.1, dropRate: 0.1, retryAfterSeconds: 0 } });
    try {
      const before = sim.store.all();
      const items: BillingItemPrice[] = [];
      let offset: string | undefined;
      let retries = 0;
      for (;;) {
        const r = await attempt(`${sim.url}/api/v2/item_prices?limit=50${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`, billingAuth());
        if (r.status !== 200) {
          retries++;
          continue;
        }
        const page = JSON.parse(r.body) as { list: Array<{ item_price: BillingItemPrice }>; next_offset?: string };
        items.push(...page.list.map((x) => x.item_price));
        if (!page.next_offset) break;
        offset = page.next_offset;
      }
      expect(retries).toBeGreaterThan(0);
      expect(items).toEqual(before);
      expect(sim.store.all()).toEqual(before);
    } finally {
      await sim.close();
    }
  });

  it('does not mutate while paging when the page was not delivered', async () => {
    const sim = await startBillingSimulator({ items: 50, faults: { dropRate: 1, mutateWhilePaging: 5 } });
    try {
      const before = sim.store.all();
      for (let i = 0; i < 5; i++) await attempt(`${sim.url}/api/v2/item_prices?offset=${encodeURIComponent('["0","9"]')}`, billingAuth());
      expect(sim.store.all()).toEqual(before);
      sim.setFaults({ dropRate: 0 });
      await attempt(`${sim.url}/api/v2/item_prices?offset=${encodeURIComponent('["0","9"]')}`, billingAuth());
      expect(sim.store.all()).not.toEqual(before);
    } finally {
      await sim.close();
    }
  });

  it('re-marks malformed items when malformedRate changes at run time', async () => {
    const sim = await startXivaSimulator({ items: 200 });
    try {
      expect(sim.store.malformedIds()).toHaveLength(0);
      sim.setFaults({ malformedRate: 0.1 });
      const some = sim.store.all().filter((o) => !o.id || sim.store.malformedIds().includes(o.id)).length;
      expect(some).toBeGreaterThan(5);
      expect(some).toBeLessThan(40);
      expect(sim.store.validIds().length + some).toBe(200);
      sim.setFaults({ malformedRate: 0 });
      expect(sim.store.validIds()).toHaveLength(200);
      expect(() => sim.setFaults({ errorRate: 2 })).toThrow();
    } finally {
      await sim.close();
    }
  });

  it('echoRequestRate turns error answers into debug pages quoting the request, credentials included', async () => {
    const xiva = await startXivaSimulator({ items: 5, faults: { echoRequestRate: 1 } });
    const crm = await startCrmSimulator({ items: 5 });
    try {
      // A refused login answers with the submitted password.
      const login = await fetch(`${xiva.url}/api/auth/jwt/create/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'lyra@operator.example', password: 'wrong-pass' }) });
      expect(login.status).toBe(401);
      expect(login.headers.get('content-type')).toMatch(/text\/html/);
      const page = await login.text();
      expect(page).toContain('"password":"wrong-pass"');
      expect(page).toContain('DEBUG = True');
      // A data request answered 401 quotes the Authorization header, token and all.
      const data = await attempt(`${xiva.url}${XIVA_V5_BASE}productOffering/`, { authorization: 'JWT not.a.token' });
      expect(data.status).toBe(401);
      expect(data.body).toContain('authorization: JWT not.a.token');
      // Successful answers are untouched.
      const { access } = await xivaLogin(xiva.url);
      expect((await getJson(`${xiva.url}${XIVA_V5_BASE}productOffering/`, { authorization: `JWT ${access}` })).status).toBe(200);
      // Off by default; switched on over the control API like any fault.
      const quiet = await fetch(`${crm.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=x&client_secret=s3cret' });
      expect(await quiet.text()).not.toContain('s3cret');
      await postJson(`${crm.url}/__sim/control`, { faults: { echoRequestRate: 1 } });
      const loud = await fetch(`${crm.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=x&client_secret=s3cret' });
      expect(loud.status).toBe(400);
      expect(await loud.text()).toContain('client_secret=s3cret');
      expect((await postJson(`${crm.url}/__sim/control`, { faults: { echoRequestRate: 2 } })).status).toBe(400);
    } finally {
      await Promise.all([xiva.close(), crm.close()]);
    }
  });
});

describe('control API over HTTP', () => {
  it('reports state and applies faults and data changes', async () => {
    const sim = await startXivaSimulator({ items: 30 });
    try {
      const state = await getJson<{ system: string; counts: { items: number; valid: number }; credentials: { email: string } }>(`${sim.url}/__sim/state`);
      expect(state.body).toMatchObject({ system: 'xiva', counts: { items: 30, valid: 30 }, credentials: { email: 'lyra@operator.example' } });
      const withIds = await getJson<{ validIds: string[] }>(`${sim.url}/__sim/state?ids=1`);
      expect(withIds.body.validIds).toEqual(sim.store.validIds());
      const r = await postJson<{ ok: boolean; changed: string[]; removed: string[]; added: string[] }>(`${sim.url}/__sim/control`, { change: 2, remove: 1, add: 3 });
      expect(r.status).toBe(200);
      expect(r.body.changed).toHaveLength(2);
      expect(r.body.removed).toHaveLength(1);
      expect(r.body.added).toHaveLength(3);
      expect(sim.store.validIds()).toHaveLength(32);
      const expected = await getJson<ExpectedProduct>(`${sim.url}/__sim/expected/${r.body.added[0]}`);
      expect(expected.body).toEqual(sim.store.expected(r.body.added[0] as string));
      expect((await getJson(`${sim.url}/__sim/expected/${r.body.removed[0]}`)).status).toBe(404);
      const { access } = await xivaLogin(sim.url);
      await postJson(`${sim.url}/__sim/control`, { faults: { errorRate: 1 } });
      const faulted = await attempt(`${sim.url}${XIVA_V5_BASE}productOffering/`, { authorization: `JWT ${access}` });
      expect([500, 502, 503]).toContain(faulted.status);
      await postJson(`${sim.url}/__sim/control`, { faults: { errorRate: 0 }, expireTokens: true });
      expect((await attempt(`${sim.url}${XIVA_V5_BASE}productOffering/`, { authorization: `JWT ${access}` })).status).toBe(401);
      expect((await postJson(`${sim.url}/__sim/control`, { faults: { dropRate: 7 } })).status).toBe(400);
      // Control requests are neither faulted nor counted.
      expect(sim.stats().requests).toBe(3);
    } finally {
      await sim.close();
    }
  });
});

describe('startAllSimulators', () => {
  it('starts the three systems with working URLs and credentials', async () => {
    const all = await startAllSimulators({ items: 15, seed: 2, xiva: { apiVersion: 'v5' }, crm: { pageSize: 5 } });
    try {
      const { access } = await xivaLogin(all.xiva.url, all.xiva.credentials);
      const offerings = await getJson<unknown[]>(`${all.xiva.v5BaseUrl}productOffering/`, { authorization: `JWT ${access}` });
      expect(offerings.body).toHaveLength(15);
      const token = await crmLogin(all.crm.url, all.crm.credentials);
      const q = await getJson<{ totalSize: number }>(`${all.crm.url}/services/data/v59.0/query?q=SELECT+Id+FROM+Product2`, { authorization: `Bearer ${token}` });
      expect(q.body.totalSize).toBe(15);
      const items = await getJson<{ list: unknown[] }>(`${all.billing.itemPricesUrl}?limit=100`, billingAuth(all.billing.credentials.apiKey));
      expect(items.body.list).toHaveLength(15);
      expect(new Set([all.xiva.url, all.crm.url, all.billing.url]).size).toBe(3);
    } finally {
      await all.close();
    }
  });
});
