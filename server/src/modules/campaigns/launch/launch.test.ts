import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_TARGET_CSV_COLUMNS, renderMessage, type Campaign, type CampaignCreateInput } from '@lyra/contracts';
import { apiRequests, createTestContext, type TestContext } from '../../../../test/helpers.js';
import { createContainer } from '../../../container.js';
import { openPostgres, type Database } from '../../../db/client.js';
import { createUnitOfWork } from '../../../db/unit-of-work.js';
import { mlModelVersions, mlScores, mlScoringRuns } from '../../../db/schema/index.js';
import { parseCsv } from '../../../lib/csv.js';
import { createAuditRepository } from '../../audit/audit.repository.js';
import { createCampaignsRepository } from '../campaigns.repository.js';
import { assignGroup } from '../control-group.js';
import { createLaunchRepository } from './launch.repository.js';
import { createLaunchService } from './launch.service.js';
import { jobsUnavailable } from '../../../jobs/runner.js';

const api = '/api/loyalty/v1';
type Headers = { authorization: string };
const SUBSCRIBERS = 2400;
const serverUrl = process.env.TEST_DATABASE_URL;

describe('campaign launch over HTTP', () => {
  let t: TestContext;
  let admin: Headers;
  let marketer: Headers;
  let approver: Headers;
  let viewer: Headers;
  let productA: string;
  let productB: string;

  const { post, get } = apiRequests(() => t);
  const q = async (text: string, values: unknown[] = []) => (await t.database.executeSql(text, values)).rows;

  /** The same launch service as the container's, on small pages, so a launch here takes many pages. */
  const launcherOn = (database: Database) => {
    const c = createContainer(database, { sessionTtlHours: 1 });
    const on = (h: typeof database.db) => ({ campaigns: createCampaignsRepository(h), launch: createLaunchRepository(h), audit: createAuditRepository(h), jobs: jobsUnavailable });
    return createLaunchService({ uow: createUnitOfWork(database.db, on), launch: createLaunchRepository(database.db), campaigns: c.campaigns, pages: { snapshot: 300, contacts: 150 } });
  };

  const definition = (over: Partial<CampaignCreateInput> = {}): CampaignCreateInput => ({
    name: `Upsell ${Math.random().toString(36).slice(2, 8)}`, objective: 'upsell', control_share: 0.2, contact_cap: 2,
    audience: { rules: [{ kind: 'value_band', bands: ['low', 'medium'] }], exclusions: { do_not_contact: true } },
    offers: [
      { product_id: productA, channel: 'sms', message: 'Hi {first_name}, {offer_name} for {price} {currency}: {data_gb} GB' },
      { product_id: productB, channel: 'email', message: '=cmd {offer_name} for {full_name} ({msisdn_last4})' },
    ],
    ...over,
  });

  /** Draft -> submitted -> approved (scheduled). */
  const scheduled = async (over: Partial<CampaignCreateInput> = {}): Promise<Campaign> => {
    const res = await post('/campaigns/', marketer, definition(over));
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json() as Campaign;
    expect((await post(`/campaigns/${c.id}/submit/`, marketer)).statusCode).toBe(200);
    expect((await post(`/campaigns/${c.id}/approve/`, approver)).statusCode).toBe(200);
    return c;
  };

  /** Polls the campaign until its launch has ended (done or failed). */
  const launchEnded = async (id: string): Promise<Campaign> => {
    for (let i = 0; i < 1200; i++) {
      const c = (await get(`/campaigns/${id}/`, viewer)).json() as Campaign;
      if (c.launch_state === 'done' || c.launch_state === 'failed') return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('launch did not end');
  };

  const members = async (id: string) => (await q(`select customer_id, "group" from campaign_members where campaign_id = $1 order by customer_id`, [id]))
    .map((r) => ({ id: String(r.customer_id), group: String(r.group) }));

  /** Ledger, contact history and snapshot hold no duplicate, and every treated contact matches the rules. */
  async function expectConsistent(c: Campaign) {
    expect(await q(`select customer_id, product_id from campaign_contacts_ledger where campaign_id = $1 group by 1, 2 having count(*) > 1`, [c.id])).toEqual([]);
    expect(await q(`select customer_id from campaign_contacts where campaign_id = $1 group by 1 having count(*) > 1`, [c.id])).toEqual([]);
    // Control members never get a contact; a treated member at most contact_cap.
    expect(await q(`select l.customer_id from campaign_contacts_ledger l join campaign_members m on m.campaign_id = l.campaign_id and m.customer_id = l.customer_id
      where l.campaign_id = $1 and m."group" <> 'treated'`, [c.id])).toEqual([]);
    expect(await q(`select customer_id from campaign_contacts_ledger where campaign_id = $1 group by 1 having count(*) > $2`, [c.id, c.contact_cap])).toEqual([]);
  }

  beforeAll(async () => {
    t = await createTestContext({ workJobs: { pollingIntervalSeconds: 0.5 } });
    [admin, marketer, approver, viewer] = await Promise.all([t.auth('admin'), t.auth('marketer'), t.auth('campaign_approver'), t.auth('viewer')]);
    const product = async (code: string, over: Record<string, unknown>) => {
      const res = await post('/products/', admin, {
        external_product_id: code, name: `Bundle ${code}`, product_type: 'data', price: '49', currency: 'SAR', billing_cycle: 'monthly', recurring: true, features: { data_gb: 10 }, ...over,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    productA = await product('L-DATA-10', {});
    productB = await product('L-DEVICE', { name: 'Phone on instalments', product_type: 'device', price: '1500', features: {} });
    // Device instalments carry a default-risk cap: riskier subscribers get no contact for it.
    await q(`update products set max_default_risk = 0.5 where id = $1`, [productB]);
    await q(`insert into customers (id, msisdn, name, status, segments, value_band, customer_value, currency, plan_type, activation_date)
      select 'C-' || lpad(i::text, 5, '0'), '9665' || lpad(i::text, 8, '0'),
        case when i % 7 = 0 then 'سارة أحمد' when i % 11 = 0 then '+cmd Smith' else 'Name' || i || ' Family' end,
        case when i % 13 = 0 then 'inactive' else 'active' end,
        case when i % 17 = 0 then '{do_not_contact}'::text[] else '{mass}'::text[] end,
        (array['low', 'medium', 'high'])[1 + i % 3], (i % 500)::numeric, 'SAR', 'prepaid', '2023-01-01'::date
      from generate_series(1, ${SUBSCRIBERS}) i`);
    const now = new Date().toISOString();
    const [v] = await t.database.db.insert(mlModelVersions).values({
      modelName: 'payment_default_risk', version: 1, status: 'ready', isActive: true, algorithm: 'gbdt', hyperParameters: {}, seed: 1,
      progress: { stage: 'done', iteration: 0, total: 0 }, createdBy: 'test', finishedAt: now,
    }).returning();
    const [run] = await t.database.db.insert(mlScoringRuns).values({ modelName: 'payment_default_risk', modelVersionId: v!.id, version: 1, status: 'succeeded', requestedBy: 'test', finishedAt: now }).returning();
    const scores = Array.from({ length: SUBSCRIBERS }, (_, k) => ({
      customerId: `C-${String(k + 1).padStart(5, '0')}`, modelName: 'payment_default_risk', modelVersionId: v!.id, version: 1, runId: run!.id, scoredAt: now, productId: null,
      score: ((k * 37) % 100) / 100,
    }));
    for (let i = 0; i < scores.length; i += 1000) await t.database.db.insert(mlScores).values(scores.slice(i, i + 1000));
  }, 120_000);
  afterAll(() => t?.close());

  it('freezes the previewed audience with the hash control group, one ledger contact per treated member and eligible offer, and runs', async () => {
    const c = await scheduled();
    const preview = (await post(`/campaigns/${c.id}/preview/`, marketer)).json();
    expect(preview.size).toBeGreaterThan(1000);

    const res = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'scheduled', launch_state: expect.stringMatching(/queued|snapshot|contacts|done/) });
    const done = await launchEnded(c.id);
    expect(done).toMatchObject({ status: 'running', launch_state: 'done', launch_error: null, audience_size: preview.size, launch_done: preview.size, launch_total: preview.size });
    expect(done.launched_at).toMatch(/Z$/);

    const snapshot = await members(c.id);
    expect(snapshot.length).toBe(preview.size);
    expect(snapshot.filter((m) => m.group === 'control').length).toBe(preview.control);
    // Exactly the JS hash for every member, and the share within a binomial bound (5 sigma).
    const salt = String((await q('select salt from campaigns where id = $1', [c.id]))[0]!.salt);
    for (const m of snapshot) expect(m.group).toBe(assignGroup(salt, m.id, 0.2));
    const n = snapshot.length;
    const control = snapshot.filter((m) => m.group === 'control').length;
    expect(Math.abs(control - 0.2 * n)).toBeLessThan(5 * Math.sqrt(n * 0.2 * 0.8));

    // Ledger: every treated member gets offer A (no cap); offer B only within its risk cap.
    const treated = snapshot.filter((m) => m.group === 'treated');
    const risky = new Set((await q(`select customer_id from ml_scores where score > 0.5`)).map((r) => String(r.customer_id)));
    const ledger = await q(`select customer_id, product_id, channel, rendered_message, state from campaign_contacts_ledger where campaign_id = $1`, [c.id]);
    const expected = treated.length + treated.filter((m) => !risky.has(m.id)).length;
    expect(ledger.length).toBe(expected);
    expect(ledger.filter((l) => l.product_id === productB && risky.has(String(l.customer_id)))).toEqual([]);
    expect(new Set(ledger.map((l) => l.state))).toEqual(new Set(['pending']));
    // The message is the contracts' renderMessage for that subscriber and offer.
    const sara = ledger.find((l) => l.product_id === productA && String(l.customer_id) === 'C-00007');
    if (treated.some((m) => m.id === 'C-00007')) {
      expect(sara!.rendered_message).toBe(renderMessage(definition().offers![0]!.message, {
        subscriber: { name: 'سارة أحمد', msisdn: '966500000007' }, offer: { name: 'Bundle L-DATA-10', price: '49', currency: 'SAR', billing_cycle: 'monthly', features: { data_gb: 10 } },
      }).text);
    }
    await expectConsistent(done);

    // The contact history the response model learns from: every control member and every contacted treated one.
    const history = await q(`select id, customer_id, "group", product_id, channel from campaign_contacts where campaign_id = $1`, [c.id]);
    expect(history.length).toBe(control + new Set(ledger.map((l) => String(l.customer_id))).size);
    expect(history.every((h) => h.id === `${c.id}:${h.customer_id}`)).toBe(true);
    expect(history.filter((h) => h.group === 'treated').every((h) => h.product_id === productA && h.channel === 'sms')).toBe(true);
    const dated = await q(`select count(*)::int as n from campaign_members where campaign_id = $1 and contacted_at is not null`, [c.id]);
    expect(Number(dated[0]!.n)).toBe(history.length);

    const audit = (await get(`/audit-log/?entity_type=campaign&entity_id=${c.id}&action=launch`, admin)).json();
    expect(audit.results.map((e: { actor_email: string }) => e.actor_email).sort()).toEqual(['marketer@test.lyra', 'system']);

    // Launched: launching again is an illegal transition naming what is allowed.
    const again = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'illegal_transition', details: { allowed: ['pause', 'complete', 'cancel'] } });
  });

  it('serves the treated contacts as CSV with formula-guarded text, to the people who run campaigns only', async () => {
    const c = await scheduled();
    await post(`/campaigns/${c.id}/launch/`, marketer);
    await launchEnded(c.id);
    expect((await get(`/campaigns/${c.id}/targets.csv`, viewer)).statusCode).toBe(403);
    expect((await get(`/campaigns/00000000-0000-4000-8000-000000000000/targets.csv`, marketer)).statusCode).toBe(404);
    const res = await get(`/campaigns/${c.id}/targets.csv`, marketer);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual([...CAMPAIGN_TARGET_CSV_COLUMNS]);
    const ledger = await q(`select l.id, l.customer_id, c.msisdn, l.product_id, l.channel, l.rendered_message from campaign_contacts_ledger l join customers c on c.id = l.customer_id
      where l.campaign_id = $1 order by l.customer_id, l.product_id`, [c.id]);
    expect(rows.length).toBe(ledger.length);
    expect(rows.map((r) => r[0])).toEqual(ledger.map((l) => String(l.id)));
    const device = rows.find((r) => r[3] === productB)!;
    // "=cmd ..." would run as a formula in a spreadsheet: exported with the apostrophe guard.
    expect(device[6]).toMatch(/^'=cmd Phone on instalments for /);
    expect(device).toMatchObject({ 4: 'Phone on instalments', 5: 'email', 7: 'pending' });
    expect(rows.every((r) => r[2] === String(ledger.find((l) => String(l.id) === r[0])!.msisdn))).toBe(true);
    expect((await q(`select count(*)::int as n from campaign_contacts_ledger where campaign_id = $1 and state <> 'pending'`, [c.id]))[0]!.n).toBe(0);
  });

  it('refuses launching a draft (409 naming the allowed actions), a viewer (403), and edits while a launch is under way', async () => {
    const res = await post('/campaigns/', marketer, definition());
    const draft = res.json() as Campaign;
    const refused = await post(`/campaigns/${draft.id}/launch/`, marketer);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'illegal_transition', details: { status: 'draft', allowed: ['submit', 'cancel'] } });
    const c = await scheduled();
    expect((await post(`/campaigns/${c.id}/launch/`, viewer)).statusCode).toBe(403);
    expect((await post(`/campaigns/${c.id}/launch/`, approver)).statusCode).toBe(403);
    // Queued by hand (no job sent): a second launch and an edit are refused while it is under way.
    await q(`update campaigns set launch_state = 'snapshot' where id = $1`, [c.id]);
    const twice = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.details).toMatchObject({ launch_state: 'snapshot' });
    const edit = await t.app.inject({ method: 'PATCH', url: `${api}/campaigns/${c.id}/`, headers: marketer, payload: { name: 'Changed mid-launch' } });
    expect(edit.statusCode).toBe(409);
    // Cancelled mid-launch: the job stops and says why.
    expect((await post(`/campaigns/${c.id}/cancel/`, marketer)).statusCode).toBe(200);
    expect((await launcherOn(t.database).run(c.id)).status).toBe('cancelled');
    expect((await get(`/campaigns/${c.id}/`, viewer)).json()).toMatchObject({ status: 'cancelled', launch_state: 'failed', launch_error: expect.stringMatching(/cancelled during its launch/) });
  });

  it('a launch failing midway is marked failed; launching again resumes with the same groups and no duplicate contact', async () => {
    const c = await scheduled({ budget_contacts: 900 });
    // A fault in the contacts phase, after the snapshot and some contacts are committed.
    await q(`create or replace function fail_contacts() returns trigger language plpgsql as $$
      begin if new.customer_id >= 'C-01500' then raise exception 'injected fault at %', new.customer_id; end if; return new; end $$`);
    await q(`create trigger fail_contacts before insert on campaign_contacts for each row execute function fail_contacts()`);
    await q(`update campaigns set launch_state = 'queued' where id = $1`, [c.id]);
    const launcher = launcherOn(t.database);
    const failed = await launcher.run(c.id);
    expect(failed.status).toBe('failed');
    const after = (await get(`/campaigns/${c.id}/`, viewer)).json() as Campaign;
    expect(after).toMatchObject({ status: 'scheduled', launch_state: 'failed', launch_error: expect.stringMatching(/injected fault/) });
    const partial = await members(c.id);
    const partialLedger = Number((await q(`select count(*)::int as n from campaign_contacts_ledger where campaign_id = $1`, [c.id]))[0]!.n);
    expect(partialLedger).toBeGreaterThan(0);
    await q(`drop trigger fail_contacts on campaign_contacts`);

    const res = await post(`/campaigns/${c.id}/launch/`, marketer);
    expect(res.statusCode, res.body).toBe(202);
    const done = await launchEnded(c.id);
    expect(done).toMatchObject({ status: 'running', launch_state: 'done' });
    const full = await members(c.id);
    expect(full.slice(0, partial.length)).toEqual(partial);
    const preview = (await post(`/campaigns/${c.id}/preview/`, marketer)).json();
    expect(full.length).toBe(preview.size);
    // The contacts budget: exactly 900 contacts, the same ones whatever the retries (hash order).
    const ledger = await q(`select customer_id, product_id from campaign_contacts_ledger where campaign_id = $1 order by 1, 2`, [c.id]);
    expect(ledger.length).toBe(900);
    await expectConsistent(done);

    // The job run again (a duplicate delivery of the job) finds nothing to do and adds nothing.
    expect((await launcher.run(c.id)).status).toBe('skipped');
    await q(`update campaigns set launch_state = 'contacts', status = 'scheduled' where id = $1`, [c.id]);
    expect((await launcher.run(c.id)).status).toBe('succeeded');
    expect(await q(`select customer_id, product_id from campaign_contacts_ledger where campaign_id = $1 order by 1, 2`, [c.id])).toEqual(ledger);
    expect(await members(c.id)).toEqual(full);
  });

  it('a cut audience (the best N by response score) is frozen whole, then its contacts are written in pages', async () => {
    const c = await scheduled({ audience: { rules: [{ kind: 'value_band', bands: ['low', 'medium'] }], cut: { by: 'response', top: 500 } } });
    const preview = (await post(`/campaigns/${c.id}/preview/`, marketer)).json();
    await q(`update campaigns set launch_state = 'queued' where id = $1`, [c.id]);
    expect((await launcherOn(t.database).run(c.id)).status).toBe('succeeded');
    const done = (await get(`/campaigns/${c.id}/`, viewer)).json() as Campaign;
    expect(done).toMatchObject({ status: 'running', launch_state: 'done', audience_size: 500 });
    expect(preview.size).toBe(500);
    const snapshot = await members(c.id);
    expect(snapshot.filter((m) => m.group === 'control').length).toBe(preview.control);
    const treated = snapshot.filter((m) => m.group === 'treated').length;
    expect(Number((await q(`select count(distinct customer_id)::int as n from campaign_contacts_ledger where campaign_id = $1`, [c.id]))[0]!.n)).toBe(treated);
    expect(Number((await q(`select count(*)::int as n from campaign_members where campaign_id = $1 and contacted_at is not null`, [c.id]))[0]!.n)).toBe(500);
    await expectConsistent(done);
  });

  it('two workers launching the same campaign at once write every row once', async () => {
    const c = await scheduled();
    await q(`update campaigns set launch_state = 'queued' where id = $1`, [c.id]);
    // On PostgreSQL two instances (separate connection pools); on PGlite two handlers sharing its one connection.
    const other = serverUrl ? await openPostgres((t.database as Database & { url: string }).url, 3) : t.database;
    try {
      const outcomes = await Promise.all([launcherOn(t.database).run(c.id), launcherOn(other).run(c.id)]);
      expect(outcomes.map((o) => o.status), JSON.stringify(outcomes)).toContain('succeeded');
    } finally {
      if (other !== t.database) await other.close();
    }
    const done = (await get(`/campaigns/${c.id}/`, viewer)).json() as Campaign;
    expect(done).toMatchObject({ status: 'running', launch_state: 'done' });
    const preview = (await post(`/campaigns/${c.id}/preview/`, marketer)).json();
    expect(done.audience_size).toBe(preview.size);
    await expectConsistent(done);
    const treated = (await members(c.id)).filter((m) => m.group === 'treated').length;
    const contacted = Number((await q(`select count(distinct customer_id)::int as n from campaign_contacts_ledger where campaign_id = $1`, [c.id]))[0]!.n);
    expect(contacted).toBe(treated);
  });
});
