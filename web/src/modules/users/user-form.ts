import { ROLES, type Role, type User, type UserCreate, type UserUpdate } from '@lyra/contracts';
import type { FieldErrors } from '../../api/errors';

export interface UserFormModel {
  email: string;
  name: string;
  password: string;
  role: Role;
  is_active: boolean;
}

export const emptyUserForm = (): UserFormModel => ({ email: '', name: '', password: '', role: 'viewer', is_active: true });

export const userToForm = (u: User): UserFormModel => ({ email: u.email, name: u.name, password: '', role: u.role, is_active: u.is_active });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Mirrors the contract's UserCreate / UserUpdate rules. On edit an empty password means "keep it". */
export function validateUserForm(m: UserFormModel, mode: 'create' | 'edit'): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);
  if (mode === 'create') {
    const email = m.email.trim();
    if (!email) add('email', 'Email is required');
    else if (!EMAIL.test(email) || email.length > 254) add('email', 'Enter a valid email address');
  }
  if (!m.name.trim()) add('name', 'Name is required');
  else if (m.name.trim().length > 200) add('name', 'Name must be at most 200 characters');
  if (mode === 'create' || m.password) {
    if (m.password.length < 10) add('password', 'Password must be at least 10 characters');
    else if (m.password.length > 200) add('password', 'Password must be at most 200 characters');
  }
  if (!(ROLES as readonly string[]).includes(m.role)) add('role', 'Choose a role');
  return errors;
}

export const toUserCreate = (m: UserFormModel): UserCreate => ({
  email: m.email.trim().toLowerCase(),
  name: m.name.trim(),
  password: m.password,
  role: m.role,
  is_active: m.is_active,
});

/** Only what changed, so an edit never resends (or resets) fields the admin did not touch. */
export function toUserUpdate(m: UserFormModel, original: User): UserUpdate {
  const patch: UserUpdate = {};
  if (m.name.trim() !== original.name) patch.name = m.name.trim();
  if (m.role !== original.role) patch.role = m.role;
  if (m.is_active !== original.is_active) patch.is_active = m.is_active;
  if (m.password) patch.password = m.password;
  return patch;
}

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Everything, including users and the product catalog',
  marketer: 'Campaigns and product targeting',
  analyst: 'Read-only access to data and models',
  viewer: 'Read-only access',
  campaign_approver: 'Approves campaigns others submitted (maker-checker); reads the rest',
};

export const ROLE_TAGS: Record<Role, 'danger' | 'primary' | 'success' | 'info'> = {
  admin: 'danger',
  marketer: 'primary',
  analyst: 'success',
  viewer: 'info',
  campaign_approver: 'primary',
};
