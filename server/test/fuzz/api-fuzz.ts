import fc from 'fast-check';
import type { TestContext } from '../helpers.js';

/**
 * A property-based fuzzer driven by the OpenAPI document: for every operation it builds a
 * plausible request from the operation's own schemas, then breaks one thing at a time (a field's
 * type, a huge or NUL-laden string, an object-member key, deep nesting, an odd date, money with
 * many decimals, a wrong content type, an oversized body, a bad path id) and checks what a client
 * may rely on: never a 5xx, every error in the envelope, and a refused request changes nothing.
 */

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
  default?: unknown;
}

interface Parameter { name: string; in: 'query' | 'path' | 'header'; required?: boolean; schema?: Schema }

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  contentTypes: string[];
  body?: Schema;
}

export interface FuzzRequest {
  op: Operation;
  mutation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface FuzzProblem { request: string; status: number; problem: string; body: string }

export interface FuzzReport { requests: number; serverErrors: number; nonEnvelope: number; changedOnRefusal: number; problems: FuzzProblem[] }

/** Operations that end the fuzzer's own session or start real work on a success: fuzzed, but with a throwaway session. */
const SESSION_ENDING = new Set(['POST /api/loyalty/v1/auth/logout']);

export function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], contentTypes: Object.keys(content), ...(json && { body: json }) });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Plausible values from a schema: the fuzzer breaks one field of an otherwise acceptable request,
// so the server gets past its first check and the broken field is what it must notice.

function firstOption(s: Schema): Schema {
  const options = s.anyOf ?? s.oneOf;
  if (options) return options.find((o) => o.type !== 'null') ?? options[0] ?? {};
  if (s.allOf?.length) return Object.assign({}, ...s.allOf) as Schema;
  return s;
}

export function plausible(schema: Schema | undefined, name = ''): unknown {
  if (!schema) return 'x';
  const s = firstOption(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = plausible(s.properties?.[key], key);
      return out;
    }
    case 'array':
      return s.minItems ? [plausible(s.items, name)] : [];
    case 'integer':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, 1) : 1;
    case 'number':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, 1) : 1;
    case 'boolean':
      return true;
    case 'string':
    case 'null':
    case undefined:
    default:
      return plausibleString(s, name);
  }
}

function plausibleString(s: Schema, name: string): string {
  if (s.format === 'date-time') return '2026-06-01T00:00:00.000Z';
  if (s.format === 'date') return '2026-06-01';
  if (s.format === 'uuid') return '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c';
  if (s.format === 'email' || /email/.test(name)) return `fuzz-${name}@example.com`;
  if (s.format === 'uri' || /url/.test(name)) return 'http://127.0.0.1:9/api';
  if (s.pattern?.includes('\\d')) return '10.00';
  if (/currency/.test(name)) return 'SAR';
  if (/password/.test(name)) return 'fuzz-password-123';
  return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
}

// ---------------------------------------------------------------------------------------------
// What an attacker or a careless client sends.

const RESERVED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];

const hostileString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '%00', '\ud800', 'x\udfffy', '', ' ', '\t\r\n', '﻿', '‮evil', "'; drop table products; --", '{{7*7}}', '../../etc/passwd', '=cmd|calc', 'null', 'undefined', 'NaN', 'Infinity', '-0', '1e309'),
  fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01', '1969-12-31T23:59:59.999999999Z', '2026-06-01T25:61:61Z', '2026-06-01'),
  fc.constantFrom('0.0000001', '1.123456789', '12345678901234567890.5', '-0.001', '1e5', '0x10', '١٢٣', '10,50', ' 10 ', '+10'),
  fc.constantFrom('2147483648', '-2147483649', '9007199254740993', '99999999999999999999999', '-1', '0', '1.5'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...RESERVED),
  fc.integer({ min: 1000, max: 300_000 }).map((n) => 'A'.repeat(n)),
);

const hostileNumber = fc.constantFrom(2147483648, -2147483649, 2 ** 53 + 2, 1e308, -1e308, 5e-324, -0, 0.1, 1.5, -1, 1e21);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constant([[['x']]]),
  fc.dictionary(fc.constantFrom(...RESERVED, 'a'), fc.constant(1), { minKeys: 1, maxKeys: 3 }),
  hostileString,
);

/** Replaces the value at one path of a body (or adds a key there) with a hostile one. */
function mutateAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: Record<string, unknown> = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  const [head, ...rest] = path as [string, ...string[]];
  // Assigning "__proto__" with [] on a plain object sets its prototype: define it as data instead.
  Object.defineProperty(copy, head, { value: mutateAt(copy[head], rest, value), enumerable: true, writable: true, configurable: true });
  return copy;
}

function fieldPaths(schema: Schema | undefined, prefix: string[] = [], depth = 0): string[][] {
  if (!schema || depth > 3) return [];
  const s = firstOption(schema);
  const out: string[][] = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    out.push([...prefix, key]);
    out.push(...fieldPaths(child, [...prefix, key], depth + 1));
  }
  return out;
}

const deepJson = (depth: number, open: string, close: string, inner: string) => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

/** Percent-encodes any string; a lone surrogate becomes the bytes CESU-8 would give it, which are not valid UTF-8. */
const encodeAny = (text: string) => (text.isWellFormed() ? encodeURIComponent(text) : `${encodeURIComponent(text.toWellFormed())}%ED%A0%80`);

/** A path parameter value a router and a database must both survive. */
const hostilePathValue = fc.oneof(
  fc.constantFrom('%00', 'a%00b', '2147483648', '-1', '0', '1e3', '99999999999999999999', 'NaN', '%zz', '%e9', '%c3%28', '..', '.', '%2e%2e', 'null', '%20', 'constructor', '__proto__', 'toString'),
  fc.constantFrom('3F1C2A4E-8B7D-4C6E-9A1B-2D3E4F5A6B7C', '3f1c2a4e8b7d4c6e9a1b2d3e4f5a6b7c', '{3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c}', '00000000-0000-0000-0000-000000000000'),
  fc.integer({ min: 150, max: 5000 }).map((n) => 'a'.repeat(n)),
  fc.string({ maxLength: 30 }).map(encodeAny),
);

const hostileQueryValue = fc.oneof(
  hostileString.filter((s) => s.length < 10_000).map(encodeAny),
  fc.constantFrom('%00', '%zz', '%e9', '%c3%28', '%ff%fe', '%', '%%', '&', '='),
);

const WRONG_CONTENT_TYPES = ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/octet-stream', 'text/csv', 'application/x-ndjson', 'image/png', ''];

function requestArbitrary(op: Operation, pathIds: Record<string, string[]>): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const baseBody = op.body ? plausible(op.body) : undefined;
  const paths = fieldPaths(op.body);

  const goodPathValue = (p: Parameter) => fc.constantFrom(...(pathIds[p.name] ?? [String(plausible(p.schema, p.name))]));
  const pathValues = fc.tuple(...pathParams.map((p) => fc.oneof({ weight: 3, arbitrary: goodPathValue(p) }, { weight: 2, arbitrary: hostilePathValue })));
  const build = (values: string[], query: string, mutation: string, headers: Record<string, string>, payload?: string | Buffer): FuzzRequest => {
    let i = 0;
    const url = op.path.replace(/\{(\w+)\}/g, () => values[i++] ?? 'x') + query;
    return { op, mutation, method: op.method, url, headers, ...(payload !== undefined && { payload }) };
  };
  const json = (v: unknown) => JSON.stringify(v);
  const jsonHeaders = { 'content-type': 'application/json' };

  const mutations: fc.Arbitrary<FuzzRequest>[] = [];

  // Query: each declared parameter with a hostile value, unknown and object-member names, repeats.
  mutations.push(fc.tuple(pathValues, fc.constantFrom(...(queryParams.length ? queryParams.map((p) => p.name) : ['q'])), hostileQueryValue).map(([v, name, value]) => build(v, `?${name}=${value}`, `query ${name}`, {}, op.body ? json(baseBody) : undefined)));
  mutations.push(fc.tuple(pathValues, fc.constantFrom(...RESERVED, 'unknown_filter', 'limit[]', 'a[b]', 'limit'), fc.constantFrom('1', 'x', '%00', '')).map(([v, name, value]) => build(v, `?${encodeURIComponent(name)}=${value}&${encodeURIComponent(name)}=${value}`, `query key ${name}`, op.body ? jsonHeaders : {}, op.body ? json(baseBody) : undefined)));
  // Path parameters.
  if (pathParams.length) mutations.push(pathValues.map((v) => build(v, '', 'path ids', op.body ? jsonHeaders : {}, op.body ? json(baseBody) : undefined)));

  if (op.body) {
    if (paths.length) {
      mutations.push(fc.tuple(pathValues, fc.constantFrom(...paths), wrongType).map(([v, p, value]) => build(v, '', `body ${p.join('.')}`, jsonHeaders, json(mutateAt(baseBody, p, value)))));
    }
    mutations.push(fc.tuple(pathValues, fc.constantFrom(...RESERVED, 'unknown_field', ''), fc.constantFrom<unknown>(1, 'x', {}, null, { polluted: true })).map(([v, key, value]) => build(v, '', `body key ${key}`, jsonHeaders, json(mutateAt(baseBody, [key], value)))));
    mutations.push(fc.tuple(pathValues, wrongType).map(([v, value]) => build(v, '', 'body root', jsonHeaders, json(value))));
    mutations.push(fc.tuple(pathValues, fc.integer({ min: 33, max: 20_000 }), fc.constantFrom(['[', ']', '1'], ['{"a":', '}', '1'], ['[{"x":', '}]', 'null'])).map(([v, depth, [open, close, inner]]) => build(v, '', `body nested ${depth}`, jsonHeaders, deepJson(depth, open!, close!, inner!))));
    mutations.push(fc.tuple(pathValues, fc.constantFrom('{', '{"a":1,}', "{'a':1}", '[1,2', '"\\ud800"', '{"a":"\\u0000"}', 'NaN', '1e999', '\u0000', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}')).map(([v, text]) => build(v, '', 'body text', jsonHeaders, text)));
    mutations.push(fc.tuple(pathValues, fc.constantFrom(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]))).map(([v, bytes]) => build(v, '', 'body invalid utf-8', jsonHeaders, bytes)));
    mutations.push(fc.tuple(pathValues, fc.constantFrom(...WRONG_CONTENT_TYPES)).map(([v, type]) => build(v, '', `content-type ${type}`, type ? { 'content-type': type } : {}, json(baseBody))));
    mutations.push(pathValues.map((v) => build(v, '', 'oversized body', jsonHeaders, json({ ...(baseBody as object), padding: 'x'.repeat(1024 * 1024 + 10) }))));
  } else if (op.contentTypes.length) {
    // Uploads (CSV / JSON lines): hostile headers, cells and lines.
    mutations.push(fc.tuple(pathValues, uploadArbitrary).map(([v, [type, text]]) => build(v, '', `upload ${type}`, { 'content-type': type }, text)));
    mutations.push(fc.tuple(pathValues, fc.constantFrom(...WRONG_CONTENT_TYPES.filter((t) => !op.contentTypes.includes(t)))).map(([v, type]) => build(v, '', `upload content-type ${type}`, type ? { 'content-type': type } : {}, 'a,b\n1,2\n')));
  } else if (op.method !== 'GET' && op.method !== 'DELETE') {
    // A body where none is expected.
    mutations.push(fc.tuple(pathValues, fc.constantFrom('{"x":1}', '{"__proto__":1}', '[', 'x'.repeat(2 * 1024 * 1024))).map(([v, text]) => build(v, '', 'unexpected body', jsonHeaders, text)));
  }
  return fc.oneof(...mutations);
}

const uploadArbitrary: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constantFrom(...RESERVED, 'id', 'name', 'unknown_column', ''), hostileString.filter((s) => s.length < 5000)).map(([column, cell]): [string, string] => ['text/csv', `${column},id\n"${cell.replace(/"/g, '""')}",1\n`]),
  fc.tuple(fc.constantFrom('id', 'name', 'msisdn', 'external_id'), fc.constantFrom('\u0000', 'a\u0000b', '\ud800')).map(([column, cell]): [string, string] => ['text/csv', `${column}\n${cell}\n`]),
  fc.tuple(fc.constantFrom(...RESERVED), wrongType).map(([key, value]): [string, string] => ['application/x-ndjson', `${JSON.stringify(mutateAt({ id: 'c1' }, [key], value))}\n`]),
  fc.constantFrom<[string, string]>(
    ['application/x-ndjson', '{"id":"c1","name":"a\\u0000b"}\n'],
    ['application/x-ndjson', `${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    ['application/x-ndjson', '{"id":\n'],
    ['application/x-ndjson', '[1,2,3]\n"text"\nnull\n'],
    ['text/csv', ''],
    ['text/csv', '\n\n\n'],
    ['text/csv', 'a,a,a\n1,2,3\n'],
    ['text/csv', '"unterminated\n'],
  ),
);

// ---------------------------------------------------------------------------------------------

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Path parameter values known to exist (ids of seeded rows), by parameter name. */
  pathIds?: Record<string, string[]>;
  /** Called once per request, for progress. */
  onRequest?: (done: number) => void;
}

const isEnvelope = (status: number, body: string) => {
  if (status < 400) return true;
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown; request_id?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e.message === 'string' && typeof e.request_id === 'string';
  } catch {
    return false;
  }
};

/**
 * The fuzzer's server has no job runner (nothing must train or sync for real): a valid request to
 * train, score or sync answers 503 jobs_unavailable there, a condition of the test set-up and not a
 * server failure on bad input.
 */
const isSetUpCondition = (status: number, body: string) => status === 503 && body.includes('"jobs_unavailable"');

/**
 * The state a refused request must leave as it was: the number of rows of every table of Lyra's
 * (sessions and sign-in throttling excluded: a refused sign-in is meant to count) and the audit
 * log, where every change is recorded.
 */
export async function stateFingerprint(t: TestContext): Promise<string> {
  const tables = await t.database.executeSql(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('sessions', 'login_failures', 'login_throttle', 'login_attempts', '__drizzle_migrations') ORDER BY table_name",
  );
  const names = tables.rows.map((r) => String((r as { table_name: string }).table_name));
  const sql = names.map((n) => `SELECT '${n}' AS t, count(*)::text AS n FROM "${n}"`).join(' UNION ALL ');
  const counts = await t.database.executeSql(sql);
  return counts.rows.map((r) => `${(r as { t: string }).t}=${(r as { n: string }).n}`).join(',');
}

export async function runApiFuzz(t: TestContext, opts: FuzzOptions): Promise<FuzzReport> {
  const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as Parameters<typeof operationsOf>[0];
  const operations = operationsOf(doc).filter((op) => op.path.startsWith('/api/'));
  const arbitrary = fc.oneof(...operations.map((op) => requestArbitrary(op, opts.pathIds ?? {})));
  const requests = fc.sample(arbitrary, { numRuns: opts.requests, seed: opts.seed });

  const report: FuzzReport = { requests: 0, serverErrors: 0, nonEnvelope: 0, changedOnRefusal: 0, problems: [] };
  const note = (r: FuzzRequest, status: number, problem: string, body: string) => {
    if (report.problems.length < 200) report.problems.push({ request: `${r.method} ${r.url.slice(0, 200)} [${r.mutation}]`, status, problem, body: body.slice(0, 300) });
  };
  await t.token('admin');
  let before = await stateFingerprint(t);
  for (const r of requests) {
    const key = `${r.op.method} ${r.op.path}`;
    const authorization = SESSION_ENDING.has(key) ? `Bearer ${await throwawayToken(t)}` : `Bearer ${await t.token('admin')}`;
    let res: { statusCode: number; body: string };
    try {
      res = await t.app.inject({ method: r.method as 'GET', url: r.url, headers: { authorization, ...r.headers }, ...(r.payload !== undefined && { payload: r.payload }) });
    } catch (err) {
      // The server dropped the answer half-way (a stream cut after its status line): as bad as a 5xx.
      res = { statusCode: 599, body: `no complete answer: ${(err as Error).message}` };
    }
    report.requests++;
    opts.onRequest?.(report.requests);
    if (res.statusCode >= 500 && !isSetUpCondition(res.statusCode, res.body)) {
      report.serverErrors++;
      note(r, res.statusCode, '5xx', res.body);
    }
    if (!isEnvelope(res.statusCode, res.body)) {
      report.nonEnvelope++;
      note(r, res.statusCode, 'not in the error envelope', res.body);
    }
    // Reads are checked now and then (a read that writes would show at the next check, named by
    // the mutation); every refused write is checked at once.
    if (r.method !== 'GET' || report.requests % 25 === 0) {
      const after = await stateFingerprint(t);
      if (res.statusCode >= 400 && after !== before && !SESSION_ENDING.has(key)) {
        report.changedOnRefusal++;
        note(r, res.statusCode, `refused but changed state: ${diff(before, after)}`, res.body);
      }
      before = after;
    }
  }
  return report;
}

let throwaway = 0;
async function throwawayToken(t: TestContext): Promise<string> {
  const email = `throwaway-${++throwaway}@fuzz.example`;
  await t.container.users.create({ id: '00000000-0000-0000-0000-000000000000', email: 'system', name: 'fuzz', role: 'admin', requestId: null }, { email, name: 'Throwaway', password: 'fuzz-password-123', role: 'viewer', is_active: true });
  return (await t.container.auth.login(email, 'fuzz-password-123', '127.0.0.9', 'fuzz')).token;
}

function diff(before: string, after: string): string {
  const a = new Map(before.split(',').map((kv) => kv.split('=') as [string, string]));
  return after.split(',').filter((kv) => { const [k, v] = kv.split('='); return a.get(k!) !== v; }).map((kv) => `${kv.replace('=', ' ')} (was ${a.get(kv.split('=')[0]!)})`).join(', ');
}

export function formatReport(r: FuzzReport): string {
  return `${r.requests} requests, ${r.serverErrors} 5xx, ${r.nonEnvelope} non-envelope, ${r.changedOnRefusal} refused but changed`;
}

/**
 * Rows for the fuzzer's path ids to hit, so handlers past the "not found" check are fuzzed too:
 * a product, a subscriber, an external system that refuses connections, a user who is not the
 * fuzzer (the fuzzer may deactivate or delete that one).
 */
export async function seedFuzzData(t: TestContext): Promise<Record<string, string[]>> {
  const admin = await t.auth('admin');
  const post = async (url: string, payload: unknown) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/loyalty/v1${url}`, headers: admin, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`seeding ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string };
  };
  const product = await post('/products/', { external_product_id: 'FUZZ-DATA-10', name: 'Fuzz Data 10 GB', product_type: 'data', price: '10.00', currency: 'SAR', billing_cycle: 'monthly' });
  const user = await post('/users/', { email: 'victim@fuzz.example', name: 'Victim', password: 'victim-password-1', role: 'marketer' });
  const system = await post('/external-systems/', { name: 'Fuzz BSS', system_type: 'billing', base_url: 'http://127.0.0.1:9', auth: { type: 'api_key', header_name: 'X-API-Key', secret: 'fuzz-secret-key-123' } });
  const imported = await t.app.inject({ method: 'POST', url: '/api/loyalty/v1/customers/import/', headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: '{"id":"fuzz-c1","msisdn":"966500000001","name":"Fuzz","status":"active","segments":["youth"],"value_band":"high","customer_value":"120.00","currency":"SAR","plan_type":"prepaid","activation_date":"2024-01-15"}\n' });
  if (imported.statusCode !== 200) throw new Error(`seeding a subscriber: ${imported.statusCode} ${imported.body}`);
  const customers = ['fuzz-c1'];
  return { id: [product.id, user.id, system.id, ...customers], name: ['propensity_to_buy', 'campaign_response', 'payment_default_risk'], v: ['1'] };
}
