import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.js';
import { createContainer } from '../../container.js';
import type { App } from '../../http/types.js';
import { createTestContext, FAST_HTTP, TEST_PASSWORD, type TestContext } from '../../../test/helpers.js';
import { DEFAULT_LOGIN_THROTTLE } from './login-throttle.js';
import { SYSTEM_ACTOR } from './permissions.js';

const api = '/api/loyalty/v1';

describe('auth and users', () => {
  let t: TestContext;
  // The throttle's clock: waits pass when the test says so.
  let nowMs = Date.now();
  beforeAll(async () => {
    t = await createTestContext({ loginThrottle: { clock: () => new Date(nowMs) } });
    await t.token('admin');
  });
  afterAll(() => t.close());

  const login = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email, password } });

  it('logs in with a token and an HttpOnly cookie; both authenticate; logout ends the session', async () => {
    const res = await login('ADMIN@test.lyra', TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ email: 'admin@test.lyra', role: 'admin' });
    expect(body.user).not.toHaveProperty('password_hash');
    const cookie = res.cookies.find((c) => c.name === 'lyra_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');

    const viaBearer = await t.app.inject({ url: `${api}/auth/me`, headers: { authorization: `Bearer ${body.token}` } });
    expect(viaBearer.json().email).toBe('admin@test.lyra');
    const viaCookie = await t.app.inject({ url: `${api}/auth/me`, cookies: { lyra_session: cookie.value } });
    expect(viaCookie.statusCode).toBe(200);

    const out = await t.app.inject({ method: 'POST', url: `${api}/auth/logout`, cookies: { lyra_session: cookie.value } });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ url: `${api}/auth/me`, headers: { authorization: `Bearer ${body.token}` } })).statusCode).toBe(401);
  });

  it('rejects wrong passwords with 401 and slows repeated failures down with 429 and a growing wait', async () => {
    await t.token('viewer');
    for (let i = 0; i < DEFAULT_LOGIN_THROTTLE.account.freeAttempts; i++) {
      const res = await login('viewer@test.lyra', 'wrong-password');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('Invalid email or password');
    }
    const limited = await login('viewer@test.lyra', TEST_PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json().error.code).toBe('too_many_requests');
    // No quarter-hour lock-out: once the wait has passed, the owner signs in.
    nowMs += 1000;
    expect((await login('viewer@test.lyra', TEST_PASSWORD)).statusCode).toBe(200);
    // Unknown emails answer like wrong passwords.
    expect((await login('nobody@test.lyra', 'whatever-pass')).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email: 'x', password: '' } })).statusCode).toBe(400);
  });

  it('lets admins manage users; passwords are never answered; the last admin stays', async () => {
    const admin = await t.auth('admin');
    const created = await t.app.inject({ method: 'POST', url: `${api}/users/`, headers: admin, payload: { email: 'Mia@Operator.example', name: 'Mia', password: 'long-enough-pw', role: 'marketer' } });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user.email).toBe('mia@operator.example');
    expect(JSON.stringify(user)).not.toMatch(/password/);
    expect((await t.app.inject({ method: 'POST', url: `${api}/users/`, headers: admin, payload: { email: 'mia@operator.example', name: 'Mia', password: 'long-enough-pw', role: 'marketer' } })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'POST', url: `${api}/users/`, headers: admin, payload: { email: 'a@b.example', name: 'A', password: 'short', role: 'marketer' } })).json().error.details.fields.password).toBeDefined();
    expect((await t.app.inject({ method: 'POST', url: `${api}/users/`, headers: admin, payload: { email: 'a@b.example', name: 'A', password: 'long-enough-pw', role: 'root' } })).statusCode).toBe(400);

    expect((await login('mia@operator.example', 'long-enough-pw')).statusCode).toBe(200);
    const patched = await t.app.inject({ method: 'PATCH', url: `${api}/users/${user.id}/`, headers: admin, payload: { role: 'analyst', is_active: false } });
    expect(patched.json()).toMatchObject({ role: 'analyst', is_active: false });
    expect((await login('mia@operator.example', 'long-enough-pw')).statusCode).toBe(401);

    const list = (await t.app.inject({ url: `${api}/users/`, headers: admin })).json();
    expect(list.results.every((u: Record<string, unknown>) => !('password' in u) && !('password_hash' in u))).toBe(true);
    const adminId = list.results.find((u: { email: string }) => u.email === 'admin@test.lyra').id;
    const demote = await t.app.inject({ method: 'PATCH', url: `${api}/users/${adminId}/`, headers: admin, payload: { role: 'viewer' } });
    expect(demote.statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: `${api}/users/${adminId}/`, headers: admin })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: `${api}/users/${user.id}/`, headers: admin })).statusCode).toBe(204);

    const audit = (await t.app.inject({ url: `${api}/audit-log/?entity_type=user&entity_id=${user.id}`, headers: admin })).json();
    expect(audit.results.map((e: { action: string }) => e.action)).toEqual(['delete', 'update', 'create']);
    expect(JSON.stringify(audit)).not.toMatch(/long-enough-pw|scrypt\$/);
  });
});

describe('password changes and revoked sessions, on every instance', () => {
  let t: TestContext;
  // A second Lyra instance on the same database, as behind a load balancer.
  let other: App;
  // The throttle's clock on this instance: the real one, unless a test holds it still.
  let heldAt: Date | null = null;
  beforeAll(async () => {
    t = await createTestContext({ loginThrottle: { clock: () => heldAt ?? new Date() } });
    const container = createContainer(t.database, { sessionTtlHours: 1, httpOverrides: FAST_HTTP });
    other = await buildApp({ container, config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent' } });
    await other.ready();
    await t.token('admin');
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const loginOn = async (app: App, email: string, password: string) => {
    const res = await app.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email, password } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token as string;
  };
  const me = (app: App, token: string) => app.inject({ url: `${api}/auth/me`, headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode);
  const changePassword = (app: App, token: string, payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: `${api}/auth/password`, headers: { authorization: `Bearer ${token}` }, payload });
  const newUser = async (email: string) =>
    (await t.container.users.create(SYSTEM_ACTOR, { email, name: email, password: TEST_PASSWORD, role: 'marketer', is_active: true })).id;
  /** Both instances have just answered for every token, so any memo would be warm. */
  const warm = async (tokens: string[]) => {
    for (const token of tokens) for (const app of [t.app, other]) expect(await me(app, token)).toBe(200);
  };

  it('changing your own password ends your other sessions on every instance and keeps this one', async () => {
    const userId = await newUser('self@test.lyra');
    const here = await loginOn(t.app, 'self@test.lyra', TEST_PASSWORD);
    const laptop = await loginOn(other, 'self@test.lyra', TEST_PASSWORD);
    const phone = await loginOn(other, 'self@test.lyra', TEST_PASSWORD);
    const bystander = await t.token('viewer');
    await warm([here, laptop, phone, bystander]);

    const res = await changePassword(t.app, here, { current_password: TEST_PASSWORD, new_password: 'a-brand-new-secret' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ other_sessions_ended: 2 });

    for (const app of [t.app, other]) {
      expect(await me(app, laptop)).toBe(401);
      expect(await me(app, phone)).toBe(401);
      expect(await me(app, here)).toBe(200);
      expect(await me(app, bystander)).toBe(200);
    }
    expect((await other.inject({ method: 'POST', url: `${api}/auth/login`, payload: { email: 'self@test.lyra', password: TEST_PASSWORD } })).statusCode).toBe(401);
    await loginOn(other, 'self@test.lyra', 'a-brand-new-secret');

    const audit = (await t.app.inject({ url: `${api}/audit-log/?entity_type=user&entity_id=${userId}`, headers: await t.auth('admin') })).json();
    const entry = audit.results.find((e: { action: string; actor_id: string }) => e.action === 'update' && e.actor_id === userId);
    expect(entry.before).toMatchObject({ email: 'self@test.lyra' });
    expect(entry.after).toMatchObject({ email: 'self@test.lyra', password: 'changed', other_sessions_ended: 2 });
    expect(entry.after).not.toHaveProperty('password_hash');
    expect(JSON.stringify(audit)).not.toMatch(/a-brand-new-secret|correct-horse|scrypt\$/);
  });

  it('a wrong current password answers 400 naming current_password; the new one follows the user-creation rule', async () => {
    await newUser('typo@test.lyra');
    const token = await loginOn(t.app, 'typo@test.lyra', TEST_PASSWORD);
    const wrong = await changePassword(t.app, token, { current_password: 'not-my-password', new_password: 'a-brand-new-secret' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'validation_error', details: { fields: { current_password: [expect.any(String)] } } });
    expect(wrong.json().error.details.fields).not.toHaveProperty('new_password');

    const short = await changePassword(t.app, token, { current_password: TEST_PASSWORD, new_password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.details.fields.new_password).toEqual(['must be at least 10 characters']);
    const same = await changePassword(t.app, token, { current_password: TEST_PASSWORD, new_password: TEST_PASSWORD });
    expect(same.json().error.details.fields.new_password).toEqual(['must differ from the current password']);
    const missing = await changePassword(t.app, token, { new_password: 'a-brand-new-secret' });
    expect(missing.json().error.details.fields.current_password).toBeDefined();
    // Nothing changed: the old password still signs in.
    await loginOn(other, 'typo@test.lyra', TEST_PASSWORD);
  });

  it('guessing the current password through a session is throttled like signing in', async () => {
    await newUser('borrowed@test.lyra');
    const token = await loginOn(t.app, 'borrowed@test.lyra', TEST_PASSWORD);
    // Held still: on a busy machine a password check may take longer than the first wait.
    heldAt = new Date();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < DEFAULT_LOGIN_THROTTLE.account.freeAttempts + 1; i++) {
        statuses.push((await changePassword(t.app, token, { current_password: `guess-${i}`, new_password: 'a-brand-new-secret' })).statusCode);
      }
      expect(statuses).toEqual([...Array<number>(DEFAULT_LOGIN_THROTTLE.account.freeAttempts).fill(400), 429]);
      expect((await changePassword(t.app, token, { current_password: TEST_PASSWORD, new_password: 'a-brand-new-secret' })).statusCode).toBe(429);
    } finally {
      heldAt = null;
    }
  });

  it('an admin password reset, deactivation or role change ends the user\'s sessions on every instance', async () => {
    const admin = await t.auth('admin');
    const userId = await newUser('managed@test.lyra');
    const patch = (payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: `${api}/users/${userId}/`, headers: admin, payload });
    const changes: [string, Record<string, unknown>, string][] = [
      ['password reset', { password: 'reset-by-admin-1' }, 'reset-by-admin-1'],
      ['role change', { role: 'analyst' }, 'reset-by-admin-1'],
      ['deactivation', { is_active: false }, 'reset-by-admin-1'],
    ];
    for (const [what, payload, password] of changes) {
      const a = await loginOn(other, 'managed@test.lyra', what === 'password reset' ? TEST_PASSWORD : password);
      const b = await loginOn(t.app, 'managed@test.lyra', what === 'password reset' ? TEST_PASSWORD : password);
      await warm([a, b]);
      const res = await patch(payload);
      expect(res.statusCode, `${what}: ${res.body}`).toBe(200);
      for (const app of [t.app, other]) for (const token of [a, b]) expect(await me(app, token), what).toBe(401);
    }
    // Re-activation does not bring old sessions back, and an unchanged role ends nothing.
    expect((await patch({ is_active: true })).statusCode).toBe(200);
    const c = await loginOn(other, 'managed@test.lyra', 'reset-by-admin-1');
    expect((await patch({ role: 'analyst', name: 'Still analyst' })).statusCode).toBe(200);
    expect(await me(other, c)).toBe(200);

    const audit = (await t.app.inject({ url: `${api}/audit-log/?entity_type=user&entity_id=${userId}&action=update`, headers: admin })).json();
    expect(audit.results.map((e: { after: { sessions_ended?: number } }) => e.after.sessions_ended)).toEqual([undefined, 0, 2, 2, 2]);
    expect(JSON.stringify(audit)).not.toMatch(/reset-by-admin-1|scrypt\$/);
  });

  it('an admin resetting their own password keeps the session making the change and ends the others', async () => {
    await t.container.users.create(SYSTEM_ACTOR, { email: 'admin2@test.lyra', name: 'Second admin', password: TEST_PASSWORD, role: 'admin', is_active: true });
    const here = await loginOn(t.app, 'admin2@test.lyra', TEST_PASSWORD);
    const elsewhere = await loginOn(other, 'admin2@test.lyra', TEST_PASSWORD);
    await warm([here, elsewhere]);
    const myId = (await t.app.inject({ url: `${api}/auth/me`, headers: { authorization: `Bearer ${here}` } })).json().id;
    const res = await t.app.inject({ method: 'PATCH', url: `${api}/users/${myId}/`, headers: { authorization: `Bearer ${here}` }, payload: { password: 'new-admin-secret' } });
    expect(res.statusCode).toBe(200);
    expect(await me(other, here)).toBe(200);
    expect(await me(t.app, elsewhere)).toBe(401);
    expect(await me(other, elsewhere)).toBe(401);
  });
});
