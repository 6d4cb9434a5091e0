import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../app.js';
import { createContainer } from '../../container.js';
import type { App } from '../../http/types.js';
import { createTestContext, FAST_HTTP, TEST_PASSWORD, type TestContext } from '../../../test/helpers.js';
import { SYSTEM_ACTOR } from './permissions.js';
import { addressKey, DEFAULT_LOGIN_THROTTLE } from './login-throttle.js';

const api = '/api/loyalty/v1';
const { account, address } = DEFAULT_LOGIN_THROTTLE;

describe('sign-in throttling', () => {
  let t: TestContext;
  // A fake clock for the throttle only: delays pass when a test says so, never by sleeping.
  let nowMs = Date.now();
  const advance = (ms: number) => {
    nowMs += ms;
  };

  // A second instance on the same database: the counts are shared, not per process.
  let other: App;
  beforeAll(async () => {
    const loginThrottle = { clock: () => new Date(nowMs) };
    t = await createTestContext({ loginThrottle });
    other = await buildApp({
      container: createContainer(t.database, { sessionTtlHours: 1, httpOverrides: FAST_HTTP, loginThrottle }),
      config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent' },
    });
    await other.ready();
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const login = (email: string, password: string, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email, password }, remoteAddress });
  const statuses = (responses: LightMyRequestResponse[]) => {
    const counts: Record<number, number> = {};
    for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
    return counts;
  };
  const createUser = async (email: string) => {
    await t.container.users.create(SYSTEM_ACTOR, { email, name: email, password: TEST_PASSWORD, role: 'viewer', is_active: true });
  };

  it('checks only the free attempts of 200 parallel wrong guesses for one account, sent to two instances; the rest answer 429 in the error envelope', async () => {
    await createUser('target@test.lyra');
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      (i % 2 ? other : t.app).inject({ method: 'POST', url: `${api}/auth/login`, payload: { email: 'target@test.lyra', password: 'wrong-password' }, remoteAddress: '198.51.100.1' })));
    const counts = statuses(responses);
    expect(counts).toEqual({ 401: account.freeAttempts, 429: 200 - account.freeAttempts });

    const limited = responses.find((r) => r.statusCode === 429)!;
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const body = limited.json();
    expect(body.error).toMatchObject({ code: 'too_many_requests', details: { retry_after_seconds: Number(limited.headers['retry-after']) } });
    expect(body.error.request_id).toBeTruthy();
    expect(body.error.message).toMatch(/Too many sign-in attempts/);
  });

  it('refuses a correct password sent among 30 parallel wrong ones once the limit is hit', async () => {
    await createUser('owner1@test.lyra');
    for (let i = 0; i < account.freeAttempts; i++) expect((await login('owner1@test.lyra', 'wrong-password', '198.51.100.2')).statusCode).toBe(401);
    const batch = Array.from({ length: 31 }, (_, i) => login('owner1@test.lyra', i === 15 ? TEST_PASSWORD : 'wrong-password', '198.51.100.2'));
    const responses = await Promise.all(batch);
    expect(statuses(responses)).toEqual({ 429: 31 });
    expect(responses[15]!.statusCode).toBe(429);
    expect(responses[15]!.json()).not.toHaveProperty('token');
  });

  it('grows the delay 1 s, 2 s, 4 s ... up to the cap, and lets the owner in from anywhere once it has passed', async () => {
    await createUser('owner2@test.lyra');
    for (let i = 0; i < account.freeAttempts; i++) expect((await login('owner2@test.lyra', 'wrong-password', '198.51.100.3')).statusCode).toBe(401);

    const expected: number[] = [];
    for (let d = account.baseDelayMs; expected.length < 9; d *= 2) expected.push(Math.min(d, account.maxDelayMs) / 1000);
    expect(expected.slice(0, 3)).toEqual([1, 2, 4]);
    expect(expected.at(-1)).toBe(account.maxDelayMs / 1000);
    for (const seconds of expected) {
      // The owner, from another address, is refused before the password is checked...
      const refused = await login('owner2@test.lyra', TEST_PASSWORD, '192.0.2.10');
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe(String(seconds));
      advance(seconds * 1000 - 1);
      expect((await login('owner2@test.lyra', TEST_PASSWORD, '192.0.2.10')).statusCode).toBe(429);
      advance(1);
      // ...and once the wait is over, the next guess is checked again (and is itself wrong).
      expect((await login('owner2@test.lyra', 'wrong-password', '198.51.100.3')).statusCode).toBe(401);
    }

    advance(account.maxDelayMs);
    const ok = await login('owner2@test.lyra', TEST_PASSWORD, '192.0.2.10');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token).toBeTruthy();
    // A successful sign-in starts the account from zero: the owner's next typo is a plain 401.
    expect((await login('owner2@test.lyra', 'wrong-password', '192.0.2.10')).statusCode).toBe(401);
  });

  it('forgets an account\'s failures after a quiet period', async () => {
    await createUser('owner3@test.lyra');
    for (let i = 0; i < account.freeAttempts; i++) expect((await login('owner3@test.lyra', 'wrong-password', '198.51.100.4')).statusCode).toBe(401);
    expect((await login('owner3@test.lyra', 'wrong-password', '198.51.100.4')).statusCode).toBe(429);
    advance(account.forgetAfterMs + 1);
    for (let i = 0; i < account.freeAttempts; i++) expect((await login('owner3@test.lyra', 'wrong-password', '198.51.100.4')).statusCode).toBe(401);
  });

  it('stops one address spraying many accounts, whatever the emails, before any password is checked', async () => {
    await createUser('sprayed@test.lyra');
    const spray = await Promise.all(Array.from({ length: 60 }, (_, i) => login(`guess${i}@test.lyra`, 'Summer2026!', '203.0.113.7')));
    expect(statuses(spray)).toEqual({ 401: address.freeAttempts, 429: 60 - address.freeAttempts });
    // A correct password from the throttled address is refused too; from another address it works.
    expect((await login('sprayed@test.lyra', TEST_PASSWORD, '203.0.113.7')).statusCode).toBe(429);
    expect((await login('sprayed@test.lyra', TEST_PASSWORD, '203.0.113.8')).statusCode).toBe(200);
    // IPv6 addresses count per /64: rotating the interface identifier does not escape the limit.
    const v6 = await Promise.all(Array.from({ length: address.freeAttempts + 5 }, (_, i) => login(`v6-${i}@test.lyra`, 'x-password', `2001:db8:7:1::${(i + 1).toString(16)}`)));
    expect(statuses(v6)).toEqual({ 401: address.freeAttempts, 429: 5 });
    expect((await login('sprayed@test.lyra', TEST_PASSWORD, '2001:db8:7:2::1')).statusCode).toBe(200);
  });

  it('counts only failures against an address: its users signing in successfully never throttle it', async () => {
    await createUser('office@test.lyra');
    for (let i = 0; i < address.freeAttempts - 1; i++) expect((await login(`typo${i}@test.lyra`, 'wrong-password', '203.0.113.50')).statusCode).toBe(401);
    for (let i = 0; i < 5; i++) expect((await login('office@test.lyra', TEST_PASSWORD, '203.0.113.50')).statusCode).toBe(200);
    expect((await login('typo-last@test.lyra', 'wrong-password', '203.0.113.50')).statusCode).toBe(401);
    expect((await login('office@test.lyra', TEST_PASSWORD, '203.0.113.50')).statusCode).toBe(429);
  });

  it('never refuses sign-ins within the free attempts, however many arrive at once on two instances', async () => {
    // Concurrent claims from one address once read each other's newer next-allowed time as a wait
    // (a 429 "try again in 1 second" for one of four test sign-ins on PostgreSQL): the real clock
    // here, on two more instances, since the race lives in the time each transaction sees.
    const realClock = await Promise.all([0, 1].map(async () => {
      const app = await buildApp({
        container: createContainer(t.database, { sessionTtlHours: 1, httpOverrides: FAST_HTTP }),
        config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent' },
      });
      await app.ready();
      return app;
    }));
    try {
      const users = Array.from({ length: 8 }, (_, i) => `rush${i}@test.lyra`);
      for (const u of users) await createUser(u);
      for (let round = 0; round < 3; round++) {
        const responses = await Promise.all(users.map((u, i) =>
          realClock[i % 2]!.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email: u, password: TEST_PASSWORD }, remoteAddress: '203.0.113.77' })));
        expect(statuses(responses)).toEqual({ 200: users.length });
      }
    } finally {
      for (const app of realClock) await app.close();
    }
  });

  it('keys addresses: IPv4-mapped IPv6 as IPv4, IPv6 per /64', () => {
    expect(addressKey('::ffff:192.0.2.1')).toBe('ip:192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('ip:192.0.2.1');
    expect(addressKey('2001:db8:0:1::1')).toBe(addressKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:0:1::1')).not.toBe(addressKey('2001:db8:0:2::1'));
    expect(addressKey('fe80::1%eth0')).toBe('ip6:fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('ip6:0:0:0:0::/64');
    expect(addressKey(null)).toBe('ip:unknown');
  });
});
