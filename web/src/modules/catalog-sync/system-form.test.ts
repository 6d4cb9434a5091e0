import { describe, expect, it } from 'vitest';
import { ExternalSystemCreate, ExternalSystemPatch, SECRET_MASK } from '@lyra/contracts';
import { emptySystemForm, systemToForm, toCreatePayload, toPatchPayload, validateSystemForm, withSystemType, type SystemFormModel } from './system-form';
import { makeSystem } from './test-fixtures';

const validCrm = (): SystemFormModel => ({
  ...emptySystemForm('crm'),
  name: 'Operator CRM',
  base_url: 'https://operator.my.salesforce.com',
  auth_username: '3MVGclient',
  auth_secret: 's3cret',
});

describe('validateSystemForm', () => {
  it('lists every missing field of an empty form', () => {
    expect(Object.keys(validateSystemForm(emptySystemForm(), null)).sort()).toEqual(['auth.type', 'base_url', 'name', 'system_type']);
  });

  it('adapts to the system and auth type', () => {
    const xiva = { ...emptySystemForm('xiva'), name: 'Xiva', base_url: 'https://bss.op.com/api' };
    expect(xiva.auth_type).toBe('jwt');
    expect(xiva.api_version).toBe('v5');
    expect(validateSystemForm(xiva, null)).toEqual({ 'auth.username': ['Email or username is required'], 'auth.secret': ['Password is required'] });
    expect(validateSystemForm({ ...xiva, api_version: '' }, null).api_version).toBeDefined();
    expect(validateSystemForm({ ...xiva, auth_type: 'api_key' }, null)['auth.type']).toEqual(['This system does not accept that sign-in method']);

    const billing = { ...emptySystemForm('billing'), name: 'OCS', base_url: 'https://ocs.op.com', auth_secret: 'key' };
    expect(billing.auth_type).toBe('api_key');
    // Billing sends its key as the HTTP Basic user: no header name needed.
    expect(validateSystemForm(billing, null)).toEqual({});
  });

  it('checks URLs, currency, numbers and the frequency inputs', () => {
    expect(validateSystemForm({ ...validCrm(), base_url: 'ftp://x' }, null).base_url?.[0]).toMatch(/http\(s\)/);
    expect(validateSystemForm({ ...validCrm(), auth_token_url: 'nope' }, null)['auth.token_url']).toBeDefined();
    expect(validateSystemForm({ ...validCrm(), default_currency: 'XYZ' }, null).default_currency).toBeDefined();
    expect(validateSystemForm({ ...validCrm(), default_currency: 'sar' }, null)).toEqual({});
    expect(validateSystemForm({ ...validCrm(), timeout_ms: 10 }, null).timeout_ms).toBeDefined();
    expect(validateSystemForm({ ...validCrm(), retire_guard_percent: 101 }, null).retire_guard_percent).toBeDefined();
    expect(validateSystemForm({ ...validCrm(), sync_frequency: 'every_n_days', sync_interval_days: null }, null).sync_interval_days).toBeDefined();
    expect(validateSystemForm({ ...validCrm(), sync_frequency: 'every_n_days', sync_interval_days: 3 }, null)).toEqual({});
    expect(validateSystemForm({ ...validCrm(), sync_frequency: 'cron', sync_cron: '' }, null).sync_cron?.[0]).toMatch(/Enter a cron/);
    expect(validateSystemForm({ ...validCrm(), sync_frequency: 'cron', sync_cron: '* * *' }, null).sync_cron?.[0]).toMatch(/5 fields/);
    // Syntax only the server evaluates is not blocked here.
    expect(validateSystemForm({ ...validCrm(), sync_frequency: 'cron', sync_cron: '0 0 L * *' }, null)).toEqual({});
  });

  it('api_key outside billing needs a header name', () => {
    const m = { ...validCrm(), system_type: 'xiva' as const, api_version: 'v5' as const, auth_type: 'api_key' as const };
    expect(validateSystemForm(m, null)['auth.header_name']?.[0]).toMatch(/required/);
  });
});

describe('secret handling', () => {
  it('never prefills the secret, and an empty one keeps the stored secret', () => {
    const system = makeSystem();
    const m = systemToForm(system);
    expect(m.auth_secret).toBe('');
    expect(validateSystemForm(m, system)).toEqual({});
    expect(toPatchPayload(m, system)).toEqual({});
  });

  it('sends a new secret with the auth object, never the mask', () => {
    const system = makeSystem();
    const m = { ...systemToForm(system), auth_secret: 'new-password' };
    const patch = toPatchPayload(m, system);
    expect(patch).toEqual({ auth: { type: 'jwt', username: 'lyra@xiva.local', header_name: null, token_url: null, secret: 'new-password' } });
    expect(ExternalSystemPatch.safeParse(patch).success).toBe(true);
    expect(validateSystemForm({ ...m, auth_secret: SECRET_MASK }, system)['auth.secret']?.[0]).toMatch(/itself/);
  });

  it('asks for a new secret when the auth type changes', () => {
    const system = makeSystem();
    const m = { ...systemToForm(system), auth_type: 'bearer' as const };
    expect(validateSystemForm(m, system)['auth.secret']?.[0]).toMatch(/new sign-in method/);
    m.auth_secret = 'token-1';
    expect(toPatchPayload(m, system).auth).toEqual({ type: 'bearer', username: null, header_name: null, token_url: null, secret: 'token-1' });
  });

  it('requires a secret on create', () => {
    expect(validateSystemForm({ ...validCrm(), auth_secret: '' }, null)['auth.secret']).toEqual(['Client secret is required']);
  });
});

describe('payloads', () => {
  it('builds a create body the contract accepts', () => {
    const body = toCreatePayload({ ...validCrm(), default_currency: 'sar', sync_frequency: 'every_n_days', sync_interval_days: 3 });
    expect(body).toMatchObject({
      system_type: 'crm',
      api_version: null,
      default_currency: 'SAR',
      auth: { type: 'oauth2_client_credentials', username: '3MVGclient', secret: 's3cret', token_url: null },
      sync_frequency: 'every_n_days',
      sync_interval_days: 3,
      sync_cron: null,
    });
    expect(ExternalSystemCreate.safeParse(body).success).toBe(true);
  });

  it('patches only what changed, and the frequency with its interval', () => {
    const system = makeSystem();
    const m = systemToForm(system);
    m.sync_frequency = 'every_n_days';
    m.sync_interval_days = 3;
    m.name = ' Xiva production ';
    const patch = toPatchPayload(m, system);
    expect(patch).toEqual({ name: 'Xiva production', sync_frequency: 'every_n_days', sync_interval_days: 3, sync_cron: null });
    expect(ExternalSystemPatch.safeParse(patch).success).toBe(true);

    const cron = { ...systemToForm(system), sync_frequency: 'cron' as const, sync_cron: '0 */6 * * *', sync_interval_days: 5 };
    expect(toPatchPayload(cron, system)).toEqual({ sync_frequency: 'cron', sync_interval_days: null, sync_cron: '0 */6 * * *' });
    expect(toPatchPayload({ ...systemToForm(system), is_active: false, max_retries: 2 }, system)).toEqual({ is_active: false, max_retries: 2 });
  });

  it('switching the system type resets what no longer fits', () => {
    const m = withSystemType({ ...emptySystemForm('xiva'), auth_type: 'basic' }, 'billing');
    expect(m.auth_type).toBe('basic'); // billing accepts basic too
    expect(m.api_version).toBe('');
    expect(withSystemType(m, 'crm').auth_type).toBe('oauth2_client_credentials');
  });
});

describe('category → product type mapping', () => {
  it('edits the stored map as rows, validates them, and patches only a changed map', () => {
    const system = makeSystem({ category_type_map: { Messaging: 'sms' } });
    const m = systemToForm(system);
    expect(m.category_types).toEqual([{ category: 'Messaging', type: 'sms' }]);
    expect(toPatchPayload(m, system)).toEqual({});

    m.category_types.push({ category: ' Roaming ', type: 'addon' });
    expect(validateSystemForm(m, system)).toEqual({});
    const patch = toPatchPayload(m, system);
    expect(patch).toEqual({ category_type_map: { Messaging: 'sms', Roaming: 'addon' } });
    expect(ExternalSystemPatch.safeParse(patch).success).toBe(true);

    const bad = { ...m, category_types: [{ category: '', type: 'sms' as const }, { category: 'messaging', type: '' as const }, { category: 'Messaging', type: 'sms' as const }] };
    expect(validateSystemForm(bad, system).category_type_map).toEqual([
      'Every mapping needs a category name',
      'Choose a product type for "messaging"',
      '"Messaging" is mapped twice',
    ]);
    // Removing every mapping sends an empty map (the server then re-types from Lyra's own rules).
    expect(toPatchPayload({ ...m, category_types: [] }, system)).toEqual({ category_type_map: {} });
  });
});
