import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignList, CampaignReport } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { seedDemoCustomers } from '../customers/customers.seed.js';
import { ensureDemoCampaigns, DEMO_LAUNCHED_DAYS_AGO } from './demo-campaigns.js';
import { seedDemoCatalog } from './demo.service.js';

const api = '/api/loyalty/v1';

describe('demo campaigns', () => {
  let t: TestContext;

  beforeAll(async () => {
    // The first start's order: catalog, subscribers, then the campaigns (pg-boss opened, as at start-up).
    t = await createTestContext({ workJobs: {} });
    await seedDemoCatalog({ products: t.container.products });
    expect(await seedDemoCustomers(t.container, { customers: 1500, seed: 1 })).toBe(1500);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a fresh demo has a running campaign with a positive measured uplift and a draft, made by two people; a second start adds nothing', async () => {
    const made = await ensureDemoCampaigns(t.container);
    expect(made).not.toBeNull();
    expect(made!.users.map((u) => u.role).sort()).toEqual(['campaign_approver', 'marketer']);
    expect(await ensureDemoCampaigns(t.container)).toBeNull();

    const viewer = await t.auth('viewer');
    const list = (await t.app.inject({ url: `${api}/campaigns/?limit=10`, headers: viewer })).json() as CampaignList;
    expect(list.results.map((c) => c.status).sort()).toEqual(['draft', 'running']);
    const running = list.results.find((c) => c.status === 'running')!;
    expect(running.id).toBe(made!.running);
    // Maker-checker held: submitted by one demo user, approved by the other.
    expect(running.submitted_by).not.toBeNull();
    expect(running.approved_by).not.toBeNull();
    expect(running.approved_by).not.toBe(running.submitted_by);
    expect(running.uplift).not.toBeNull();
    expect(running.uplift!.estimate).toBeGreaterThan(0);

    const report = (await t.app.inject({ url: `${api}/campaigns/${running.id}/report/`, headers: viewer })).json() as CampaignReport;
    expect(report.state).toBe('open');
    expect(Date.now() - Date.parse(report.launched_at!)).toBeGreaterThan((DEMO_LAUNCHED_DAYS_AGO - 1) * 86_400_000);
    expect(report.treated.members).toBeGreaterThan(50);
    expect(report.control.members).toBeGreaterThan(10);
    expect(report.uplift!.estimate).toBeGreaterThan(0);
    expect(report.treated.rate!).toBeGreaterThan(report.control.rate!);
    expect(report.daily.length).toBe(DEMO_LAUNCHED_DAYS_AGO + 1);
    expect(report.daily.at(-1)!.treated_responders).toBe(report.treated.responders);
    expect(report.revenue.length).toBeGreaterThan(0);
    expect(report.cost.contacts).toBeGreaterThan(0);

    const draft = list.results.find((c) => c.status === 'draft')!;
    expect(draft.uplift).toBeNull();
    expect((await t.app.inject({ url: `${api}/campaigns/${draft.id}/report/`, headers: viewer })).json().state).toBe('not_launched');
  });
});
