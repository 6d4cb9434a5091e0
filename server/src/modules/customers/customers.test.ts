import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { parseCsv } from '../../lib/csv.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { ANALYZE_AFTER_ROWS } from './customers.import.js';
import { csvRecords } from './customers.parse.js';
import { createCustomersRepository } from './customers.repository.js';
import { loadSyntheticCustomers, seedDemoCustomers } from './customers.seed.js';
import { createProductsRepository } from '../products/products.repository.js';

const base = '/api/loyalty/v1/customers';
const CSV = { 'content-type': 'text/csv' };
const NDJSON = { 'content-type': 'application/x-ndjson' };
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

type ImportBody = { imported: boolean; created: number; updated: number; total_rows: number; errors: { row: number; field: string | null; message: string }[] };

describe('customers API', () => {
  let t: TestContext;
  let admin: { authorization: string };
  let dataProduct: { id: string; external_product_id: string };
  let planProduct: { id: string; external_product_id: string };

  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
    const create = async (payload: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/loyalty/v1/products/', headers: admin, payload: { currency: 'SAR', ...payload } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    dataProduct = await create({ external_product_id: 'T-DATA-5', name: 'Weekly Data 5GB', product_type: 'data', price: '25', recurring: true, billing_cycle: 'weekly', features: { data_gb: 5 } });
    planProduct = await create({ external_product_id: 'T-PLAN-99', name: 'Prepaid Flex 99', product_type: 'bundle', category: 'Prepaid Plans', price: '99', recurring: true, billing_cycle: 'monthly', features: { data_gb: 30 } });
    // The same code in a synced system: references by external id must then name the system.
    await createProductsRepository(t.database.db).insert({
      externalSystem: 'xiva', externalProductId: 'T-DATA-5', name: 'Xiva Data 5GB', productType: 'data', price: '24.00', currency: 'SAR',
      recurring: true, billingCycle: 'weekly', features: {}, attributes: {}, lastSynced: new Date().toISOString(),
    });
  });
  afterAll(() => t.close());

  const post = async (path: string, headers: Record<string, string>, payload: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${base}/${path}`, headers: { ...admin, ...headers }, payload });
    const json = res.json() as ImportBody & { error?: { code: string; request_id?: string; details?: ImportBody & { fields?: Record<string, string[]> } } };
    // A refused file answers 422 in the error envelope, its per-row report as the details.
    if (res.statusCode === 422) {
      expect(json.error).toMatchObject({ code: 'import_rejected', request_id: expect.any(String) });
      return { status: res.statusCode, body: json.error!.details as typeof json };
    }
    return { status: res.statusCode, body: json };
  };
  const count = async (qs = '') => (await t.app.inject({ url: `${base}/?limit=1&${qs}`, headers: admin })).json().count as number;

  it('seeds synthetic demo subscribers once, through the import, and a re-run upserts the same rows', async () => {
    expect(await seedDemoCustomers(t.container, { customers: 120, seed: 3, snapshot: '2026-06-01' })).toBe(120);
    expect(await seedDemoCustomers(t.container, { customers: 120, seed: 3, snapshot: '2026-06-01' })).toBe(0);
    expect(await count()).toBe(120);
    const again = await loadSyntheticCustomers(t.container, { customers: 120, seed: 3, snapshot: '2026-06-01' });
    for (const [table, c] of Object.entries(again.tables)) {
      expect(c.created, table).toBe(0);
      expect(c.updated, table).toBeGreaterThan(0);
    }
    const [active] = (await t.app.inject({ url: `${base}/?plan_type=prepaid&status=active&limit=1`, headers: admin })).json().results;
    const profile = (await t.app.inject({ url: `${base}/${active.id}/?as_of=2026-05-31`, headers: admin })).json();
    expect(profile.summary.last_usage_month).toBe('2026-05');
    expect(profile.summary.current_holdings).toBeGreaterThan(0);
    const audit = (await t.app.inject({ url: '/api/loyalty/v1/audit-log/?action=import&limit=100', headers: admin })).json();
    expect(audit.count).toBe(14); // seven tables, loaded twice
    expect(audit.results[0].actor_email).toBe('synthetic-generator');
  });

  it('imports subscribers from CSV and JSON lines, and upserts by id', async () => {
    const csv = [
      '\ufeffid,msisdn,name,status,segments,value_band,customer_value,currency,plan_type,activation_date,region,age_band,device_type,device_os',
      'T-1001,+966500001001,"Al-Harbi, Sara",active,youth;students,low,45.5,sar,prepaid,2024-01-15,Riyadh,18-24,smartphone,ios',
      'T-1002,966500001002,Omar Khan,suspended,,medium,120,SAR,postpaid,2021-06-30,Makkah,35-44,smartphone,android',
    ].join('\r\n');
    const first = await post('import/', CSV, csv);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ imported: true, created: 2, updated: 0, total_rows: 2, errors: [] });

    const lines = jsonl([
      { id: 'T-1003', msisdn: '966500001003', name: 'Qamar Zayan', status: 'churned', segments: ['seniors'], value_band: 'vip', customer_value: '420', currency: 'SAR', plan_type: 'postpaid', activation_date: '2012-03-01' },
      { id: 'T-1001', msisdn: '966500001001', name: 'Sara Al-Harbi', status: 'active', segments: ['youth'], value_band: 'medium', customer_value: '99.9', currency: 'SAR', plan_type: 'prepaid', activation_date: '2024-01-15', region: 'Riyadh' },
    ]);
    const second = await post('import/', NDJSON, lines);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body).toMatchObject({ imported: true, created: 1, updated: 1, total_rows: 2 });

    const c = (await t.app.inject({ url: `${base}/T-1001/`, headers: admin })).json();
    expect(c).toMatchObject({ name: 'Sara Al-Harbi', msisdn: '966500001001', customer_value: '99.90', currency: 'SAR', value_band: 'medium', segments: ['youth'], age_band: null });
    expect(c.tenure_months).toBeGreaterThan(30);
  });

  it('imports holdings, usage, bills, payments, purchases and contacts in both formats', async () => {
    const holdings = await post('holdings/import/', CSV, [
      'id,customer_id,product_external_id,product_system,started_at,ended_at',
      'T-H1,T-1001,T-DATA-5,manual,2025-01-01T10:00:00+03:00,',
      'T-H2,T-1001,T-PLAN-99,,2024-01-15,2025-06-01',
    ].join('\n'));
    expect(holdings.status, JSON.stringify(holdings.body)).toBe(200);
    const holdings2 = await post('holdings/import/', NDJSON, jsonl([{ id: 'T-H3', customer_id: 'T-1002', product_id: planProduct.id, started_at: '2021-06-30' }]));
    expect(holdings2.body.created).toBe(1);

    const usage = await post('usage/import/', CSV, [
      'customer_id,month,data_gb,voice_minutes,sms,spend,topup_count,topup_amount',
      'T-1001,2026-07,10.5,120,4,50,2,50',
      'T-1001,2026-08,12,110.5,3,60.5,2,60.5',
      'T-1001,2026-09-01,9,100,2,40,1,40',
    ].join('\n'));
    expect(usage.status, JSON.stringify(usage.body)).toBe(200);
    const usage2 = await post('usage/import/', NDJSON, jsonl([{ customer_id: 'T-1002', month: '2026-09', data_gb: 3.25, voice_minutes: 400, sms: 10, spend: '120.00' }]));
    expect(usage2.body.created).toBe(1);

    const bills = await post('bills/import/', NDJSON, jsonl([
      { id: 'T-B1', customer_id: 'T-1002', bill_date: '2026-08-01', due_date: '2026-08-15', amount: '100', currency: 'SAR' },
      { id: 'T-B2', customer_id: 'T-1002', bill_date: '2026-09-01', due_date: '2026-09-15', amount: '80.5', currency: 'SAR' },
      { id: 'T-B3', customer_id: 'T-1002', bill_date: '2026-10-01', due_date: '2026-10-15', amount: '75', currency: 'SAR' },
    ]));
    expect(bills.status, JSON.stringify(bills.body)).toBe(200);
    const bills2 = await post('bills/import/', CSV, 'id,customer_id,bill_date,due_date,amount,currency\nT-B4,T-1001,2026-10-01,2026-10-20,0,SAR\n');
    expect(bills2.body.created).toBe(1);

    const payments = await post('payments/import/', CSV, [
      'id,bill_id,paid_date,amount,method',
      'T-P1,T-B1,2026-08-10,60,card',
      'T-P2,T-B1,2026-08-20,40,card',
      'T-P3,T-B2,2026-09-14,80.50,wallet',
    ].join('\n'));
    expect(payments.status, JSON.stringify(payments.body)).toBe(200);
    const payments2 = await post('payments/import/', NDJSON, jsonl([{ id: 'T-P4', bill_id: 'T-B3', paid_date: '2026-10-02', amount: '30' }]));
    expect(payments2.body.created).toBe(1);

    const purchases = await post('purchases/import/', NDJSON, jsonl([
      { id: 'T-O1', customer_id: 'T-1001', product_id: dataProduct.id, purchased_at: '2026-09-20T18:00:00Z', price: '25', channel: 'app' },
      { id: 'T-O2', customer_id: 'T-1001', product_external_id: 'T-PLAN-99', purchased_at: '2024-01-15', price: '99', channel: 'retail' },
    ]));
    expect(purchases.status, JSON.stringify(purchases.body)).toBe(200);
    const purchases2 = await post('purchases/import/', CSV, `id,customer_id,product_id,purchased_at,price,channel\nT-O3,T-1002,${dataProduct.id},2026-10-05T09:00:00+03:00,25.00,ussd\n`);
    expect(purchases2.body.created).toBe(1);

    const contacts = await post('contacts/import/', CSV, [
      'id,campaign_id,customer_id,product_id,group,contacted_at,channel,responded,responded_at',
      `T-C1,CMP-1,T-1001,${dataProduct.id},treated,2026-09-18T09:00:00Z,sms,yes,2026-09-20T18:00:00Z`,
      `T-C2,CMP-1,T-1002,${dataProduct.id},control,2026-09-18T09:00:00Z,,false,`,
    ].join('\n'));
    expect(contacts.status, JSON.stringify(contacts.body)).toBe(200);
    const contacts2 = await post('contacts/import/', NDJSON, jsonl([{ id: 'T-C3', campaign_id: 'CMP-2', customer_id: 'T-1001', group: 'treated', contacted_at: '2026-10-01', responded: false }]));
    expect(contacts2.body.created).toBe(1);

    // Re-sending a file updates rather than duplicates.
    const again = await post('payments/import/', NDJSON, jsonl([{ id: 'T-P4', bill_id: 'T-B3', paid_date: '2026-10-03', amount: '30', method: 'cash' }]));
    expect(again.body).toMatchObject({ imported: true, created: 0, updated: 1 });
  });

  it('answers a profile with its summary as of a day, and the sub-resources', async () => {
    const p = (await t.app.inject({ url: `${base}/T-1001/?as_of=2026-10-31`, headers: admin })).json();
    expect(p.summary).toMatchObject({
      as_of: '2026-10-31', current_holdings: 1, avg_spend_3m: '50.17', avg_data_gb_3m: 10.5, avg_voice_minutes_3m: 110.2,
      last_usage_month: '2026-09', purchases_90d: 1, contacts_90d: 2, responses_90d: 1, open_bills: 0, open_amount: '0.00',
    });
    expect(p.summary.tenure_months).toBe(33);
    expect(p.summary.last_purchase_at).toBe('2026-09-20T18:00:00.000Z');
    // The same subscriber before anything happened.
    const early = (await t.app.inject({ url: `${base}/T-1001/?as_of=2024-06-30`, headers: admin })).json();
    expect(early.summary).toMatchObject({ tenure_months: 5, current_holdings: 1, avg_spend_3m: null, purchases_90d: 0, contacts_90d: 0 });

    const late = (await t.app.inject({ url: `${base}/T-1002/?as_of=2026-10-20`, headers: admin })).json();
    // B1 settled after its due date, B3 is open and past due: both late; B2 was paid on time.
    expect(late.summary).toMatchObject({ open_bills: 1, open_amount: '45.00', overdue_bills: 1, late_bills_12m: 2 });

    const bills = (await t.app.inject({ url: `${base}/T-1002/bills/`, headers: admin })).json();
    expect(bills.count).toBe(3);
    const [b3, b2, b1] = bills.results;
    expect(b1).toMatchObject({ id: 'T-B1', amount: '100.00', paid_amount: '100.00', outstanding: '0.00', status: 'paid', settled_date: '2026-08-20', paid_late: true, overdue: false, days_late: 5 });
    expect(b1.payments.map((x: { id: string }) => x.id)).toEqual(['T-P1', 'T-P2']);
    expect(b2).toMatchObject({ status: 'paid', paid_late: false, days_late: 0, amount: '80.50' });
    expect(b3).toMatchObject({ status: 'partially_paid', paid_amount: '30.00', outstanding: '45.00', overdue: true, paid_late: false });
    expect(b3.payments).toEqual([{ id: 'T-P4', paid_date: '2026-10-03', amount: '30.00', method: 'cash' }]);
    const zero = (await t.app.inject({ url: `${base}/T-1001/bills/`, headers: admin })).json().results[0];
    expect(zero).toMatchObject({ id: 'T-B4', status: 'paid', overdue: false });

    const holdings = (await t.app.inject({ url: `${base}/T-1001/holdings/`, headers: admin })).json();
    expect(holdings.results.map((h: { id: string; active: boolean; product_external_id: string; product_system: string }) => [h.id, h.active, h.product_external_id, h.product_system]))
      .toEqual([['T-H1', true, 'T-DATA-5', 'manual'], ['T-H2', false, 'T-PLAN-99', 'manual']]);
    expect(holdings.results[0].started_at).toBe('2025-01-01T07:00:00.000Z');

    const usage = (await t.app.inject({ url: `${base}/T-1001/usage/?limit=2`, headers: admin })).json();
    expect(usage.count).toBe(3);
    expect(usage.results).toEqual([
      { month: '2026-09', data_gb: 9, voice_minutes: 100, sms: 2, spend: '40.00', topup_count: 1, topup_amount: '40.00' },
      { month: '2026-08', data_gb: 12, voice_minutes: 110.5, sms: 3, spend: '60.50', topup_count: 2, topup_amount: '60.50' },
    ]);

    const purchases = (await t.app.inject({ url: `${base}/T-1001/purchases/`, headers: admin })).json();
    expect(purchases.results.map((x: { id: string; price: string; product_name: string }) => [x.id, x.price, x.product_name]))
      .toEqual([['T-O1', '25.00', 'Weekly Data 5GB'], ['T-O2', '99.00', 'Prepaid Flex 99']]);

    const contacts = (await t.app.inject({ url: `${base}/T-1001/contacts/`, headers: admin })).json();
    expect(contacts.results[0]).toMatchObject({ id: 'T-C3', campaign_id: 'CMP-2', product_id: null, product_name: null, group: 'treated', responded: false });
    expect(contacts.results[1]).toMatchObject({ id: 'T-C1', product_name: 'Weekly Data 5GB', channel: 'sms', responded: true, responded_at: '2026-09-20T18:00:00.000Z' });

    for (const path of ['', 'holdings/', 'usage/', 'bills/', 'purchases/', 'contacts/']) {
      const res = await t.app.inject({ url: `${base}/NOPE-1/${path}`, headers: admin });
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('rejects a bad file as a whole with per-row errors, and writes nothing', async () => {
    const before = await count();
    const csv = [
      'id,msisdn,name,status,value_band,customer_value,currency,plan_type,activation_date',
      'T-2001,966500002001,Good Row,active,low,10,SAR,prepaid,2025-01-01',
      'T-2002,966500002002,Bad Status,sleeping,low,10,SAR,prepaid,2025-01-01',
      'T-2003,96650,Too Precise,active,low,12.345,SAR,prepaid,2025-02-30',
      'T-2001,966500002004,Duplicate,active,low,10,SAR,prepaid,2025-01-01',
      'T-2005,966500002005,Short row,active',
      'T/2006,966500002006,,active,low,10,SAR,prepaid,2025-01-01',
    ].join('\n');
    const res = await post('import/', CSV, csv);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ imported: false, created: 0, updated: 0, total_rows: 6 });
    const fieldsOf = (row: number) => res.body.errors.filter((e) => e.row === row).map((e) => e.field).sort();
    expect(fieldsOf(2)).toEqual([]);
    expect(fieldsOf(3)).toEqual(['status']);
    expect(fieldsOf(4)).toEqual(['activation_date', 'msisdn']);
    expect(fieldsOf(5)).toEqual(['id']);
    expect(res.body.errors.find((e) => e.row === 5)!.message).toBe('duplicates row 2');
    expect(fieldsOf(6)).toEqual([null]);
    expect(fieldsOf(7)).toEqual(['id', 'name']);
    expect(await count()).toBe(before);

    // Money is checked against the currency's minor units.
    const precise = await post('import/', NDJSON, jsonl([{ id: 'T-2007', msisdn: '966500002007', name: 'X', status: 'active', value_band: 'low', customer_value: '12.345', currency: 'SAR', plan_type: 'prepaid', activation_date: '2025-01-01' }]));
    expect(precise.body.errors).toEqual([{ row: 1, field: 'customer_value', message: 'has more than 2 decimal places (SAR)' }]);
    const kwd = await post('import/', NDJSON, jsonl([{ id: 'T-2008', msisdn: '966500002008', name: 'Y', status: 'active', value_band: 'low', customer_value: '12.345', currency: 'KWD', plan_type: 'prepaid', activation_date: '2025-01-01' }]));
    expect(kwd.status).toBe(200);
  });

  it('rejects unknown columns and fields, bad JSON lines, empty bodies and other media types', async () => {
    const header = await post('import/', CSV, 'id,msisdn,name,colour\nT-3001,966500003001,Z,red');
    expect(header.status).toBe(400);
    expect(header.body.error!.details!.fields).toMatchObject({ colour: ['unknown column'], status: ['required column is missing'], plan_type: ['required column is missing'] });
    const noProduct = await post('purchases/import/', CSV, 'id,customer_id,purchased_at,price,channel\nX,T-1001,2026-01-01,1,app');
    expect(noProduct.body.error!.details!.fields!.product_id).toBeDefined();

    const lines = [
      JSON.stringify({ customer_id: 'T-1001', month: '2026-06', data_gb: 1, voice_minutes: 1, sms: 1, spend: '1', colour: 'red' }),
      '',
      '{"customer_id": "T-1001", "month": ',
      '[1, 2]',
      JSON.stringify({ customer_id: 'T-1001', month: '2026-13', data_gb: -1, voice_minutes: 'many', sms: 1.5, spend: 12.5 }),
    ].join('\n');
    const res = await post('usage/import/', NDJSON, lines);
    expect(res.status).toBe(422);
    expect(res.body.total_rows).toBe(4);
    expect(res.body.errors).toEqual(expect.arrayContaining([
      { row: 1, field: 'colour', message: 'unknown field' },
      { row: 3, field: null, message: 'is not valid JSON' },
      { row: 4, field: null, message: 'must be a JSON object (one per line)' },
      { row: 5, field: 'spend', message: 'must be a decimal string such as "49.00"' },
    ]));
    expect(res.body.errors.filter((e) => e.row === 5).map((e) => e.field).sort()).toEqual(['data_gb', 'month', 'sms', 'spend', 'voice_minutes']);
    const cell = await post('usage/import/', CSV, 'customer_id,month,data_gb,voice_minutes,sms,spend\nT-1001,2026-06,lots,1,1.5,1');
    expect(cell.body.errors.map((e) => [e.field, e.message])).toEqual([['data_gb', 'must be a number'], ['sms', 'must be a whole number']]);

    expect((await post('import/', CSV, '')).status).toBe(400);
    expect((await post('import/', NDJSON, '\n\n')).status).toBe(400);
    const json = await t.app.inject({ method: 'POST', url: `${base}/import/`, headers: admin, payload: { id: 'x' } });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('unsupported_media_type');
  });

  it('checks references: unknown subscribers, products and bills are row errors, and nothing is written', async () => {
    const holdings = await post('holdings/import/', NDJSON, jsonl([
      { id: 'T-H9', customer_id: 'T-1001', product_id: planProduct.id, started_at: '2026-01-01' },
      { id: 'T-H10', customer_id: 'NOBODY', product_id: planProduct.id, started_at: '2026-01-01' },
      { id: 'T-H11', customer_id: 'T-1001', product_id: '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c', started_at: '2026-01-01' },
      { id: 'T-H12', customer_id: 'T-1001', product_external_id: 'T-DATA-5', started_at: '2026-01-01' },
      { id: 'T-H13', customer_id: 'T-1001', product_external_id: 'NO-SUCH', started_at: '2026-01-01' },
      { id: 'T-H14', customer_id: 'T-1001', started_at: '2026-01-01' },
      { id: 'T-H15', customer_id: 'T-1001', product_external_id: 'T-DATA-5', product_system: 'xiva', started_at: '2026-01-01' },
    ]));
    expect(holdings.status).toBe(422);
    // Schema and reference problems come back together, in row order.
    expect(holdings.body.errors.map((e) => `${e.row} ${e.field}: ${e.message}`)).toEqual([
      '2 customer_id: unknown customer NOBODY',
      '3 product_id: unknown product 3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c',
      '4 product_system: "T-DATA-5" exists in manual, xiva; name the system',
      '5 product_external_id: unknown product "NO-SUCH"',
      '6 product_id: is required (or product_external_id)',
    ]);
    expect((await t.app.inject({ url: `${base}/T-1001/holdings/`, headers: admin })).json().count).toBe(2);

    const payments = await post('payments/import/', CSV, 'id,bill_id,paid_date,amount\nT-P9,NO-BILL,2026-01-01,5\nT-P10,T-B1,2026-01-01,5.555');
    expect(payments.body.errors).toEqual([
      { row: 2, field: 'bill_id', message: 'unknown bill NO-BILL' },
      { row: 3, field: 'amount', message: 'has more than 2 decimal places (SAR)' },
    ]);
    const usage = await post('usage/import/', CSV, 'customer_id,month,data_gb,voice_minutes,sms,spend\nGHOST,2026-06,1,1,1,1');
    expect(usage.body.errors).toEqual([{ row: 2, field: 'customer_id', message: 'unknown customer GHOST' }]);
  });

  it('resolves product_system by a system\'s name or id; a code in several systems of one type is refused, naming them', async () => {
    // A production and a staging Xiva (several systems of one type) both list the same add-on.
    const system = (name: string) => t.container.externalSystems.create(SYSTEM_ACTOR, {
      name, system_type: 'xiva', base_url: 'http://127.0.0.1:9/api', api_version: 'v5', auth: { type: 'bearer', secret: 'not-used' }, default_currency: null, timeout_ms: 2000,
      max_retries: 0, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'manual', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
    });
    const [prod, staging] = [await system('Xiva production'), await system('Xiva staging')];
    const addon = async (systemId: string) => (await createProductsRepository(t.database.db).insert({
      externalSystem: 'xiva', externalSystemId: systemId, externalProductId: 'T-ROAM-1', name: 'GCC Roaming Pass', productType: 'addon', price: '30.00', currency: 'SAR',
      recurring: false, billingCycle: 'one_time', features: {}, attributes: {}, lastSynced: new Date().toISOString(),
    })).id;
    const [inProd, inStaging] = [await addon(prod.id), await addon(staging.id)];

    const refused = await post('holdings/import/', NDJSON, jsonl([
      { id: 'T-H20', customer_id: 'T-1002', product_external_id: 'T-ROAM-1', started_at: '2026-01-01' },
      { id: 'T-H21', customer_id: 'T-1002', product_external_id: 'T-ROAM-1', product_system: 'xiva', started_at: '2026-01-01' },
      { id: 'T-H22', customer_id: 'T-1002', product_external_id: 'T-ROAM-1', product_system: 'Xiva staging', started_at: '2026-01-01' },
      { id: 'T-H23', customer_id: 'T-1002', product_external_id: 'T-ROAM-1', product_system: prod.id, started_at: '2026-01-01' },
      { id: 'T-H24', customer_id: 'T-1002', product_external_id: 'T-ROAM-1', product_system: 'Xiva test', started_at: '2026-01-01' },
      { id: 'T-H25', customer_id: 'T-1002', product_external_id: 'T-DATA-5', product_system: 'Xiva staging', started_at: '2026-01-01' },
    ]));
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e) => `${e.row} ${e.field}: ${e.message}`)).toEqual([
      '1 product_system: "T-ROAM-1" exists in Xiva production, Xiva staging; name the system',
      '2 product_system: "T-ROAM-1" exists in Xiva production, Xiva staging; name the system',
      '5 product_system: no system is named "Xiva test"; give a connected system\'s name or id, or a type (xiva, crm, billing, manual)',
      '6 product_external_id: unknown product "T-DATA-5" in Xiva staging',
    ]);

    const named = await post('holdings/import/', CSV, [
      'id,customer_id,product_external_id,product_system,started_at',
      'T-H22,T-1002,T-ROAM-1,xiva staging,2026-01-01',
      `T-H23,T-1002,T-ROAM-1,${prod.id},2026-01-01`,
    ].join('\n'));
    expect(named.body, JSON.stringify(named.body)).toMatchObject({ imported: true, created: 2 });
    const { rows } = await t.database.executeSql("select id, product_id from customer_holdings where id in ('T-H22', 'T-H23') order by id");
    expect(rows.map((r) => [r.id, r.product_id])).toEqual([['T-H22', inStaging], ['T-H23', inProd]]);
  });

  it('filters, searches, orders and pages the list', async () => {
    const list = async (qs: string) => {
      const res = await t.app.inject({ url: `${base}/?search=T-1&${qs}`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { count: number; results: { id: string }[] };
    };
    const ids = async (qs: string) => (await list(qs)).results.map((r) => r.id);
    expect(await ids('')).toEqual(['T-1001', 'T-1002', 'T-1003']);
    expect(await ids('status=churned')).toEqual(['T-1003']);
    expect(await ids('plan_type=postpaid')).toEqual(['T-1002', 'T-1003']);
    expect(await ids('value_band=medium')).toEqual(['T-1001', 'T-1002']);
    expect(await ids('segment=seniors')).toEqual(['T-1003']);
    expect(await ids('region=riyadh')).toEqual(['T-1001']);
    expect(await ids('min_value=100&max_value=400')).toEqual(['T-1002']);
    expect(await ids('ordering=-customer_value')).toEqual(['T-1003', 'T-1002', 'T-1001']);
    const page = await list('ordering=name&limit=1&offset=1');
    expect(page.count).toBe(3);
    expect(page.results.map((r) => r.id)).toEqual(['T-1003']);
    const search = async (s: string) => (await t.app.inject({ url: `${base}/?search=${encodeURIComponent(s)}`, headers: admin })).json().results.map((r: { id: string }) => r.id);
    expect(await search('zayan')).toEqual(['T-1003']);
    expect(await search('500001002')).toEqual(['T-1002']);
    expect(await search('t-1001')).toEqual(['T-1001']);
    expect(await search('%')).toEqual([]);
    expect((await t.app.inject({ url: `${base}/?colour=red`, headers: admin })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${base}/?limit=501`, headers: admin })).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${base}/?min_value=-1`, headers: admin })).statusCode).toBe(400);
  });

  it('lets every role read and only admins import; imports are audited', async () => {
    const viewer = await t.auth('viewer');
    expect((await t.app.inject({ url: `${base}/`, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `${base}/T-1001/bills/`, headers: viewer })).statusCode).toBe(200);
    for (const role of ['viewer', 'marketer', 'analyst'] as const) {
      const res = await t.app.inject({ method: 'POST', url: `${base}/usage/import/`, headers: { ...(await t.auth(role)), ...CSV }, payload: 'customer_id,month,data_gb,voice_minutes,sms,spend\nT-1001,2026-05,1,1,1,1' });
      expect(res.statusCode, role).toBe(403);
    }
    const audit = (await t.app.inject({ url: '/api/loyalty/v1/audit-log/?entity_type=customer_usage&action=import', headers: admin })).json();
    expect(audit.results[0]).toMatchObject({ action: 'import', actor_email: 'admin@test.lyra', entity_id: null, after: { table: 'usage', format: 'ndjson', created: 1, updated: 0, total_rows: 1 } });
    // Rejected files leave no audit entry.
    expect(audit.count).toBe(4);
  });

  it('keeps products that subscribers hold, bought or were offered (409 in_use)', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: `/api/loyalty/v1/products/${planProduct.id}/`, headers: admin });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('in_use');
    const spare = await t.app.inject({ method: 'POST', url: '/api/loyalty/v1/products/', headers: admin, payload: { external_product_id: 'T-SPARE', name: 'Spare', product_type: 'sms', price: '5', currency: 'SAR' } });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/loyalty/v1/products/${spare.json().id}/`, headers: admin })).statusCode).toBe(204);
  });

  it('ends a bulk import with fresh planner statistics for its table, not a small one', async () => {
    const reltuples = async () => Number((await t.database.executeSql(`select reltuples from pg_class where relname = 'customers' and relkind = 'r'`)).rows[0]!.reltuples);
    const small = await post('import/', CSV, 'id,msisdn,name,status,value_band,customer_value,currency,plan_type,activation_date\nT-S1,966500009001,Small One,active,low,1,SAR,prepaid,2024-01-01\n');
    expect(small.body).toMatchObject({ imported: true, created: 1 });
    const before = await reltuples();
    const rows = Array.from({ length: ANALYZE_AFTER_ROWS }, (_, i) => `T-B${i},9665100${String(i).padStart(5, '0')},Bulk ${i},active,mass,medium,50,SAR,prepaid,2023-05-01`);
    const bulk = await post('import/', CSV, ['id,msisdn,name,status,segments,value_band,customer_value,currency,plan_type,activation_date', ...rows].join('\n'));
    expect(bulk.status, JSON.stringify(bulk.body).slice(0, 500)).toBe(200);
    expect(bulk.body).toMatchObject({ imported: true, created: ANALYZE_AFTER_ROWS });
    const total = Number((await t.database.executeSql('select count(*)::int as n from customers')).rows[0]!.n);
    // ANALYZE read every row of a table this small: its estimate is the count (before, it was not).
    expect(before).not.toBe(total);
    expect(await reltuples()).toBe(total);
    // Fresh statistics are kept until a tenth of the table is written (or it grows by a tenth).
    const repo = createCustomersRepository(t.database.db);
    expect(await repo.refreshStatistics('customers', 100)).toBe(false);
    expect(await repo.refreshStatistics('customers', ANALYZE_AFTER_ROWS)).toBe(true);
  });

  it('writes a large file block by block, yet all or nothing: a bad row or an unknown reference in its last block leaves nothing', async () => {
    const n = ANALYZE_AFTER_ROWS + 50;
    const stored = async (prefix: string, table: string) =>
      Number((await t.database.executeSql(`select count(*)::int as n from ${table} where id like $1`, [`${prefix}%`])).rows[0]!.n);
    const customerRows = (last: string) => Array.from({ length: n }, (_, i) =>
      `T-AON${i},9665200${String(i).padStart(5, '0')},Block ${i},active,medium,${i === n - 1 ? last : '50'},SAR,prepaid,2023-05-01`);
    const header = 'id,msisdn,name,status,value_band,customer_value,currency,plan_type,activation_date';
    const bad = await post('import/', CSV, [header, ...customerRows('fifty')].join('\n'));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ row: n + 1, field: 'customer_value' })]);
    expect(await stored('T-AON', 'customers')).toBe(0);

    const purchaseRows = (lastCustomer: string) => Array.from({ length: n }, (_, i) =>
      `T-AONP${i},${i === n - 1 ? lastCustomer : 'T-1001'},${dataProduct.id},2026-09-01T10:00:00Z,25,app`);
    const purchasesHeader = 'id,customer_id,product_id,purchased_at,price,channel';
    const unknown = await post('purchases/import/', CSV, [purchasesHeader, ...purchaseRows('T-NOBODY')].join('\n'));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ row: n + 1, field: 'customer_id', message: 'unknown customer T-NOBODY' }]);
    expect(await stored('T-AONP', 'customer_purchases')).toBe(0);

    const good = await post('purchases/import/', CSV, [purchasesHeader, ...purchaseRows('T-1002')].join('\n'));
    expect(good.body).toMatchObject({ imported: true, created: n, updated: 0, total_rows: n });
    expect(await stored('T-AONP', 'customer_purchases')).toBe(n);
  });

  it('writes a load whose existing keys its sampled probe misses: the straight COPY falls back to the upsert', async () => {
    // 2,500 rows: the probe reads every second row's key (at most 1,000), and only odd rows exist already.
    const n = 2_500;
    const line = (i: number, name: string) => `T-MIX${String(i).padStart(5, '0')},96653${String(i).padStart(7, '0')},${name},active,low,10,SAR,prepaid,2024-01-01`;
    const header = 'id,msisdn,name,status,value_band,customer_value,currency,plan_type,activation_date';
    const odd = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);
    const first = await post('import/', CSV, [header, ...odd.map((i) => line(i, 'Before'))].join('\n'));
    expect(first.body).toMatchObject({ imported: true, created: odd.length, updated: 0 });
    const all = await post('import/', CSV, [header, ...Array.from({ length: n }, (_, i) => line(i, 'After'))].join('\n'));
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body).toMatchObject({ imported: true, created: n - odd.length, updated: odd.length, total_rows: n });
    const names = (await t.database.executeSql(`select name, count(*)::int as n from customers where id like 'T-MIX%' group by name`)).rows;
    expect(names).toEqual([{ name: 'After', n }]);
  });

  it('rewrites only the rows a re-sent file changes, and counts every row it matched as updated', async () => {
    const row = (id: string, name: string) => ({ id, msisdn: '966500007001', name, status: 'active', value_band: 'low', customer_value: '10', currency: 'SAR', plan_type: 'prepaid', activation_date: '2024-01-01' });
    const versions = async () => new Map((await t.database.executeSql(
      `select id, updated_at::text as at, xmin::text as xmin from customers where id like 'T-RE%'`)).rows.map((r) => [String(r.id), `${String(r.at)}|${String(r.xmin)}`]));
    const first = await post('import/', NDJSON, jsonl([row('T-RE1', 'Same'), row('T-RE2', 'Before')]));
    expect(first.body).toMatchObject({ imported: true, created: 2, updated: 0 });
    const was = await versions();
    // The new row first: the straight COPY writes it before meeting a key that exists, and must be undone.
    const again = await post('import/', NDJSON, jsonl([row('T-RE3', 'New'), row('T-RE1', 'Same'), row('T-RE2', 'After')]));
    expect(again.body).toMatchObject({ imported: true, created: 1, updated: 2, total_rows: 3 });
    const now = await versions();
    expect(now.get('T-RE1')).toBe(was.get('T-RE1'));
    expect(now.get('T-RE2')).not.toBe(was.get('T-RE2'));
    expect(now.has('T-RE3')).toBe(true);
    expect((await t.app.inject({ url: `${base}/T-RE2/`, headers: admin })).json()).toMatchObject({ name: 'After' });
    expect(Number((await t.database.executeSql(`select count(*)::int as n from customers where id like 'T-RE%'`)).rows[0]!.n)).toBe(3);
  });

  it('bounds bodies and row counts, and lists at most 1000 errors', async () => {
    await expect(t.container.customersImport.importBody(SYSTEM_ACTOR, 'customers', 'csv', 'id,msisdn\n'.repeat(20), 100)).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    const header = 'customer_id,month,data_gb,voice_minutes,sms,spend\n';
    const many = await post('usage/import/', CSV, header + 'x\n'.repeat(1500));
    expect(many.status).toBe(422);
    expect(many.body.errors).toHaveLength(1001);
    expect(many.body.errors[1000]).toEqual({ row: 0, field: null, message: '500 more errors not listed' });
    const tooMany = await post('usage/import/', CSV, header + 'x\n'.repeat(200_001));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error!.code).toBe('bad_request');
  });
});

describe('streaming CSV reader', () => {
  it('reads the same records as the whole-text parser wherever the chunks split', async () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabet = ['a', 'b', ',', '"', '\n', '\r', '\r\n', ' ', 'é', '""'];
    for (let n = 0; n < 3000; n++) {
      let text = rnd() < 0.2 ? '\ufeff' : '';
      const len = Math.floor(rnd() * 30);
      for (let k = 0; k < len; k++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      let expected: string[][] | 'error';
      try {
        expected = parseCsv(text);
      } catch {
        expected = 'error';
      }
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const size = 1 + Math.floor(rnd() * 5);
        chunks.push(text.slice(i, i + size));
        i += size;
      }
      let got: string[][] | 'error' = [];
      try {
        for await (const r of csvRecords((async function* () { yield* chunks; })())) got.push(r);
      } catch {
        got = 'error';
      }
      expect(got, JSON.stringify(text)).toEqual(expected);
    }
  });
});
