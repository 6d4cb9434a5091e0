import { createServer } from 'node:net';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createContainer } from '../src/container.js';
import { externalSystems, mlModelVersions, mlScoringRuns, syncRuns } from '../src/db/schema/index.js';
import type { App } from '../src/http/types.js';
import { recordJobOutcome } from '../src/lib/metrics.js';
import { createTestDatabase } from './helpers.js';

const TOKEN = 'metrics-token-for-the-test-0123456789';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

async function appWith(database: TestDatabase, metrics: { metricsToken?: string; metricsPort?: number; metricsHost?: string }): Promise<App> {
  const container = createContainer(database, { sessionTtlHours: 1 });
  const app = await buildApp({ container, config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent', ...metrics } });
  await app.ready();
  return app;
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Series lines as `name{labels}` -> value. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function seedRows(database: TestDatabase) {
  const { db } = database;
  const [system] = await db.insert(externalSystems).values({ name: 'Xiva test', systemType: 'xiva', baseUrl: 'http://127.0.0.1:9/', authType: 'none', lastSuccessAt: '2026-01-02T03:04:05.000Z' }).returning();
  await db.insert(syncRuns).values([
    { externalSystemId: system!.id, systemType: 'xiva', status: 'succeeded', trigger: 'manual', requestedMode: 'full', counts: { created: 5, updated: 2, unchanged: 0, retired: 1, skipped: 0, failed: 0 } },
    { externalSystemId: system!.id, systemType: 'xiva', status: 'failed', trigger: 'schedule', requestedMode: 'incremental', counts: { created: 1, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 3 } },
  ]);
  const version = { modelName: 'churn', algorithm: 'gbdt', hyperParameters: {}, seed: 1, progress: { stage: 'done', iteration: 1, total: 1 }, createdBy: 'test', status: 'ready' };
  const [v1, v2] = await db.insert(mlModelVersions).values([{ ...version, version: 1, isActive: false }, { ...version, version: 2, isActive: true }]).returning();
  const run = { modelName: 'churn', status: 'succeeded', requestedBy: 'test' };
  await db.insert(mlScoringRuns).values([
    // The inactive version's PSI is not the model's.
    { ...run, modelVersionId: v1!.id, version: 1, total: 100, scored: 100, psi: 0.4, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:10.000Z' },
    { ...run, modelVersionId: v2!.id, version: 2, total: 3000, scored: 3000, psi: 0.12, startedAt: '2026-01-02T00:00:00.000Z', finishedAt: '2026-01-02T00:00:20.000Z' },
  ]);
}

describe('GET /metrics with METRICS_TOKEN, on the public port', () => {
  let database: TestDatabase;
  let app: App;
  let boss: PgBoss;
  beforeAll(async () => {
    database = await createTestDatabase();
    await seedRows(database);
    // A queue with one waiting job, as the job runner would leave it.
    boss = new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => database.executeSql(text, values) }, schedule: false, supervise: false });
    await boss.start();
    await boss.createQueue('metrics-test-queue');
    await boss.send('metrics-test-queue', {});
    app = await appWith(database, { metricsToken: TOKEN });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await boss?.stop({ graceful: false, wait: true });
    await database?.dispose();
  });

  it('refuses a scrape without the token or with a wrong one, whatever the spelling of the path', async () => {
    for (const url of ['/metrics', '/metrics/', '/%6Detrics', '/metrics?x=1']) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: `Basic ${TOKEN}` }]) {
        const res = await app.inject({ url, headers });
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json().error.code).toBe('unauthorized');
        expect(res.body).not.toContain('lyra_');
      }
    }
  });

  it('does not open to a Lyra session', async () => {
    const container = createContainer(database, { sessionTtlHours: 1 });
    const { SYSTEM_ACTOR } = await import('../src/modules/auth/permissions.js');
    await container.users.create(SYSTEM_ACTOR, { email: 'metrics-admin@test.lyra', name: 'Admin', password: 'correct-horse-battery', role: 'admin', is_active: true });
    const login = await container.auth.login('metrics-admin@test.lyra', 'correct-horse-battery', '127.0.0.1', 'test');
    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${login.token}` } });
    expect(res.statusCode).toBe(401);
  });

  it('answers the Prometheus text format with the token', async () => {
    await app.inject({ url: '/healthz' });
    recordJobOutcome('metrics.test', 'succeeded');
    recordJobOutcome('metrics.test', 'failed');
    recordJobOutcome('metrics.test', 'succeeded');

    const res = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    // Every line is a comment (HELP/TYPE) or `name{labels} value`.
    for (const line of res.body.split('\n').filter(Boolean)) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][\w:]* .+|[a-zA-Z_:][\w:]*(\{[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"(,[a-zA-Z_]\w*="(?:[^"\\]|\\.)*")*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|NaN|\+Inf|-Inf))$/);
    }
    expect(res.body).toContain('# TYPE lyra_http_request_duration_seconds histogram');
    const s = series(res.body);

    expect(s.get('lyra_http_request_duration_seconds_count{route="/healthz",method="GET",status_code="200"}')).toBe(1);
    expect(s.get('lyra_http_request_duration_seconds_bucket{le="+Inf",route="/healthz",method="GET",status_code="200"}')).toBe(1);
    // The refused scrapes of the first test, by matched route.
    expect(s.get('lyra_http_request_duration_seconds_count{route="/metrics",method="GET",status_code="401"}')).toBeGreaterThanOrEqual(12);

    expect(s.get('lyra_job_outcomes_total{job="metrics.test",outcome="succeeded"}')).toBe(2);
    expect(s.get('lyra_job_outcomes_total{job="metrics.test",outcome="failed"}')).toBe(1);
    expect(s.get('lyra_job_queue_depth{queue="metrics-test-queue"}')).toBe(1);
    expect(s.get('lyra_job_queue_active{queue="metrics-test-queue"}')).toBe(0);
    expect([...s.keys()].filter((k) => k.includes('__pgboss__'))).toEqual([]);

    expect(s.get('lyra_sync_runs{system="Xiva test",system_type="xiva",status="succeeded"}')).toBe(1);
    expect(s.get('lyra_sync_runs{system="Xiva test",system_type="xiva",status="failed"}')).toBe(1);
    expect(s.get('lyra_sync_items{system="Xiva test",system_type="xiva",outcome="created"}')).toBe(6);
    expect(s.get('lyra_sync_items{system="Xiva test",system_type="xiva",outcome="retired"}')).toBe(1);
    expect(s.get('lyra_sync_items{system="Xiva test",system_type="xiva",outcome="failed"}')).toBe(3);
    expect(s.get('lyra_sync_last_success_timestamp_seconds{system="Xiva test",system_type="xiva"}')).toBe(Date.parse('2026-01-02T03:04:05.000Z') / 1000);

    expect(s.get('lyra_ml_scoring_runs{model="churn",status="succeeded"}')).toBe(2);
    expect(s.get('lyra_ml_scored_rows{model="churn"}')).toBe(3100);
    expect(s.get('lyra_ml_scoring_last_run_rows{model="churn",version="2"}')).toBe(3000);
    expect(s.get('lyra_ml_scoring_last_run_seconds{model="churn",version="2"}')).toBe(20);
    expect(s.get('lyra_ml_scoring_rows_per_second{model="churn",version="2"}')).toBe(150);
    expect(s.get('lyra_ml_model_psi{model="churn",version="2"}')).toBe(0.12);
    expect(s.has('lyra_ml_model_psi{model="churn",version="1"}')).toBe(false);

    for (const collector of ['sync', 'scoring', 'models', 'queues']) expect(s.get(`lyra_metrics_collector_up{collector="${collector}"}`)).toBe(1);
    expect([...s.keys()].some((k) => k.startsWith('process_cpu_seconds_total'))).toBe(true);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  }, 60_000);
  afterAll(() => database?.dispose());

  it('is not served on the public port (404, never the console)', async () => {
    const app = await appWith(database, {});
    try {
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    } finally {
      await app.close();
    }
  });

  it('is served on METRICS_PORT only, which asks for the token when one is set', async () => {
    const port = await freePort();
    const app = await appWith(database, { metricsPort: port, metricsHost: '127.0.0.1', metricsToken: TOKEN });
    try {
      expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
      const refused = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(refused.status).toBe(401);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('# TYPE lyra_http_request_duration_seconds histogram');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(404);
    } finally {
      await app.close();
    }
    // Closed with the app.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
