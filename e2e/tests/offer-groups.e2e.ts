import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningServer } from './support/server';
import { openSession, reportFailures, screenshot, type BrowserSession } from './support/browser';
import { login, waitForTable } from './support/app';
import { apiGet, apiToken, waitForIdleSyncs } from './support/api';

interface Row { id: string; name: string; external_system: string; offer_group_id: string | null }

describe('offer groups in the console', () => {
  let session: BrowserSession;
  reportFailures(() => session);
  let server: RunningServer;
  let page: Page;
  let xiva: Row;
  let crm: Row;

  beforeAll(async () => {
    // No test here looks at models: the demo's three trainings would only compete for the CPU.
    session = await openSession({ DEMO_MODELS: '0' });
    ({ server, page } = session);
    const token = await apiToken(server.url);
    await waitForIdleSyncs(server.url, token);
    // Set-up: link a CRM record to a Xiva record (the demo systems know different offers).
    const pick = async (system: string) =>
      (await apiGet<{ results: Row[] }>(server.url, token, `/products/?external_system=${system}&status=active&limit=50`)).results.find((r) => !r.offer_group_id)!;
    xiva = await pick('xiva');
    crm = await pick('crm');
    const res = await fetch(`${server.url}/api/loyalty/v1/products/${crm.id}/link/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ product_id: xiva.id }),
    });
    if (!res.ok) throw new Error(`link failed: ${res.status} ${await res.text()}`);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('shows the group card on the details page, and an admin makes the CRM record the master', async () => {
    await login(page, server.url);
    await page.goto(`${server.url}/admin/products/${xiva.id}`);
    const card = page.locator('[data-test=group-card]');
    await card.waitFor();
    await expect.poll(() => card.locator('[data-test=group-members] .el-table__body tr').count()).toBe(2);
    expect(await card.locator('[data-test=group-master]').count()).toBe(1);
    await card.locator('[data-test=group-make-master]').first().click();
    await page.locator('.el-message--success', { hasText: 'is now the master' }).waitFor();
    await expect.poll(() => card.locator('[data-test=group-disagreements]').count()).toBe(1);
    await screenshot(page, 'offer-group-details.png');
  });

  it('collapses the list to one row per offer with a badge per source', async () => {
    await page.goto(`${server.url}/admin/products`);
    await waitForTable(page);
    await page.locator('[data-test=filter-collapse-groups]').click();
    await page.waitForURL((u) => u.searchParams.get('collapse_groups') === 'true');
    await page.locator('[data-test=filter-search]').fill(crm.name.slice(0, 40));
    await waitForTable(page);
    const sources = page.locator('[data-test=product-group-sources]').first();
    await sources.waitFor();
    expect(await sources.locator('[data-test=product-source]').count()).toBe(2);
    await screenshot(page, 'offer-groups-collapsed.png');
  });

  it('raised no uncaught errors in the page', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
