import type { PasswordChange } from '@lyra/contracts';
import type { FieldErrors } from '../../api/errors';

export interface PasswordFormModel {
  current_password: string;
  new_password: string;
  /** Typed twice so a typo does not lock the user out of their own account. */
  confirm_password: string;
}

export const emptyPasswordForm = (): PasswordFormModel => ({ current_password: '', new_password: '', confirm_password: '' });

/** Mirrors the contract's PasswordChange rules (the same length rule as creating a user). */
export function validatePasswordForm(m: PasswordFormModel): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);
  if (!m.current_password) add('current_password', 'Enter your current password');
  if (m.new_password.length < 10) add('new_password', 'Password must be at least 10 characters');
  else if (m.new_password.length > 200) add('new_password', 'Password must be at most 200 characters');
  else if (m.current_password && m.new_password === m.current_password) add('new_password', 'Choose a password different from the current one');
  if (m.confirm_password !== m.new_password) add('confirm_password', 'The two passwords do not match');
  return errors;
}

export const toPasswordChange = (m: PasswordFormModel): PasswordChange => ({ current_password: m.current_password, new_password: m.new_password });

/** What the user is told after a change: the other sessions have ended. */
export function passwordChangedMessage(otherSessionsEnded: number): string {
  if (otherSessionsEnded === 0) return 'Password changed.';
  const s = otherSessionsEnded === 1 ? '' : 's';
  return `Password changed. You were signed out of ${otherSessionsEnded} other session${s}.`;
}
