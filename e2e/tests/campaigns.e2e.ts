import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { RunningServer } from './support/server';
import { chooseOption, openSession, reportFailures, screenshot, type BrowserSession } from './support/browser';
import { login } from './support/app';
import { apiGet, apiToken, simulatorControl, waitForIdleSyncs } from './support/api';

const API = '/api/loyalty/v1';
const MARKETER = { email: 'maker@lyra.local', name: 'Mira Maker', password: 'maker-password-1', role: 'marketer' };
const APPROVER = { email: 'checker@lyra.local', name: 'Cem Checker', password: 'checker-password-1', role: 'campaign_approver' };
const SEGMENT = 'heavy_data';
const NAME = 'E2E heavy data upsell';

interface ProductRow { id: string; name: string; external_product_id: string; external_system: string; price: string | null }

/**
 * A marketer builds a campaign (two products, a segment, a default-risk threshold) in the
 * stepper with its live funnel, message preview and review forecast, and submits it; an approver
 * approves it; the marketer launches it; the view shows the offers' details and the audience; a
 * sync that retires one of its offers in Xiva pauses it, with the reason on the campaign, the
 * landing page and the dashboard.
 */
describe('campaigns', () => {
  let session: BrowserSession;
  // Failures show the marketer's page (the admin's is used only at the end).
  reportFailures(() => session && (page ? { ...session, page } : session));
  let server: RunningServer;
  let admin: Page;
  let browser: Browser;
  let makerContext: BrowserContext;
  let page: Page;
  let token = '';
  let xivaId = '';
  /** Offered products: the first is the one the Xiva simulator no longer lists (retired at the next sync). */
  let retiring: ProductRow;
  let other: ProductRow;
  let campaignPath = '';

  const post = async (path: string, body: unknown): Promise<Response> =>
    fetch(`${server.url}${API}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const status = (on: Page = page): Promise<string | null> => on.locator('[data-test=campaign-status]').first().getAttribute('data-status');

  /** Picks a product in the builder's picker by searching its name. */
  async function pickOffer(product: ProductRow) {
    const picker = page.locator('[data-test=offer-picker]');
    await picker.locator('[data-test=offer-search]').fill(product.name);
    const row = picker.locator('.el-table__body tr.el-table__row', { hasText: product.name }).first();
    await row.waitFor();
    await row.locator('[data-test=offer-pick]').click();
    await row.locator('.el-tag', { hasText: 'Picked' }).waitFor();
  }

  /** Opens the multiple select of a rule and picks the option whose label starts with `name`. */
  async function chooseSegment(select: Locator, name: string) {
    await select.click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${name} \\(`) }).first().click();
    await page.keyboard.press('Escape');
    await expect.poll(() => select.innerText()).toContain(name);
  }

  beforeAll(async () => {
    session = await openSession();
    ({ server, page: admin } = session);
    token = await apiToken(server.url);
    await waitForIdleSyncs(server.url, token);
    for (const u of [MARKETER, APPROVER]) expect((await post('/users/', u)).status).toBe(201);

    // Two products a campaign for the segment may offer; the first one is then removed from the
    // Xiva simulator (nothing changes in Lyra until the next sync retires it).
    const systems = await apiGet<{ results: { id: string; system_type: string; base_url: string }[] }>(server.url, token, '/external-systems/');
    const xiva = systems.results.find((s) => s.system_type === 'xiva')!;
    xivaId = xiva.id;
    const simOrigin = new URL(xiva.base_url).origin;
    const available = (await apiGet<{ results: ProductRow[] }>(server.url, token, `/products/available/?segment=${SEGMENT}&limit=500`)).results;
    const names = new Set<string>();
    const unique = available.filter((p) => !names.has(p.name) && names.add(p.name));
    for (let attempt = 0; attempt < 25 && !retiring; attempt++) {
      const { removed } = (await simulatorControl(simOrigin, { remove: 1 })) as { removed: string[] };
      retiring = unique.find((p) => p.external_system === 'xiva' && removed.includes(p.external_product_id))!;
    }
    expect(retiring, 'a removed Xiva product that the segment may be offered').toBeDefined();
    other = unique.find((p) => p.id !== retiring.id && p.external_system !== 'xiva')!;
    expect(other).toBeDefined();

    browser = admin.context().browser()!;
    makerContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Riyadh' });
    page = await makerContext.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => session.pageErrors.push(`marketer page: ${err.message}`));
  });

  afterAll(async () => {
    await makerContext?.close();
    await session?.close();
  });

  it('lands a marketer on the campaigns, first in the menu', async () => {
    await login(page, server.url, MARKETER.email, MARKETER.password);
    await page.waitForURL((u) => u.pathname === '/campaigns');
    const nav = await page.locator('aside [data-test^=nav-]').allInnerTexts();
    expect(nav[0]?.trim()).toBe('Campaigns');
    // The demo's running campaign, with its measured uplift.
    await page.locator('[data-test=landing-running] [data-test=uplift]').first().waitFor();
  });

  it("waits for the demo's payment default risk scores (the threshold below reads them)", async () => {
    // The demo trains and scores its models after the first sync; on a busy machine this takes minutes.
    await expect
      .poll(async () => {
        const runs = await apiGet<{ results: { status: string }[] }>(server.url, token, '/ml/models/payment_default_risk/scoring-runs/');
        return runs.results.some((r) => r.status === 'succeeded');
      }, { timeout: 1_500_000, interval: 5_000 })
      .toBe(true);
  }, 1_600_000);

  it('builds a campaign in the stepper with a live funnel', async () => {
    await page.locator('[data-test=campaign-create]').click();
    await page.waitForURL(/\/campaigns\/new$/);

    // Basics: the builder's own check stops an empty step.
    await page.locator('[data-test=builder-next]').click();
    await expect.poll(() => page.locator('[data-test=step-basics] .el-form-item__error').allInnerTexts()).toContain('Name is required');
    await page.locator('[data-test=field-name]').fill(NAME);
    await chooseOption(page, page.locator('[data-test=field-objective]'), 'Upsell');
    await page.locator('[data-test=builder-next]').click();

    // Audience: a managed segment, then a score threshold; each rule shows what remains after it.
    const audience = page.locator('[data-test=step-audience]');
    await audience.waitFor();
    await audience.locator('[data-test=add-rule-1]').click();
    await page.locator('.el-dropdown-menu__item[data-test=add-rule-kind-segments]:visible').last().dispatchEvent('click');
    await chooseSegment(audience.locator('[data-test=rule-segments]').first(), SEGMENT);
    // Reliable payers: a default-risk score threshold (the demo's model has scored everyone, see above).
    await audience.locator('[data-test=add-rule-1]').click();
    await page.locator('.el-dropdown-menu__item[data-test=add-rule-kind-default_risk]:visible').last().dispatchEvent('click');
    const risk = audience.locator('[data-test=rule-default_risk] .el-input-number input');
    await risk.fill('0.5');
    await risk.press('Tab');

    const funnel = page.locator('[data-test=audience-funnel]');
    await funnel.locator('[data-test=funnel-step][data-step="rules.1"]').waitFor();
    await expect.poll(() => funnel.locator('[data-test=funnel-step]').first().innerText()).toMatch(/active subscribers[\s\S]*\d/);
    const remaining = async () => (await audience.locator('[data-test=rule-remaining]').allInnerTexts()).map((t) => Number(t.replace(/\D/g, '')));
    await expect.poll(async () => (await remaining()).length).toBe(2);
    const [afterSegment, afterPayers] = await remaining();
    expect(afterSegment).toBeGreaterThan(0);
    expect(afterPayers).toBeGreaterThan(0);
    expect(afterPayers).toBeLessThanOrEqual(afterSegment!);
    const size = Number((await funnel.locator('[data-test=funnel-size]').innerText()).replace(/\D/g, ''));
    const treated = Number((await funnel.locator('[data-test=funnel-treated]').innerText()).replace(/\D/g, ''));
    const control = Number((await funnel.locator('[data-test=funnel-control]').innerText()).replace(/\D/g, ''));
    expect(treated + control).toBe(size);
    expect(control).toBeGreaterThan(0);
    await screenshot(page, 'campaign-builder.png');
    await page.locator('[data-test=builder-next]').click();

    // Offers: two products from the picker, each with its details card.
    await page.locator('[data-test=step-offers]').waitFor();
    await pickOffer(retiring);
    await pickOffer(other);
    const cards = page.locator('[data-test=picked-offers] [data-test=offer-card]');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await cards.first().locator('[data-test=offer-price]').innerText()).toMatch(/\d/);
    expect(await cards.first().locator('[data-test=offer-source]').innerText()).toMatch(/Xiva/);
    await expect.poll(() => cards.first().locator('[data-test=offer-eligible]').innerText()).toMatch(/\d+ in the audience/);
    await page.locator('[data-test=builder-next]').click();

    // Message: the rendered sample and its SMS count; Arabic text is UCS-2.
    const first = page.locator('[data-test=message-editor-0]');
    await first.waitFor();
    expect(await first.locator('[data-test=message-sample]').first().innerText()).toContain(retiring.name.slice(0, 10));
    expect(await first.locator('[data-test=sms-facts]').first().getAttribute('data-encoding')).toBe('GSM-7');
    expect(await first.locator('[data-test=sms-facts]').nth(1).getAttribute('data-encoding')).toBe('UCS-2');
    const second = page.locator('[data-test=message-editor-1]');
    await second.locator('[data-test=offer-message]').fill('عرض خاص لك: {offer_name} بسعر {price} {currency}');
    await expect.poll(() => second.locator('[data-test=sms-facts]').first().getAttribute('data-encoding')).toBe('UCS-2');
    await page.locator('[data-test=builder-next]').click();
    await page.locator('[data-test=step-control]').waitFor();
    await page.locator('[data-test=builder-next]').click();

    // Review: the forecast of the whole definition.
    const review = page.locator('[data-test=step-review]');
    await expect.poll(async () => Number((await review.locator('[data-test=review-size]').innerText()).replace(/\D/g, ''))).toBe(size);
    await expect.poll(() => review.locator('[data-test=review-offers] .el-table__body tr').count()).toBe(2);
  });

  it('submits for approval; the marketer cannot approve', async () => {
    await page.locator('[data-test=builder-submit]').click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    campaignPath = new URL(page.url()).pathname;
    await expect.poll(() => status()).toBe('pending_approval');
    expect(await page.locator('[data-test=action-approve]').count()).toBe(0);
  });

  it('an approver approves it from the landing page', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Riyadh' });
    try {
      const approver = await context.newPage();
      approver.on('pageerror', (err) => session.pageErrors.push(`approver page: ${err.message}`));
      await login(approver, server.url, APPROVER.email, APPROVER.password);
      await approver.waitForURL((u) => u.pathname === '/campaigns');
      const item = approver.locator('[data-test=attention-item][data-kind=awaiting_approval]', { hasText: NAME });
      await item.locator('a').click();
      await approver.waitForURL((u) => u.pathname === campaignPath);
      await approver.locator('[data-test=action-approve]').click();
      await expect.poll(() => status(approver)).toBe('scheduled');
    } finally {
      await context.close();
    }
  });

  it('launches, and the view shows the offers, the audience and the results', async () => {
    await page.reload();
    await expect.poll(() => status()).toBe('scheduled');
    await page.locator('[data-test=action-launch]').click();
    await expect.poll(() => status(), { timeout: 120_000 }).toBe('running');

    const offers = page.locator('[data-test=campaign-offers] [data-test=offer-card]');
    await expect.poll(() => offers.count()).toBe(2);
    expect(await offers.locator('[data-test=offer-name]').allInnerTexts()).toEqual([retiring.name, other.name]);
    expect(await offers.first().locator('[data-test=offer-allowances]').count()).toBe(1);
    const rules = await page.locator('[data-test=audience-rules]').innerText();
    expect(rules).toContain(SEGMENT);
    expect(rules).toMatch(/Payment default risk ≤ 50(\.0)?%/);
    await expect.poll(async () => Number((await page.locator('[data-test=audience-size]').innerText()).replace(/\D/g, ''))).toBeGreaterThan(0);
    await page.locator('[data-test=campaign-results]').waitFor();
    await page.locator('[data-test=targets-csv]').waitFor();
    const csv = await page.request.get(`${server.url}${API}${campaignPath}/targets.csv`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\n')[0]).toContain('customer_id');
    await screenshot(page, 'campaign-view.png');
  });

  it('pauses by itself when a sync retires one of its offers, with the reason everywhere', async () => {
    const res = await post('/products/sync/', { external_system_id: xivaId, mode: 'full' });
    expect(res.status).toBe(202);
    await waitForIdleSyncs(server.url, token, 4);

    await expect
      .poll(async () => {
        await page.reload();
        await page.locator('[data-test=campaign-status]').first().waitFor();
        return status();
      }, { timeout: 90_000, interval: 2_000 })
      .toBe('paused');
    const reason = await page.locator('[data-test=paused-reason]').innerText();
    expect(reason).toContain(retiring.name);
    expect(await page.locator('[data-test=offer-retired]').count()).toBe(1);

    await page.goto(`${server.url}/campaigns`);
    const item = page.locator('[data-test=attention-item][data-kind=paused]', { hasText: NAME });
    await item.waitFor();
    expect(await item.innerText()).toContain(retiring.name);
    await screenshot(page, 'campaigns-landing.png');

    await login(admin, server.url);
    await admin.waitForURL((u) => u.pathname === '/admin');
    const notice = admin.locator('[data-test=paused-campaigns-notice]');
    await notice.waitFor();
    expect(await notice.innerText()).toContain(NAME);
  });

  it('raised no uncaught errors in the pages', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
