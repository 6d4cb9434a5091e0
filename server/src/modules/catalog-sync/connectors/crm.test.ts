import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_DEFAULT_CREDENTIALS, CRM_STANDARD_PRICEBOOK_ID, startCrmSimulator, type CrmOptions, type CrmProduct, type RunningSimulator } from '@lyra/simulators';
import { FAULTS, compareAll, configFor, cursorAfter, expectExactlyValid, readAll, testHttp } from './connector-test-kit.js';
import { crmConnector } from './crm.js';
import type { ConnectorConfig } from './types.js';

const oauth = { type: 'oauth2_client_credentials' as const, username: CRM_DEFAULT_CREDENTIALS.clientId, secret: CRM_DEFAULT_CREDENTIALS.clientSecret };

function connect(sim: RunningSimulator<CrmProduct>, extra: Partial<ConnectorConfig> = {}) {
  const http = testHttp(sim.url);
  return { http, connector: crmConnector.create(configFor('crm', sim.url, oauth, extra), http) };
}

const started: Array<RunningSimulator<CrmProduct>> = [];
async function sim(o: CrmOptions) {
  const s = await startCrmSimulator(o);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

describe('crm connector on a 300-product KWD catalog', () => {
  let crm: RunningSimulator<CrmProduct>;
  beforeAll(async () => {
    // Long deleted-records retention: the catalog's stamps are months old, so is the cursor.
    crm = await sim({ items: 300, seed: 21, currency: 'KWD', pageSize: 200, deletedRetentionDays: 3650 });
  });

  it('maps Product2 with its standard price book entry field by field', async () => {
    const r = await readAll(connect(crm).connector);
    expect(r.result).toEqual({ mode: 'full', completeSnapshot: true, deletedIds: [] });
    expect(r.errors).toEqual([]);
    expect(new Set(r.latest.keys())).toEqual(new Set(crm.store.validIds()));
    const { got, want } = compareAll(r.latest, crm.store);
    expect(got).toEqual(want);
    expect(r.logs.join('\n')).toContain(`using ${CRM_STANDARD_PRICEBOOK_ID} as the standard price book`);

    const archived = crm.store.all().find((p) => p.IsArchived && p.Id)!;
    const item = r.latest.get(archived.Id!)!;
    expect(item.product).toMatchObject({ is_active: false, is_available: false, category: archived.Family, attributes: { lifecycle_status: 'Archived', product_code: archived.ProductCode } });
    expect(item.updatedAt! >= new Date(archived.SystemModstamp.replace('+0000', 'Z')).toISOString()).toBe(true);
  });

  it('reads incrementally: changed products, repriced products and deleted ids', async () => {
    const full = await readAll(connect(crm).connector);
    const changed = crm.store.change(6);
    const removed = crm.store.remove(3);
    const r = await readAll(connect(crm).connector, { mode: 'incremental', cursor: cursorAfter(full.latest.values()) });
    expect(r.result.mode).toBe('incremental');
    expect(r.result.completeSnapshot).toBe(false);
    expect(r.result.deletedIds.sort()).toEqual(removed.sort());
    expect(r.latest.size).toBeLessThan(20);
    const live = changed.filter((id) => !removed.includes(id));
    const { got, want } = compareAll(r.latest, { validIds: () => live, expected: (id) => crm.store.expected(id) });
    expect(got).toEqual(want);
  });

  it('test() tells the API version and the number of products', async () => {
    expect(await connect(crm).connector.test(AbortSignal.timeout(5000))).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^v59\.0, \d+ products$/),
      details: { standard_pricebook_id: CRM_STANDARD_PRICEBOOK_ID },
    });
  });
});

describe('crm connector, other server behaviours', () => {
  it('does a full read when the deleted-records window does not reach back to the cursor', async () => {
    const crm = await sim({ items: 80, seed: 22 });
    const first = await readAll(connect(crm).connector);
    const r = await readAll(connect(crm).connector, { mode: 'incremental', cursor: cursorAfter(first.latest.values()) });
    expect(r.result).toMatchObject({ mode: 'full', completeSnapshot: true });
    expect(r.result.needsFullSync).toMatch(/deleted records are only kept since/);
  });

  it('reports malformed products as item errors and maps the rest', async () => {
    const crm = await sim({ items: 200, seed: 23, faults: { malformedRate: 0.1 } });
    const r = await readAll(connect(crm).connector);
    expect(new Set(r.errors.filter((e) => e.externalId).map((e) => e.externalId))).toEqual(new Set(crm.store.malformedIds()));
    expect(r.errors.filter((e) => e.externalId === null)).toHaveLength(crm.store.all().filter((p) => !p.Id).length);
    for (const e of r.errors) expect(e.reason).toMatch(/no Id|no Name|not a number|unknown currency/);
    const { got, want } = compareAll(r.latest, crm.store);
    expect(got).toEqual(want);
  });

  it.each([24, 24 + 100, 24 + 200])('under faults and mutations while paging ends with exactly the valid ids, current content, complete (seed %i)', async (seed) => {
    const crm = await sim({ items: 300, seed, pageSize: 100, faults: FAULTS });
    const { connector, http } = connect(crm);
    const r = await readAll(connector);
    expect(http.stats.retries + http.stats.rateLimited).toBeGreaterThan(0);
    expect(r.result.completeSnapshot).toBe(true);
    expectExactlyValid(r, crm.store);
  });

  it('detects a truncated Product2 answer with the id verification and fetches the rest', async () => {
    const crm = await sim({ items: 250, seed: 25 });
    crm.store.truncateNextListing(100);
    const r = await readAll(connect(crm).connector);
    expect(r.logs.join('\n')).toMatch(/verification found 150 product/);
    expect(r.result.completeSnapshot).toBe(true);
    const { got, want } = compareAll(r.latest, crm.store);
    expect(got).toEqual(want);
  });

  it('gets a new token when the session expires during the read', async () => {
    // The session ends after the first page, whatever the read's speed (a short token lifetime was outrun by a fast machine).
    const crm = await sim({ items: 150, seed: 26, pageSize: 50 });
    const { connector, http } = connect(crm);
    const r = await readAll(connector, {}, (page) => {
      if (page === 1) crm.expireTokens();
    });
    expect(r.pages.length).toBeGreaterThan(1);
    expect(crm.stats().tokensIssued).toBe(2);
    expect(http.stats.refreshes).toBeGreaterThan(0);
    const { got, want } = compareAll(r.latest, crm.store);
    expect(got).toEqual(want);
  });

  it('test() explains refused client credentials', async () => {
    const crm = await sim({ items: 5, seed: 27 });
    const c = crmConnector.create(configFor('crm', crm.url, { ...oauth, secret: 'wrong' }), testHttp(crm.url));
    // The error code of the answer, never its text (which a server may fill with what it was sent).
    expect(await c.test(AbortSignal.timeout(5000))).toMatchObject({ ok: false, message: 'OAuth2 token request refused: 400 from /services/oauth2/token (invalid_client); check the credentials' });
  });
});
