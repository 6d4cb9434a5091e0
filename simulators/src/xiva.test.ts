import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXivaSimulator, XIVA_V4_BASE, XIVA_V5_BASE, type RunningSimulator, type XivaOffering, type XivaProductOfferingPrice } from './index.js';
import { getJson, mapXiva, postJson, sleep, xivaLogin } from './test-utils.js';

type Sim = RunningSimulator<XivaOffering>;

async function listAll(sim: Sim, base: string, token: string, limit: number, query = ''): Promise<{ items: XivaOffering[]; statuses: number[] }> {
  const items: XivaOffering[] = [];
  const statuses: number[] = [];
  for (let offset = 0; ; ) {
    const r = await getJson<XivaOffering[]>(`${sim.url}${base}productOffering/?offset=${offset}&limit=${limit}${query}`, { authorization: `JWT ${token}` });
    statuses.push(r.status);
    if (r.status === 416) break;
    expect([200, 206]).toContain(r.status);
    items.push(...r.body);
    offset += r.body.length;
    if (r.status === 200 || offset >= Number(r.headers.get('x-total-count'))) break;
  }
  return { items, statuses };
}

function priceResolver(sim: Sim, base: string, token: string, cache: Map<string, XivaProductOfferingPrice>) {
  return async (offerings: XivaOffering[]) => {
    for (const o of offerings) {
      for (const p of o.productOfferingPrice) {
        if ('price' in p || cache.has(p.id)) continue;
        const r = await getJson<XivaProductOfferingPrice>(`${sim.url}${base}productOfferingPrice/${p.id}`, { authorization: `JWT ${token}` });
        expect(r.status).toBe(200);
        cache.set(p.id, r.body);
      }
    }
    return (id: string) => cache.get(id) as XivaProductOfferingPrice;
  };
}

describe('xiva auth', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startXivaSimulator({ items: 20, tokenTtlSeconds: 0.4 });
  });
  afterAll(() => sim.close());

  it('issues JWTs for good credentials (email or username) and rejects bad ones', async () => {
    const ok = await postJson<{ access: string; refresh: string }>(`${sim.url}/api/auth/jwt/create/`, { email: 'lyra@operator.example', password: 'xiva-secret' });
    expect(ok.status).toBe(200);
    expect(ok.body.access.split('.')).toHaveLength(3);
    const byUsername = await postJson(`${sim.url}/api/auth/jwt/create`, { username: 'lyra@operator.example', password: 'xiva-secret' });
    expect(byUsername.status).toBe(200);
    const bad = await postJson<{ detail: string }>(`${sim.url}/api/auth/jwt/create/`, { email: 'lyra@operator.example', password: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.detail).toMatch(/No active account/);
    const missing = await postJson<Record<string, string[]>>(`${sim.url}/api/auth/jwt/create/`, { email: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body.password).toEqual(['This field is required.']);
    expect(sim.stats().tokensIssued).toBe(2);
  });

  it('answers 401 without, with invalid and with expired tokens; refresh gives a working token', async () => {
    const url = `${sim.url}${XIVA_V5_BASE}productOffering/?limit=1`;
    expect((await getJson(url)).status).toBe(401);
    const invalid = await getJson<{ detail: string; code: string }>(url, { authorization: 'JWT abc.def.ghi' });
    expect(invalid.status).toBe(401);
    expect(invalid.body).toMatchObject({ detail: 'Given token not valid for any token type', code: 'token_not_valid' });
    const { access, refresh } = await xivaLogin(sim.url);
    expect((await getJson(url, { authorization: `Bearer ${access}` })).status).toBe(401);
    expect((await getJson(url, { authorization: `JWT ${access}` })).status).toBe(206);
    await sleep(600);
    const expired = await getJson<{ code: string }>(url, { authorization: `JWT ${access}` });
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('token_not_valid');
    const refreshed = await postJson<{ access: string }>(`${sim.url}/api/auth/jwt/refresh/`, { refresh });
    expect(refreshed.status).toBe(200);
    expect((await getJson(url, { authorization: `JWT ${refreshed.body.access}` })).status).toBe(206);
    const badRefresh = await postJson<{ code: string }>(`${sim.url}/api/auth/jwt/refresh/`, { refresh: access });
    expect(badRefresh.status).toBe(401);
    expect(badRefresh.body.code).toBe('token_not_valid');
  });

  it('expireTokens() invalidates access tokens but not refresh tokens', async () => {
    const { access, refresh } = await xivaLogin(sim.url);
    const url = `${sim.url}${XIVA_V5_BASE}category/`;
    expect((await getJson(url, { authorization: `JWT ${access}` })).status).toBe(200);
    sim.expireTokens();
    expect((await getJson(url, { authorization: `JWT ${access}` })).status).toBe(401);
    const refreshed = await postJson<{ access: string }>(`${sim.url}/api/auth/jwt/refresh/`, { refresh });
    expect((await getJson(url, { authorization: `JWT ${refreshed.body.access}` })).status).toBe(200);
  });
});

describe('xiva catalog (tmf paging)', () => {
  let sim: Sim;
  let token: string;
  beforeAll(async () => {
    sim = await startXivaSimulator({ items: 230, seed: 7, faults: { malformedRate: 0.08 } });
    token = (await xivaLogin(sim.url)).access;
  });
  afterAll(() => sim.close());

  it('pages v5 exactly once over every served item with 206/200, headers and 416', async () => {
    const first = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?limit=40`, { authorization: `JWT ${token}` });
    expect(first.status).toBe(206);
    expect(first.headers.get('x-total-count')).toBe('230');
    expect(first.headers.get('x-result-count')).toBe('40');
    const { items, statuses } = await listAll(sim, XIVA_V5_BASE, token, 40);
    expect(statuses.every((s) => s === 206)).toBe(true);
    expect(items).toHaveLength(230);
    const ids = items.flatMap((o) => (o.id ? [o.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...sim.store.validIds(), ...sim.store.malformedIds()]));
    expect(items.length - ids.length).toBe(sim.store.all().filter((o) => !o.id).length);
    const past = await getJson<{ code: string; status: string }>(`${sim.url}${XIVA_V5_BASE}productOffering/?offset=230&limit=40`, { authorization: `JWT ${token}` });
    expect(past.status).toBe(416);
    expect(past.body).toMatchObject({ code: '416', status: '416' });
    const whole = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering?limit=1000`, { authorization: `JWT ${token}` });
    expect(whole.status).toBe(200);
    expect(whole.body).toHaveLength(230);
  });

  it('maps v5 embedded and v4 referenced prices exactly as documented', async () => {
    const cache = new Map<string, XivaProductOfferingPrice>();
    for (const base of [XIVA_V5_BASE, XIVA_V4_BASE]) {
      const { items } = await listAll(sim, base, token, 1000);
      const resolve = await priceResolver(sim, base, token, cache)(items);
      const valid = new Set(sim.store.validIds());
      let checked = 0;
      for (const o of items) {
        if (!o.id || !valid.has(o.id)) continue;
        expect(mapXiva(o, resolve)).toEqual(sim.store.expected(o.id));
        checked++;
      }
      expect(checked).toBe(valid.size);
      const malformed = new Set(sim.store.malformedIds());
      for (const o of items) {
        if (o.id && !malformed.has(o.id)) continue;
        expect(() => mapXiva(o, resolve)).toThrow();
      }
    }
    const v4 = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V4_BASE}productOffering/?limit=5`, { authorization: `JWT ${token}` });
    expect(v4.body.every((o) => o.productOfferingPrice.every((p) => !('price' in p) && '@referredType' in p))).toBe(true);
  });

  it('serves a realistic, spec-shaped catalog', async () => {
    const all = sim.store.all();
    const names = all.map((o) => o.name ?? '');
    expect(names.some((n) => /^Postpaid|^Business Postpaid|^Family Share/.test(n))).toBe(true);
    expect(names.some((n) => /instalments/.test(n))).toBe(true);
    const types = new Set(all.map((o) => o.characteristic.find((c) => c.name === 'productType')?.value));
    expect(types.size).toBeGreaterThanOrEqual(6);
    const stamps = all.map((o) => o.lastUpdate);
    expect(stamps.some((s) => s.endsWith('Z'))).toBe(true);
    expect(stamps.some((s) => s.endsWith('+03:00'))).toBe(true);
    expect(new Set(all.map((o) => o.lifecycleStatus))).toEqual(new Set(['Launched', 'Active', 'In Design', 'In Test', 'Retired']));
    const device = all.find((o) => o.id && /instalments/.test(o.name ?? '') && sim.store.expected(o.id));
    const prices = device?.productOfferingPrice as Array<{ priceType: string }>;
    expect(prices.map((p) => p.priceType)).toEqual(['oneTime', 'recurring']);
    expect(sim.store.expected(device?.id as string)?.billing_cycle).toBe('monthly');
  });

  it('lists prices, categories and specifications and answers TMF 404s', async () => {
    const h = { authorization: `JWT ${token}` };
    const pops = await getJson<XivaProductOfferingPrice[]>(`${sim.url}${XIVA_V4_BASE}productOfferingPrice/?limit=1000`, h);
    const expectedCount = sim.store.all().reduce((n, o) => n + o.productOfferingPrice.length, 0);
    expect(pops.body).toHaveLength(expectedCount);
    const page2 = await getJson<XivaProductOfferingPrice[]>(`${sim.url}${XIVA_V4_BASE}productOfferingPrice/?offset=7&limit=3`, h);
    expect(page2.body.map((p) => p.id)).toEqual(pops.body.slice(7, 10).map((p) => p.id));
    const cats = await getJson<Array<{ id: string; name: string }>>(`${sim.url}${XIVA_V5_BASE}category/`, h);
    expect(cats.body.map((c) => c.name)).toContain('Data Bundles');
    const cat = await getJson<{ name: string }>(`${sim.url}${XIVA_V5_BASE}category/${cats.body[0]?.id}/`, h);
    expect(cat.status).toBe(200);
    expect((await getJson(`${sim.url}${XIVA_V5_BASE}productSpecification`, h)).status).toBe(200);
    const missing = await getJson<{ code: string; reason: string; message: string; status: string }>(`${sim.url}${XIVA_V5_BASE}productOffering/nope/`, h);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: '404', reason: 'Not Found', status: '404' });
    const id = sim.store.validIds()[0] as string;
    const one = await getJson<XivaOffering>(`${sim.url}${XIVA_V5_BASE}productOffering/${id}`, h);
    expect(one.body.id).toBe(id);
    const projected = await getJson<Record<string, unknown>>(`${sim.url}${XIVA_V5_BASE}productOffering/${id}/?fields=name,lastUpdate`, h);
    expect(Object.keys(projected.body).sort()).toEqual(['href', 'id', 'lastUpdate', 'name']);
  });

  it('filters on lastUpdate.gt/gte (any offset) and sorts by lastUpdate', async () => {
    const h = { authorization: `JWT ${token}` };
    const before = Math.max(...sim.store.all().map((o) => Date.parse(o.lastUpdate)));
    const changed = sim.store.change(5);
    expect(changed).toHaveLength(5);
    const literal = encodeURIComponent(new Date(before + 3 * 3_600_000).toISOString().replace('Z', '+03:00'));
    const r = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.gt=${literal}`, h);
    expect(r.status).toBe(200);
    expect(r.body.map((o) => o.id).sort()).toEqual([...changed].sort());
    expect(r.body.every((o) => o.version === '1.1')).toBe(true);
    const gte = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.gte=${encodeURIComponent(new Date(before).toISOString())}&sort=lastUpdate`, h);
    expect(gte.body.length).toBeGreaterThanOrEqual(6);
    const times = gte.body.map((o) => Date.parse(o.lastUpdate));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await getJson(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.gt=yesterday`, h)).status).toBe(400);
  });

  it('truncateNextListing ends the next full listing early, then serves everything again', async () => {
    sim.store.truncateNextListing(25);
    const truncated = await listAll(sim, XIVA_V5_BASE, token, 10);
    expect(truncated.items).toHaveLength(25);
    const full = await listAll(sim, XIVA_V5_BASE, token, 100);
    expect(full.items).toHaveLength(sim.store.all().length);
  });
});

describe('xiva variants', () => {
  it('bare-capped paging ignores limit, caps at 50 and has no headers', async () => {
    const sim = await startXivaSimulator({ items: 120, pagingStyle: 'bare-capped' });
    try {
      const { access } = await xivaLogin(sim.url);
      const seen: string[] = [];
      for (let offset = 0; ; ) {
        const r = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?offset=${offset}&limit=1000&page_size=1000`, { authorization: `JWT ${access}` });
        expect(r.status).toBe(200);
        expect(r.headers.get('x-total-count')).toBeNull();
        expect(r.body.length).toBeLessThanOrEqual(50);
        if (r.body.length === 0) break;
        seen.push(...r.body.map((o) => o.id as string));
        offset += r.body.length;
      }
      expect(seen).toHaveLength(120);
      expect(new Set(seen)).toEqual(new Set(sim.store.validIds()));
    } finally {
      await sim.close();
    }
  });

  it('serves wrong or missing counts, Link rel="next" and 200-only pages on request, while 416 and the rows follow the real data', async () => {
    const sim = await startXivaSimulator({ items: 60, totalCount: 'stale', staleCountShare: 0.5, linkNext: true });
    try {
      const { access } = await xivaLogin(sim.url);
      const h = { authorization: `JWT ${access}` };
      const page = (offset: number) => getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?offset=${offset}&limit=25&fields=id`, h);
      const first = await page(0);
      expect([first.status, first.body.length, first.headers.get('x-total-count'), first.headers.get('x-result-count')]).toEqual([206, 25, '30', '25']);
      const next = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
      expect(next && new URL(next).searchParams.get('offset')).toBe('25');
      const last = await page(50);
      expect([last.status, last.body.length, last.headers.get('link')]).toEqual([206, 10, null]);
      expect((await page(60)).status).toBe(416);

      sim.setServerStyle({ totalCount: 'page-size', linkNext: false });
      expect((await page(25)).headers.get('x-total-count')).toBe('25');
      sim.setServerStyle({ totalCount: 'none', partialStatus: 200 });
      const bare = await page(25);
      expect([bare.status, bare.headers.get('x-total-count'), bare.headers.get('x-result-count'), bare.body.length]).toEqual([200, null, null, 25]);
    } finally {
      await sim.close();
    }
  });

  it.each(['gt', 'gte'] as const)('with lastUpdateFilter %s honours only that lower bound and ignores the other form', async (op) => {
    const sim = await startXivaSimulator({ items: 40, lastUpdateFilter: op });
    try {
      const { access } = await xivaLogin(sim.url);
      const h = { authorization: `JWT ${access}` };
      const since = encodeURIComponent('2030-01-01T00:00:00Z');
      const other = op === 'gt' ? 'gte' : 'gt';
      expect((await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.${op}=${since}`, h)).body).toHaveLength(0);
      expect((await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.${other}=${since}&limit=100`, h)).body).toHaveLength(40);
    } finally {
      await sim.close();
    }
  });

  it('without lastUpdate filter support the filter is ignored (older items come back)', async () => {
    const sim = await startXivaSimulator({ items: 60, supportsLastUpdateFilter: false });
    try {
      const { access } = await xivaLogin(sim.url);
      const r = await getJson<XivaOffering[]>(`${sim.url}${XIVA_V5_BASE}productOffering/?lastUpdate.gt=2030-01-01T00:00:00Z&limit=100`, { authorization: `JWT ${access}` });
      expect(r.body).toHaveLength(60);
      expect(r.headers.get('x-total-count')).toBe('60');
    } finally {
      await sim.close();
    }
  });

  it('apiVersion restricts the served base path; same seed gives the same catalog', async () => {
    const a = await startXivaSimulator({ items: 50, seed: 42, apiVersion: 'v5' });
    const b = await startXivaSimulator({ items: 50, seed: 42, apiVersion: 'v4' });
    const c = await startXivaSimulator({ items: 50, seed: 43 });
    try {
      const ta = (await xivaLogin(a.url)).access;
      expect((await getJson(`${a.url}${XIVA_V4_BASE}productOffering/`, { authorization: `JWT ${ta}` })).status).toBe(404);
      expect((await getJson<unknown[]>(`${a.url}${XIVA_V5_BASE}productOffering/`, { authorization: `JWT ${ta}` })).body).toHaveLength(50);
      const tb = (await xivaLogin(b.url)).access;
      expect((await getJson<unknown[]>(`${b.url}${XIVA_V4_BASE}productOffering/`, { authorization: `JWT ${tb}` })).body).toHaveLength(50);
      expect((await getJson(`${b.url}${XIVA_V5_BASE}productOffering/`, { authorization: `JWT ${tb}` })).status).toBe(404);
      const strip = (o: XivaOffering) => ({ id: o.id, name: o.name, lastUpdate: o.lastUpdate, lifecycleStatus: o.lifecycleStatus });
      expect(a.store.all().map(strip)).toEqual(b.store.all().map(strip));
      expect(a.store.validIds().map((id) => a.store.expected(id))).toEqual(b.store.validIds().map((id) => b.store.expected(id)));
      expect(c.store.all().map(strip)).not.toEqual(a.store.all().map(strip));
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('mixed and embedded price styles map the same way in v4 and v5', async () => {
    for (const priceStyle of ['mixed', 'embedded'] as const) {
      const sim = await startXivaSimulator({ items: 80, seed: 5, priceStyle });
      try {
        const { access } = await xivaLogin(sim.url);
        const h = { authorization: `JWT ${access}` };
        for (const base of [XIVA_V4_BASE, XIVA_V5_BASE]) {
          const r = await getJson<XivaOffering[]>(`${sim.url}${base}productOffering/?limit=1000`, h);
          const kinds = new Set(r.body.flatMap((o) => o.productOfferingPrice.map((p) => ('price' in p ? 'embedded' : 'ref'))));
          expect(kinds.has('embedded')).toBe(true);
          expect(kinds.has('ref')).toBe(priceStyle === 'mixed');
          if (base === XIVA_V4_BASE) {
            const embedded = r.body.flatMap((o) => o.productOfferingPrice).find((p) => 'price' in p && p.priceType === 'recurring');
            expect(embedded).toHaveProperty('recurringChargePeriod');
            expect(embedded).not.toHaveProperty('recurringChargePeriodType');
          }
          const resolve = await priceResolver(sim, base, access, new Map())(r.body);
          for (const o of r.body) expect(mapXiva(o, resolve)).toEqual(sim.store.expected(o.id as string));
        }
      } finally {
        await sim.close();
      }
    }
  });

  it('prices in KWD and JPY use the currency exponent', async () => {
    const kwd = await startXivaSimulator({ items: 30, currency: 'KWD' });
    const jpy = await startXivaSimulator({ items: 30, currency: 'JPY' });
    try {
      for (const id of kwd.store.validIds()) expect(kwd.store.expected(id)?.price).toMatch(/^\d+\.\d{3}$/);
      for (const id of jpy.store.validIds()) expect(jpy.store.expected(id)?.price).toMatch(/^\d+$/);
      expect(kwd.store.expected(kwd.store.validIds()[0] as string)?.currency).toBe('KWD');
    } finally {
      await Promise.all([kwd.close(), jpy.close()]);
    }
  });

  it('mutates items while paging, after the first page', async () => {
    const sim = await startXivaSimulator({ items: 100, faults: { mutateWhilePaging: 3 } });
    try {
      const { access } = await xivaLogin(sim.url);
      const before = sim.store.validIds();
      await getJson(`${sim.url}${XIVA_V5_BASE}productOffering/?limit=10`, { authorization: `JWT ${access}` });
      expect(sim.store.validIds()).toEqual(before);
      const maxBefore = Math.max(...sim.store.all().map((o) => Date.parse(o.lastUpdate)));
      for (let offset = 10; offset < 50; offset += 10) await getJson(`${sim.url}${XIVA_V5_BASE}productOffering/?offset=${offset}&limit=10`, { authorization: `JWT ${access}` });
      const after = sim.store.all();
      const touched = after.filter((o) => Date.parse(o.lastUpdate) > maxBefore).length;
      const removed = before.filter((id) => !sim.store.validIds().includes(id)).length;
      expect(touched + removed).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });
});
