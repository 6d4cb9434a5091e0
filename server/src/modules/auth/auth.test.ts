import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, TEST_PASSWORD, type TestContext } from '../../../test/helpers.js';
import { MAX_FAILED_LOGINS } from './auth.service.js';

const api = '/api/loyalty/v1';

describe('auth and users', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
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

  it('rejects wrong passwords with 401 and limits repeated failures with 429', async () => {
    await t.token('viewer');
    for (let i = 0; i < MAX_FAILED_LOGINS; i++) {
      const res = await login('viewer@test.lyra', 'wrong-password');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toBe('Invalid email or password');
    }
    const limited = await login('viewer@test.lyra', TEST_PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
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
