import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/lib/input-safety.js';
import { stateFingerprint } from './fuzz/api-fuzz.js';
import { createTestContext, type TestContext } from './helpers.js';

/**
 * Each class of bad input a careless client or an attacker sends, with the answer it must get:
 * 4xx in the envelope `{error: {code, message, details, request_id}}` naming the field, and nothing
 * changed. The fuzz test (api-fuzz.test.ts) throws generated inputs at every operation; this file
 * pins each class down by name.
 */

const api = '/api/loyalty/v1';
const RESERVED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const product = { external_product_id: 'BAD-INPUT-1', name: 'Bad Input Data 5 GB', product_type: 'data', price: '10.00', currency: 'SAR' };

interface Answer { statusCode: number; json(): unknown; body: string; headers: Record<string, unknown> }

function expectRefusal(res: Answer, status: number, field?: string) {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json() as { error: { code: string; message: string; request_id: string; details?: { fields?: Record<string, string[]> } } };
  expect(error).toMatchObject({ code: expect.any(String), message: expect.any(String), request_id: expect.any(String) });
  if (field) expect(Object.keys(error.details?.fields ?? {}), res.body).toContain(field);
  return error;
}

describe('bad input answers 4xx in the envelope, naming the field, and changes nothing', () => {
  let t: TestContext;
  let admin: { authorization: string };
  let productId: string;
  let before: string;

  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
    const created = await t.app.inject({ method: 'POST', url: `${api}/products/`, headers: admin, payload: product });
    productId = (created.json() as { id: string }).id;
    before = await stateFingerprint(t);
  });
  afterAll(() => t.close());

  const send = (method: string, url: string, payload?: string, contentType = 'application/json', headers: Record<string, string> = admin) =>
    t.app.inject({ method: method as 'POST', url, headers: { ...headers, ...(payload !== undefined && { 'content-type': contentType }) }, ...(payload !== undefined && { payload }) });

  it('refuses keys named like object members in bodies (login included), nested JSON and queries', async () => {
    for (const key of RESERVED) {
      const raw = (extra: Record<string, unknown>) => JSON.stringify(extra).replace('"RESERVED"', JSON.stringify(key));
      expectRefusal(await send('POST', `${api}/auth/login`, raw({ email: 'admin@test.lyra', password: 'x', RESERVED: 1 }), 'application/json', {}), 400, key);
      expectRefusal(await send('POST', `${api}/products/`, raw({ ...product, external_product_id: 'BAD-2', RESERVED: { polluted: true } })), 400, key);
      expectRefusal(await send('PATCH', `${api}/products/${productId}/`, raw({ features: { RESERVED: 1 } })), 400, `features.${key}`);
      expectRefusal(await send('PATCH', `${api}/products/${productId}/`, raw({ attributes: { a: [{ RESERVED: 'x' }] } })), 400, `attributes.a.0.${key}`);
      expectRefusal(await send('GET', `${api}/products/?${key}=1`), 400, key);
      expectRefusal(await send('GET', `${api}/audit-log/?${key}=x&${key}=y`), 400, key);
    }
    // Nothing became a prototype's member.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses object-member keys in CSV headers and JSON lines of imports, writing nothing', async () => {
    for (const key of RESERVED) {
      const csv = await send('POST', `${api}/customers/import/`, `id,msisdn,${key}\nC-1,966500000001,x\n`, 'text/csv');
      expect([400, 422]).toContain(csv.statusCode);
      // CSV headers are case-insensitive: the column is named as read, lower-cased.
      expect(csv.body.toLowerCase()).toContain(key.toLowerCase());
      const lines = await send('POST', `${api}/customers/import/`, `${JSON.stringify({ id: 'C-1', msisdn: '966500000001' }).replace('{', `{"${key}":1,`)}\n`, 'application/x-ndjson');
      expect([400, 422]).toContain(lines.statusCode);
      expect(lines.body).toContain(key);
      const products = await send('POST', `${api}/products/import/`, `external_product_id,name,${key}\nP-1,Name,x\n`, 'text/csv');
      expect([400, 422]).toContain(products.statusCode);
      expect(products.body.toLowerCase()).toContain(key.toLowerCase());
    }
  });

  it('refuses a NUL character in fields, JSON maps, segments, list filters, path ids and uploads', async () => {
    expectRefusal(await send('POST', `${api}/products/`, JSON.stringify({ ...product, external_product_id: 'BAD-3', name: 'a\u0000b' })), 400, 'name');
    expectRefusal(await send('PATCH', `${api}/products/${productId}/`, JSON.stringify({ features: { note: 'x\u0000' } })), 400, 'features.note');
    expectRefusal(await send('PATCH', `${api}/products/${productId}/`, JSON.stringify({ attributes: { 'k\u0000': 1 } })), 400, 'attributes.k\\u0000');
    expectRefusal(await send('PATCH', `${api}/products/${productId}/`, JSON.stringify({ target_segments: ['youth\u0000'] })), 400, 'target_segments.0');
    expectRefusal(await send('GET', `${api}/products/?segment=youth%00`), 400, 'segment');
    expectRefusal(await send('GET', `${api}/customers/?search=%00`), 400, 'search');
    expectRefusal(await send('GET', `${api}/customers/C%00-1/`), 400, 'id');
    expectRefusal(await send('GET', `${api}/products/${productId}%00/`), 400, 'id');
    const upload = await send('POST', `${api}/products/import/`, 'external_product_id,name,product_type\nP-9,Na\u0000me,data\n', 'text/csv');
    expect(upload.statusCode).toBeGreaterThanOrEqual(400);
    expect(upload.statusCode).toBeLessThan(500);
    const lines = await send('POST', `${api}/customers/import/`, '{"id":"C-9","name":"a\\u0000b"}\n', 'application/x-ndjson');
    expect([400, 422]).toContain(lines.statusCode);
    expect(lines.body).toMatch(/NUL/);
  });

  it('validates an export before its first byte: a bad filter is a 400, never a stream cut after 200', async () => {
    for (const query of ['segment=%00', 'search=a%00', 'external_system_id=abc', 'toString=1', 'min_price=1e5']) {
      const res = await send('GET', `${api}/products/export/?format=csv&${query}`);
      expectRefusal(res, 400);
      expect(String(res.headers['content-type'])).toMatch(/json/);
    }
  });

  it('refuses ids and filters of the wrong shape, integers past 2^31 and dates PostgreSQL cannot hold', async () => {
    expectRefusal(await send('GET', `${api}/audit-log/?actor_id=abc`), 400, 'actor_id');
    expectRefusal(await send('GET', `${api}/sync-runs/?external_system_id=abc`), 400, 'external_system_id');
    expectRefusal(await send('GET', `${api}/catalog-changes/?run_id=1`), 400, 'run_id');
    expectRefusal(await send('GET', `${api}/products/not-a-uuid/`), 400, 'id');
    expectRefusal(await send('GET', `${api}/ml/models/propensity_to_buy/versions/2147483648/`), 400, 'v');
    expectRefusal(await send('POST', `${api}/ml/models/propensity_to_buy/versions/99999999999999999999/activate/`), 400, 'v');
    for (const date of ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '1800-01-01T00:00:00Z', '10000-01-01T00:00:00Z']) {
      expectRefusal(await send('PATCH', `${api}/products/${productId}/`, JSON.stringify({ valid_from: date })), 400, 'valid_from');
    }
    expectRefusal(await send('GET', `${api}/customers/C-1/?as_of=0000-01-01`), 400, 'as_of');
  });

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels before parsing it`, async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000, 200_000]) {
      const error = expectRefusal(await send('PATCH', `${api}/products/${productId}/`, `{"features":${'['.repeat(depth)}${']'.repeat(depth)}}`), 400);
      expect(error.code).toBe('json_too_deep');
    }
    // Documents within the limit are accepted.
    const nested = { features: { a: { b: { c: [1, [2, [3]]] } } } };
    expect((await send('PATCH', `${api}/products/${productId}/`, JSON.stringify(nested))).statusCode).toBe(200);
  });

  it('answers router errors in the envelope: bad percent-encoding and over-long path parameters', async () => {
    for (const url of [`${api}/products/%zz/`, `${api}/products/%e9/`, `${api}/customers/%c3%28/`]) {
      expectRefusal(await send('GET', url), 400);
    }
    const long = await send('GET', `${api}/products/${'a'.repeat(5000)}/`);
    expect(long.statusCode).toBe(414);
    expect((long.json() as { error: { code: string } }).error.code).toBe('uri_too_long');
  });

  it('left nothing changed by any of the refused requests above (one accepted PATCH aside)', async () => {
    const after = await stateFingerprint(t);
    // The accepted nested-features PATCH adds one audit entry; nothing else may differ.
    const diff = after.split(',').filter((kv) => !before.split(',').includes(kv));
    expect(diff.filter((kv) => !kv.startsWith('audit_log='))).toEqual([]);
    const audit = (await send('GET', `${api}/audit-log/?entity_id=${productId}`)).json() as { results: { action: string }[] };
    expect(audit.results.map((e) => e.action)).toEqual(['update', 'create']);
  });
});

describe('over a real socket', () => {
  let t: TestContext;
  let port: number;
  beforeAll(async () => {
    t = await createTestContext();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  /** Writes raw bytes, reads until the server closes or `until` matches; never hangs past 5 s. */
  function exchange(chunks: (string | Buffer)[], until?: RegExp): Promise<{ text: string; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => { socket.destroy(); resolve({ text, closed: false }); }, 5_000);
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (until?.test(text)) { clearTimeout(timer); socket.destroy(); resolve({ text, closed: false }); }
      });
      socket.on('close', () => { clearTimeout(timer); resolve({ text, closed: true }); });
      socket.on('error', () => undefined);
      for (const c of chunks) socket.write(c);
    });
  }

  it('answers headers too large with 431 in the envelope', async () => {
    const { text } = await exchange([`GET ${api}/products/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    expect(text).toMatch(/^HTTP\/1\.1 431/);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'headers_too_large', request_id: expect.any(String) } });
  });

  it('answers a request that is not HTTP with 400 in the envelope', async () => {
    const { text } = await exchange(['NOT HTTP AT ALL\r\n\r\n']);
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).toContain('"error":{"code":"bad_request"');
  });

  it('does not leave a keep-alive connection hanging after refusing an upload early', async () => {
    const token = await t.token('admin');
    const body = `id,msisdn\n${'C-1,966500000001\n'.repeat(50_000)}`;
    const refusals: [string, Record<string, string>][] = [
      ['415 wrong type', { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' }],
      ['401 no session', { 'content-type': 'text/csv' }],
      ['413 declared too large', { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(2 ** 40) }],
    ];
    for (const [what, headers] of refusals) {
      const head = Object.entries({ host: 'x', connection: 'keep-alive', 'content-length': String(Buffer.byteLength(body)), ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      const second = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
      const { text, closed } = await exchange([`POST ${api}/customers/import/ HTTP/1.1\r\n${head}\r\n\r\n`, body.slice(0, 1000)], /"status":"ok"/);
      expect(text, what).toMatch(/^HTTP\/1\.1 4\d\d/);
      // Either the server closed the connection after its answer (saying so), or it read the rest
      // of the body and answers the next request: never a socket left waiting.
      if (!closed) {
        const again = await exchange([`POST ${api}/customers/import/ HTTP/1.1\r\n${head}\r\n\r\n`, body, second], /"status":"ok"/);
        expect(again.text, what).toMatch(/"status":"ok"/);
      } else {
        expect(text.toLowerCase(), what).toContain('connection: close');
      }
    }
  });
});
