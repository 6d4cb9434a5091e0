import { describe, expect, it, vi } from 'vitest';
import { PasswordChange } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { emptyPasswordForm, passwordChangedMessage, toPasswordChange, validatePasswordForm } from './password-form';
import { usePasswordForm } from './use-password-form';

const filled = () => ({ current_password: 'old-password-1', new_password: 'new-password-1', confirm_password: 'new-password-1' });

describe('password form', () => {
  it('validates like the contract, plus a matching confirmation', () => {
    expect(Object.keys(validatePasswordForm(emptyPasswordForm())).sort()).toEqual(['current_password', 'new_password']);
    expect(validatePasswordForm(filled())).toEqual({});
    expect(PasswordChange.safeParse(toPasswordChange(filled())).success).toBe(true);
    expect(toPasswordChange(filled())).not.toHaveProperty('confirm_password');
    expect(validatePasswordForm({ ...filled(), new_password: 'short', confirm_password: 'short' }).new_password?.[0]).toMatch(/10 characters/);
    expect(validatePasswordForm({ ...filled(), confirm_password: 'new-password-2' }).confirm_password?.[0]).toMatch(/do not match/);
    expect(validatePasswordForm({ ...filled(), new_password: 'old-password-1', confirm_password: 'old-password-1' }).new_password?.[0]).toMatch(/different/);
  });

  it('tells how many other sessions ended', () => {
    expect(passwordChangedMessage(0)).toBe('Password changed.');
    expect(passwordChangedMessage(1)).toMatch(/1 other session\.$/);
    expect(passwordChangedMessage(3)).toMatch(/3 other sessions\.$/);
  });
});

describe('usePasswordForm', () => {
  it('sends only the two passwords, then closes and forgets them', async () => {
    const change = vi.fn(async () => ({ other_sessions_ended: 2 }));
    const form = usePasswordForm(change);
    form.show();
    Object.assign(form.model, filled());
    expect(await form.submit()).toEqual({ other_sessions_ended: 2 });
    expect(change).toHaveBeenCalledWith({ current_password: 'old-password-1', new_password: 'new-password-1' });
    expect(form.open.value).toBe(false);
    expect(form.model).toEqual(emptyPasswordForm());
  });

  it('does not call the server when the form is invalid', async () => {
    const change = vi.fn();
    const form = usePasswordForm(change);
    form.show();
    expect(await form.submit()).toBeNull();
    expect(change).not.toHaveBeenCalled();
    expect(form.fieldError('current_password')).toBeTruthy();
  });

  it('puts the server\'s field errors under the fields: a wrong current password', async () => {
    const change = vi.fn(async () => {
      throw new ApiError({ status: 400, code: 'validation_error', message: 'The current password is wrong', details: { fields: { current_password: ['is not your current password'] } } });
    });
    const form = usePasswordForm(change);
    form.show();
    Object.assign(form.model, filled());
    expect(await form.submit()).toBeNull();
    expect(form.fieldError('current_password')).toBe('is not your current password');
    expect(form.formError.value).toMatch(/current password/);
    expect(form.open.value).toBe(true);
  });

  it('shows the server\'s wait when throttled', async () => {
    const change = vi.fn(async () => {
      throw new ApiError({ status: 429, code: 'too_many_requests', message: 'Too many sign-in attempts. Try again in 4 seconds.', details: { retry_after_seconds: 4 } });
    });
    const form = usePasswordForm(change);
    form.show();
    Object.assign(form.model, filled());
    expect(await form.submit()).toBeNull();
    expect(form.formError.value).toBe('Too many sign-in attempts. Try again in 4 seconds.');
  });
});
