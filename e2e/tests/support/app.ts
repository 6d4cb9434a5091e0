import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './server';

export async function login(page: Page, baseUrl: string, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/login/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.locator('[data-test=login-submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Waits until the product table has finished loading (v-loading mask gone). */
export async function waitForTable(page: Page): Promise<void> {
  await page.locator('[data-test=product-table]').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-test=product-table] .el-loading-mask'));
}

export async function tableNames(page: Page): Promise<string[]> {
  return page.locator('[data-test=product-table] .el-table__body .name').allInnerTexts();
}

export function expectPath(page: Page, path: string | RegExp): void {
  const actual = new URL(page.url()).pathname;
  if (typeof path === 'string') expect(actual).toBe(path);
  else expect(actual).toMatch(path);
}
