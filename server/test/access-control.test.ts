import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '@lyra/contracts';
import { PERMISSIONS, type Permission } from '../src/modules/auth/permissions.js';
import { createTestContext, type TestContext } from './helpers.js';

const SAMPLE_ID = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';
const PUBLIC_API = new Set(['POST /api/loyalty/v1/auth/login', 'GET /api/openapi.json']);

describe('every /api route requires authentication and the right role', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(() => t.close());

  const apiRoutes = () => t.app.routeTable.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'));
  const concrete = (url: string) => url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? SAMPLE_ID : name === 'name' ? 'propensity_to_buy' : '1'));

  it('declares access on every API route, and only login and the OpenAPI document are public', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) {
      expect(r.access, `${r.method} ${r.url}`).toBeDefined();
      if (r.access === 'public') expect(PUBLIC_API.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is public`).toBe(true);
    }
  });

  it('answers 401 without a token and with a bad token on every non-public route', async () => {
    for (const r of apiRoutes().filter((x) => x.access !== 'public')) {
      for (const headers of [{}, { authorization: 'Bearer not-a-real-token' }]) {
        const res = await t.app.inject({ method: r.method as 'GET', url: concrete(r.url), headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
        expect(res.statusCode, `${r.method} ${r.url} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json().error.code).toBe('unauthorized');
      }
    }
  });

  it('answers 403 for each role that lacks the route\'s permission', async () => {
    let checked = 0;
    for (const role of ROLES) {
      const headers = await t.auth(role);
      for (const r of apiRoutes().filter((x) => x.access !== 'public')) {
        const allowed = (PERMISSIONS[r.access as Permission] as readonly string[]).includes(role);
        if (allowed) continue;
        const res = await t.app.inject({ method: r.method as 'GET', url: concrete(r.url), headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
        expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('serves the OpenAPI document without auth and lists the product routes', async () => {
    const res = await t.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain('/api/loyalty/v1/products/');
    expect(doc.paths['/api/loyalty/v1/products/'].post.requestBody).toBeDefined();
    const ui = await t.app.inject({ url: '/api/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('answers health without auth when the database answers', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ok');
  });
});
