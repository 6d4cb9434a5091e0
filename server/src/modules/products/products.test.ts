import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { createProductsRepository } from './products.repository.js';

const base = '/api/loyalty/v1/products';
const sample = (over: Record<string, unknown> = {}) => ({
  external_product_id: `P-${Math.random().toString(36).slice(2, 10)}`,
  name: 'Weekly Data 5GB',
  product_type: 'data',
  category: 'Data Bundles',
  price: '25',
  currency: 'SAR',
  recurring: true,
  billing_cycle: 'weekly',
  features: { data_gb: 5 },
  ...over,
});

describe('products API', () => {
  let t: TestContext;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
    // Targeting names only managed segments.
    for (const name of ['youth', 'families', 'high_value', 'a', 'b']) await t.container.segments.create(SYSTEM_ACTOR, { name, description: '' });
  });
  afterAll(() => t.close());

  const create = async (over: Record<string, unknown> = {}) => {
    const res = await t.app.inject({ method: 'POST', url: `${base}/`, headers: admin, payload: sample(over) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  /** A product as a sync would have stored it (there is no API to create those). */
  const syncedProduct = async () => {
    const row = await createProductsRepository(t.database.db).insert({
      externalSystem: 'xiva', externalProductId: `XV-${Math.random().toString(36).slice(2, 8)}`, name: 'Postpaid Plus 199',
      productType: 'bundle', category: 'Postpaid Plans', price: '199.00', currency: 'SAR', recurring: true, billingCycle: 'monthly',
      features: { data_gb: 100 }, attributes: { lifecycle_status: 'Launched' }, lastSynced: new Date().toISOString(),
    });
    return row.id;
  };

  it('creates a product with defaults, an exact price at the currency\'s minor units, and 201', async () => {
    const p = await create({ price: '25' });
    expect(p.external_system).toBe('manual');
    expect(p.price).toBe('25.00');
    expect(p.status).toBe('active');
    expect(p.is_available).toBe(true);
    expect(p.created_at).toMatch(/Z$/);
    const kwd = await create({ price: '1.5', currency: 'kwd' });
    expect(kwd.currency).toBe('KWD');
    expect(kwd.price).toBe('1.500');
    const jpy = await create({ price: '1200', currency: 'JPY' });
    expect(jpy.price).toBe('1200');
  });

  it('rejects bad input with 400 naming the fields, and unknown fields', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ price: 12.5 }, 'price'],
      [{ price: '12.345' }, 'price'],
      [{ price: '-1' }, 'price'],
      [{ currency: 'XXX' }, 'currency'],
      [{ product_type: 'car' }, 'product_type'],
      [{ billing_cycle: 'hourly' }, 'billing_cycle'],
      [{ features: [1, 2] }, 'features'],
      [{ name: '' }, 'name'],
      [{ colour: 'red' }, 'colour'],
      [{ min_customer_value: '200', max_customer_value: '100' }, 'min_customer_value'],
      [{ external_system: 'xiva' }, 'external_system'],
    ];
    const before = (await t.app.inject({ url: `${base}/?limit=1`, headers: admin })).json().count;
    for (const [over, field] of cases) {
      const res = await t.app.inject({ method: 'POST', url: `${base}/`, headers: admin, payload: sample(over) });
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('validation_error');
      expect(Object.keys(body.error.details.fields), JSON.stringify(over)).toContain(field);
    }
    const after = (await t.app.inject({ url: `${base}/?limit=1`, headers: admin })).json().count;
    expect(after).toBe(before);
    const badJson = await t.app.inject({ method: 'POST', url: `${base}/`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('invalid_json');
  });

  it('answers 409 on a duplicate (external_system, external_product_id)', async () => {
    const p = await create();
    const res = await t.app.inject({ method: 'POST', url: `${base}/`, headers: admin, payload: sample({ external_product_id: p.external_product_id }) });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details.fields.external_product_id).toBeDefined();
  });

  it('gets, patches, replaces and deletes; 404 when absent', async () => {
    const p = await create({ name: 'Monthly 10GB', price: '50' });
    const got = await t.app.inject({ url: `${base}/${p.id}/`, headers: admin });
    expect(got.json().name).toBe('Monthly 10GB');
    const patched = await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: admin, payload: { price: '55.5', target_segments: ['youth', 'youth'] } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().price).toBe('55.50');
    expect(patched.json().target_segments).toEqual(['youth']);
    expect(patched.json().name).toBe('Monthly 10GB');
    const replaced = await t.app.inject({ method: 'PUT', url: `${base}/${p.id}/`, headers: admin, payload: sample({ external_product_id: p.external_product_id, name: 'Monthly 12GB' }) });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().name).toBe('Monthly 12GB');
    expect(replaced.json().target_segments).toEqual([]);
    const del = await t.app.inject({ method: 'DELETE', url: `${base}/${p.id}/`, headers: admin });
    expect(del.statusCode).toBe(204);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: `${base}/${p.id}/`, headers: admin, ...(method === 'PATCH' && { payload: { notes: 'x' } }) });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('lets only Lyra-owned fields change on a synced product (409 names the source fields)', async () => {
    const id = await syncedProduct();
    const ok = await t.app.inject({ method: 'PATCH', url: `${base}/${id}/`, headers: admin, payload: { target_segments: ['high_value'], min_customer_value: '150', availability_override: false, notes: 'hold for Q1' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ target_segments: ['high_value'], min_customer_value: '150', is_available: false, availability_override: false });
    const locked = await t.app.inject({ method: 'PATCH', url: `${base}/${id}/`, headers: admin, payload: { price: '10', name: 'Cheap' } });
    expect(locked.statusCode).toBe(409);
    expect(locked.json().error.code).toBe('source_field_locked');
    expect(locked.json().error.message).toMatch(/managed by xiva/);
    expect(Object.keys(locked.json().error.details.fields).sort()).toEqual(['name', 'price']);
    // Sending a source field with its current value is not a change.
    const same = await t.app.inject({ method: 'PATCH', url: `${base}/${id}/`, headers: admin, payload: { price: '199', notes: 'ok' } });
    expect(same.statusCode).toBe(200);
  });

  it('keeps a manual product manual: it belongs to no connected system', async () => {
    const p = await create();
    expect(p).toMatchObject({ external_system: 'manual', external_system_id: null, external_system_name: null });
    const res = await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: admin, payload: { external_system: 'xiva' } });
    expect(res.statusCode).toBe(400);
    expect(Object.keys(res.json().error.details.fields)).toEqual(['external_system']);
  });

  it('lets a marketer edit targeting but not other fields; viewers cannot write', async () => {
    const p = await create();
    const marketer = await t.auth('marketer');
    const ok = await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: marketer, payload: { target_segments: ['youth'], max_customer_value: '120' } });
    expect(ok.statusCode).toBe(200);
    const denied = await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: marketer, payload: { price: '1' } });
    expect(denied.statusCode).toBe(403);
    const create403 = await t.app.inject({ method: 'POST', url: `${base}/`, headers: marketer, payload: sample() });
    expect(create403.statusCode).toBe(403);
    const viewer = await t.auth('viewer');
    expect((await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: viewer, payload: { notes: 'x' } })).statusCode).toBe(403);
    expect((await t.app.inject({ url: `${base}/${p.id}/`, headers: viewer })).statusCode).toBe(200);
  });

  it('filters, searches, orders and pages the list', async () => {
    const tag = `flt${Date.now()}`;
    await create({ external_product_id: `${tag}-a`, name: `Alpha ${tag}`, product_type: 'voice', price: '10', category: 'Voice Bundles', target_segments: ['youth'], min_customer_value: '50', max_customer_value: '100' });
    await create({ external_product_id: `${tag}-b`, name: `Beta ${tag}`, product_type: 'data', price: '30', description: 'night data 100% off_peak', target_segments: ['families'] });
    await create({ external_product_id: `${tag}-c`, name: `Gamma ${tag}`, product_type: 'data', price: '20', is_active: false, min_customer_value: '200' });
    const list = async (qs: string) => {
      const res = await t.app.inject({ url: `${base}/?search=${tag}&${qs}`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { count: number; results: { name: string }[] };
    };
    expect((await list('')).count).toBe(3);
    expect((await list('product_type=data')).count).toBe(2);
    expect((await list('category=voice%20bundles')).results.map((r) => r.name)).toEqual([`Alpha ${tag}`]);
    expect((await list('is_active=false')).count).toBe(1);
    expect((await list('status=inactive')).count).toBe(1);
    expect((await list('segment=youth')).count).toBe(1);
    expect((await list('customer_value=75')).results.map((r) => r.name)).toEqual([`Alpha ${tag}`, `Beta ${tag}`]);
    expect((await list('customer_value=250')).results.map((r) => r.name)).toEqual([`Beta ${tag}`, `Gamma ${tag}`]);
    expect((await list('min_price=15&max_price=25')).results.map((r) => r.name)).toEqual([`Gamma ${tag}`]);
    expect((await list('ordering=-price')).results.map((r) => r.name)).toEqual([`Beta ${tag}`, `Gamma ${tag}`, `Alpha ${tag}`]);
    const page = await list('ordering=name&limit=1&offset=1');
    expect(page.count).toBe(3);
    expect(page.results.map((r) => r.name)).toEqual([`Beta ${tag}`]);
    // Search is case-insensitive over name, description and external id; LIKE wildcards are literal.
    expect((await t.app.inject({ url: `${base}/?search=${tag.toUpperCase()}-B`, headers: admin })).json().count).toBe(1);
    expect((await t.app.inject({ url: `${base}/?search=100%25%20off_peak`, headers: admin })).json().count).toBe(1);
    expect((await t.app.inject({ url: `${base}/?search=100%25%20offxpeak`, headers: admin })).json().count).toBe(0);
  });

  it('caps limit and rejects unknown or malformed query parameters', async () => {
    expect((await t.app.inject({ url: `${base}/?limit=501`, headers: admin })).statusCode).toBe(400);
    const unknown = await t.app.inject({ url: `${base}/?colour=red`, headers: admin });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.fields.colour).toEqual(['unknown field']);
    expect((await t.app.inject({ url: `${base}/?ordering=-password`, headers: admin })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${base}/?min_price=abc`, headers: admin })).json().error.details.fields.min_price).toBeDefined();
  });

  it('lists available products: active, available, priced and inside validFor', async () => {
    const tag = `av${Date.now()}`;
    const mk = (suffix: string, over: Record<string, unknown>) => create({ external_product_id: `${tag}-${suffix}`, name: `${tag} ${suffix}`, product_type: 'sms', ...over });
    await mk('ok', { target_segments: ['youth'] });
    await mk('all-segments', {});
    await mk('inactive', { is_active: false });
    await mk('unavailable', { is_available: false });
    await mk('unpriced', { price: null });
    await mk('expired', { valid_from: '2020-01-01T00:00:00Z', valid_to: '2021-01-01T00:00:00Z' });
    await mk('future', { valid_from: '2099-01-01T00:00:00+03:00' });
    await mk('rich-only', { min_customer_value: '500' });
    const res = await t.app.inject({ url: `${base}/available/?product_type=sms&segment=youth&customer_value=100&limit=500`, headers: admin });
    expect(res.statusCode).toBe(200);
    const names = res.json().results.map((r: { name: string }) => r.name).filter((n: string) => n.startsWith(tag)).sort();
    expect(names).toEqual([`${tag} all-segments`, `${tag} ok`]);
    // The campaign builder's picker searches on the server (the catalog is longer than a page).
    const searched = await t.app.inject({ url: `${base}/available/?search=${tag}%20ok&segment=youth&limit=1`, headers: admin });
    expect(searched.json().results.map((r: { name: string }) => r.name)).toEqual([`${tag} ok`]);
    expect(searched.json().count).toBe(1);

    // One rule: each record says whether and why, and the list filter and stats agree with it.
    const all = (await t.app.inject({ url: `${base}/?search=${tag}&limit=500`, headers: admin })).json().results as { name: string; is_available: boolean; unavailable_reason: string | null }[];
    const reasons = Object.fromEntries(all.map((p) => [p.name.slice(tag.length + 1), p.unavailable_reason]));
    expect(reasons).toEqual({ ok: null, 'all-segments': null, 'rich-only': null, inactive: 'inactive', unavailable: 'unavailable_at_source', unpriced: 'no_price', expired: 'validity_ended', future: 'not_yet_valid' });
    for (const p of all) expect(p.is_available).toBe(p.unavailable_reason === null);
    const filtered = (await t.app.inject({ url: `${base}/?search=${tag}&is_available=true&limit=500`, headers: admin })).json().results.map((r: { name: string }) => r.name).sort();
    expect(filtered).toEqual(all.filter((p) => p.is_available).map((p) => p.name).sort());
    const stats = (await t.app.inject({ url: `${base}/stats/`, headers: admin })).json();
    const everyAvailable = (await t.app.inject({ url: `${base}/?is_available=true&limit=1`, headers: admin })).json().count;
    expect(stats.available).toBe(everyAvailable);
  });

  it('flips an offer whose validity window closes or opens, with a catalog change, and the answers follow at once', async () => {
    const p = await create({ external_product_id: `win-${Date.now()}`, valid_to: '2099-01-01T00:00:00Z' });
    expect(p.is_available).toBe(true);
    const listed = () => t.app.inject({ url: `${base}/?search=${p.external_product_id}&is_available=true`, headers: admin }).then((r) => r.json().count as number);
    expect(await listed()).toBe(1);
    // The clock passes valid_to (moved instead of waited for): the minute tick's refresh flips it.
    await t.database.executeSql(`update products set valid_to = now() - interval '1 minute' where id = $1`, [p.id]);
    expect(await t.container.products.refreshValidityWindows()).toMatchObject({ closed: 1 });
    expect(await t.container.products.refreshValidityWindows()).toEqual({ opened: 0, closed: 0 });
    const after = (await t.app.inject({ url: `${base}/${p.id}/`, headers: admin })).json();
    expect(after).toMatchObject({ is_available: false, unavailable_reason: 'validity_ended' });
    expect(await listed()).toBe(0);
    // An admin moves the window: it opens with the edit, recorded too.
    const reopened = await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: admin, payload: { valid_to: '2099-06-01T00:00:00Z' } });
    expect(reopened.json()).toMatchObject({ is_available: true, unavailable_reason: null });
    const changes = (await t.app.inject({ url: `/api/loyalty/v1/catalog-changes/?product_id=${p.id}`, headers: admin })).json().results.map((c: { change_type: string }) => c.change_type);
    expect(changes).toEqual(['window_opened', 'window_closed']);
  });

  it('answers stats by type, system and status', async () => {
    await syncedProduct();
    const res = await t.app.inject({ url: `${base}/stats/`, headers: admin });
    const s = res.json();
    expect(s.total).toBeGreaterThan(5);
    expect(s.by_system.manual).toBeGreaterThan(0);
    expect(s.by_system.xiva).toBeGreaterThan(0);
    expect(s.by_type.data).toBeGreaterThan(0);
    expect(s.by_status.active + (s.by_status.inactive ?? 0) + (s.by_status.retired ?? 0)).toBe(s.total);
    // Per source: manual products and synced ones of no connected system, counted per type.
    expect(s.sources.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(s.total);
    expect(s.sources).toEqual(expect.arrayContaining([
      { external_system: 'manual', external_system_id: null, external_system_name: null, count: s.by_system.manual },
      { external_system: 'xiva', external_system_id: null, external_system_name: null, count: s.by_system.xiva },
    ]));
  });

  it('exports CSV and imports it back; a bad file imports nothing and names rows and fields', async () => {
    const tag = `csv${Date.now()}`;
    await create({ external_product_id: `${tag}-1`, name: '=HYPERLINK("x") "quoted", name', notes: 'line1\nline2', target_segments: ['a', 'b'], features: { data_gb: 5, note: 'x,y' } });
    const exp = await t.app.inject({ url: `${base}/export/?format=csv&search=${tag}`, headers: admin });
    expect(exp.statusCode).toBe(200);
    expect(exp.headers['content-type']).toMatch(/text\/csv/);
    expect(exp.headers['content-disposition']).toMatch(/attachment/);
    const lines = exp.body.split('\r\n');
    expect(lines[0]).toMatch(/^external_product_id,external_system,name/);
    expect(exp.body).toContain(`"'=HYPERLINK(""x"") ""quoted"", name"`);

    // Round trip: change the id and import as a new product.
    const csv = exp.body.replaceAll(`${tag}-1`, `${tag}-2`);
    const imp = await t.app.inject({ method: 'POST', url: `${base}/import/`, headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
    expect(imp.statusCode, imp.body).toBe(200);
    expect(imp.json()).toMatchObject({ imported: true, created: 1, updated: 0, total_rows: 1, errors: [] });
    const copy = (await t.app.inject({ url: `${base}/?search=${tag}-2`, headers: admin })).json().results[0];
    expect(copy.name).toBe('=HYPERLINK("x") "quoted", name');
    expect(copy.notes).toBe('line1\nline2');
    expect(copy.target_segments).toEqual(['a', 'b']);
    expect(copy.features).toEqual({ data_gb: 5, note: 'x,y' });

    const header = 'external_product_id,name,product_type,price,currency,recurring,features';
    const bad = [header, `${tag}-3,Good row,data,10,SAR,true,{}`, `${tag}-4,Bad price,data,1.234,SAR,true,{}`, `${tag}-5,,car,10,XXX,maybe,[1]`, `${tag}-3,Dup,data,10,SAR,true,{}`].join('\n');
    const res = await t.app.inject({ method: 'POST', url: `${base}/import/`, headers: { ...admin, 'content-type': 'text/csv' }, payload: bad });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'import_rejected', message: expect.stringMatching(/nothing was imported/), request_id: expect.any(String) });
    const body = res.json().error.details;
    expect(body.imported).toBe(false);
    expect(body.created).toBe(0);
    const fieldsByRow = (row: number) => body.errors.filter((e: { row: number }) => e.row === row).map((e: { field: string }) => e.field).sort();
    expect(fieldsByRow(3)).toEqual(['price']);
    expect(fieldsByRow(4)).toEqual(['features', 'recurring']);
    expect(fieldsByRow(5)).toEqual(['external_product_id']);
    expect((await t.app.inject({ url: `${base}/?search=${tag}-3`, headers: admin })).json().count).toBe(0);

    const badHeader = await t.app.inject({ method: 'POST', url: `${base}/import/`, headers: { ...admin, 'content-type': 'text/csv' }, payload: 'external_product_id,name,colour\nx,y,z' });
    expect(badHeader.statusCode).toBe(400);
    expect(badHeader.json().error.details.fields).toMatchObject({ colour: ['unknown column'], product_type: ['required column is missing'] });
  });

  it('records who changed what in the audit log, readable by admins only', async () => {
    const p = await create({ name: 'Audited' });
    await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: admin, payload: { name: 'Audited v2' } });
    await t.app.inject({ method: 'DELETE', url: `${base}/${p.id}/`, headers: admin });
    const res = await t.app.inject({ url: `/api/loyalty/v1/audit-log/?entity_type=product&entity_id=${p.id}`, headers: admin });
    const entries = res.json().results as { action: string; actor_email: string; before: { name: string } | null; after: { name: string } | null }[];
    expect(entries.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(entries[1]!.before!.name).toBe('Audited');
    expect(entries[1]!.after!.name).toBe('Audited v2');
    expect(entries[0]!.actor_email).toBe('admin@test.lyra');
    expect((await t.app.inject({ url: '/api/loyalty/v1/audit-log/', headers: await t.auth('marketer') })).statusCode).toBe(403);
  });

  it('serves repeated list reads from the cache only while the catalog is unchanged', async () => {
    const p = await create({ name: 'Cache probe' });
    const url = `${base}/?search=${p.external_product_id}`;
    const first = await t.app.inject({ url, headers: admin });
    expect(first.headers['x-cache']).toBeUndefined();
    const second = await t.app.inject({ url, headers: admin });
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    await t.app.inject({ method: 'PATCH', url: `${base}/${p.id}/`, headers: admin, payload: { name: 'Cache probe v2' } });
    const third = await t.app.inject({ url, headers: admin });
    expect(third.headers['x-cache']).toBeUndefined();
    expect(third.json().results[0].name).toBe('Cache probe v2');
    // A write that bypasses the API (a sync, another instance) invalidates too: the trigger bumps the version.
    await t.database.executeSql(`update products set name = 'Cache probe v3' where id = $1`, [p.id]);
    expect((await t.app.inject({ url, headers: admin })).json().results[0].name).toBe('Cache probe v3');
    // Unauthenticated callers never reach the cache.
    expect((await t.app.inject({ url })).statusCode).toBe(401);
  });

  it('sends security headers and limits body size', async () => {
    const res = await t.app.inject({ url: `${base}/?limit=1`, headers: admin });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const big = await t.app.inject({ method: 'POST', url: `${base}/`, headers: admin, payload: sample({ description: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('keeps demo-style service creation audited under the system actor', async () => {
    const p = await t.container.products.create(SYSTEM_ACTOR, { ...sample(), external_system: 'manual', description: '', attributes: {}, is_active: true, is_available: true, availability_override: null, target_segments: [], min_customer_value: null, max_customer_value: null, notes: null, valid_from: null, valid_to: null } as never);
    const res = await t.app.inject({ url: `/api/loyalty/v1/audit-log/?entity_id=${p.id}`, headers: admin });
    expect(res.json().results[0].actor_email).toBe('system');
  });
});
