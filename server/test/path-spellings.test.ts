import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './helpers.js';

/**
 * An attacker's view of authentication: every operation of the OpenAPI document, its path spelt
 * the many ways a router may still match (percent-escapes of any letter, double slashes, `..`,
 * trailing dots, case, `;` parameters, a second `?`), sent over a real socket so no client library
 * tidies the path first. Without a session none of them may answer 2xx; with a role that lacks the
 * permission none of them may either.
 */

const SAMPLE_ID = '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';
const PUBLIC_OPERATIONS = new Set(['POST /api/loyalty/v1/auth/login', 'GET /healthz']);

interface Operation { method: string; path: string }

const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'name' ? 'propensity_to_buy' : name === 'v' ? '1' : SAMPLE_ID));

const escape = (c: string, upper: boolean) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`;

/** The spellings of one concrete path an attacker would try. */
export function spellings(path: string): string[] {
  const out = new Set<string>();
  const letters = [...path].map((c, i) => [c, i] as const).filter(([c]) => /[a-z0-9_-]/i.test(c));
  // Each letter escaped on its own (upper and lower hex), then every letter escaped at once.
  for (const [c, i] of letters) {
    out.add(path.slice(0, i) + escape(c, i % 2 === 0) + path.slice(i + 1));
  }
  out.add([...path].map((c) => (/[a-z0-9_-]/i.test(c) ? escape(c, true) : c)).join(''));
  const segments = path.split('/');
  out.add(`/${path}`);
  out.add(path.replace('/api/', '/api//'));
  out.add(path.replace(/\/$/, '//'));
  out.add(path.replace('/api/', '/api/./'));
  out.add(path.replace('/api/loyalty/', '/api/x/../loyalty/'));
  out.add(`/x/..${path}`);
  out.add(path.replace('/api/', '/api/%2e/'));
  out.add(path.replace('/api/loyalty/', '/api/x/%2e%2e/loyalty/'));
  out.add(path.replace(/\/$/, '/.'));
  out.add(path.replace(/\/$/, './'));
  out.add(path.replace(/\/$/, '/%2e'));
  out.add(path.toUpperCase());
  out.add(path.replace('/api/', '/API/'));
  out.add(path.replace('/api/', '/Api/'));
  out.add(path.replace('/api/', '/api;jsessionid=1/'));
  out.add(path.replace(/\/$/, ';x=1/'));
  out.add(`${path};`);
  out.add(`${path}?a=1?b=2`);
  out.add(`${path}??`);
  out.add(path.replace(/\/$/, '?/'));
  out.add(path.replace(/\//g, '%2f'));
  out.add(path.replace('/api/', '/api%2f'));
  out.add(`${path}%20`);
  out.add(`${path}%09`);
  out.add(path.replace(/\//g, '\\'));
  out.add(`${segments.slice(0, -1).join('/')}#/`);
  out.add(path.replace('/api/', '/%2561pi/'));
  out.delete(path);
  return [...out];
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      req.setHeader('content-type', 'application/json');
      req.end('{}');
    } else req.end();
  });
}

describe('authentication is decided on the matched route, whatever the spelling of its path', () => {
  let t: TestContext;
  let port: number;
  let operations: Operation[];

  beforeAll(async () => {
    t = await createTestContext();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
  });
  afterAll(() => t.close());

  it('reads every operation from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  it('never answers 2xx to an encoded spelling of a protected path without a session', async () => {
    let sent = 0;
    const leaks: string[] = [];
    for (const op of operations) {
      if (PUBLIC_OPERATIONS.has(`${op.method} ${op.path}`)) continue;
      for (const spelling of spellings(concrete(op.path))) {
        const res = await send(port, op.method, spelling);
        sent++;
        if (![401, 404, 400].includes(res.status)) leaks.push(`${op.method} ${spelling} -> ${res.status} ${res.body.slice(0, 120)}`);
        else expect(JSON.parse(res.body), `${op.method} ${spelling}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), request_id: expect.any(String) } });
      }
    }
    expect(leaks).toEqual([]);
    expect(sent).toBeGreaterThan(2000);
  }, 300_000);

  it('never lets a role past a permission it lacks by spelling the path differently', async () => {
    const viewer = await t.token('viewer');
    const adminOnly = ['GET /api/loyalty/v1/users/', 'GET /api/loyalty/v1/audit-log/', 'GET /api/loyalty/v1/external-systems/', 'POST /api/loyalty/v1/external-systems/{id}/test/'];
    for (const key of adminOnly) {
      const [method, path] = key.split(' ') as [string, string];
      for (const spelling of spellings(concrete(path))) {
        const res = await send(port, method, spelling, { authorization: `Bearer ${viewer}` });
        expect([403, 404, 400], `${method} ${spelling} -> ${res.status}`).toContain(res.status);
      }
    }
  });

  it('answers 404 in the envelope for a path that matches no route, signed in or not', async () => {
    const admin = await t.token('admin');
    for (const headers of [{}, { authorization: `Bearer ${admin}` }] as Record<string, string>[]) {
      for (const [method, path] of [['GET', '/api/loyalty/v1/nothing/'], ['POST', '/api/loyalty/v1/users/x/y/z/'], ['DELETE', '/api/'], ['GET', '/%61pi/loyalty/v1/nothing']]) {
        const res = await send(port, method!, path!, headers);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(JSON.parse(res.body).error).toMatchObject({ code: 'not_found', request_id: expect.any(String) });
      }
    }
  });

  it('answers the canonical spelling as before: 401 without a session, 200 with one', async () => {
    expect((await send(port, 'GET', '/%61pi/loyalty/v1/users/')).status).toBe(401);
    const admin = await t.token('admin');
    expect((await send(port, 'GET', '/%61pi/loyalty/v1/users/', { authorization: `Bearer ${admin}` })).status).toBe(200);
  });
});
