import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startBillingSimulator, startCrmSimulator, startXivaSimulator, CRM_DEFAULT_CREDENTIALS, XIVA_DEFAULT_CREDENTIALS } from '@lyra/simulators';
import type { SyncRun } from '@lyra/contracts';
import type { TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { syncTestSuite } from './sync-test-suite.js';

const api = '/api/loyalty/v1';
/** What the simulators' debug page (faults.echoRequestRate) contains besides the secrets. */
const PAGE_MARKERS = /DEBUG = True|<html|<pre>|authorization:|client_secret=|"password"/i;

/**
 * What an external system answers on failure stays outside: the connection test, the stored run,
 * the audit log and the logs say status, path and cause, never the body, and never a secret.
 */
describe('upstream failures over the network: short causes, no bodies, no secrets', () => {
  let t: TestContext;
  let admin: { authorization: string };
  const logs: string[] = [];
  const sims = syncTestSuite((suite) => ({ t, admin } = suite), {
    context: { log: (msg: string, extra?: Record<string, unknown>) => logs.push(`${msg} ${JSON.stringify(extra ?? {})}`) },
  });

  const createSystem = async (body: Record<string, unknown>) => {
    const res = await t.app.inject({
      method: 'POST', url: `${api}/external-systems/`, headers: admin,
      payload: { sync_frequency: 'daily', timeout_ms: 1000, max_retries: 1, ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const xiva = (baseUrl: string, password: string) =>
    createSystem({ name: 'Xiva', system_type: 'xiva', base_url: baseUrl, api_version: 'v5', auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: password } });
  const testConnection = async (id: string) => {
    const res = await t.app.inject({ method: 'POST', url: `${api}/external-systems/${id}/test/`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { ok: boolean; message: string };
  };
  const sync = async (id: string): Promise<SyncRun> => {
    const run = await t.container.sync.start(SYSTEM_ACTOR, { external_system_id: id, mode: 'full', force: false }, { inline: true });
    await t.container.syncEngine.execute(run.id);
    return (await t.app.inject({ url: `${api}/sync-runs/${run.id}/`, headers: admin })).json();
  };
  const auditLog = async () => JSON.stringify((await t.app.inject({ url: `${api}/audit-log/?limit=500`, headers: admin })).json());
  /** Everything kept about these failures, as one text. */
  const kept = async (...answers: unknown[]) => [JSON.stringify(answers), await auditLog(), logs.join('\n')].join('\n');

  it('a login refused with a page that echoes the password: status and path, never the page nor the password', async () => {
    const sim = await startXivaSimulator({ items: 5, faults: { echoRequestRate: 1 } });
    sims.push(sim);
    const password = 'Wr0ng-but-Secret!pass';
    const system = await xiva(`${sim.url}/api`, password);
    logs.length = 0;

    const test = await testConnection(system.id);
    expect(test).toMatchObject({ ok: false, message: 'Xiva login refused: 401 from /api/auth/jwt/create/; check the credentials' });
    const run = await sync(system.id);
    expect(run.status).toBe('failed');
    expect(run.error).toBe('Xiva login refused: 401 from /api/auth/jwt/create/; check the credentials');

    // The simulator did echo it: the test would be empty otherwise.
    expect(sim.stats().byStatus['401']).toBeGreaterThanOrEqual(2);
    const all = await kept(test, run);
    expect(all).not.toContain(password);
    expect(all).not.toContain(encodeURIComponent(password));
    expect(all).not.toMatch(PAGE_MARKERS);
    expect(logs.some((l) => l.includes('401 from /api/auth/jwt/create/'))).toBe(true);
  });

  it('server errors whose pages echo the correct password and the client secret are retried, then reported by status', async () => {
    const sim = await startXivaSimulator({ items: 5, faults: { errorRate: 1, echoRequestRate: 1, retryAfterSeconds: 0 } });
    const crm = await startCrmSimulator({ items: 5, faults: { echoRequestRate: 1 } });
    sims.push(sim, crm);
    const system = await xiva(`${sim.url}/api`, XIVA_DEFAULT_CREDENTIALS.password);
    logs.length = 0;
    const test = await testConnection(system.id);
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/^50[023] from \/api\/auth\/jwt\/create\//);
    const run = await sync(system.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^50[023] from \/api\/auth\/jwt\/create\//);

    // CRM: a wrong client secret is echoed back in the refusal page (form body).
    const secret = 'crm-Secret-that-must-not-leak';
    const crmSystem = await createSystem({
      name: 'CRM', system_type: 'crm', base_url: crm.url, auth: { type: 'oauth2_client_credentials', username: CRM_DEFAULT_CREDENTIALS.clientId, secret },
    });
    const crmTest = await testConnection(crmSystem.id);
    expect(crmTest.message).toBe('OAuth2 token request refused: 400 from /services/oauth2/token; check the credentials');
    const crmRun = await sync(crmSystem.id);
    expect(crmRun.error).toBe(crmTest.message);

    const all = await kept(test, run, crmTest, crmRun);
    for (const s of [XIVA_DEFAULT_CREDENTIALS.password, secret]) expect(all).not.toContain(s);
    expect(all).not.toMatch(PAGE_MARKERS);
  });

  it('a closed port is "connection refused", a silent server "timeout after N s"', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const refused = await xiva(`http://127.0.0.1:${port}/api`, 'irrelevant-secret');
    const test = await testConnection(refused.id);
    expect(test).toMatchObject({ ok: false, message: `connection refused (127.0.0.1:${port}), 2 attempts` });
    const run = await sync(refused.id);
    expect(run.error).toBe(`connection refused (127.0.0.1:${port}), 2 attempts`);
    await t.container.externalSystems.remove(SYSTEM_ACTOR, refused.id);

    const silent = await startXivaSimulator({ items: 5, faults: { timeoutRate: 1 } });
    sims.push(silent);
    const hung = await xiva(`${silent.url}/api`, XIVA_DEFAULT_CREDENTIALS.password);
    const slow = await testConnection(hung.id);
    expect(slow).toMatchObject({ ok: false, message: 'timeout after 1 s (/api/auth/jwt/create/), 2 attempts' });
    const slowRun = await sync(hung.id);
    expect(slowRun.error).toBe('timeout after 1 s (/api/auth/jwt/create/), 2 attempts');
  });

  it('masks a secret that a record quotes (item errors) in the stored run and the logs', async () => {
    // The API key is also the text a malformed record carries (currency "XXX"): item errors quote it.
    const sim = await startBillingSimulator({ items: 60, seed: 4, apiKey: 'XXX', faults: { malformedRate: 0.2 } });
    sims.push(sim);
    const system = await createSystem({ name: 'Billing', system_type: 'billing', base_url: sim.url, auth: { type: 'api_key', secret: 'XXX' }, max_retries: 3 });
    logs.length = 0;
    const run = await sync(system.id);
    expect(run.status, run.error ?? '').toBe('partially_succeeded');
    const currencyErrors = run.item_errors.filter((e) => /unknown currency/.test(e.reason));
    expect(currencyErrors.length).toBeGreaterThan(0);
    for (const e of currencyErrors) expect(e.reason).toBe('unknown currency "********"');
    expect(JSON.stringify(run)).not.toContain('XXX');
    expect(logs.join('\n')).not.toContain('XXX');
  });
});
