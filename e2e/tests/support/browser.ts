import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from './server';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'e2e', 'screenshots');

/** Debian's chromium; the project never downloads browser builds. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  // Let toasts leave and charts/transitions settle so the picture shows the page as a person sees it.
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 8_000 }).catch(() => undefined);
  await page.waitForTimeout(600);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Picks an option of an Element Plus select; its dropdown is teleported to <body>. */
export async function chooseOption(page: Page, select: Locator, label: string): Promise<void> {
  await select.click();
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${escape(label)}\\s*$`) }).first();
  await option.click();
  await page.keyboard.press('Escape').catch(() => undefined);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
