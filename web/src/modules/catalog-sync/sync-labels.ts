import type { AUTH_TYPES, CatalogChange, SyncFrequency, SyncRun, SyncStatus, SystemType } from '@lyra/contracts';
import type { TagType } from '../products/product-labels';

/** The contract exports the zod enum only; this is its value type. */
export type AuthType = (typeof AUTH_TYPES)[number];

export const SYSTEM_TYPE_LABELS: Record<SystemType, string> = { xiva: 'Xiva BSS', crm: 'CRM', billing: 'Billing' };

export const SYSTEM_TYPE_DESCRIPTIONS: Record<SystemType, string> = {
  xiva: 'TM Forum product catalog (TMF620 v4/v5), JWT sign-in',
  crm: 'Salesforce-style Product2 + price book, OAuth2 client credentials',
  billing: 'Chargebee-style item prices, API key',
};

export const BASE_URL_HINTS: Record<SystemType, string> = {
  xiva: 'https://bss.operator.com/api',
  crm: 'https://operator.my.salesforce.com',
  billing: 'https://operator.chargebee.com',
};

/**
 * Auth types each connector accepts (the server's connectors say the same and refuse the rest).
 * The first one is the usual choice for that system.
 */
export const AUTH_TYPES_BY_SYSTEM: Record<SystemType, readonly AuthType[]> = {
  xiva: ['jwt', 'bearer', 'basic'],
  crm: ['oauth2_client_credentials', 'bearer'],
  billing: ['api_key', 'basic'],
};

export const AUTH_TYPE_LABELS: Record<AuthType, string> = {
  jwt: 'JWT (email + password)',
  oauth2_client_credentials: 'OAuth2 client credentials',
  bearer: 'Bearer token',
  basic: 'HTTP Basic',
  api_key: 'API key',
  none: 'No authentication',
};

/** What the username and secret fields mean for each auth type; `null`: the field is not used. */
export const AUTH_FIELDS: Record<AuthType, { username: string | null; usernameRequired: boolean; secret: string | null }> = {
  jwt: { username: 'Email or username', usernameRequired: true, secret: 'Password' },
  oauth2_client_credentials: { username: 'Client ID', usernameRequired: true, secret: 'Client secret' },
  bearer: { username: null, usernameRequired: false, secret: 'Token' },
  basic: { username: 'Username', usernameRequired: false, secret: 'Password' },
  api_key: { username: null, usernameRequired: false, secret: 'API key' },
  none: { username: null, usernameRequired: false, secret: null },
};

export const FREQUENCY_LABELS: Record<SyncFrequency, string> = {
  manual: 'Manual',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  every_n_days: 'Every N days',
  cron: 'Cron',
};

export const SYNC_STATUS_LABELS: Record<SyncStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  partially_succeeded: 'Partly succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const SYNC_STATUS_TAGS: Record<SyncStatus, TagType> = {
  queued: 'info',
  running: 'primary',
  succeeded: 'success',
  partially_succeeded: 'warning',
  failed: 'danger',
  cancelled: 'info',
};

export const TRIGGER_LABELS: Record<SyncRun['trigger'], string> = { manual: 'Manual', schedule: 'Schedule' };
export const MODE_LABELS: Record<'full' | 'incremental', string> = { full: 'Full', incremental: 'Incremental' };

/** The six result counters, in reading order, with the colour each uses in tables and charts. */
export const COUNT_KEYS = ['created', 'updated', 'unchanged', 'retired', 'skipped', 'failed'] as const;
export type CountKey = (typeof COUNT_KEYS)[number];
export const COUNT_LABELS: Record<CountKey, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  retired: 'Retired',
  skipped: 'Skipped',
  failed: 'Failed',
};
export const COUNT_COLORS: Record<CountKey, string> = {
  created: '#3bb273',
  updated: '#5b4fe0',
  unchanged: '#a3a9bb',
  retired: '#f59f3a',
  skipped: '#d29a00',
  failed: '#e5484d',
};

export const CHANGE_TYPE_LABELS: Record<CatalogChange['change_type'], string> = {
  retired: 'Retired',
  price_changed: 'Price changed',
  reactivated: 'Reactivated',
  window_opened: 'Validity began',
  window_closed: 'Validity ended',
};
export const CHANGE_TYPE_TAGS: Record<CatalogChange['change_type'], TagType> = {
  retired: 'warning',
  price_changed: 'primary',
  reactivated: 'success',
  window_opened: 'success',
  window_closed: 'warning',
};

/** Status text from the server may be newer than this console; anything unknown reads as-is. */
export function statusLabel(status: string): string {
  return (SYNC_STATUS_LABELS as Record<string, string>)[status] ?? status.replace(/_/g, ' ');
}
export function statusTag(status: string): TagType {
  return (SYNC_STATUS_TAGS as Record<string, TagType>)[status] ?? 'info';
}
