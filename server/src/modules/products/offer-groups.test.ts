import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  BILLING_DEFAULT_CREDENTIALS, CRM_DEFAULT_CREDENTIALS, XIVA_DEFAULT_CREDENTIALS,
  startBillingSimulator, startCrmSimulator, startXivaSimulator,
} from '@lyra/simulators';
import type { ExternalSystem, OfferGroup, Product, ProductList } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { jobWorkers } from '../../jobs/index.js';
import { catalogSyncJob } from '../catalog-sync/catalog-sync.jobs.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { customerPurchases } from '../../db/schema/index.js';
import { sameOfferAs } from './offer-groups.repository.js';
import { createProductsRepository } from './products.repository.js';

const api = '/api/loyalty/v1';
const ITEMS = 40;
const SEED = 21;

describe('offer groups: one offer, many sources', () => {
  let t: TestContext;
  let admin: { authorization: string };
  const sims: { close(): Promise<void> }[] = [];
  const systems: Record<'xiva' | 'crm' | 'billing', ExternalSystem> = {} as never;

  const get = async <T>(url: string, headers = admin) => {
    const res = await t.app.inject({ url: `${api}${url}`, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  };
  const post = (url: string, payload: unknown = {}, headers = admin) => t.app.inject({ method: 'POST', url: `${api}${url}`, headers, payload: payload as object });

  /** A full sync through the job handler (as the queue runs it): matching runs at its end. */
  const sync = async (system: ExternalSystem) => {
    const run = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode: 'full', force: true }, { inline: true });
    const worker = jobWorkers(t.container).find((w) => w.job === catalogSyncJob)!;
    const r = await worker.handle({ runId: run.id });
    expect(r.status, r.detail).toBe('succeeded');
  };
  const collapsed = async () => {
    const out: Product[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await get<ProductList>(`/products/?collapse_groups=true&limit=500&offset=${offset}`);
      out.push(...page.results);
      if (out.length >= page.count) return out;
    }
  };

  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
    // Three systems that know the same offers under their own ids.
    const xiva = await startXivaSimulator({ items: ITEMS, seed: SEED });
    const crm = await startCrmSimulator({ items: ITEMS, seed: SEED, catalogOf: 'xiva' });
    const billing = await startBillingSimulator({ items: ITEMS, seed: SEED, catalogOf: 'xiva' });
    sims.push(xiva, crm, billing);
    const base = { default_currency: null, timeout_ms: 2000, max_retries: 8, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'manual', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 100 } as const;
    systems.xiva = await t.container.externalSystems.create(SYSTEM_ACTOR, { ...base, name: 'Xiva BSS', system_type: 'xiva', base_url: `${xiva.url}/api`, api_version: 'v5', auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password } } as never);
    systems.crm = await t.container.externalSystems.create(SYSTEM_ACTOR, { ...base, name: 'Sales CRM', system_type: 'crm', api_version: null, base_url: crm.url, auth: { type: 'oauth2_client_credentials', username: CRM_DEFAULT_CREDENTIALS.clientId, secret: CRM_DEFAULT_CREDENTIALS.clientSecret } } as never);
    systems.billing = await t.container.externalSystems.create(SYSTEM_ACTOR, { ...base, name: 'Postpaid billing', system_type: 'billing', api_version: null, base_url: billing.url, auth: { type: 'api_key', secret: BILLING_DEFAULT_CREDENTIALS.apiKey } } as never);
    for (const s of [systems.xiva, systems.crm, systems.billing]) await sync(s);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await t?.close();
  });

  it('shows each real offer once when collapsed, with its sources (acceptance)', async () => {
    const { rows: [totals] } = await t.database.executeSql(
      `select count(*)::int as n, count(distinct external_system)::int as systems, count(*) filter (where external_system = 'xiva')::int as xiva from products`, []);
    expect(totals!.systems).toBe(3);
    expect(Number(totals!.n)).toBeGreaterThan(2 * ITEMS);
    const rows = await collapsed();
    // Each offer once: as many rows as offers the BSS knows, every one the Xiva record (master by default).
    expect(rows).toHaveLength(Number(totals!.xiva));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.every((r) => r.external_system === 'xiva')).toBe(true);
    const grouped = rows.filter((r) => r.offer_group_id);
    expect(grouped.length).toBeGreaterThan(ITEMS * 0.9);
    for (const r of grouped) {
      expect(r.is_group_master).toBe(true);
      expect(r.group_sources!.map((s) => s.external_system_name)).toContain('Xiva BSS');
      expect(r.group_price_differs).toBe(false);
    }
    const full = grouped.find((r) => r.group_sources!.length === 3)!;
    expect(full.group_sources!.map((s) => [s.external_system, s.external_system_name])).toEqual([['xiva', 'Xiva BSS'], ['crm', 'Sales CRM'], ['billing', 'Postpaid billing']]);
    for (const s of full.group_sources!) expect(s).toMatchObject({ price: full.price, status: expect.any(String), external_product_id: expect.any(String) });
    // Names, prices and cycles agree across the simulators: matched by the name rule.
    expect(full.group_sources!.slice(1).every((s) => s.group_rule === 'name_price_cycle' && s.group_confidence! >= 0.5)).toBe(true);
    // The uncollapsed list still has every record.
    const plain = await get<ProductList>('/products/?limit=1');
    expect(plain.count).toBe(Number(totals!.n));
  });

  it('matches by shared code (confidence 1) before name + price + cycle (0.8), each with its rule', async () => {
    // A CRM record naming a Xiva TMF id by ProductCode, under another name and price: the shared code wins.
    const [xivaRow] = (await t.database.executeSql(`select id, external_product_id, name from products where external_system = 'xiva' order by external_product_id limit 1`, [])).rows;
    const coded = await createProductsRepository(t.database.db).insert({
      externalSystem: 'crm', externalProductId: 'CRM-CODED-1', name: 'Totally different label', productType: 'addon', currency: 'SAR',
      price: '1.00', billingCycle: 'monthly', attributes: { product_code: xivaRow!.external_product_id as string },
    });
    // Two manual-typed records with the same name up to case/punctuation/spaces, price and cycle: the name rule.
    const a = await createProductsRepository(t.database.db).insert({
      externalSystem: 'crm', externalProductId: 'CRM-NAMED-1', name: 'Super  Saver, 5GB!', productType: 'data', currency: 'SAR', price: '12.50', billingCycle: 'weekly',
    });
    const b = await createProductsRepository(t.database.db).insert({
      externalSystem: 'billing', externalProductId: 'bill-named-1', name: 'super saver 5gb', productType: 'data', currency: 'SAR', price: '12.5', billingCycle: 'weekly',
    });
    const c = await createProductsRepository(t.database.db).insert({
      externalSystem: 'billing', externalProductId: 'bill-named-2', name: 'super saver 5gb', productType: 'data', currency: 'SAR', price: '12.5', billingCycle: 'monthly',
    });
    const res = await post('/offer-groups/match/');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().by_rule.shared_code).toBeGreaterThanOrEqual(2);

    const codedP = await get<Product>(`/products/${coded.id}/`);
    const xivaP = await get<Product>(`/products/${xivaRow!.id as string}/`);
    expect(codedP.offer_group_id).toBe(xivaP.offer_group_id);
    const codedMember = codedP.group!.members.find((m) => m.product_id === coded.id)!;
    expect(codedMember).toMatchObject({ group_rule: 'shared_code', group_confidence: 1, group_decision: 'auto', external_system: 'crm' });
    expect(xivaP.is_group_master).toBe(true);
    // Its price differs from the Xiva record: the details say so.
    expect(codedP.group!.disagreements.map((d) => d.field)).toContain('price');

    const aP = await get<Product>(`/products/${a.id}/`);
    expect(aP.offer_group_id).not.toBeNull();
    expect(aP.group!.members.map((m) => m.product_id).sort()).toEqual([a.id, b.id].sort());
    expect(aP.group!.members.every((m) => m.group_rule === 'name_price_cycle' && m.group_confidence === 0.8)).toBe(true);
    // CRM before billing by default.
    expect(aP.group!.master_product_id).toBe(a.id);
    expect((await get<Product>(`/products/${c.id}/`)).offer_group_id).toBeNull();
  });

  it('the master is the Xiva record by default and an admin may change it; only admins manage groups', async () => {
    const [row] = (await get<ProductList>('/products/?collapse_groups=true&external_system=xiva&limit=200')).results.filter((r) => r.group_sources?.length === 3);
    const groupId = row!.offer_group_id!;
    let group = await get<OfferGroup>(`/offer-groups/${groupId}/`);
    expect(group.master_product_id).toBe(row!.id);
    expect(group.master_chosen).toBe(false);
    const billing = group.members.find((m) => m.external_system === 'billing')!;

    const marketer = await t.auth('marketer');
    expect((await post(`/offer-groups/${groupId}/master/`, { product_id: billing.product_id }, marketer)).statusCode).toBe(403);
    const notMember = await post(`/offer-groups/${groupId}/master/`, { product_id: '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c' });
    expect(notMember.statusCode).toBe(404);
    expect(notMember.json().error).toMatchObject({ code: 'not_found', request_id: expect.any(String) });

    const res = await post(`/offer-groups/${groupId}/master/`, { product_id: billing.product_id });
    expect(res.statusCode, res.body).toBe(200);
    group = res.json();
    expect(group).toMatchObject({ master_product_id: billing.product_id, master_chosen: true });
    // The collapsed list now shows the billing record for this offer, and a re-sync keeps the choice.
    await sync(systems.xiva);
    const again = await get<OfferGroup>(`/offer-groups/${groupId}/`);
    expect(again.master_product_id).toBe(billing.product_id);
    const rows = await collapsed();
    expect(rows.find((r) => r.offer_group_id === groupId)!.id).toBe(billing.product_id);
    // Answers of an edit say it too.
    const patched = await t.app.inject({ method: 'PATCH', url: `${api}/products/${billing.product_id}/`, headers: admin, payload: { notes: 'master of its offer' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ offer_group_id: groupId, is_group_master: true });
    const audit = await get<{ results: { action: string; entity_id: string }[] }>('/audit-log/?limit=50');
    expect(audit.results.some((a) => a.action === 'set_master' && a.entity_id === groupId)).toBe(true);
  });

  it('a manual split and a manual link survive a re-sync; confirm keeps a group as it is', async () => {
    const groupsList = await get<{ count: number; results: OfferGroup[] }>('/offer-groups/?limit=500');
    // Ordered by the simulators' seeded ids, not by the groups' random uuids: the same three groups every run
    // (some offers have a second CRM record, which a re-sync may rightly match into a group its first one left).
    const firstId = (g: OfferGroup) => g.members.map((m) => `${m.external_system}:${m.external_product_id}`).sort()[0]!;
    const three = groupsList.results.filter((g) => g.members.length === 3 && !g.master_chosen).sort((a, b) => firstId(a).localeCompare(firstId(b)));
    expect(three.length).toBeGreaterThanOrEqual(3);
    const [g1, g2, g3] = three as [OfferGroup, OfferGroup, OfferGroup];

    // Split the CRM record out of g1.
    const crmOfG1 = g1.members.find((m) => m.external_system === 'crm')!;
    const split = await post(`/products/${crmOfG1.product_id}/split/`);
    expect(split.statusCode, split.body).toBe(200);
    const own = split.json() as OfferGroup;
    expect(own.members).toHaveLength(1);
    expect(own.members[0]).toMatchObject({ product_id: crmOfG1.product_id, group_rule: 'manual', group_decision: 'manual_split', is_master: true });

    // Link the billing record of g2 into g3 (by product), and confirm g3.
    const billingOfG2 = g2.members.find((m) => m.external_system === 'billing')!;
    const xivaOfG3 = g3.members.find((m) => m.external_system === 'xiva')!;
    const link = await post(`/products/${billingOfG2.product_id}/link/`, { product_id: xivaOfG3.product_id });
    expect(link.statusCode, link.body).toBe(200);
    expect((link.json() as OfferGroup).id).toBe(g3.id);
    expect((link.json() as OfferGroup).members).toHaveLength(4);
    expect((link.json() as OfferGroup).members.find((m) => m.product_id === billingOfG2.product_id)).toMatchObject({ group_rule: 'manual', group_confidence: 1, group_decision: 'manual_link' });
    const confirm = await post(`/offer-groups/${g3.id}/confirm/`);
    expect(confirm.statusCode, confirm.body).toBe(200);
    expect((confirm.json() as OfferGroup).confirmed).toBe(true);

    // Bad link bodies answer in the error shape.
    const bad = await post(`/products/${billingOfG2.product_id}/link/`, {});
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBeDefined();

    for (const s of [systems.crm, systems.billing, systems.xiva]) await sync(s);

    const after1 = await get<Product>(`/products/${crmOfG1.product_id}/`);
    expect(after1.offer_group_id).toBe(own.id);
    expect(after1.group!.members).toHaveLength(1);
    expect((await get<OfferGroup>(`/offer-groups/${g1.id}/`)).members.map((m) => m.external_system)).toEqual(['xiva', 'billing']);
    const after3 = await get<OfferGroup>(`/offer-groups/${g3.id}/`);
    expect(after3.members.map((m) => m.product_id)).toContain(billingOfG2.product_id);
    expect(after3.members.every((m) => m.group_decision !== 'auto')).toBe(true);
    expect(after3.members.find((m) => m.product_id === billingOfG2.product_id)).toMatchObject({ group_rule: 'manual', group_decision: 'confirmed' });
    // g2 lost its billing record and keeps the other two.
    expect((await get<OfferGroup>(`/offer-groups/${g2.id}/`)).members).toHaveLength(2);
    // The group of g3 now has two billing records with different prices: the collapsed row says so.
    const row = (await collapsed()).find((r) => r.offer_group_id === g3.id)!;
    expect(row.group_sources).toHaveLength(4);
    // A new record of a confirmed offer (same name, price and cycle) joins its group on the next matching.
    const g3Xiva = after3.members.find((m) => m.external_system === 'xiva')!;
    const newcomer = await createProductsRepository(t.database.db).insert({
      externalSystem: 'billing', externalProductId: 'late-billing-record', name: ` ${g3Xiva.name.toUpperCase()} `, productType: 'addon',
      currency: g3Xiva.currency, price: g3Xiva.price, billingCycle: g3Xiva.billing_cycle,
    });
    await sync(systems.crm);
    const joined = await get<Product>(`/products/${newcomer.id}/`);
    expect(joined.offer_group_id).toBe(g3.id);
    expect(joined.group!.members.find((m) => m.product_id === newcomer.id)).toMatchObject({ group_rule: 'name_price_cycle', group_decision: 'auto' });
    expect(joined.group!.members.filter((m) => m.group_decision === 'confirmed')).toHaveLength(4);
    const audit = await get<{ results: { action: string }[] }>('/audit-log/?limit=100');
    expect(audit.results.map((a) => a.action)).toEqual(expect.arrayContaining(['split', 'link', 'confirm']));
  });

  it('purchases recorded under any member count for the group', async () => {
    const group = (await get<{ results: OfferGroup[] }>('/offer-groups/?limit=500')).results.find((g) => g.members.length === 3 && !g.master_chosen)!;
    const [xiva, crm, billing] = group.members;
    const ids = await t.container.offerGroups.groupMemberIds(billing!.product_id);
    expect(ids.sort()).toEqual(group.members.map((m) => m.product_id).sort());
    const loneId = (await t.database.executeSql('select id from products where offer_group_id is null limit 1', [])).rows[0]!.id as string;
    expect(await t.container.offerGroups.groupMemberIds(loneId)).toEqual([loneId]);

    await t.database.executeSql(`insert into customers (id, msisdn, name, status, value_band, customer_value, currency, plan_type, activation_date)
      values ('og-c1', '966500000001', 'Group Buyer', 'active', 'high', 100, 'SAR', 'postpaid', '2025-01-01')`, []);
    await t.database.executeSql(`insert into customer_purchases (id, customer_id, product_id, purchased_at, price, channel)
      values ('og-p1', 'og-c1', $1, now(), 10, 'app'), ('og-p2', 'og-c1', $2, now(), 10, 'app')`, [crm!.product_id, billing!.product_id]);
    const { db } = t.database;
    const [n] = await db.select({ n: sql<number>`count(*)::int` }).from(customerPurchases).where(sameOfferAs(customerPurchases.productId, xiva!.product_id));
    expect(Number(n!.n)).toBe(2);
  });

  it('a group whose master was deleted still shows once when collapsed, and the next matching tidies it', async () => {
    const { rows } = await t.database.executeSql(`select id, offer_group_id from products where external_product_id in ('CRM-NAMED-1', 'bill-named-1') order by external_system desc`, []);
    const [crm, billing] = rows as { id: string; offer_group_id: string }[];
    expect(crm!.offer_group_id).toBe(billing!.offer_group_id);
    const del = await t.app.inject({ method: 'DELETE', url: `${api}/products/${crm!.id}/`, headers: admin });
    expect(del.statusCode, del.body).toBe(204);
    const shown = (await get<ProductList>('/products/?collapse_groups=true&search=super%20saver&limit=50')).results;
    expect(shown.map((p) => p.id)).toContain(billing!.id);
    await post('/offer-groups/match/');
    const after = await get<Product>(`/products/${billing!.id}/`);
    // Alone now: an automatic group of one is dissolved.
    expect(after.offer_group_id).toBeNull();
    expect(after.group).toBeNull();
  });
});
