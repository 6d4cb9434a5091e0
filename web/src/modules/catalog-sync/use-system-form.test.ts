import { describe, expect, it, vi } from 'vitest';
import type { ExternalSystem } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { useSystemForm } from './use-system-form';
import { makeSystem } from './test-fixtures';

describe('useSystemForm', () => {
  it('blocks an empty form before calling the server', async () => {
    const api = { create: vi.fn(), patch: vi.fn() };
    const form = useSystemForm(api);
    form.openCreate();
    expect(await form.submit()).toBeNull();
    expect(api.create).not.toHaveBeenCalled();
    expect(form.fieldError('name')).toBe('Name is required');
    expect(form.fieldError('system_type')).toBe('Choose the kind of system');
    expect(form.formError.value).toMatch(/highlighted/);
  });

  it('shows nested server field errors (auth.secret) under their inputs', async () => {
    const api = {
      create: vi.fn(),
      patch: vi.fn(async () => {
        throw new ApiError({ status: 400, code: 'validation_error', message: 'Some fields are invalid', details: { fields: { 'auth.secret': ['required for this auth type'], weird: ['x'] } } });
      }),
    };
    const form = useSystemForm(api);
    form.openEdit(makeSystem());
    expect(form.secretStored.value).toBe(true);
    form.model.auth_secret = 'wrong';
    await form.submit();
    expect(form.fieldError('auth.secret')).toBe('required for this auth type');
    expect(form.formError.value).toBe('weird: x');
    expect(form.open.value).toBe(true);
  });

  it('puts "already configured" under the type', async () => {
    const api = {
      create: vi.fn(async (): Promise<ExternalSystem> => {
        throw new ApiError({ status: 409, code: 'conflict', message: 'A xiva system is already configured; edit it instead', details: { fields: { system_type: ['already configured'] } } });
      }),
      patch: vi.fn(),
    };
    const form = useSystemForm(api);
    form.openCreate('xiva');
    Object.assign(form.model, { name: 'Xiva 2', base_url: 'https://b.op.com/api', auth_username: 'a@b.co', auth_secret: 'pw' });
    await form.submit();
    expect(form.fieldError('system_type')).toBe('already configured');
    expect(form.formError.value).toMatch(/already configured/);
    // The refusal is handed to the page as the server sent it, and forgotten on the next try.
    expect(form.serverError.value).toBeInstanceOf(ApiError);
    api.create.mockImplementationOnce(async () => makeSystem({ name: 'Xiva 2' }));
    await form.submit();
    expect(form.serverError.value).toBeNull();
  });

  it('saves only changes, clears the typed secret and closes', async () => {
    const system = makeSystem();
    const saved = makeSystem({ sync_frequency: 'every_n_days', sync_interval_days: 3, next_run_at: '2026-11-28T02:00:00.000Z' });
    const api = { create: vi.fn(), patch: vi.fn(async () => saved) };
    const form = useSystemForm(api);
    form.openEdit(system);
    form.model.sync_frequency = 'every_n_days';
    form.model.sync_interval_days = 3;
    expect(await form.submit()).toBe(saved);
    expect(api.patch).toHaveBeenCalledWith(system.id, { sync_frequency: 'every_n_days', sync_interval_days: 3, sync_cron: null });
    expect(form.open.value).toBe(false);

    form.openEdit(system);
    expect(await form.submit()).toBe(system);
    expect(api.patch).toHaveBeenCalledTimes(1);
  });
});
