import { describe, expect, it, vi } from 'vitest';
import { UserCreate, type User } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { emptyUserForm, toUserCreate, toUserUpdate, userToForm, validateUserForm } from './user-form';
import { useUserForm } from './use-user-form';

const user: User = {
  id: '628725f2-50be-49d8-af03-fe217744dc95',
  email: 'ana@op.com',
  name: 'Ana Analyst',
  role: 'analyst',
  is_active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  last_login_at: null,
};

describe('user form', () => {
  it('validates creation like the contract', () => {
    expect(Object.keys(validateUserForm(emptyUserForm(), 'create')).sort()).toEqual(['email', 'name', 'password']);
    const m = { ...emptyUserForm(), email: ' New@Op.com ', name: 'New', password: 'long-enough-1' };
    expect(validateUserForm(m, 'create')).toEqual({});
    const body = toUserCreate(m);
    expect(body.email).toBe('new@op.com');
    expect(UserCreate.safeParse(body).success).toBe(true);
    expect(validateUserForm({ ...m, password: 'short' }, 'create').password?.[0]).toMatch(/10 characters/);
  });

  it('on edit, an empty password keeps the old one and only changes are sent', () => {
    const m = userToForm(user);
    expect(validateUserForm(m, 'edit')).toEqual({});
    expect(toUserUpdate(m, user)).toEqual({});
    m.role = 'marketer';
    m.is_active = false;
    expect(toUserUpdate(m, user)).toEqual({ role: 'marketer', is_active: false });
  });
});

describe('useUserForm', () => {
  it('maps a duplicate email to the email field', async () => {
    const api = {
      create: vi.fn(async () => {
        throw new ApiError({ status: 409, code: 'conflict', message: 'A user with this email already exists' });
      }),
      update: vi.fn(),
    };
    const form = useUserForm(api);
    form.show(null);
    Object.assign(form.model, { email: 'ana@op.com', name: 'Ana', password: 'long-enough-1' });
    expect(await form.submit()).toBeNull();
    expect(form.fieldError('email')).toMatch(/already has this email/);
    expect(form.formError.value).toBe('A user with this email already exists');
  });

  it('skips the request when nothing changed', async () => {
    const api = { create: vi.fn(), update: vi.fn() };
    const form = useUserForm(api);
    form.show(user);
    expect(await form.submit()).toBe(user);
    expect(api.update).not.toHaveBeenCalled();
  });
});
