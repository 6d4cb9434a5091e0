import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, TEST_PASSWORD, type TestContext } from '../../test/helpers.js';
import { csrfVerdict } from './csrf.plugin.js';

const api = '/api/loyalty/v1';
const HOST = 'lyra.example:8080';
const CONSOLE = `http://${HOST}`;

describe('cookie-authenticated changes only from the console\'s own origin (CSRF)', () => {
  let t: TestContext;
  let bearer: { authorization: string };
  let cookie: string;
  beforeAll(async () => {
    t = await createTestContext();
    bearer = await t.auth('admin');
    const login = await t.app.inject({
      method: 'POST', url: `${api}/auth/login`, headers: { host: HOST, origin: CONSOLE, 'sec-fetch-site': 'same-origin' },
      payload: { email: 'admin@test.lyra', password: TEST_PASSWORD },
    });
    expect(login.statusCode, login.body).toBe(200);
    const set = String(login.headers['set-cookie']);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/HttpOnly/i);
    cookie = set.split(';')[0]!;
  });
  afterAll(() => t.close());

  const csv = (id: string) => `external_product_id,name,product_type,currency\r\n${id},Forged product,data,SAR\r\n`;
  const productCount = async (id: string) =>
    (await t.app.inject({ url: `${api}/products/?search=${id}`, headers: bearer })).json().count as number;
  const importAs = (headers: Record<string, string>, id: string, contentType = 'text/plain') =>
    t.app.inject({ method: 'POST', url: `${api}/products/import/`, headers: { host: HOST, cookie, 'content-type': contentType, ...headers }, payload: csv(id) });

  it('refuses an attacker\'s form post to the CSV import and imports nothing', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await importAs({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'forged-1', contentType);
      expect(res.statusCode, contentType).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'csrf_rejected', request_id: expect.any(String) });
    }
    expect(await productCount('forged-1')).toBe(0);
  });

  it('refuses same-site origins, opaque origins and foreign origins from browsers without Sec-Fetch-Site', async () => {
    const cases: Record<string, string>[] = [
      { origin: 'https://intranet.lyra.example', 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' }, // an older browser: Origin only
      { origin: 'null' }, // a sandboxed frame or a redirected form
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' }, // no trusted proxy: X-Forwarded-Host is not our host
      { origin: 'not a url' },
    ];
    for (const headers of cases) {
      const res = await importAs(headers, 'forged-2');
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error.code).toBe('csrf_rejected');
    }
    // Other state-changing methods too.
    const del = await t.app.inject({ method: 'DELETE', url: `${api}/products/00000000-0000-4000-8000-000000000000/`, headers: { host: HOST, cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(del.statusCode).toBe(403);
    expect(await productCount('forged-2')).toBe(0);
  });

  it('accepts the same request from the console\'s own origin (what fetch in the console sends)', async () => {
    const res = await importAs({ origin: CONSOLE, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, 'console-1', 'text/csv');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ imported: true, created: 1 });
    // An older browser sends Origin only; the same origin passes.
    const old = await importAs({ origin: CONSOLE }, 'console-2', 'text/csv');
    expect(old.statusCode, old.body).toBe(200);
    // A client that is not a browser (no Origin, no Sec-Fetch-Site) owns the cookie it presents.
    const script = await importAs({}, 'console-3', 'text/csv');
    expect(script.statusCode, script.body).toBe(200);
    expect(await productCount('console-')).toBe(3);
  });

  it('leaves reads and bearer-token clients alone', async () => {
    const read = await t.app.inject({ url: `${api}/products/`, headers: { host: HOST, cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(read.statusCode).toBe(200);
    const res = await t.app.inject({
      method: 'POST', url: `${api}/products/import/`,
      headers: { ...bearer, host: HOST, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/csv' }, payload: csv('bearer-1'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await productCount('bearer-1')).toBe(1);
  });

  it('refuses a cross-site login (login CSRF) and keeps the session cookie SameSite=Strict', async () => {
    const forged = await t.app.inject({
      method: 'POST', url: `${api}/auth/login`, headers: { host: HOST, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      payload: { email: 'admin@test.lyra', password: TEST_PASSWORD },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_rejected');
    expect(forged.headers['set-cookie']).toBeUndefined();

    const logout = await t.app.inject({ method: 'POST', url: `${api}/auth/logout`, headers: { host: HOST, cookie, origin: CONSOLE, 'sec-fetch-site': 'same-origin' } });
    expect(logout.statusCode).toBe(204);
    const cleared = String(logout.headers['set-cookie']);
    expect(cleared).toMatch(/lyra_session=;/);
    expect(cleared).toMatch(/SameSite=Strict/i);
  });

  it('decides by the rules: Sec-Fetch-Site first, then Origin against the own host or a trusted origin', () => {
    const trusted = new Set(['https://console.lyra.example']);
    const req = (headers: Record<string, string>, method = 'POST', host = 'api.lyra.example') => ({ method, headers, host });
    expect(csrfVerdict(req({ 'sec-fetch-site': 'same-origin', origin: 'https://elsewhere.example' }), trusted)).toBeNull();
    expect(csrfVerdict(req({ 'sec-fetch-site': 'none' }), trusted)).toBeNull();
    expect(csrfVerdict(req({ 'sec-fetch-site': 'same-site', origin: 'https://console.lyra.example' }), trusted)).toBeNull();
    expect(csrfVerdict(req({ 'sec-fetch-site': 'same-site', origin: 'https://other.lyra.example' }), trusted)).toMatch(/Sec-Fetch-Site/);
    expect(csrfVerdict(req({ origin: 'https://api.lyra.example' }), trusted)).toBeNull();
    expect(csrfVerdict(req({ origin: 'https://api.lyra.example' }, 'POST', 'api.lyra.example:443'), trusted)).toBeNull();
    expect(csrfVerdict(req({ origin: 'https://api.lyra.example:8443' }), trusted)).toMatch(/not from this server/);
    expect(csrfVerdict(req({ origin: 'https://evil.example' }, 'GET'), trusted)).toBeNull();
    expect(csrfVerdict(req({ origin: 'https://evil.example', authorization: 'Bearer x' }), trusted)).toBeNull();
    expect(csrfVerdict(req({ origin: 'null' }), trusted)).toMatch(/opaque/);
  });
});
