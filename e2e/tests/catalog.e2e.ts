import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningServer } from './support/server';
import { chooseOption, openSession, reportFailures, screenshot, type BrowserSession } from './support/browser';
import { expectPath, login, tableNames, waitForTable } from './support/app';

describe('product catalog', () => {
  let session: BrowserSession;
  reportFailures(() => session);
  let server: RunningServer;
  let page: Page;
  const suffix = Date.now().toString(36).toUpperCase();
  const product = { name: `E2E Fiber Booster ${suffix}`, externalId: `E2E-FIBER-${suffix}`, category: 'E2E Add-ons', price: '79.90' };
  let productPath = '';

  beforeAll(async () => {
    // No test here looks at models: the demo's three trainings would only compete for the CPU.
    session = await openSession({ DEMO_MODELS: '0' });
    ({ server, page } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('signs in and lands on the admin dashboard', async () => {
    await login(page, server.url);
    expectPath(page, '/admin');
    await expect.poll(() => page.locator('[data-test=user-name]').innerText()).toBe('Administrator');
    await page.locator('[data-test=dashboard-catalog] canvas').first().waitFor();
  });

  it('opens Admin → Product Catalog with stats and a loaded table', async () => {
    await page.locator('[data-test=nav-catalog]').click();
    await page.waitForURL(/\/admin\/products$/);
    await waitForTable(page);
    expect((await tableNames(page)).length).toBeGreaterThan(0);
    const total = Number((await page.locator('[data-test=stat-total]').innerText()).replace(/\D/g, ''));
    expect(total).toBeGreaterThan(0);
  });

  it('validates the form, then creates a product', async () => {
    await page.locator('[data-test=create-product]').click();
    const dialog = page.locator('.el-dialog:visible');
    await dialog.waitFor();
    await dialog.locator('[data-test=product-save]').click();
    await expect.poll(() => dialog.locator('.el-form-item__error').allInnerTexts()).toContain('Name is required');

    await dialog.locator('[data-test=field-name]').fill(product.name);
    await dialog.locator('[data-test=field-external-id]').fill(product.externalId);
    await chooseOption(page, dialog.locator('[data-test=field-type]'), 'Data');
    await dialog.locator('[data-test=field-category]').fill(product.category);
    await dialog.locator('[data-test=field-price]').fill(product.price);
    await dialog.locator('[data-test=field-currency]').fill('SAR');
    await dialog.locator('[data-test=product-save]').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('.el-message--success', { hasText: `Created "${product.name}"` }).waitFor();
  });

  it('finds the product with search + type filters kept in the URL', async () => {
    await page.locator('[data-test=filter-search]').fill(suffix);
    await page.waitForURL((u) => u.searchParams.get('search') === suffix);
    await chooseOption(page, page.locator('[data-test=filter-type]'), 'Data');
    await page.waitForURL((u) => u.searchParams.get('product_type') === 'data' && u.searchParams.get('search') === suffix);
    await waitForTable(page);
    await expect.poll(() => tableNames(page)).toEqual([product.name]);
    const row = page.locator('[data-test=product-table] .el-table__row').first();
    expect(await row.innerText()).toContain('SAR');
    expect(await row.innerText()).toContain('79.90');
  });

  it('opens the details view on its own URL', async () => {
    await page.locator('[data-test=product-table] .name', { hasText: product.name }).click();
    await page.waitForURL(/\/admin\/products\/[0-9a-f-]{36}$/);
    productPath = new URL(page.url()).pathname;
    await expect.poll(() => page.locator('[data-test=details-name]').innerText()).toBe(product.name);
    expect(await page.locator('[data-test=detail-price]').innerText()).toMatch(/79\.90/);
    expect(await page.locator('[data-test=targeting-segments]').innerText()).toContain('All segments');
  });

  it('edits targeting with client-side band validation and shows the result', async () => {
    await page.locator('[data-test=details-edit-targeting]').click();
    const dialog = page.locator('.el-dialog:visible');
    await dialog.waitFor();
    const segments = dialog.locator('[data-test=field-segments]');
    for (const seg of ['youth', 'high_value']) {
      await segments.click();
      await page.keyboard.type(seg);
      await page.keyboard.press('Enter');
    }
    await dialog.locator('.el-dialog__title').click(); // close the segment dropdown
    await dialog.locator('[data-test=field-min-value]').fill('900');
    await dialog.locator('[data-test=field-max-value]').fill('500');
    await dialog.locator('[data-test=product-save]').click();
    await expect.poll(() => dialog.locator('.el-form-item__error').allInnerTexts()).toContain('Minimum must not be greater than maximum');

    await dialog.locator('[data-test=field-min-value]').fill('100');
    await dialog.locator('[data-test=product-save]').click();
    await dialog.waitFor({ state: 'hidden' });

    await expect.poll(() => page.locator('[data-test=targeting-band]').innerText()).toBe('100 – 500');
    const tags = await page.locator('[data-test=targeting-segments] .el-tag').allInnerTexts();
    expect(tags.map((t) => t.trim())).toEqual(['youth', 'high_value']);
    await screenshot(page, 'product-details.png');
  });

  it('keeps the targeting after a reload of the deep link', async () => {
    await page.goto(`${server.url}${productPath}`);
    await expect.poll(() => page.locator('[data-test=targeting-band]').innerText()).toBe('100 – 500');
  });

  it('loads /admin/products (with filters) directly and after a reload', async () => {
    await page.goto(`${server.url}/admin/products?product_type=data&ordering=-price`);
    await waitForTable(page);
    const first = await tableNames(page);
    expect(first.length).toBeGreaterThan(0);
    await page.reload();
    await waitForTable(page);
    expect(new URL(page.url()).searchParams.get('product_type')).toBe('data');
    expect(await page.locator('[data-test=filter-type] .el-select__selected-item:not(.is-hidden)').first().innerText()).toBe('Data');
    expect(await tableNames(page)).toEqual(first);
    await expect.poll(() => page.locator('th.descending').innerText()).toMatch(/price/i);

    await page.goto(`${server.url}/admin/products`);
    await waitForTable(page);
    await page.locator('[data-test=stat-total]').waitFor();
    await screenshot(page, 'catalog.png');
  });

  it('raised no uncaught errors in the page', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
