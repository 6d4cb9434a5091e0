import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, expect } from 'vitest';
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
  /** The page's recent API calls (method, path, status, milliseconds), newest last: printed when a step fails. */
  apiCalls: string[];
  close(): Promise<void>;
}

/**
 * When a step fails, says what the person would have seen and what the server did: a screenshot
 * (`e2e/screenshots/failed-<step>.png`), the page's alerts and field errors, its last API calls
 * and the end of the server's log. Call once per describe block.
 */
export function reportFailures(current: () => BrowserSession | undefined): void {
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      const session = current();
      if (!session) return;
      const slug = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60).toLowerCase();
      const shot = await screenshot(session.page, `failed-${slug}.png`).catch((err: Error) => `none (${err.message})`);
      const shown = await session.page
        .locator('.el-alert__title:visible, .el-form-item__error:visible, .el-message:visible')
        .allInnerTexts()
        .catch(() => [] as string[]);
      console.error([
        `--- ${task.name}: failed at ${session.page.url()}`,
        `screenshot: ${shot}`,
        `alerts and field errors on the page: ${shown.length ? shown.join(' | ') : 'none'}`,
        `last API calls:\n  ${session.apiCalls.slice(-25).join('\n  ') || 'none'}`,
        `page errors: ${session.pageErrors.join(' | ') || 'none'}`,
        `server log (end):\n${session.server.logs().slice(-4_000)}`,
      ].join('\n'));
    });
  });
}

/**
 * A Lyra server of its own (fresh data folder, demo data) and a desktop-sized page that records script errors.
 * `env` adds to the server's environment (e.g. DEMO_MODELS=0 where no test needs the demo's models).
 */
export async function openSession(env: Record<string, string> = {}): Promise<BrowserSession> {
  const server = await startServer(env);
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
    const apiCalls: string[] = [];
    const started = new Map<object, number>();
    const note = (line: string) => {
      apiCalls.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
      if (apiCalls.length > 200) apiCalls.shift();
    };
    const apiPath = (url: string) => url.replace(server.url, '');
    page.on('request', (req) => {
      if (req.url().includes('/api/')) started.set(req, Date.now());
    });
    page.on('requestfinished', (req) => {
      const t0 = started.get(req);
      if (t0 === undefined) return;
      started.delete(req);
      void req.response().then((res) => note(`${req.method()} ${apiPath(req.url())} -> ${res?.status() ?? '?'} in ${Date.now() - t0} ms`));
    });
    page.on('requestfailed', (req) => {
      const t0 = started.get(req);
      if (t0 === undefined) return;
      started.delete(req);
      note(`${req.method()} ${apiPath(req.url())} -> failed (${req.failure()?.errorText ?? 'unknown'}) after ${Date.now() - t0} ms`);
    });
    return { server, page, pageErrors, apiCalls, close };
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

/**
 * Picks an option of an Element Plus single select (its dropdown is teleported to <body>) and waits
 * until the select shows it: a click that lands while the dropdown is still opening is retried
 * instead of leaving the form without a value.
 */
export async function chooseOption(page: Page, select: Locator, label: string): Promise<void> {
  const shown = select.locator('.el-select__selected-item:not(.is-hidden)').first();
  for (let attempt = 1; ; attempt++) {
    await select.click();
    const option = page.locator('.el-select-dropdown__item:visible', { hasText: new RegExp(`^\\s*${escape(label)}\\s*$`) }).first();
    await option.click();
    const dropdown = page.locator('.el-select-dropdown:visible');
    if (await dropdown.count()) await page.keyboard.press('Escape');
    try {
      await expect.poll(async () => (await shown.innerText()).trim(), { timeout: 3_000 }).toBe(label);
      return;
    } catch (err) {
      console.warn(`chooseOption ${label}: attempt ${attempt} shows "${await shown.innerText().catch(() => "?")}"`);
      if (attempt >= 3) throw err;
    }
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
