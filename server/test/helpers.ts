import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Role } from '@lyra/contracts';
import { buildApp } from '../src/app.js';
import { createContainer, type Container, type ContainerOptions } from '../src/container.js';
import { openPglite, openPostgres, runMigrations, type Database } from '../src/db/client.js';
import type { App } from '../src/http/types.js';
import { ALL_JOBS, jobWorkers } from '../src/jobs/index.js';
import { openJobs, type Jobs } from '../src/jobs/runner.js';
import type { LogFn } from '../src/lib/log.js';
import { SYSTEM_ACTOR } from '../src/modules/auth/permissions.js';
import { PGLITE_TEMPLATE_ENV, POSTGRES_TEMPLATE_ENV } from './global-setup.js';

/**
 * A fresh database per test file with the real migrations: in-memory PGlite by default, or a new
 * database on the PostgreSQL server named by TEST_DATABASE_URL (dropped afterwards). `migrate:
 * false` leaves it empty, for tests that apply migrations step by step.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<Database & { dispose(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const migrate = opts.migrate ?? true;
  if (!serverUrl) {
    // The migrated template of global-setup.ts when there is one (npm test), else initdb + migrations.
    const template = migrate ? process.env[PGLITE_TEMPLATE_ENV] : undefined;
    const database = template ? await openPglite(null, { loadDataDir: new Blob([readFileSync(template)]) }) : await openPglite(null);
    if (migrate && !template) await runMigrations(database);
    return Object.assign(database, { dispose: () => database.close() });
  }
  const name = `lyra_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  // The migrated template of global-setup.ts when there is one (npm test), else an empty database + migrations.
  const template = migrate ? process.env[POSTGRES_TEMPLATE_ENV] : undefined;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), 5);
  if (migrate && !template) await runMigrations(database);
  return Object.assign(database, {
    async dispose() {
      await database.close();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        // An autovacuum worker that has just started on the database belongs to the superuser, and
        // FORCE may not end it (42501), nor can the drop go on while it runs (55006): it is brief, try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (attempt >= 20 || (code !== '42501' && code !== '55006')) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      } finally {
        await c.end();
      }
    },
  });
}

export const TEST_PASSWORD = 'correct-horse-battery';

export interface TestContext {
  app: App;
  container: Container;
  database: Database;
  /** Bearer tokens per role, users created on first use. */
  token(role: Role): Promise<string>;
  auth(role: Role): Promise<{ authorization: string }>;
  /** pg-boss when opened with `workJobs`. */
  jobs: Jobs | undefined;
  close(): Promise<void>;
}

/** Fast retries so fault-injection tests do not sleep for real back-off times. */
export const FAST_HTTP = { backoffBaseMs: 2, backoffMaxMs: 20, budgetMs: 120_000 };

/**
 * `workJobs`: pg-boss opened on the test database and every module's jobs worked by this process
 * (no cron schedules: tests send what they need). Without it, sending a job answers 503.
 */
export async function createTestContext(opts: Partial<Omit<ContainerOptions, 'jobs'>> & { workJobs?: { pollingIntervalSeconds?: number; log?: LogFn } } = {}): Promise<TestContext> {
  const { workJobs, ...containerOpts } = opts;
  const database = await createTestDatabase();
  const jobs = workJobs ? await openJobs(database, ALL_JOBS, { schedule: false, ...(workJobs.log && { log: workJobs.log }) }) : undefined;
  const container = createContainer(database, { sessionTtlHours: 1, httpOverrides: FAST_HTTP, ...containerOpts, ...(jobs && { jobs }) });
  if (jobs) await jobs.work(jobWorkers(container), { pollingIntervalSeconds: workJobs?.pollingIntervalSeconds ?? 0.5 });
  const app = await buildApp({ container, config: { logLevel: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent', cookieSecure: false, webDist: '/nonexistent' } });
  await app.ready();
  const tokens = new Map<Role, string>();
  const token = async (role: Role) => {
    const known = tokens.get(role);
    if (known) return known;
    const email = `${role}@test.lyra`;
    await container.users.create(SYSTEM_ACTOR, { email, name: `Test ${role}`, password: TEST_PASSWORD, role, is_active: true });
    const login = await container.auth.login(email, TEST_PASSWORD, '127.0.0.1', 'test');
    tokens.set(role, login.token);
    return login.token;
  };
  return {
    app,
    container,
    database,
    token,
    auth: async (role) => ({ authorization: `Bearer ${await token(role)}` }),
    jobs,
    async close() {
      await app.close();
      await jobs?.stop();
      await database.dispose();
    },
  };
}

/** A signed-in user's request headers. */
export type AuthHeaders = { authorization: string };

/**
 * Requests to the API of a context created later (in `beforeAll`): `post`, `patch` and `get` by path
 * under /api/loyalty/v1, with a user's headers.
 */
export function apiRequests(context: () => TestContext) {
  const url = (path: string) => `/api/loyalty/v1${path}`;
  return {
    post: (path: string, headers: AuthHeaders, payload?: unknown) =>
      context().app.inject({ method: 'POST', url: url(path), headers, ...(payload !== undefined && { payload: payload as object }) }),
    patch: (path: string, headers: AuthHeaders, payload: unknown) => context().app.inject({ method: 'PATCH', url: url(path), headers, payload: payload as object }),
    get: (path: string, headers: AuthHeaders) => context().app.inject({ url: url(path), headers }),
  };
}
