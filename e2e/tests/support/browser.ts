import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT, startServer, type RunningServer } from './server';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'e2e', 'screenshots');

/** Debian's chromium; the project never downloads browser builds. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface BrowserSession {
  server: RunningServer;
  page: Page;
  /** Uncaught errors of the page's scripts: a test ends by expecting none. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** A Lyra server of its own (fresh data folder, demo data) and a desktop-sized page that records script errors. */
export async function openSession(): Promise<BrowserSession> {
  const server = await startServer();
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close();
    await browser?.close();
    await server.stop();
  };
  try {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Riyadh' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    return { server, page, pageErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
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
