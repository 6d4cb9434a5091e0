import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXivaSimulator, XIVA_DEFAULT_CREDENTIALS } from '@lyra/simulators';
import type { Campaign, CampaignCreateInput, ExternalSystemCreate } from '@lyra/contracts';
import { apiRequests, createTestContext, type TestContext } from '../../../test/helpers.js';
import { jobWorkers } from '../../jobs/index.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';

const api = '/api/loyalty/v1';
type Headers = { authorization: string };

describe('campaigns over HTTP', () => {
  let t: TestContext;
  let admin: Headers;
  let marketer: Headers;
  let approver: Headers;
  let viewer: Headers;
  let productA: string;
  let productB: string;
  const sims: { close(): Promise<void> }[] = [];

  const { post, patch, get } = apiRequests(() => t);

  const manualProduct = async (code: string, over: Record<string, unknown> = {}) => {
    const res = await post('/products/', admin, {
      external_product_id: code, name: `Bundle ${code}`, product_type: 'data', price: '49', currency: 'SAR', billing_cycle: 'monthly', recurring: true,
      features: { data_gb: 10 }, ...over,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  const draft = (over: Partial<CampaignCreateInput> = {}): CampaignCreateInput => ({
    name: 'Data upsell Q1', objective: 'upsell', audience: { rules: [{ kind: 'segments', match: 'any', segments: ['youth'] }] },
    offers: [
      { product_id: productA, channel: 'sms', message: 'Hi {first_name}, get {offer_name} with {data_gb} GB for {price} {currency}' },
      { product_id: productB, channel: 'email', message: '{offer_name} for {price} {currency}' },
    ],
    ...over,
  });

  const create = async (over: Partial<CampaignCreateInput> = {}, as: Headers = marketer): Promise<Campaign> => {
    const res = await post('/campaigns/', as, draft(over));
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  /** Draft -> submitted (by the marketer) -> approved (by the approver) -> launched (the launch job, worked by this process) -> running. */
  const running = async (over: Partial<CampaignCreateInput> = {}): Promise<Campaign> => {
    const c = await create(over);
    expect((await post(`/campaigns/${c.id}/submit/`, marketer)).statusCode).toBe(200);
    expect((await post(`/campaigns/${c.id}/approve/`, approver)).statusCode).toBe(200);
    const launch = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(launch.statusCode, launch.body).toBe(202);
    for (;;) {
      const now = (await get(`/campaigns/${c.id}/`, viewer)).json() as Campaign;
      if (now.launch_state === 'done' || now.launch_state === 'failed') {
        expect(now).toMatchObject({ status: 'running', launch_state: 'done' });
        return now;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    t = await createTestContext({ workJobs: { pollingIntervalSeconds: 0.5 } });
    [admin, marketer, approver, viewer] = await Promise.all([t.auth('admin'), t.auth('marketer'), t.auth('campaign_approver'), t.auth('viewer')]);
    for (const name of ['youth', 'high_value', 'families']) expect((await post('/segments/', marketer, { name, description: `${name} subscribers` })).statusCode).toBe(201);
    productA = await manualProduct('DATA-10');
    productB = await manualProduct('DATA-20', { price: '79', features: { data_gb: 20 } });
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await t.close();
  });

  describe('segments', () => {
    it('lists the managed segments with member counts, refuses a duplicate name whatever its case, and a deletion while used', async () => {
      await t.database.executeSql(
        `insert into customers (id, msisdn, name, status, segments, value_band, customer_value, currency, plan_type, activation_date)
         values ('S-1', '966500000001', 'Sara', 'active', '{youth,students}', 'low', '20', 'SAR', 'prepaid', '2024-01-01'),
                ('S-2', '966500000002', 'Omar', 'active', '{youth}', 'low', '30', 'SAR', 'prepaid', '2024-01-01')`, []);
      expect((await t.container.segments.syncFromData())).toBe(1); // "students" came with the data
      const list = await get('/segments/?limit=100', viewer);
      expect(list.statusCode).toBe(200);
      const byName = new Map(list.json().results.map((s: { name: string; member_count: number }) => [s.name, s]));
      expect(byName.get('youth')).toMatchObject({ member_count: 2 });
      expect(byName.get('students')).toMatchObject({ member_count: 1 });
      expect(byName.get('families')).toMatchObject({ member_count: 0 });

      const dup = await post('/segments/', marketer, { name: 'YOUTH' });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.details.fields.name).toBeDefined();
      expect((await post('/segments/', viewer, { name: 'x' })).statusCode).toBe(403);
      expect((await post('/segments/', marketer, { name: 'x', colour: 'red' })).json().error.details.fields).toHaveProperty('colour');

      // A customer import adds the segments its subscribers carry.
      const imported = await t.container.customersImport.importRecords(SYSTEM_ACTOR, 'customers', [{
        id: 'S-3', msisdn: '966500000003', name: 'Lina', status: 'active', segments: ['night_owls'], value_band: 'medium', customer_value: '80',
        currency: 'SAR', plan_type: 'postpaid', activation_date: '2023-05-01',
      }]);
      expect(imported.imported, JSON.stringify(imported.errors)).toBe(true);
      expect((await get('/segments/?search=night', viewer)).json().results).toEqual([expect.objectContaining({ name: 'night_owls', member_count: 1 })]);

      const youth = list.json().results.find((s: { name: string }) => s.name === 'youth');
      const refused = await t.app.inject({ method: 'DELETE', url: `${api}/segments/${youth.id}/`, headers: marketer });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.message).toMatch(/2 subscriber/);
      const spare = (await post('/segments/', marketer, { name: 'spare' })).json();
      expect((await patch(`/segments/${spare.id}/`, marketer, { description: 'not used yet' })).json()).toMatchObject({ description: 'not used yet' });
      expect((await t.app.inject({ method: 'DELETE', url: `${api}/segments/${spare.id}/`, headers: marketer })).statusCode).toBe(204);
    });
  });

  it('a segment only a campaign audience names (nested in a group) cannot be deleted: 409 naming the campaign', async () => {
    const seg = (await post('/segments/', marketer, { name: 'roamers' })).json();
    const rule = { kind: 'group', match: 'all', rules: [{ kind: 'segments', match: 'none', segments: ['Roamers'] }] };
    await create({ name: 'Not for roamers', audience: { rules: [rule] } as never });
    const refused = await t.app.inject({ method: 'DELETE', url: `${api}/segments/${seg.id}/`, headers: marketer });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/"Not for roamers"/);
  });

  it('a person\'s product targeting edit names only managed segments, with suggestions; segments the product already carries stay', async () => {
    const id = await manualProduct('SEG-1', { target_segments: ['youth'] });
    const misspelt = await patch(`/products/${id}/`, marketer, { target_segments: ['youth', 'famlies'] });
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.json().error.details.fields.target_segments).toEqual(['unknown segment "famlies"; did you mean "families"?']);
    expect((await post('/products/', admin, { external_product_id: 'SEG-2', name: 'x', product_type: 'data', currency: 'SAR', target_segments: ['hig_value'] })).json().error.details.fields.target_segments[0])
      .toMatch(/did you mean "high_value"/);
    // A synced product may carry a segment from its source that the list lacks: keeping it is no edit of it.
    await t.database.executeSql(`update products set target_segments = '{youth,from_source}' where id = $1`, [id]);
    expect((await patch(`/products/${id}/`, marketer, { target_segments: ['from_source', 'families'] })).statusCode).toBe(200);
  });

  describe('validation', () => {
    it('names the field of every refusal: unknown field, bad placeholder, misspelt segment with a suggestion, unknown or retired product', async () => {
      const unknown = await post('/campaigns/', marketer, { ...draft(), colour: 'red' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.details.fields).toHaveProperty('colour');

      const nested = await post('/campaigns/', marketer, draft({ offers: [{ product_id: productA, channel: 'sms', message: 'x', extra: 1 } as never] }));
      expect(nested.json().error.details.fields).toHaveProperty('offers.0.extra');

      const placeholder = await post('/campaigns/', marketer, draft({ offers: [{ product_id: productA, channel: 'sms', message: 'Hi {frist_name}' }] }));
      expect(placeholder.statusCode).toBe(400);
      expect(placeholder.json().error.details.fields['offers.0.message'].join(' ')).toMatch(/first_name/);

      const nestedRule = { kind: 'group', match: 'any', rules: [{ kind: 'plan_type', plan_types: ['prepaid'] }, { kind: 'segments', match: 'all', segments: ['families', 'yuoth'] }] };
      const segment = await post('/campaigns/', marketer, draft({ audience: { rules: [nestedRule] } as never }));
      expect(segment.statusCode).toBe(400);
      expect(segment.json().error.details.fields['audience.rules.0.rules.1.segments']).toEqual(['unknown segment "yuoth"; did you mean "youth"?']);

      const badAudience = await post('/campaigns/', marketer, draft({ audience: { rules: [], segment: ['youth'] } as never }));
      expect(badAudience.json().error.details.fields).toHaveProperty('audience.segment');
      const badRule = await post('/campaigns/', marketer, draft({ audience: { rules: [{ kind: 'segmnts', segments: ['youth'] }] } as never }));
      expect(Object.keys(badRule.json().error.details.fields).join()).toMatch(/^audience\.rules\.0/);

      const missing = await post('/campaigns/', marketer, draft({ offers: [{ product_id: '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c', channel: 'sms', message: 'Hi' }] }));
      expect(missing.json().error.details.fields['offers.0.product_id']).toEqual(['no such product']);

      const channel = await post('/campaigns/', marketer, draft({ offers: [{ product_id: productA, channel: 'fax' as never, message: 'Hi' }] }));
      expect(channel.json().error.details.fields).toHaveProperty('offers.0.channel');

      const share = await post('/campaigns/', marketer, draft({ control_share: 1.5, ends_at: '2026-01-01T00:00:00Z', starts_at: '2026-02-01T00:00:00Z' }));
      expect(share.json().error.details.fields).toHaveProperty('control_share');

      const budget = await post('/campaigns/', marketer, draft({ budget_amount: '100' }));
      expect(budget.json().error.details.fields).toHaveProperty('budget_currency');

      const retiredId = await manualProduct('OLD-1');
      await t.database.executeSql('update products set retired_at = now() where id = $1', [retiredId]);
      const retired = await post('/campaigns/', marketer, draft({ offers: [{ product_id: retiredId, channel: 'sms', message: 'Hi' }] }));
      expect(retired.json().error.details.fields['offers.0.product_id'][0]).toMatch(/retired/);

      const action = await post(`/campaigns/${(await create()).id}/pause/`, marketer, { reason: 'x', force: true });
      expect(action.json().error.details.fields).toHaveProperty('force');
    });
  });

  describe('lifecycle', () => {
    it('creates a draft with defaults and every offer\'s product details; viewers read, cannot write', async () => {
      const c = await create();
      expect(c).toMatchObject({ status: 'draft', version: 1, control_share: 0.1, response_window_days: 30, contact_cap: 1, allowed_actions: ['submit', 'cancel'] });
      expect(c.audience).toMatchObject({ rules: [{ kind: 'segments', segments: ['youth'] }], exclusions: { do_not_contact: true } });
      expect(c.offers.map((o) => o.position)).toEqual([1, 2]);
      expect(c.offers[0]!.product).toMatchObject({ id: productA, name: 'Bundle DATA-10', product_type: 'data', price: '49.00', currency: 'SAR', billing_cycle: 'monthly', features: { data_gb: 10 }, external_system: 'manual' });
      expect((await get(`/campaigns/${c.id}/`, viewer)).json()).toMatchObject({ id: c.id, name: c.name });
      expect((await post('/campaigns/', viewer, draft())).statusCode).toBe(403);
      const list = await get('/campaigns/?status=draft', viewer);
      expect(list.json().results.find((x: Campaign) => x.id === c.id).offers[0]).toMatchObject({ product_name: 'Bundle DATA-10', channel: 'sms' });
    });

    it('refuses illegal transitions with 409 naming the allowed actions', async () => {
      const c = await create();
      const resume = await post(`/campaigns/${c.id}/resume/`, marketer);
      expect(resume.statusCode).toBe(409);
      expect(resume.json().error).toMatchObject({ code: 'illegal_transition', details: { status: 'draft', action: 'resume', allowed: ['submit', 'cancel'] } });
      expect((await post(`/campaigns/${c.id}/cancel/`, marketer)).json()).toMatchObject({ status: 'cancelled', allowed_actions: [] });
      const after = await post(`/campaigns/${c.id}/submit/`, marketer);
      expect(after.json().error).toMatchObject({ code: 'illegal_transition', details: { allowed: [] } });
      expect((await patch(`/campaigns/${c.id}/`, marketer, { name: 'again' })).statusCode).toBe(409);
    });

    it('maker-checker: the submitter cannot approve, a marketer cannot approve, the approver role can', async () => {
      const c = await create({}, admin);
      expect((await post(`/campaigns/${c.id}/submit/`, admin)).json()).toMatchObject({ status: 'pending_approval', allowed_actions: ['approve', 'reject', 'cancel'] });
      const self = await post(`/campaigns/${c.id}/approve/`, admin);
      expect(self.statusCode).toBe(403);
      expect(self.json().error.code).toBe('self_approval');
      expect((await post(`/campaigns/${c.id}/approve/`, marketer)).json().error.code).toBe('forbidden');
      const ok = await post(`/campaigns/${c.id}/approve/`, approver);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'scheduled', approved_by: expect.any(String), submitted_by: expect.any(String) });
      expect(ok.json().approved_by).not.toBe(ok.json().submitted_by);

      const empty = await create({ offers: [] });
      const refused = await post(`/campaigns/${empty.id}/submit/`, marketer);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.details.fields).toHaveProperty('offers');
    });

    it('edits: pending goes back to draft; running makes a new version that needs another person\'s approval', async () => {
      const c = await create();
      await post(`/campaigns/${c.id}/submit/`, marketer);
      const back = await patch(`/campaigns/${c.id}/`, marketer, { name: 'Data upsell Q1 (v2)' });
      expect(back.json()).toMatchObject({ status: 'draft', version: 2, submitted_by: null, name: 'Data upsell Q1 (v2)' });

      const live = await running();
      expect(live.status).toBe('running');
      const edited = await patch(`/campaigns/${live.id}/`, marketer, { offers: [{ product_id: productB, channel: 'sms', message: 'Only {offer_name} now' }], control_share: 0.2 });
      expect(edited.statusCode, edited.body).toBe(200);
      // Still running as approved: the offers and share are unchanged until the new version is approved.
      expect(edited.json()).toMatchObject({ status: 'running', version: 1, pending_version: 2, control_share: 0.1 });
      expect(edited.json().offers).toHaveLength(2);
      const versions = (await get(`/campaigns/${live.id}/versions/`, viewer)).json();
      expect(versions.results.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([[2, 'pending'], [1, 'live']]);
      expect(versions.results[0].definition).toMatchObject({ control_share: 0.2, offers: [{ product_id: productB }] });

      expect((await post(`/campaigns/${live.id}/versions/2/approve/`, marketer)).statusCode).toBe(403);
      expect((await post(`/campaigns/${live.id}/versions/3/approve/`, approver)).statusCode).toBe(409);
      const approved = await post(`/campaigns/${live.id}/versions/2/approve/`, approver);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ status: 'running', version: 2, pending_version: null, control_share: 0.2 });
      expect(approved.json().offers.map((o: { product_id: string }) => o.product_id)).toEqual([productB]);

      // The author of a version may not approve it, even with the permission.
      const mine = await running();
      await patch(`/campaigns/${mine.id}/`, admin, { name: 'admin edit' });
      expect((await post(`/campaigns/${mine.id}/versions/2/approve/`, admin)).json().error.code).toBe('self_approval');
    });

    it('audits every change with before and after', async () => {
      const c = await create();
      await patch(`/campaigns/${c.id}/`, marketer, { description: 'for heavy users' });
      await post(`/campaigns/${c.id}/submit/`, marketer);
      await post(`/campaigns/${c.id}/approve/`, approver);
      const audit = (await get(`/audit-log/?entity_type=campaign&entity_id=${c.id}`, admin)).json();
      expect(audit.results.map((e: { action: string }) => e.action)).toEqual(['approve', 'submit', 'update', 'create']);
      const update = audit.results[2];
      expect(update.before).toMatchObject({ description: '', status: 'draft' });
      expect(update.after).toMatchObject({ description: 'for heavy users', version: 2 });
      expect(audit.results[0]).toMatchObject({ before: { status: 'pending_approval' }, after: { status: 'scheduled' }, actor_email: 'campaign_approver@test.lyra' });
    });

    it('pauses with a reason, resumes, completes; a re-price flags the campaign until the owner acknowledges', async () => {
      const c = await running();
      expect((await post(`/campaigns/${c.id}/pause/`, marketer, { reason: 'SMSC maintenance' })).json()).toMatchObject({ status: 'paused', paused_reason: 'SMSC maintenance' });
      expect((await post(`/campaigns/${c.id}/resume/`, marketer)).json()).toMatchObject({ status: 'running', paused_reason: null });

      await t.database.executeSql(`insert into catalog_changes (product_id, change_type, before, after) values ($1, 'price_changed', '{"price":"49.00"}', '{"price":"59.00"}')`, [productA]);
      const reacted = await t.container.campaigns.reactToCatalogChanges();
      expect(reacted.flagged).toBeGreaterThanOrEqual(1);
      const flagged = (await get(`/campaigns/${c.id}/`, viewer)).json();
      expect(flagged.attention).toEqual([expect.objectContaining({ kind: 'price_changed', product_id: productA, after: { price: '59.00' } })]);
      expect((await get('/campaigns/?needs_attention=true&limit=500', viewer)).json().results.map((x: Campaign) => x.id)).toContain(c.id);
      expect((await post(`/campaigns/${c.id}/acknowledge/`, marketer)).json().attention).toEqual([]);
      // A change is acted on once.
      expect((await t.container.campaigns.reactToCatalogChanges()).changes).toBe(0);
      expect((await post(`/campaigns/${c.id}/complete/`, marketer)).json()).toMatchObject({ status: 'completed', allowed_actions: [] });
    });
  });

  describe('catalog-linked', () => {
    it('a product carries a maximum default risk (0 to 1) that marketers set, also on synced products', async () => {
      const device = await manualProduct('DEV-1', { product_type: 'device', max_default_risk: '0.3' });
      expect((await get(`/products/${device}/`, viewer)).json()).toMatchObject({ max_default_risk: '0.3' });
      const set = await patch(`/products/${device}/`, marketer, { max_default_risk: '0.25' });
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json().max_default_risk).toBe('0.25');
      const bad = await patch(`/products/${device}/`, marketer, { max_default_risk: '1.5' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.fields).toHaveProperty('max_default_risk');
      expect((await patch(`/products/${device}/`, marketer, { max_default_risk: null })).json().max_default_risk).toBeNull();
    });

    it('a product a campaign offers cannot be deleted: 409 naming the campaign', async () => {
      const offered = await manualProduct('DEL-1');
      await create({ name: 'Keeps DEL-1', offers: [{ product_id: offered, channel: 'csv_export', message: 'Try {offer_name}' }] });
      const res = await t.app.inject({ method: 'DELETE', url: `${api}/products/${offered}/`, headers: admin });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'in_use', details: { campaigns: [expect.objectContaining({ name: 'Keeps DEL-1', status: 'draft' })] } });
      expect(res.json().error.message).toMatch(/"Keeps DEL-1"/);
      const unused = await manualProduct('DEL-2');
      expect((await t.app.inject({ method: 'DELETE', url: `${api}/products/${unused}/`, headers: admin })).statusCode).toBe(204);
    });

    it('a sync that retires an offered product pauses the running campaign with a visible reason', async () => {
      const sim = await startXivaSimulator({ items: 30, seed: 3 });
      sims.push(sim);
      const system = await t.container.externalSystems.create(SYSTEM_ACTOR, {
        name: 'Xiva', system_type: 'xiva', base_url: `${sim.url}/api`, api_version: 'v5',
        auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password },
        default_currency: null, timeout_ms: 2000, max_retries: 8, rate_limit_per_minute: 0, is_active: true,
        sync_frequency: 'daily', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
      } as ExternalSystemCreate);
      // The job the runner works for a sync run: the run, then the campaigns' reaction.
      const syncWorker = jobWorkers(t.container).find((w) => w.job.name === 'catalog-sync')!;
      const syncNow = async () => {
        const run = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode: 'full', force: false }, { inline: true });
        return syncWorker.handle({ runId: run.id });
      };
      expect((await syncNow()).status).toBe('succeeded');

      const [gone] = sim.store.remove(1);
      const { rows: [row] } = await t.database.executeSql('select id, is_active from products where external_product_id = $1', [gone]);
      const { rows: [other] } = await t.database.executeSql(
        `select id from products where external_system = 'xiva' and external_product_id <> $1 and retired_at is null and is_active order by external_product_id limit 1`, [gone]);
      const live = await running({ name: 'Offers a Xiva bundle', offers: [{ product_id: row!.id as string, channel: 'sms', message: 'Get {offer_name}' }] });
      const untouched = await running({ name: 'Offers another bundle', offers: [{ product_id: other!.id as string, channel: 'sms', message: 'Get {offer_name}' }] });

      const outcome = await syncNow();
      expect(outcome.detail).toMatch(/1 paused/);
      const paused = (await get(`/campaigns/${live.id}/`, viewer)).json();
      expect(paused).toMatchObject({ status: 'paused', allowed_actions: ['resume', 'complete', 'cancel'] });
      expect(paused.paused_reason).toMatch(/retired from the catalog/);
      expect(paused.offers[0].product.status).toBe('retired');
      expect((await get(`/campaigns/${untouched.id}/`, viewer)).json().status).toBe('running');
      // Resuming with a retired offer is refused: the offer must be replaced (a new version) first.
      expect((await post(`/campaigns/${live.id}/resume/`, marketer)).statusCode).toBe(409);
      const audit = (await get(`/audit-log/?entity_type=campaign&entity_id=${live.id}&action=pause`, admin)).json();
      expect(audit.results[0]).toMatchObject({ actor_email: 'system', before: { status: 'running' }, after: { status: 'paused' } });
    });
  });
});
