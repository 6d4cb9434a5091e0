import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { RunningServer } from './support/server';
import { chooseOption, openSession, reportFailures, screenshot, type BrowserSession } from './support/browser';
import { expectPath, login, tableNames, waitForTable } from './support/app';
import { apiGet, apiToken, simulatorControl, waitForIdleSyncs } from './support/api';

describe('catalog sync', () => {
  let session: BrowserSession;
  reportFailures(() => session);
  let server: RunningServer;
  let page: Page;
  /** The Xiva simulator's origin, read from the system's base URL on screen. */
  let xivaSim = '';
  let runPath = '';
  const retiredNames: string[] = [];

  const xivaCard = (): Locator => page.locator('[data-test=system-card-xiva]');
  const drawer = (): Locator => page.locator('[data-test=system-drawer]');
  /** Element's dropdown menus are teleported to <body>; only the open one is visible. */
  const menuItem = (test: string): Locator => page.locator(`.el-dropdown-menu__item[data-test=${test}]:visible`);
  /**
   * The history chart draws one line per system: ECharts' own accessible description of what it
   * rendered names each series ("It consists of 3 series count. … representing Xiva BSS …").
   */
  const expectOneSeriesPerSystem = async (systems: string[], on: Page = page) => {
    const chart = on.locator('[data-test=runs-chart] [aria-label*="series"]');
    await expect.poll(() => chart.getAttribute('aria-label')).toContain(`It consists of ${systems.length} series`);
    const label = (await chart.getAttribute('aria-label')) ?? '';
    for (const name of systems) expect(label).toContain(`representing ${name}.`);
    expect(await on.locator('[data-test=runs-chart]').getAttribute('data-systems')).toBe(String(systems.length));
  };

  beforeAll(async () => {
    // No test here looks at models: the demo's three trainings would only compete for the CPU.
    session = await openSession({ DEMO_MODELS: '0' });
    ({ server, page } = session);
    // The demo queues a first full sync of Xiva, CRM and billing on first start; let them finish.
    await waitForIdleSyncs(server.url, await apiToken(server.url));
  });

  afterAll(async () => {
    if (xivaSim) await simulatorControl(xivaSim, { faults: { latencyMs: 40 } }).catch(() => undefined);
    await session?.close();
  });

  it('opens Admin → External systems with the three simulator systems', async () => {
    await login(page, server.url);
    await page.locator('[data-test=nav-systems]').click();
    await page.waitForURL(/\/admin\/external-systems$/);
    for (const type of ['xiva', 'crm', 'billing']) await page.locator(`[data-test=system-card-${type}]`).waitFor();
    await expect.poll(() => xivaCard().locator('[data-test=system-last-run]').innerText()).toMatch(/Succeeded/);
    expect(Number((await xivaCard().locator('[data-test=system-product-count]').innerText()).replace(/\D/g, ''))).toBeGreaterThan(0);
    xivaSim = (await xivaCard().locator('.url').innerText()).trim().replace(/\/api\/?$/, '');
    expect(xivaSim).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('edits the Xiva frequency to every 3 days, previews the next run and shows the saved one', async () => {
    await xivaCard().locator('[data-test=system-edit]').click();
    await drawer().waitFor();
    // Secrets are write-only: the field is empty and says the stored one is kept.
    expect(await drawer().locator('[data-test=field-auth-secret]').inputValue()).toBe('');
    await drawer().locator('[data-test=secret-stored-hint]').waitFor();

    // A schedule with no run of its own yet counts its days from today's 02:00 UTC (schedule.ts): a
    // preview made before midnight and a save after it name different slots, both right.
    const utcDay = () => new Date().toISOString().slice(0, 10);
    const previewDay = utcDay();
    await drawer().locator('[data-test=frequency-option-every_n_days]').click();
    const days = drawer().locator('[data-test=frequency-days] input');
    await days.fill('3');
    await days.press('Tab');
    const preview = drawer().locator('[data-test=next-run-preview]');
    await expect.poll(() => preview.innerText()).toContain('Every 3 days at 02:00 UTC');
    expect(await preview.innerText()).toContain('Next run after saving:');
    const previewUtc = await preview.locator('[data-test=next-run-utc]').innerText();
    expect(previewUtc).toMatch(/\d{2}:00 UTC$/);

    await drawer().locator('[data-test=system-save]').click();
    await drawer().waitFor({ state: 'hidden' });
    await page.locator('.el-message--success', { hasText: 'Next run' }).waitFor();
    await expect.poll(() => xivaCard().locator('[data-test=system-frequency]').innerText()).toBe('Every 3 days at 02:00 UTC');
    // The server's next_run_at, shown in UTC, is the slot the preview promised (on the same UTC day).
    const saved = xivaCard().locator('[data-test=system-next-run-utc]');
    if (utcDay() === previewDay) await expect.poll(() => saved.innerText()).toBe(previewUtc);
    else expect(await saved.innerText()).toMatch(/ 02:00 UTC$/);
    expect(await xivaCard().locator('[data-test=system-next-run]').innerText()).toMatch(/^in /);
  });

  it('tests the Xiva connection', async () => {
    await xivaCard().locator('[data-test=system-test]').click();
    const result = xivaCard().locator('[data-test=connection-result] .el-alert');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.innerText()).toMatch(/Connection OK — v5, \d+ offerings/);
  });

  it('validates the create form (nothing is created)', async () => {
    // An admin may add systems: the button is enabled and says nothing against it.
    expect(await page.locator('[data-test=system-create]').isDisabled()).toBe(false);
    expect(await page.locator('[data-test=system-create-wrap]').getAttribute('data-reason')).toBe('');
    await page.locator('[data-test=system-create]').click();
    await drawer().waitFor();
    // Which types may be added is the server's call, not a rule the console repeats: every type is offered.
    for (const type of ['xiva', 'crm', 'billing']) expect(await drawer().locator(`[data-test=type-${type}]`).isDisabled()).toBe(false);
    await drawer().locator('[data-test=system-save]').click();
    const errors = () => drawer().locator('.el-form-item__error').allInnerTexts();
    await expect.poll(errors).toContain('Name is required');
    expect(await errors()).toEqual(expect.arrayContaining(['Choose the kind of system', 'Base URL is required', 'Choose how Lyra signs in']));
    expect(await drawer().locator('[data-test=system-form-error]').innerText()).toContain('Please correct the highlighted fields.');
    await drawer().getByRole('button', { name: 'Cancel' }).click();
    await drawer().waitFor({ state: 'hidden' });
    expect(await page.locator('[data-test=systems-list] article').count()).toBe(3);
  });

  it('syncs Xiva now (full) and follows its progress to the result', async () => {
    // A slower source makes the progress observable; 3 changed and 2 removed items give the run something to do.
    await simulatorControl(xivaSim, { faults: { latencyMs: 400 }, change: 3, remove: 2 });
    await xivaCard().locator('[data-test=sync-now-xiva]').click();
    await menuItem('sync-mode-full').click();

    const panel = xivaCard().locator('[data-test=sync-progress]');
    await panel.locator('[data-test=sync-progress-bar]').waitFor();
    expect(await panel.locator('[data-test=sync-progress-text]').innerText()).toMatch(/items read|Waiting/);
    await panel.locator('[data-test=sync-cancel]').waitFor();

    // What the panel shows while the run goes: it must leave "Starting" and show the run's own progress.
    const result = panel.locator('[data-test=sync-result]');
    const seen: { phase: string; stage: string; text: string }[] = [];
    const deadline = Date.now() + 60_000;
    while (!(await result.count()) && Date.now() < deadline) {
      const phase = (await panel.getAttribute('data-phase').catch(() => null)) ?? '';
      const stage = (await panel.getAttribute('data-stage').catch(() => null)) ?? '';
      const text = phase === 'watching' ? await panel.locator('[data-test=sync-progress-text]').innerText().catch(() => '') : '';
      seen.push({ phase, stage, text });
      await page.waitForTimeout(150);
    }
    const watching = seen.filter((s) => s.phase === 'watching');
    expect(watching.length).toBeGreaterThan(0);
    // Once following the run it never goes back to "starting".
    expect(seen.slice(seen.findIndex((s) => s.phase === 'watching')).every((s) => s.phase === 'watching' || s.phase === 'finished')).toBe(true);
    // Live numbers: some items read before the end, under a named stage.
    expect(watching.some((s) => /^[1-9][\d,]* of [\d,]+ items read$/.test(s.text) && ['reading', 'finishing'].includes(s.stage))).toBe(true);
    expect(await panel.locator('[data-test=sync-starting]').count()).toBe(0);

    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-status')).toBe('succeeded');
    expect(await panel.locator('[data-test=sync-outcome]').innerText()).toMatch(/Succeeded[\s\S]*Read \d+ items: [\s\S]*2 retired/);
    expect(await panel.locator('[data-test=count-retired] .n').innerText()).toBe('2');
    expect(Number(await panel.locator('[data-test=count-updated] .n').innerText())).toBeGreaterThan(0);
    await expect.poll(() => xivaCard().locator('[data-test=system-last-run]').innerText()).toMatch(/Succeeded[\s\S]*just now/);
    await simulatorControl(xivaSim, { faults: { latencyMs: 40 } });
    await screenshot(page, 'external-systems.png');
  });

  it('opens the sync history filtered by Xiva, then the run details with counts and changes', async () => {
    await page.locator('[data-test=nav-sync]').click();
    await page.waitForURL(/\/admin\/sync-runs$/);
    const rows = page.locator('[data-test=runs-table] .el-table__body tr.el-table__row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    await page.locator('[data-test=runs-chart] canvas').waitFor();
    await expectOneSeriesPerSystem(['Xiva BSS (simulator)', 'CRM (simulator)', 'Billing OCS (simulator)']);
    // Every time on the page in the one format.
    expect(await page.locator('[data-test=run-started]').first().innerText()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);

    // One connected system by name (its id in the URL); "All Xiva BSS" would take every Xiva system.
    await chooseOption(page, page.locator('[data-test=filter-run-system]'), 'Xiva BSS (simulator)');
    await page.waitForURL((u) => /^[0-9a-f-]{36}$/.test(u.searchParams.get('system_id') ?? ''));
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().innerText()).toMatch(/Xiva BSS[\s\S]*Manual[\s\S]*Full[\s\S]*Succeeded/);

    await rows.first().locator('a').first().click();
    await page.waitForURL(/\/admin\/sync-runs\/[0-9a-f-]{36}$/);
    runPath = new URL(page.url()).pathname;
    await expect.poll(() => page.locator('[data-test=run-status]').innerText()).toBe('Succeeded');
    expect(await page.locator('[data-test=count-retired] .n').innerText()).toBe('2');
    expect(Number((await page.locator('[data-test=count-unchanged] .n').innerText()).replace(/\D/g, ''))).toBeGreaterThan(300);
    expect(await page.locator('[data-test=run-duration]').innerText()).toMatch(/\d/);

    const changes = page.locator('[data-test=run-changes] .el-table__body tr.el-table__row');
    await expect.poll(() => changes.filter({ hasText: 'Retired' }).count()).toBe(2);
    for (const row of await changes.filter({ hasText: 'Retired' }).all()) retiredNames.push((await row.locator('a').innerText()).trim());
    expect(retiredNames.every((n) => n && !n.startsWith('Product '))).toBe(true);
    await screenshot(page, 'sync-run.png');
  });

  it('filters the catalog by system Xiva with last synced times, and lists the retired products', async () => {
    await page.locator('[data-test=nav-catalog]').click();
    await page.waitForURL(/\/admin\/products$/);
    await waitForTable(page);
    // The filter picks one connected system (several may share a type), by name.
    await chooseOption(page, page.locator('[data-test=filter-system]'), 'Xiva BSS (simulator)');
    await page.waitForURL((u) => /^[0-9a-f-]{36}$/.test(u.searchParams.get('external_system_id') ?? ''));
    await waitForTable(page);
    const rows = page.locator('[data-test=product-table] .el-table__body tr.el-table__row');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    for (const row of (await rows.all()).slice(0, 5)) {
      const text = await row.innerText();
      expect(text).toContain('Xiva BSS');
      expect(text).toMatch(/just now|min ago/);
    }

    await chooseOption(page, page.locator('[data-test=filter-status]'), 'Retired');
    await page.waitForURL((u) => u.searchParams.get('status') === 'retired' && !!u.searchParams.get('external_system_id'));
    await waitForTable(page);
    await expect.poll(async () => (await tableNames(page)).sort()).toEqual([...retiredNames].sort());
  });

  it('shows the sync frequency and history link on a synced product', async () => {
    await page.locator('[data-test=product-table] .name').first().click();
    await page.waitForURL(/\/admin\/products\/[0-9a-f-]{36}$/);
    const card = page.locator('[data-test=sync-card]');
    await expect.poll(() => card.locator('[data-test=product-sync-frequency]').innerText()).toBe('Every 3 days at 02:00 UTC');
    expect(await card.locator('[data-test=product-next-sync]').innerText()).toMatch(/UTC/);
    await page.locator('[data-test=product-changes] .el-table__row', { hasText: 'Retired' }).waitFor();
    await card.locator('[data-test=product-sync-history]').click();
    // The product's own system, by id: another system of the same type keeps its runs apart.
    await page.waitForURL((u) => u.pathname === '/admin/sync-runs' && /^[0-9a-f-]{36}$/.test(u.searchParams.get('system_id') ?? ''));
    await page.locator('[data-test=runs-table] .el-table__row').first().waitFor();
  });

  it('stops a suspicious full sync at the retire guard, then confirms the retirement', async () => {
    // 120 of ~398 offerings vanish at once: more than the 20% guard.
    await simulatorControl(xivaSim, { remove: 120 });
    await page.goto(`${server.url}/admin/products`);
    await waitForTable(page);
    await page.locator('[data-test=catalog-sync-menu]').click();
    await menuItem('catalog-sync-xiva-full').click();

    const panel = page.locator('[data-test=catalog-syncs] [data-test=sync-progress]');
    await panel.locator('[data-test=sync-result]').waitFor({ timeout: 60_000 });
    expect(await panel.locator('[data-test=sync-result]').getAttribute('data-status')).toBe('partially_succeeded');
    expect(await panel.locator('[data-test=sync-outcome]').innerText()).toMatch(/Stopped at the retire guard[\s\S]*Nothing was retired/);
    expect(await panel.locator('[data-test=count-retired] .n').innerText()).toBe('0');

    await panel.locator('[data-test=sync-force]').click();
    const confirm = page.locator('.el-message-box:visible');
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Force full sync' }).click();
    await expect.poll(() => panel.locator('[data-test=sync-result]').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await panel.locator('[data-test=count-retired] .n').innerText()).toBe('120');
    expect(await panel.innerText()).toContain('Full (forced) sync');
  });

  it('keeps the run details on their own URL', async () => {
    await page.goto(`${server.url}${runPath}`);
    await expect.poll(() => page.locator('[data-test=run-status]').innerText()).toBe('Succeeded');
    expectPath(page, runPath);
  });

  it('says plainly why a run that reached nothing failed', async () => {
    const token = await apiToken(server.url);
    const billing = (await apiGet<{ results: { id: string; system_type: string; base_url: string }[] }>(server.url, token, '/external-systems/')).results.find((s) => s.system_type === 'billing')!;
    const patch = (base_url: string) =>
      fetch(`${server.url}/api/loyalty/v1/external-systems/${billing.id}/`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ base_url }),
      }).then((r) => expect(r.status).toBe(200));
    // Set-up: a port nothing listens on, so the run cannot reach the system at all.
    await patch('http://127.0.0.1:9');
    try {
      await page.goto(`${server.url}/admin/external-systems`);
      const card = page.locator('[data-test=system-card-billing]');
      await card.locator('[data-test=sync-now-billing]').click();
      await menuItem('sync-mode-full').click();
      const panel = card.locator('[data-test=sync-progress]');
      await panel.locator('[data-test=sync-result]').waitFor({ timeout: 90_000 });
      expect(await panel.locator('[data-test=sync-result]').getAttribute('data-status')).toBe('failed');
      const outcome = await panel.locator('[data-test=sync-outcome]').innerText();
      expect(outcome).toMatch(/Failed — could not reach the system/);
      expect(outcome).toContain('Nothing was read from the source');
      expect(outcome).not.toMatch(/TypeError|fetch failed/);
      expect((await panel.locator('[data-test=sync-error]').innerText()).trim()).not.toBe('');

      await panel.locator('[data-test=sync-run-link]').click();
      await page.waitForURL(/\/admin\/sync-runs\/[0-9a-f-]{36}$/);
      expect(await page.locator('[data-test=run-summary]').innerText()).toMatch(/Failed — could not reach the system[\s\S]*Nothing was read/);
      const none = await page.locator('[data-test=item-errors-none]').innerText();
      expect(none).toMatch(/No records were read/);
      expect(none).not.toMatch(/Every record/);
      expect(await page.locator('[data-test=run-facts]').innerText()).toMatch(/Started\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      await screenshot(page, 'sync-run-failed.png');
    } finally {
      await patch(billing.base_url);
    }
  });

  it('gives a non-admin no way to add or manage systems, and the history with one line per system', async () => {
    const token = await apiToken(server.url);
    const viewer = { email: 'viewer@lyra.local', name: 'Vera Viewer', password: 'viewer-password-1', role: 'viewer' };
    const created = await fetch(`${server.url}/api/loyalty/v1/users/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(viewer),
    });
    expect(created.status).toBe(201);
    const context = await page.context().browser()!.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Riyadh' });
    try {
      const other = await context.newPage();
      other.on('pageerror', (err) => session.pageErrors.push(`viewer page: ${err.message}`));
      await login(other, server.url, viewer.email, viewer.password);
      // systems:read and systems:manage are the admin's only (server permission table): no menu entry...
      await other.locator('[data-test=nav-sync]').waitFor();
      expect(await other.locator('[data-test=nav-systems]').count()).toBe(0);
      // ...and the page itself sends a viewer back with a reason, so "Add system" is never offered.
      await other.goto(`${server.url}/admin/external-systems`);
      await other.waitForURL((u) => u.pathname === '/admin');
      await other.locator('.el-message', { hasText: 'Your role does not give access to that page.' }).waitFor();
      expect(await other.locator('[data-test=system-create]').count()).toBe(0);

      await other.locator('[data-test=nav-sync]').click();
      await other.waitForURL(/\/admin\/sync-runs$/);
      await other.locator('[data-test=runs-chart] canvas').waitFor();
      await expectOneSeriesPerSystem(['Xiva BSS (simulator)', 'CRM (simulator)', 'Billing OCS (simulator)'], other);
      expect(await other.getByRole('button', { name: 'External systems' }).count()).toBe(0);
      await screenshot(other, 'sync-history-viewer.png');
    } finally {
      await context.close();
    }
  });

  it('raised no uncaught errors in the page', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
