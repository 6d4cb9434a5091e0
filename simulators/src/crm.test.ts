import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CRM_CORPORATE_PRICEBOOK_ID,
  CRM_QUERY_PATH,
  CRM_STANDARD_PRICEBOOK_ID,
  CRM_TOKEN_PATH,
  startCrmSimulator,
  type CrmPricebookEntry,
  type CrmProduct,
  type RunningSimulator,
} from './index.js';
import { crmLogin, crmQueryAll, getJson, mapCrm, sleep } from './test-utils.js';

type Sim = RunningSimulator<CrmProduct>;
const PRODUCT_FIELDS = 'Id, ProductCode, Name, Description, Family, IsActive, IsArchived, IsDeleted, LastModifiedDate, SystemModstamp, Product_Type__c, Billing_Frequency__c, Data_GB__c, Voice_Minutes__c, SMS__c';
const PBE_FIELDS = 'Id, Pricebook2Id, Product2Id, UnitPrice, CurrencyIsoCode, IsActive, SystemModstamp';
const sfMs = (s: string) => Date.parse(s.replace(/\+0000$/, 'Z'));

describe('crm auth', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startCrmSimulator({ items: 10, tokenTtlSeconds: 0.4 });
  });
  afterAll(() => sim.close());

  it('issues bearer tokens for client credentials and rejects bad clients', async () => {
    const post = (body: string) => fetch(`${sim.url}${CRM_TOKEN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const ok = await post('grant_type=client_credentials&client_id=3MVG9LyraSimulatorClientId&client_secret=crm-secret');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', instance_url: sim.url });
    expect(typeof body.access_token).toBe('string');
    const bad = await post('grant_type=client_credentials&client_id=3MVG9LyraSimulatorClientId&client_secret=nope');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    expect((await post('grant_type=password&client_id=x&client_secret=y')).status).toBe(400);
  });

  it('answers 401 INVALID_SESSION_ID for missing, unknown and expired sessions', async () => {
    const url = `${sim.url}${CRM_QUERY_PATH}?q=${encodeURIComponent('SELECT Id FROM Product2')}`;
    const none = await getJson<Array<{ errorCode: string; message: string }>>(url);
    expect(none.status).toBe(401);
    expect(none.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect((await getJson(url, { authorization: 'Bearer nope' })).status).toBe(401);
    const token = await crmLogin(sim.url);
    expect((await getJson(url, { authorization: `Bearer ${token}` })).status).toBe(200);
    await sleep(600);
    expect((await getJson(url, { authorization: `Bearer ${token}` })).status).toBe(401);
    const fresh = await crmLogin(sim.url);
    expect((await getJson(url, { authorization: `Bearer ${fresh}` })).status).toBe(200);
    sim.expireTokens();
    expect((await getJson(url, { authorization: `Bearer ${fresh}` })).status).toBe(401);
  });
});

describe('crm queries', () => {
  let sim: Sim;
  let token: string;
  beforeAll(async () => {
    sim = await startCrmSimulator({ items: 260, seed: 3, pageSize: 50, faults: { malformedRate: 0.06 } });
    token = await crmLogin(sim.url);
  });
  afterAll(() => sim.close());

  it('follows nextRecordsUrl over every product exactly once', async () => {
    const { records, totalSize, pages } = await crmQueryAll<CrmProduct>(sim.url, token, `SELECT ${PRODUCT_FIELDS} FROM Product2`);
    expect(totalSize).toBe(260);
    expect(pages).toBe(6);
    expect(records).toHaveLength(260);
    const ids = records.flatMap((r) => (r.Id ? [r.Id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set([...sim.store.validIds(), ...sim.store.malformedIds()]));
    expect(ids.every((id) => /^01t[0-9A-Za-z]{15}$/.test(id))).toBe(true);
    expect(records[0]?.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    expect(records[0]).toHaveProperty('attributes.type', 'Product2');
  });

  it('maps Product2 + standard PricebookEntry exactly as documented', async () => {
    const products = (await crmQueryAll<CrmProduct>(sim.url, token, `select ${PRODUCT_FIELDS} from product2 order by Id`)).records;
    const entries = (await crmQueryAll<CrmPricebookEntry>(sim.url, token, `SELECT ${PBE_FIELDS} FROM PricebookEntry`)).records;
    expect(entries.some((e) => e.Pricebook2Id === CRM_CORPORATE_PRICEBOOK_ID)).toBe(true);
    expect(entries.some((e) => e.Pricebook2Id === CRM_STANDARD_PRICEBOOK_ID && e.CurrencyIsoCode === 'USD')).toBe(true);
    const valid = new Set(sim.store.validIds());
    let checked = 0;
    for (const p of products) {
      if (p.Id && valid.has(p.Id)) {
        expect(mapCrm(p, entries, 'SAR')).toEqual(sim.store.expected(p.Id));
        checked++;
      } else {
        expect(() => mapCrm(p, entries, 'SAR')).toThrow();
      }
    }
    expect(checked).toBe(valid.size);
    for (const e of entries) expect(Number.isInteger(Math.round((e.UnitPrice as number) * 100)) || e.UnitPrice === 'N/A').toBe(true);
  });

  it('filters on SystemModstamp; a price change only bumps the PricebookEntry', async () => {
    const products = (await crmQueryAll<CrmProduct>(sim.url, token, 'SELECT Id, SystemModstamp FROM Product2')).records;
    const entries = (await crmQueryAll<CrmPricebookEntry>(sim.url, token, 'SELECT Id, SystemModstamp FROM PricebookEntry')).records;
    const since = Math.max(...products.map((p) => sfMs(p.SystemModstamp)), ...entries.map((e) => sfMs(e.SystemModstamp))) + 1000;
    await sleep(1100);
    const before = new Map(sim.store.validIds().map((id) => [id, sim.store.expected(id)]));
    const changed = sim.store.change(8);
    const literal = new Date(since).toISOString().replace('Z', '+0000');
    const p2 = await crmQueryAll<CrmProduct>(sim.url, token, `SELECT Id, Name, SystemModstamp FROM Product2 WHERE SystemModstamp >= ${literal} ORDER BY SystemModstamp, Id`);
    const pbe = await crmQueryAll<CrmPricebookEntry>(sim.url, token, `SELECT Id, Product2Id, UnitPrice, SystemModstamp FROM PricebookEntry WHERE SystemModstamp >= ${literal} ORDER BY SystemModstamp, Id`);
    const inProducts = new Set(p2.records.map((r) => r.Id));
    const inEntries = new Set(pbe.records.map((r) => r.Product2Id));
    expect(new Set([...inProducts, ...inEntries])).toEqual(new Set(changed));
    for (const id of changed) {
      const was = before.get(id);
      const now = sim.store.expected(id);
      expect(inProducts.has(id)).toBe(was?.name !== now?.name);
      expect(inEntries.has(id)).toBe(was?.price !== now?.price);
    }
    const stamps = p2.records.map((r) => sfMs(r.SystemModstamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  it('reports deletions with the retention window', async () => {
    const start = new Date(Date.now() - 60_000).toISOString();
    const removed = sim.store.remove(3);
    const end = new Date(Date.now() + 1000).toISOString();
    const r = await getJson<{ deletedRecords: Array<{ id: string; deletedDate: string }>; earliestDateAvailable: string; latestDateCovered: string }>(
      `${sim.url}/services/data/v59.0/sobjects/Product2/deleted/?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
      { authorization: `Bearer ${token}` },
    );
    expect(r.status).toBe(200);
    expect(r.body.deletedRecords.map((d) => d.id).sort()).toEqual([...removed].sort());
    const earliest = sfMs(r.body.earliestDateAvailable);
    expect(Math.abs(earliest - (Date.now() - 15 * 86_400_000))).toBeLessThan(10_000);
    const all = (await crmQueryAll<CrmProduct>(sim.url, token, 'SELECT Id FROM Product2')).records.map((p) => p.Id);
    for (const id of removed) expect(all).not.toContain(id);
    expect((await getJson(`${sim.url}/services/data/v59.0/sobjects/Product2/${removed[0]}`, { authorization: `Bearer ${token}` })).status).toBe(404);
    expect((await getJson(`${sim.url}/services/data/v59.0/sobjects/Product2/deleted/`, { authorization: `Bearer ${token}` })).status).toBe(400);
  });

  it('rejects malformed queries and locators, supports COUNT() and LIMIT', async () => {
    const q = (soql: string) => getJson<unknown>(`${sim.url}${CRM_QUERY_PATH}?q=${encodeURIComponent(soql)}`, { authorization: `Bearer ${token}` });
    const bad = await q('SELEKT Id FROM Product2');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual([expect.objectContaining({ errorCode: 'MALFORMED_QUERY' })]);
    expect(((await q('SELECT Nope FROM Product2')).body as Array<{ errorCode: string }>)[0]?.errorCode).toBe('INVALID_FIELD');
    expect(((await q('SELECT Id FROM Account')).body as Array<{ errorCode: string }>)[0]?.errorCode).toBe('INVALID_TYPE');
    expect(((await q('SELECT Id FROM Product2 ORDER BY Name')).body as Array<{ errorCode: string }>)[0]?.errorCode).toBe('MALFORMED_QUERY');
    const count = await q('SELECT COUNT() FROM Product2 WHERE IsActive = true');
    expect((count.body as { totalSize: number }).totalSize).toBe(sim.store.all().filter((p) => p.IsActive).length);
    const limited = await q('SELECT Id FROM Product2 LIMIT 7');
    expect((limited.body as { records: unknown[]; done: boolean }).records).toHaveLength(7);
    const locator = await getJson<Array<{ errorCode: string }>>(`${sim.url}${CRM_QUERY_PATH}/01g5g0000000000AAA-50`, { authorization: `Bearer ${token}` });
    expect(locator.status).toBe(400);
    expect(locator.body[0]?.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('truncates the next full Product2 listing once', async () => {
    sim.store.truncateNextListing(30);
    const truncated = await crmQueryAll<CrmProduct>(sim.url, token, 'SELECT Id FROM Product2');
    expect(truncated.records).toHaveLength(30);
    expect(truncated.totalSize).toBe(30);
    const full = await crmQueryAll<CrmProduct>(sim.url, token, 'SELECT Id FROM Product2');
    expect(full.records).toHaveLength(sim.store.all().length);
  });

  it('is deterministic per seed', async () => {
    const a = await startCrmSimulator({ items: 40, seed: 9 });
    const b = await startCrmSimulator({ items: 40, seed: 9 });
    try {
      expect(a.store.all()).toEqual(b.store.all());
      expect(a.store.validIds().map((id) => a.store.expected(id))).toEqual(b.store.validIds().map((id) => b.store.expected(id)));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
