import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XIVA_DEFAULT_CREDENTIALS, startXivaSimulator, type RunningXivaSimulator, type XivaOptions } from '@lyra/simulators';
import { displayUrl, joinUrlOnce } from './common.js';
import { FAULTS, compareAll, configFor, cursorAfter, expectExactlyValid, readAll, testHttp } from './connector-test-kit.js';
import type { ConnectorConfig } from './types.js';
import { xivaConnector } from './xiva.js';

const jwt = { type: 'jwt' as const, username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password };

function connect(sim: RunningXivaSimulator, apiVersion: 'v4' | 'v5' = 'v5', extra: Partial<ConnectorConfig> = {}) {
  const base = `${sim.url}/api`;
  const http = testHttp(base);
  return { http, connector: xivaConnector.create(configFor('xiva', base, jwt, { apiVersion, ...extra }), http) };
}

const started: Array<RunningXivaSimulator> = [];
async function sim(o: XivaOptions) {
  const s = await startXivaSimulator(o);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

describe('xiva connector on a 300-offering catalog', () => {
  let xiva: RunningXivaSimulator;
  beforeAll(async () => {
    xiva = await sim({ items: 300, seed: 11 });
  });

  it('maps v5 embedded prices field by field', async () => {
    const { connector } = connect(xiva, 'v5');
    const r = await readAll(connector);
    expect(r.result).toEqual({ mode: 'full', completeSnapshot: true, deletedIds: [] });
    expect(r.errors).toEqual([]);
    expect(new Set(r.latest.keys())).toEqual(new Set(xiva.store.validIds()));
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);

    const raw = xiva.store.all().find((o) => o.lifecycleStatus === 'Retired' && o.id)!;
    const item = r.latest.get(raw.id!)!;
    expect(item.updatedAt).toBe(new Date(raw.lastUpdate).toISOString());
    expect(item.version).toBe(raw.version);
    expect(item.product).toMatchObject({
      is_active: false,
      is_available: false,
      category: raw.category[0]!.name,
      valid_from: raw.validFor.startDateTime,
      valid_to: raw.validFor.endDateTime,
      attributes: {
        lifecycle_status: 'Retired',
        is_bundle: raw.isBundle,
        is_sellable: raw.isSellable,
        valid_for: { start_date_time: raw.validFor.startDateTime, end_date_time: raw.validFor.endDateTime },
        market_segments: raw.marketSegment.map((m) => m.name),
        channels: raw.channel.map((c) => c.name),
      },
    });
    const unsellable = xiva.store.all().find((o) => o.isSellable === false && o.id && ['Launched', 'Active'].includes(o.lifecycleStatus));
    if (unsellable) expect(r.latest.get(unsellable.id!)!.product).toMatchObject({ is_active: true, is_available: false });
  });

  it('maps v4 referenced prices the same, fetching each price once', async () => {
    const { connector, http } = connect(xiva, 'v4');
    const before = xiva.stats().requests;
    const r = await readAll(connector);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
    const prices = xiva.store.all().reduce((n, o) => n + o.productOfferingPrice.length, 0);
    // Listing pages, verification and catch-up are a handful; the rest is one GET per price.
    expect(xiva.stats().requests - before).toBeLessThan(prices + 20);
    expect(http.stats.retries).toBe(0);
  });

  it('reads incrementally only what changed since the cursor', async () => {
    const { connector } = connect(xiva, 'v5');
    const full = await readAll(connector);
    const changed = xiva.store.change(5);
    const r = await readAll(connect(xiva, 'v5').connector, { mode: 'incremental', cursor: cursorAfter(full.latest.values()) });
    expect(r.result).toEqual({ mode: 'incremental', completeSnapshot: false, deletedIds: [] });
    for (const id of changed) expect(r.latest.get(id)?.product.name).toBe(xiva.store.expected(id)!.name);
    expect(r.latest.size).toBeLessThan(20);
    const { got, want } = compareAll(new Map(changed.map((id) => [id, r.latest.get(id)!])), { validIds: () => changed, expected: (id) => xiva.store.expected(id) });
    expect(got).toEqual(want);
  });

  it('test() tells the version and the number of offerings', async () => {
    const url = `${xiva.url}/api/productCatalogManagement/v5/productOffering/`;
    expect(await connect(xiva, 'v5').connector.test(AbortSignal.timeout(5000))).toMatchObject({
      ok: true, message: `v5, 300 offerings at ${url}`, details: { counted_by: 'X-Total-Count, checked at its last row', url, offerings: 300 },
    });
  });
});

describe('xiva connector, other server behaviours', () => {
  it('pages bare capped arrays (no counts, 50 per page whatever the limit)', async () => {
    const xiva = await sim({ items: 230, seed: 12, pagingStyle: 'bare-capped' });
    const r = await readAll(connect(xiva).connector);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
    expect(await connect(xiva).connector.test(AbortSignal.timeout(5000))).toMatchObject({ ok: true, message: expect.stringMatching(/^v5, 230 offerings at /), details: { counted_by: 'paging ids (no X-Total-Count)' } });
  });

  it('reports malformed offerings as item errors and maps the rest', async () => {
    const xiva = await sim({ items: 200, seed: 13, faults: { malformedRate: 0.1 }, apiVersion: 'v4', priceStyle: 'mixed' });
    const r = await readAll(connect(xiva, 'v4').connector);
    const malformed = xiva.store.malformedIds();
    expect(malformed.length).toBeGreaterThan(5);
    expect(new Set(r.errors.filter((e) => e.externalId).map((e) => e.externalId))).toEqual(new Set(malformed));
    for (const e of r.errors) {
      expect(e.position).toBeGreaterThanOrEqual(0);
      expect(e.reason).toMatch(/no id|no name|not a number|unknown currency/);
    }
    const anonymous = xiva.store.all().filter((o) => !o.id).length;
    expect(r.errors.filter((e) => e.externalId === null)).toHaveLength(anonymous);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
  });

  it.each([14, 14 + 100, 14 + 200])('under faults and mutations while paging ends with exactly the valid ids, current content, complete (seed %i)', async (seed) => {
    const xiva = await sim({ items: 300, seed, faults: FAULTS });
    const { connector, http } = connect(xiva, 'v5', { options: { page_size: 40 } });
    const r = await readAll(connector);
    expect(http.stats.retries + http.stats.rateLimited).toBeGreaterThan(0);
    expect(r.result.completeSnapshot).toBe(true);
    expectExactlyValid(r, xiva.store);
  });

  it('detects a truncated listing with the id verification and reads the rest', async () => {
    const xiva = await sim({ items: 300, seed: 15 });
    xiva.store.truncateNextListing(120);
    const r = await readAll(connect(xiva).connector);
    expect(r.logs.join('\n')).toMatch(/verification found 180 offering/);
    // Never "complete" while missing items: here every valid id was read in the end.
    if (r.result.completeSnapshot) for (const id of xiva.store.validIds()) expect(r.latest.has(id)).toBe(true);
    expect(r.result.completeSnapshot).toBe(true);
  });

  it('falls back to a full read when the server ignores the lastUpdate filter', async () => {
    const xiva = await sim({ items: 150, seed: 16, supportsLastUpdateFilter: false });
    const first = await readAll(connect(xiva).connector);
    xiva.store.change(3);
    const r = await readAll(connect(xiva).connector, { mode: 'incremental', cursor: cursorAfter(first.latest.values()) });
    expect(r.result).toMatchObject({ mode: 'full', completeSnapshot: true });
    expect(r.result.needsFullSync).toMatch(/ignored lastUpdate\.gt and lastUpdate\.gte/);
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
  });

  it('gets a new token when the access token expires during the read', async () => {
    // The access tokens end after the first page, whatever the read's speed (a short token lifetime can be outrun by a fast machine).
    const xiva = await sim({ items: 120, seed: 17, apiVersion: 'v4' });
    const { connector, http } = connect(xiva, 'v4', { options: { page_size: 40 } });
    const r = await readAll(connector, {}, (page) => {
      if (page === 1) xiva.expireTokens();
    });
    expect(r.pages.length).toBeGreaterThan(1);
    expect(xiva.stats().tokensIssued).toBeGreaterThan(1);
    expect(http.stats.refreshes).toBeGreaterThan(0);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
  });

  it('test() explains a refused login and a wrong API version', async () => {
    const xiva = await sim({ items: 10, seed: 18, apiVersion: 'v4' });
    const base = `${xiva.url}/api`;
    const wrongPassword = xivaConnector.create(configFor('xiva', base, { ...jwt, secret: 'nope' }, { apiVersion: 'v4' }), testHttp(base));
    expect(await wrongPassword.test(AbortSignal.timeout(5000))).toMatchObject({ ok: false, message: 'Xiva login refused: 401 from /api/auth/jwt/create/; check the credentials' });
    const wrongVersion = await connect(xiva, 'v5').connector.test(AbortSignal.timeout(5000));
    expect(wrongVersion).toMatchObject({ ok: false, message: expect.stringMatching(/no TMF620 v5 catalog .* this server answers v4/) });
    expect(await connect(xiva, 'v4').connector.test(AbortSignal.timeout(5000))).toMatchObject({ ok: true, message: expect.stringMatching(/^v4, 10 offerings at /) });
  });
});

/** List shapes of real TMF servers whose counts must never end a listing early (see xiva-paging.ts). */
const COUNT_SHAPES: Array<[string, Partial<XivaOptions>]> = [
  ['a stale count, half the real one', { totalCount: 'stale', staleCountShare: 0.5 }],
  ['a count equal to the page size', { totalCount: 'page-size' }],
  ['no count at all', { totalCount: 'none' }],
  ['206 and Link rel="next" only, no count', { totalCount: 'none', linkNext: true }],
  ['no count and 200 on every page', { totalCount: 'none', partialStatus: 200 }],
  ['a count 96% short while 206 pages carry Link rel="next"', { totalCount: 'stale', staleCountShare: 0.04, linkNext: true }],
];

describe('xiva connector, counts that are wrong or missing', () => {
  // Small pages on both listings, so every listing crosses many pages the count says do not exist.
  const options = { page_size: 25, verify_page_size: 60 };

  it.each(COUNT_SHAPES)('with %s, a full read gets every offering as a complete snapshot and test() counts them all', async (_name, shape) => {
    const xiva = await sim({ items: 260, seed: 19, ...shape });
    const r = await readAll(connect(xiva, 'v5', { options }).connector);
    expect(r.result).toEqual({ mode: 'full', completeSnapshot: true, deletedIds: [] });
    expect(new Set(r.latest.keys())).toEqual(new Set(xiva.store.validIds()));
    const { got, want } = compareAll(r.latest, xiva.store);
    expect(got).toEqual(want);
    const t = await connect(xiva, 'v5', { options }).connector.test(AbortSignal.timeout(5000));
    expect(t).toMatchObject({ ok: true, message: expect.stringMatching(/^v5, 260 offerings at /), details: { offerings: 260, counted_by: expect.stringMatching(/^paging ids/) } });
  });

  it('the verification listing pages to the real end whatever the count says, and finds what a cut listing missed', async () => {
    const xiva = await sim({ items: 300, seed: 20, totalCount: 'stale', staleCountShare: 0.2, linkNext: true });
    // The catalog listing ends after 100 (its count says 20); only the id listing can tell.
    xiva.store.truncateNextListing(100);
    const r = await readAll(connect(xiva, 'v5', { options }).connector);
    expect(r.logs.join('\n')).toMatch(/verification found 200 offering/);
    expect(r.result.completeSnapshot).toBe(true);
    expect(new Set(r.latest.keys())).toEqual(new Set(xiva.store.validIds()));
  });

  it('test() believes a count only when the last row it names exists and nothing follows it', async () => {
    const xiva = await sim({ items: 90, seed: 21 });
    const test = () => connect(xiva).connector.test(AbortSignal.timeout(5000));
    expect(await test()).toMatchObject({ details: { offerings: 90, counted_by: 'X-Total-Count, checked at its last row' } });
    // Counts that say "1" on a limit=1 answer, or more than there are: paged instead.
    for (const style of [{ totalCount: 'page-size' as const }, { totalCount: 'stale' as const, staleCountShare: 1.5 }]) {
      xiva.setServerStyle(style);
      expect(await test(), JSON.stringify(style)).toMatchObject({ details: { offerings: 90, counted_by: expect.stringMatching(/^paging ids/) } });
    }
  });
});

describe('xiva connector, lastUpdate filter forms', () => {
  it.each(['gt', 'gte'] as const)('reads incrementally from a server that knows only lastUpdate.%s', async (op) => {
    const xiva = await sim({ items: 150, seed: 22, lastUpdateFilter: op });
    const first = await readAll(connect(xiva).connector);
    const changed = xiva.store.change(4);
    const r = await readAll(connect(xiva).connector, { mode: 'incremental', cursor: cursorAfter(first.latest.values()) });
    expect(r.result).toEqual({ mode: 'incremental', completeSnapshot: false, deletedIds: [] });
    for (const id of changed) expect(r.latest.get(id)?.product.name).toBe(xiva.store.expected(id)!.name);
    // The page that showed a form being ignored is not emitted: only changed offerings go out.
    expect(r.latest.size).toBeLessThan(20);
    // .gt (the TMF630 form) is tried first; only a .gte-only server costs the probe that shows it ignored.
    expect(r.logs.some((l) => /does not apply lastUpdate\.gt;/.test(l))).toBe(op === 'gte');
  });
});

describe('xiva connector, base URLs', () => {
  it('never doubles a prefix the base URL already ends with, and test() shows the URL it used', async () => {
    const xiva = await sim({ items: 40, seed: 23 });
    const cases: Array<[string, 'v4' | 'v5', string]> = [
      [`${xiva.url}/api/tmf-api`, 'v4', '/api/tmf-api/productCatalogManagement/v4/productOffering/'],
      [`${xiva.url}/api/tmf-api/productCatalogManagement/v4/`, 'v4', '/api/tmf-api/productCatalogManagement/v4/productOffering/'],
      [`${xiva.url}/api/productCatalogManagement/v5`, 'v5', '/api/productCatalogManagement/v5/productOffering/'],
      [`${xiva.url}/api/`, 'v5', '/api/productCatalogManagement/v5/productOffering/'],
    ];
    for (const [base, apiVersion, path] of cases) {
      const connector = xivaConnector.create(configFor('xiva', base, jwt, { apiVersion }), testHttp(base));
      const url = `${xiva.url}${path}`;
      expect(await connector.test(AbortSignal.timeout(5000)), base).toMatchObject({ ok: true, message: `${apiVersion}, 40 offerings at ${url}`, details: { url } });
      const r = await readAll(connector);
      expect(r.result.completeSnapshot, base).toBe(true);
      expect(r.latest.size, base).toBe(40);
    }
    expect(joinUrlOnce('https://bss.example/api/tmf-api', 'tmf-api/productCatalogManagement/v4/')).toBe('https://bss.example/api/tmf-api/productCatalogManagement/v4/');
    expect(joinUrlOnce('https://bss.example/tmf-api/x', 'tmf-api/productCatalogManagement/v4/')).toBe('https://bss.example/tmf-api/x/tmf-api/productCatalogManagement/v4/');
    expect(displayUrl('https://user:secret@bss.example/api/x/?token=abc')).toBe('https://bss.example/api/x/');
  });
});
