import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Campaign, CampaignCreateInput, CampaignReport } from '@lyra/contracts';
import { apiRequests, createTestContext, type TestContext } from '../../../../test/helpers.js';
import { campaignResponsesJob, RECHECK_CLOSED_DAYS } from './results.jobs.js';

const api = '/api/loyalty/v1';
type Headers = { authorization: string };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const WINDOW_DAYS = 7;

/** The 97.5th percentile of the standard normal, written out here rather than imported. */
const Z = 1.959963984540054;

/** Wilson's score interval, by hand: (x + z²/2)/(n + z²) ± z/(n + z²)·√(x(n − x)/n + z²/4). */
function wilsonByHand(x: number, n: number): [number, number] {
  const centre = (x + (Z * Z) / 2) / (n + Z * Z);
  const half = (Z / (n + Z * Z)) * Math.sqrt((x * (n - x)) / n + (Z * Z) / 4);
  return [x === 0 ? 0 : centre - half, x === n ? 1 : centre + half];
}

describe('campaign results over HTTP', () => {
  let t: TestContext;
  let admin: Headers;
  let marketer: Headers;
  let approver: Headers;
  let viewer: Headers;
  let productA: string;
  let productA2: string;
  let productB: string;
  let productC: string;
  let campaign: Campaign;
  let launchedAt: number;
  let treated: string[];
  let control: string[];

  const { post, get } = apiRequests(() => t);
  const report = async (id: string, query = ''): Promise<CampaignReport> => {
    const res = await get(`/campaigns/${id}/report/${query}`, viewer);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');
  const importRows = async (path: string, rows: object[]) => {
    const res = await t.app.inject({ method: 'POST', url: `${api}/customers/${path}/`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: ndjson(rows) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().imported).toBe(true);
  };
  let purchaseSeq = 0;
  const purchase = (customer: string, product: string, at: number, price: string) => ({
    id: `P-${++purchaseSeq}`, customer_id: customer, product_id: product, purchased_at: new Date(at).toISOString(), price, channel: 'app',
  });
  const product = async (code: string, price: string) => {
    const res = await post('/products/', admin, {
      external_product_id: code, name: `Bundle ${code}`, product_type: 'data', price, currency: 'SAR', billing_cycle: 'monthly', recurring: true, features: { data_gb: 10 },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const member = async (customer: string) =>
    (await t.database.executeSql(`select responded_at, response_product_id, response_revenue::text as revenue from campaign_members where campaign_id = $1 and customer_id = $2`, [campaign.id, customer])).rows[0] as
      { responded_at: unknown; response_product_id: string | null; revenue: string | null };

  /** Sends the scheduled job (as its cron would) until the condition holds. */
  const runJobUntil = async (done: () => Promise<boolean>) => {
    await t.jobs!.queueOn(t.database.db).send(campaignResponsesJob, {});
    for (let i = 0; i < 240 && !(await done()); i++) await new Promise((r) => setTimeout(r, 250));
  };

  const create = async (over: Partial<CampaignCreateInput> = {}): Promise<Campaign> => {
    const res = await post('/campaigns/', marketer, {
      name: 'Data upsell', objective: 'upsell', response_window_days: WINDOW_DAYS, control_share: 0.5,
      audience: { rules: [{ kind: 'segments', match: 'any', segments: ['youth'] }] },
      offers: [
        { product_id: productA, channel: 'sms', message: 'Hi {first_name}, {offer_name} for {price} {currency}' },
        { product_id: productB, channel: 'sms', message: '{offer_name} for {price} {currency}' },
      ],
      budget_contacts: 1000,
      ...over,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  /** Submitted by the marketer, approved by the approver, launched by the real launch job. */
  const launched = async (c: Campaign): Promise<Campaign> => {
    expect((await post(`/campaigns/${c.id}/submit/`, marketer)).statusCode).toBe(200);
    expect((await post(`/campaigns/${c.id}/approve/`, approver)).statusCode).toBe(200);
    const res = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(res.statusCode, res.body).toBe(202);
    for (let i = 0; i < 600; i++) {
      const now = (await get(`/campaigns/${c.id}/`, viewer)).json() as Campaign & { launch_state: string | null; launch_error: string | null };
      if (now.launch_state === 'done') return now;
      if (now.launch_state === 'failed') throw new Error(`launch failed: ${now.launch_error}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('launch did not finish');
  };

  beforeAll(async () => {
    t = await createTestContext({ workJobs: { pollingIntervalSeconds: 0.5 } });
    [admin, marketer, approver, viewer] = await Promise.all([t.auth('admin'), t.auth('marketer'), t.auth('campaign_approver'), t.auth('viewer')]);
    expect((await post('/segments/', marketer, { name: 'youth', description: 'young subscribers' })).statusCode).toBe(201);
    productA = await product('DATA-A', '49');
    productA2 = await product('DATA-A-CRM', '45');
    productB = await product('DATA-B', '79');
    productC = await product('VOICE-C', '20');
    // A2 is the same offer as A in another system: one offer group.
    expect((await post(`/products/${productA2}/link/`, admin, { product_id: productA })).statusCode).toBe(200);
    await importRows('import', Array.from({ length: 40 }, (_, i) => ({
      id: `S-${String(i).padStart(3, '0')}`, msisdn: `9665000${String(i).padStart(5, '0')}`, name: `Subscriber ${i}`, status: 'active', segments: ['youth'],
      value_band: 'medium', customer_value: '50', currency: 'SAR', plan_type: 'prepaid', activation_date: '2023-01-01',
    })));
    campaign = await launched(await create());
    launchedAt = Date.parse((campaign as Campaign & { launched_at: string }).launched_at);
    const rows = (await t.database.executeSql(`select customer_id, "group" from campaign_members where campaign_id = $1 order by customer_id`, [campaign.id])).rows as { customer_id: string; group: string }[];
    treated = rows.filter((r) => r.group === 'treated').map((r) => r.customer_id);
    control = rows.filter((r) => r.group === 'control').map((r) => r.customer_id);
    expect(treated.length).toBeGreaterThanOrEqual(7);
    expect(control.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a campaign not launched has no results yet, and says so', async () => {
    const draft = await create({ name: 'Not yet' });
    const r = await report(draft.id);
    expect(r).toMatchObject({ state: 'not_launched', launched_at: null, window_closes_at: null, uplift: null, incremental_responders: null, daily: [], revenue: [] });
    expect(r.uplift_unavailable?.reason).toBe('not_launched');
    expect(r.treated).toMatchObject({ members: 0, responders: 0, rate: null });
  });

  it('refuses unknown campaigns, bad and unknown query fields, and callers without a session', async () => {
    expect((await get('/campaigns/00000000-0000-4000-8000-000000000000/report/', viewer)).statusCode).toBe(404);
    expect((await get('/campaigns/not-a-uuid/report/', viewer)).statusCode).toBe(400);
    const bad = await get(`/campaigns/${campaign.id}/report/?cost_per_contact=cheap`, viewer);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields).toHaveProperty('cost_per_contact');
    expect((await get(`/campaigns/${campaign.id}/report/?colour=red`, viewer)).statusCode).toBe(400);
    expect((await t.app.inject({ url: `${api}/campaigns/${campaign.id}/report/` })).statusCode).toBe(401);
  });

  it('an imported purchase is a response only inside the window, of an offer or its offer group, for treated and control alike', async () => {
    const before = await report(campaign.id);
    expect(before).toMatchObject({ state: 'open', treated: { members: treated.length, responders: 0 }, control: { members: control.length, responders: 0 } });

    const [t0, t1, t2, t3, t4, t5] = treated as [string, string, string, string, string, string];
    const [c0, c1] = control as [string, string];
    const L = launchedAt;
    await importRows('purchases/import', [
      purchase(t0, productA, L + DAY, '49'), // responds with A
      purchase(t0, productB, L + 3 * DAY, '79'), // later: the first purchase stays the response
      purchase(t1, productA2, L + 2 * DAY, '45'), // A's offer group counts
      purchase(t2, productB, L + WINDOW_DAYS * DAY - 60_000, '79'), // the window's last minute
      purchase(t3, productC, L + DAY, '20'), // not offered
      purchase(t4, productA, L - HOUR, '49'), // before the contact
      purchase(t5, productB, L + WINDOW_DAYS * DAY + HOUR, '79'), // after the window
      purchase(c0, productA, L + HOUR, '49'), // control: counted from the launch
      purchase(c1, productA, L - 2 * HOUR, '49'), // control, before the launch
    ]);

    // The import attributed at once: nothing else ran.
    expect(await member(t0)).toMatchObject({ response_product_id: productA, revenue: '49.00' });
    expect(new Date((await member(t0)).responded_at as string).getTime()).toBe(L + DAY);
    expect(await member(t1)).toMatchObject({ response_product_id: productA2, revenue: '45.00' });
    expect(await member(t2)).toMatchObject({ response_product_id: productB, revenue: '79.00' });
    for (const c of [t3, t4, t5, c1]) expect(await member(c)).toMatchObject({ responded_at: null, response_product_id: null, revenue: null });
    expect(await member(c0)).toMatchObject({ response_product_id: productA, revenue: '49.00' });

    // The campaign_response model's contact rows carry the responses.
    const contacts = (await t.database.executeSql(`select customer_id, responded, responded_at from campaign_contacts where campaign_id = $1 and responded`, [campaign.id])).rows as { customer_id: string }[];
    expect(contacts.map((c) => c.customer_id).sort()).toEqual([t0, t1, t2, c0].sort());
  });

  it('re-running attribution changes nothing', async () => {
    const snapshot = async () => (await t.database.executeSql(`select customer_id, responded_at, response_product_id, response_revenue from campaign_members where campaign_id = $1 order by customer_id`, [campaign.id])).rows;
    const audits = async () => Number((await t.database.executeSql(`select count(*)::int as n from audit_log where action = 'attribute_responses'`, [])).rows[0]!.n);
    const before = await snapshot();
    const auditsBefore = await audits();
    expect(auditsBefore).toBeGreaterThanOrEqual(1);
    expect(await t.container.campaignResults.attributeAll()).toMatchObject({ responders: 0, failed: 0 });
    // The same purchases imported again (an upsert) attribute nothing new either.
    purchaseSeq = 0;
    const [t0] = treated as [string];
    await importRows('purchases/import', [purchase(t0, productA, launchedAt + DAY, '49')]);
    expect(await snapshot()).toEqual(before);
    expect(await audits()).toBe(auditsBefore);
    purchaseSeq = 100;
  });

  it('reports rates, uplift and its interval as a hand computation from the counts, revenue, cost and offers', async () => {
    const r = await report(campaign.id, '?cost_per_contact=0.05');
    const n1 = treated.length;
    const n2 = control.length;
    const x1 = 3;
    const x2 = 1;
    expect(r.treated).toMatchObject({ members: n1, responders: x1 });
    expect(r.control).toMatchObject({ members: n2, responders: x2 });
    expect(r.treated.rate).toBeCloseTo(x1 / n1, 12);
    expect(r.control.rate).toBeCloseTo(x2 / n2, 12);

    const p1 = x1 / n1;
    const p2 = x2 / n2;
    const [l1, u1] = wilsonByHand(x1, n1);
    const [l2, u2] = wilsonByHand(x2, n2);
    const d = p1 - p2;
    const lower = d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
    const upper = d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
    expect(r.uplift).not.toBeNull();
    expect(r.uplift!.estimate).toBeCloseTo(d, 12);
    expect(r.uplift!.lower).toBeCloseTo(lower, 12);
    expect(r.uplift!.upper).toBeCloseTo(upper, 12);
    expect(r.uplift!.method).toBe('newcombe_hybrid_score');
    expect(r.incremental_responders!.estimate).toBeCloseTo(d * n1, 10);
    expect(r.incremental_responders!.lower).toBeCloseTo(lower * n1, 10);
    expect(r.incremental_responders!.upper).toBeCloseTo(upper * n1, 10);

    // Revenue in halalas: treated 49 + 45 + 79, control 49; incremental = T − C·n₁/n₂ rounded half up.
    const T = 17_300;
    const C = 4_900;
    const cents = (v: number) => `${Math.trunc(v / 100)}.${String(Math.abs(v) % 100).padStart(2, '0')}`;
    const incremental = T - Math.floor((C * n1 * 2 + n2) / (2 * n2));
    expect(r.revenue).toEqual([{
      currency: 'SAR', treated: '173.00', control: '49.00',
      treated_per_member: cents(Math.floor((T * 2 + n1) / (2 * n1))), control_per_member: cents(Math.floor((C * 2 + n2) / (2 * n2))), incremental: cents(incremental),
    }]);

    const ledger = Number((await t.database.executeSql(`select count(*)::int as n from campaign_contacts_ledger where campaign_id = $1`, [campaign.id])).rows[0]!.n);
    expect(ledger).toBeGreaterThan(0);
    expect(r.cost).toMatchObject({ contacts: ledger, per_contact: '0.05', budget_contacts: 1000, within_budget: true });
    expect(Number(r.cost.total)).toBeCloseTo(ledger * 0.05, 9);
    expect(r.cost.budget_contacts_used).toBeCloseTo(ledger / 1000, 12);

    // The campaign stores A's group by its master; A and A2 both answer for it.
    const byProduct = new Map(r.offers.map((o) => [o.position, o]));
    expect(byProduct.get(1)).toMatchObject({ treated_responders: 2, control_responders: 1, revenue: [{ currency: 'SAR', treated: '94.00', control: '49.00' }] });
    expect(byProduct.get(2)).toMatchObject({ product_id: productB, treated_responders: 1, control_responders: 0, revenue: [{ currency: 'SAR', treated: '79.00', control: '0.00' }] });

    // The list shows the same uplift.
    const list = (await get('/campaigns/?limit=100', viewer)).json() as { results: { id: string; status: string; uplift: { estimate: number; lower: number; upper: number } | null }[] };
    const item = list.results.find((c) => c.id === campaign.id)!;
    expect(item.uplift!.estimate).toBeCloseTo(d, 12);
    expect(item.uplift!.lower).toBeCloseTo(lower, 12);
    expect(item.uplift!.upper).toBeCloseTo(upper, 12);
    expect(list.results.filter((c) => c.status === 'draft').every((c) => c.uplift === null)).toBe(true);
  });

  it('the scheduled job attributes purchases that arrived without an import', async () => {
    const t6 = treated[6]!;
    // Written by another process straight into the table (no import to attribute it).
    await t.database.executeSql(`insert into customer_purchases (id, customer_id, product_id, purchased_at, price, channel) values ('P-direct', $1, $2, $3, '45.00', 'retail')`,
      [t6, productA2, new Date(launchedAt + 5 * DAY).toISOString()]);
    expect(await member(t6)).toMatchObject({ responded_at: null });
    await runJobUntil(async () => (await member(t6)).responded_at !== null);
    expect(await member(t6)).toMatchObject({ response_product_id: productA2, revenue: '45.00' });
    expect((await report(campaign.id)).treated.responders).toBe(4);
  });

  it('a purchase imported after the window closed but dated inside it still counts; the daily series accumulates to the totals', async () => {
    // Thirty days pass: the stored times move back, the only clock here being the database's.
    const shift = `interval '30 days'`;
    await t.database.executeSql(`update campaigns set launched_at = launched_at - ${shift} where id = $1`, [campaign.id]);
    await t.database.executeSql(`update campaign_members set contacted_at = contacted_at - ${shift}, responded_at = responded_at - ${shift} where campaign_id = $1`, [campaign.id]);
    await t.database.executeSql(`update customer_purchases set purchased_at = purchased_at - ${shift}`, []);
    await t.database.executeSql(`update campaign_contacts set contacted_at = contacted_at - ${shift}, responded_at = responded_at - ${shift} where campaign_id = $1`, [campaign.id]);
    const L = launchedAt - 30 * DAY;

    const closed = await report(campaign.id);
    expect(closed.state).toBe('closed');
    expect(Date.parse(closed.window_closes_at!)).toBe(L + WINDOW_DAYS * DAY);

    const [, , , t3] = treated as [string, string, string, string];
    await importRows('purchases/import', [purchase(t3, productB, L + 4 * DAY, '79')]);
    const r = await report(campaign.id);
    expect(r.treated.responders).toBe(5);
    expect(await member(t3)).toMatchObject({ response_product_id: productB, revenue: '79.00' });

    // One entry per UTC day from the launch day to the window's last day, cumulative and non-decreasing.
    const first = new Date(L).toISOString().slice(0, 10);
    const last = new Date(L + WINDOW_DAYS * DAY).toISOString().slice(0, 10);
    expect(r.daily[0]!.day).toBe(first);
    expect(r.daily.at(-1)!.day).toBe(last);
    expect(r.daily.length).toBe((Date.parse(last) - Date.parse(first)) / DAY + 1);
    for (let i = 1; i < r.daily.length; i++) {
      expect(r.daily[i]!.treated_responders).toBeGreaterThanOrEqual(r.daily[i - 1]!.treated_responders);
      expect(r.daily[i]!.control_responders).toBeGreaterThanOrEqual(r.daily[i - 1]!.control_responders);
    }
    expect(r.daily.at(-1)).toMatchObject({ treated_responders: 5, control_responders: 1 });
    expect(r.daily.at(-1)!.treated_rate).toBeCloseTo(5 / treated.length, 12);
    // The control responder bought an hour after the launch: counted on the launch day (or the next, past midnight UTC).
    const controlDay = new Date(L + HOUR).toISOString().slice(0, 10);
    expect(r.daily.find((d) => d.day === controlDay)!.control_responders).toBe(1);
  });

  it('the schedule leaves campaigns closed long ago to the imports, which still attribute them', async () => {
    const t7 = treated[7]!;
    const L = launchedAt - 30 * DAY;
    await t.database.executeSql(`insert into customer_purchases (id, customer_id, product_id, purchased_at, price, channel) values ('P-direct-2', $1, $2, $3, '79.00', 'retail')`,
      [t7, productB, new Date(L + 2 * DAY).toISOString()]);
    expect(await t.container.campaignResults.attributeAll({ closedWithinDays: RECHECK_CLOSED_DAYS })).toMatchObject({ campaigns: 0, responders: 0 });
    expect(await member(t7)).toMatchObject({ responded_at: null });
    // Any purchase import attributes every campaign, however long closed.
    await importRows('purchases/import', [purchase(control[2]!, productC, Date.now() - DAY, '20')]);
    expect(await member(t7)).toMatchObject({ response_product_id: productB, revenue: '79.00' });
  });

  it('reports the published Newcombe example (56/70 against 48/80: +0.2000, +0.0524 to +0.3339) on members written by hand', async () => {
    // A report-level data set: the snapshot and its responses are written directly, not launched.
    await importRows('import', Array.from({ length: 150 }, (_, i) => ({
      id: `K-${String(i).padStart(3, '0')}`, msisdn: `9665100${String(i).padStart(5, '0')}`, name: `Known ${i}`, status: 'active', segments: ['youth'],
      value_band: 'medium', customer_value: '50', currency: 'SAR', plan_type: 'prepaid', activation_date: '2023-01-01',
    })));
    const known = await create({ name: 'Known data set' });
    await t.database.executeSql(`update campaigns set status = 'running', launch_state = 'done', launched_at = now() - interval '3 days' where id = $1`, [known.id]);
    await t.database.executeSql(`
      insert into campaign_members (campaign_id, customer_id, "group", contacted_at, responded_at, response_product_id, response_revenue)
      select $1, 'K-' || lpad(i::text, 3, '0'), case when i < 70 then 'treated' else 'control' end, now() - interval '3 days',
             case when i < 56 or (i >= 70 and i < 118) then now() - interval '2 days' end,
             case when i < 56 or (i >= 70 and i < 118) then $2::uuid end,
             case when i < 56 or (i >= 70 and i < 118) then 49.00 end
      from generate_series(0, 149) as i`, [known.id, productA]);
    const r = await report(known.id);
    expect(r.treated).toMatchObject({ members: 70, responders: 56 });
    expect(r.control).toMatchObject({ members: 80, responders: 48 });
    expect([r.uplift!.estimate, r.uplift!.lower, r.uplift!.upper].map((v) => Number(v.toFixed(4)))).toEqual([0.2, 0.0524, 0.3339]);
    expect(Number(r.incremental_responders!.estimate.toFixed(6))).toBe(14);
    expect(Number(r.incremental_responders!.lower.toFixed(2))).toBe(Number((0.05243147240236498 * 70).toFixed(2)));
    // 56 × 49.00 = 2744.00; 48 × 49.00 = 2352.00; 2744.00 − 2352.00 × 70 / 80 = 686.00.
    expect(r.revenue).toEqual([{ currency: 'SAR', treated: '2744.00', control: '2352.00', treated_per_member: '39.20', control_per_member: '29.40', incremental: '686.00' }]);
    const listed = ((await get('/campaigns/?limit=100', viewer)).json() as { results: { id: string; uplift: { estimate: number; lower: number; upper: number } | null }[] }).results.find((c) => c.id === known.id)!;
    expect([listed.uplift!.estimate, listed.uplift!.lower, listed.uplift!.upper].map((v) => Number(v.toFixed(4)))).toEqual([0.2, 0.0524, 0.3339]);

    // A treated member the launch could not contact is measured from the launch, as control members are.
    await t.database.executeSql(`update campaign_members set contacted_at = null where campaign_id = $1 and customer_id = 'K-069'`, [known.id]);
    await importRows('purchases/import', [purchase('K-069', productA2, Date.now() - DAY, '45')]);
    expect((await report(known.id)).treated).toMatchObject({ members: 70, responders: 57 });
  });
});
