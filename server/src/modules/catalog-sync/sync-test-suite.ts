/**
 * The set-up the suites that sync against the simulators share: one test database with an admin
 * session for the whole suite, the simulators a test started closed after it, and each test's
 * external systems removed after it so the next test can create its own system of a type.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';

export interface SyncSuite {
  t: TestContext;
  admin: { authorization: string };
}

/**
 * Registers the suite's hooks; `ready` receives the context once it is open. Returns the list a
 * test adds its simulators to. `cleanUp` runs after each test, once the systems are removed.
 */
export function syncTestSuite(
  ready: (suite: SyncSuite) => void,
  opts: { context?: Parameters<typeof createTestContext>[0]; cleanUp?: (t: TestContext) => Promise<void> } = {},
): { close(): Promise<void> }[] {
  let t: TestContext | undefined;
  const sims: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    t = await createTestContext(opts.context);
    ready({ t, admin: await t.auth('admin') });
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await t?.close();
  });
  afterEach(async () => {
    if (!t) return;
    for (const s of await t.container.externalSystems.list()) await t.container.externalSystems.remove(SYSTEM_ACTOR, s.id);
    await opts.cleanUp?.(t);
  });
  return sims;
}
