import { describe, expect, it, vi } from 'vitest';
import type { User } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { permissionsFor } from './permissions';
import { landingPath, safeNext } from './redirect';
import { validateLogin } from './login-form';
import { createSession } from './use-session';
import { loginErrorMessage, useLogin } from './use-login';

const user: User = {
  id: '628725f2-50be-49d8-af03-fe217744dc95',
  email: 'm@lyra.local',
  name: 'Mona Marketer',
  role: 'marketer',
  is_active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  last_login_at: null,
};

describe('permissionsFor', () => {
  it('gives each role what the brief says', () => {
    expect(permissionsFor('admin')).toEqual({
      manageProducts: true,
      editTargeting: true,
      importProducts: true,
      manageUsers: true,
      viewAudit: true,
      manageSystems: true,
      runSync: true,
      viewSyncRuns: true,
      manageMl: true,
      writeCampaigns: true,
      approveCampaigns: true,
    });
    expect(permissionsFor('marketer')).toMatchObject({ manageProducts: false, editTargeting: true, importProducts: false, manageUsers: false, manageSystems: false, runSync: false });
    // Maker-checker: marketers build campaigns, approvers approve them, admins do both.
    expect(permissionsFor('marketer')).toMatchObject({ writeCampaigns: true, approveCampaigns: false });
    expect(permissionsFor('campaign_approver')).toMatchObject({ writeCampaigns: false, approveCampaigns: true, manageProducts: false });
    // Everyone signed in reads sync runs (sync:read); analysts also manage ML (ml:manage); nothing else for read-only roles.
    for (const role of ['analyst', 'viewer'] as const) {
      const { viewSyncRuns, manageMl, ...rest } = permissionsFor(role);
      expect(viewSyncRuns).toBe(true);
      expect(manageMl).toBe(role === 'analyst');
      expect(Object.values(rest).every((v) => v === false)).toBe(true);
    }
    expect(permissionsFor('marketer').manageMl).toBe(false);
    expect(Object.values(permissionsFor(null)).every((v) => v === false)).toBe(true);
  });
});

describe('safeNext', () => {
  it('follows same-origin paths only', () => {
    expect(safeNext('/admin/products?status=active')).toBe('/admin/products?status=active');
    expect(safeNext(['/admin/users'])).toBe('/admin/users');
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil', 'admin', '', undefined, 3, '/login?next=/x']) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});

describe('validateLogin', () => {
  it('requires a plausible email and a password', () => {
    expect(validateLogin({ email: '', password: '' })).toEqual({ email: ['Enter your email address'], password: ['Enter your password'] });
    expect(validateLogin({ email: 'nope', password: 'x' }).email?.[0]).toMatch(/valid email/);
    expect(validateLogin({ email: ' admin@lyra.local ', password: 'x' })).toEqual({});
  });
});

describe('useLogin', () => {
  it('does not call the server when the form is invalid', async () => {
    const signIn = vi.fn();
    const login = useLogin(signIn);
    expect(await login.submit()).toBeNull();
    expect(signIn).not.toHaveBeenCalled();
    expect(login.fieldErrors.value.email).toBeDefined();
  });

  it('trims the email, toggles loading and returns the user', async () => {
    let seenLoading = false;
    const login = useLogin(async (body) => {
      seenLoading = login.loading.value;
      expect(body).toEqual({ email: 'm@lyra.local', password: 'secret-pass' });
      return user;
    });
    login.form.email = '  m@lyra.local ';
    login.form.password = 'secret-pass';
    expect(await login.submit()).toEqual(user);
    expect(seenLoading).toBe(true);
    expect(login.loading.value).toBe(false);
  });

  it('shows the right message for 401 and 429', async () => {
    const login = useLogin(async () => {
      throw new ApiError({ status: 429, code: 'too_many_requests', message: 'Too many login attempts; try again in 15 minutes' });
    });
    login.form.email = 'a@b.co';
    login.form.password = 'x';
    await login.submit();
    expect(login.error.value).toBe('Too many login attempts; try again in 15 minutes');
    expect(loginErrorMessage(new ApiError({ status: 401, code: 'unauthorized', message: 'Invalid email or password' }))).toBe('Wrong email or password.');
    expect(loginErrorMessage(new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach' }))).toBe('Cannot reach');
  });
});

describe('createSession', () => {
  it('asks the server once and treats 401 as signed out', async () => {
    const me = vi.fn(async (): Promise<User> => {
      throw new ApiError({ status: 401, code: 'unauthorized', message: 'Authentication required' });
    });
    const session = createSession({ me, login: vi.fn(), logout: vi.fn() });
    const [a, b] = await Promise.all([session.ensureLoaded(), session.ensureLoaded()]);
    expect(a).toBeNull();
    expect(b).toBeNull();
    await session.ensureLoaded();
    expect(me).toHaveBeenCalledTimes(1);
    expect(session.can.value.manageProducts).toBe(false);
  });

  it('keeps the user after login and clears it on logout even if the server fails', async () => {
    const session = createSession({
      me: vi.fn(),
      login: async () => ({ user }),
      logout: async () => {
        throw new ApiError({ status: 0, code: 'network_error', message: 'down' });
      },
    });
    await session.login({ email: user.email, password: 'x' });
    expect(session.role.value).toBe('marketer');
    expect(session.can.value.editTargeting).toBe(true);
    await expect(session.logout()).rejects.toBeInstanceOf(ApiError);
    expect(session.user.value).toBeNull();
  });

  it('lets other errors through so the next navigation retries', async () => {
    let calls = 0;
    const session = createSession({
      me: async () => {
        calls += 1;
        if (calls === 1) throw new ApiError({ status: 0, code: 'network_error', message: 'down' });
        return user;
      },
      login: vi.fn(),
      logout: vi.fn(),
    });
    await expect(session.ensureLoaded()).rejects.toBeInstanceOf(ApiError);
    expect(await session.ensureLoaded()).toEqual(user);
  });
});

describe('landingPath', () => {
  it('lands marketers and campaign approvers on the campaigns, everyone else on the dashboard', () => {
    expect(landingPath('marketer')).toBe('/campaigns');
    expect(landingPath('campaign_approver')).toBe('/campaigns');
    expect(landingPath('admin')).toBe('/admin');
    expect(landingPath('analyst')).toBe('/admin');
    expect(landingPath(null)).toBe('/admin');
  });
});
