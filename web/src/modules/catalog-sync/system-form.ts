import {
  SECRET_MASK,
  SYNC_FREQUENCIES,
  SYSTEM_TYPES,
  isCurrencyCode,
  type ExternalSystem,
  type ExternalSystemCreate,
  type ExternalSystemPatch,
  type ProductType,
  type SyncFrequency,
  type SystemType,
} from '@lyra/contracts';
import type { FieldErrors } from '../../api/errors';
import { parseCron } from '../../lib/cron';
import { AUTH_FIELDS, AUTH_TYPES_BY_SYSTEM, type AuthType } from './sync-labels';

/**
 * Form state for one external system. Error keys are the API's field paths (`auth.secret`,
 * `sync_cron`), so the server's `details.fields` land under the same inputs as client checks.
 */
export interface SystemFormModel {
  name: string;
  system_type: SystemType | '';
  base_url: string;
  api_version: 'v4' | 'v5' | '';
  auth_type: AuthType | '';
  auth_username: string;
  /** Write-only: never prefilled. Empty on edit means "keep the stored secret". */
  auth_secret: string;
  auth_header_name: string;
  auth_token_url: string;
  default_currency: string;
  timeout_ms: number;
  max_retries: number;
  rate_limit_per_minute: number;
  is_active: boolean;
  sync_frequency: SyncFrequency;
  sync_interval_days: number | null;
  sync_cron: string;
  full_sync_every: number;
  retire_guard_percent: number;
  /** Category name -> product type, applied by the next sync before Lyra's own type rules. */
  category_types: CategoryTypeRow[];
}

export interface CategoryTypeRow {
  category: string;
  type: ProductType | '';
}

export type SystemFormMode = 'create' | 'edit';

/** Defaults match the contract's ExternalSystemCreate defaults. */
export function emptySystemForm(type: SystemType | '' = ''): SystemFormModel {
  const m: SystemFormModel = {
    name: '',
    system_type: '',
    base_url: '',
    api_version: '',
    auth_type: '',
    auth_username: '',
    auth_secret: '',
    auth_header_name: '',
    auth_token_url: '',
    default_currency: '',
    timeout_ms: 30_000,
    max_retries: 5,
    rate_limit_per_minute: 0,
    is_active: true,
    sync_frequency: 'daily',
    sync_interval_days: null,
    sync_cron: '',
    full_sync_every: 1,
    retire_guard_percent: 20,
    category_types: [],
  };
  return type ? withSystemType(m, type) : m;
}

/** Choosing a system type picks its usual auth type and (Xiva) API version, keeping what still fits. */
export function withSystemType(m: SystemFormModel, type: SystemType): SystemFormModel {
  const allowed = AUTH_TYPES_BY_SYSTEM[type];
  const auth_type = m.auth_type && allowed.includes(m.auth_type) ? m.auth_type : (allowed[0] ?? 'none');
  return { ...m, system_type: type, auth_type, api_version: type === 'xiva' ? m.api_version || 'v5' : '' };
}

export function systemToForm(s: ExternalSystem): SystemFormModel {
  return {
    name: s.name,
    system_type: s.system_type,
    base_url: s.base_url,
    api_version: s.api_version === 'v4' || s.api_version === 'v5' ? s.api_version : '',
    auth_type: s.auth.type,
    auth_username: s.auth.username ?? '',
    auth_secret: '',
    auth_header_name: s.auth.header_name ?? '',
    auth_token_url: s.auth.token_url ?? '',
    default_currency: s.default_currency ?? '',
    timeout_ms: s.timeout_ms,
    max_retries: s.max_retries,
    rate_limit_per_minute: s.rate_limit_per_minute,
    is_active: s.is_active,
    sync_frequency: s.sync_frequency,
    sync_interval_days: s.sync_interval_days,
    sync_cron: s.sync_cron ?? '',
    full_sync_every: s.full_sync_every,
    retire_guard_percent: s.retire_guard_percent,
    category_types: Object.entries(s.category_type_map ?? {}).map(([category, type]) => ({ category, type })),
  };
}

/**
 * A stored secret can be kept only while the auth type stays the same: a password is no use as
 * an API key, and the server asks for a new secret when the type changes.
 */
export function keepsStoredSecret(m: Pick<SystemFormModel, 'auth_type'>, original: ExternalSystem | null): boolean {
  return !!original && original.auth.secret === SECRET_MASK && original.auth.type === m.auth_type;
}

/** Whether the header-name input is needed: API keys go in a header, except billing's (HTTP Basic user). */
export const needsHeaderName = (m: Pick<SystemFormModel, 'auth_type' | 'system_type'>) => m.auth_type === 'api_key' && m.system_type !== 'billing';

const HEADER_NAME = /^[A-Za-z0-9-]+$/;

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
}

const intIn = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Client-side rules mirroring the contract and the server's per-system checks, worded for people. */
export function validateSystemForm(m: SystemFormModel, original: ExternalSystem | null): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);

  const name = m.name.trim();
  if (!name) add('name', 'Name is required');
  else if (name.length > 100) add('name', 'Name must be at most 100 characters');

  if (!m.system_type || !(SYSTEM_TYPES as readonly string[]).includes(m.system_type)) add('system_type', 'Choose the kind of system');

  const url = m.base_url.trim();
  if (!url) add('base_url', 'Base URL is required');
  else if (!isHttpUrl(url)) add('base_url', 'Enter an http(s) URL, e.g. https://bss.operator.com/api');
  else if (url.length > 500) add('base_url', 'Base URL must be at most 500 characters');

  if (m.system_type === 'xiva' && !m.api_version) add('api_version', 'Choose the TMF620 API version (v4 or v5)');

  const allowed = m.system_type ? AUTH_TYPES_BY_SYSTEM[m.system_type] : [];
  if (!m.auth_type) add('auth.type', 'Choose how Lyra signs in');
  else if (m.system_type && !allowed.includes(m.auth_type)) add('auth.type', 'This system does not accept that sign-in method');

  if (m.auth_type) {
    const fields = AUTH_FIELDS[m.auth_type];
    if (fields.usernameRequired && !m.auth_username.trim()) add('auth.username', `${fields.username ?? 'Username'} is required`);
    if (m.auth_username.trim().length > 300) add('auth.username', 'Must be at most 300 characters');
    if (fields.secret) {
      if (!m.auth_secret && !keepsStoredSecret(m, original)) {
        add('auth.secret', original && original.auth.secret === SECRET_MASK ? `Enter the ${fields.secret.toLowerCase()} for the new sign-in method` : `${fields.secret} is required`);
      } else if (m.auth_secret === SECRET_MASK) {
        add('auth.secret', `Enter the ${fields.secret.toLowerCase()} itself, or leave the field empty to keep the stored one`);
      } else if (m.auth_secret.length > 4000) add('auth.secret', 'Must be at most 4000 characters');
    }
  }
  if (needsHeaderName(m)) {
    const header = m.auth_header_name.trim();
    if (!header) add('auth.header_name', 'Header name is required, e.g. X-API-Key');
    else if (!HEADER_NAME.test(header) || header.length > 100) add('auth.header_name', 'Use letters, digits and dashes only, e.g. X-API-Key');
  }
  if (m.auth_type === 'oauth2_client_credentials' && m.auth_token_url.trim() && !isHttpUrl(m.auth_token_url.trim())) {
    add('auth.token_url', 'Enter an http(s) URL, or leave empty for the default token endpoint');
  }

  const currency = m.default_currency.trim().toUpperCase();
  if (currency && !isCurrencyCode(currency)) add('default_currency', 'Use a three-letter ISO 4217 code, e.g. SAR, or leave empty');

  if (!intIn(m.timeout_ms, 1000, 300_000)) add('timeout_ms', 'Between 1,000 and 300,000 ms');
  if (!intIn(m.max_retries, 0, 20)) add('max_retries', 'Between 0 and 20');
  if (!intIn(m.rate_limit_per_minute, 0, 100_000)) add('rate_limit_per_minute', 'Between 0 (no limit) and 100,000');
  if (!intIn(m.full_sync_every, 1, 1000)) add('full_sync_every', 'Between 1 and 1,000');
  if (!intIn(m.retire_guard_percent, 0, 100)) add('retire_guard_percent', 'Between 0 and 100 %');

  const seen = new Set<string>();
  for (const row of m.category_types) {
    const category = row.category.trim();
    if (!category) add('category_type_map', 'Every mapping needs a category name');
    else if (category.length > 200) add('category_type_map', `"${category.slice(0, 30)}…" is longer than 200 characters`);
    else if (seen.has(category.toLowerCase())) add('category_type_map', `"${category}" is mapped twice`);
    if (!row.type) add('category_type_map', `Choose a product type for "${category || 'the new mapping'}"`);
    seen.add(category.toLowerCase());
  }

  if (!(SYNC_FREQUENCIES as readonly string[]).includes(m.sync_frequency)) add('sync_frequency', 'Choose a frequency');
  if (m.sync_frequency === 'every_n_days' && !intIn(m.sync_interval_days, 1, 365)) add('sync_interval_days', 'Enter a number of days between 1 and 365');
  if (m.sync_frequency === 'cron') {
    const cron = m.sync_cron.trim();
    const parsed = parseCron(cron);
    if (!cron) add('sync_cron', 'Enter a cron expression, e.g. 0 */6 * * *');
    else if (cron.length > 100) add('sync_cron', 'Must be at most 100 characters');
    // Syntax the preview cannot evaluate (L, W, #) is left to the server, which owns the schedule.
    else if (!parsed.ok && !parsed.unsupported) add('sync_cron', parsed.error);
  }
  return errors;
}

const orNull = (s: string): string | null => (s.trim() ? s.trim() : null);

function authPayload(m: SystemFormModel): ExternalSystemCreate['auth'] {
  const type = m.auth_type || 'none';
  const fields = AUTH_FIELDS[type];
  return {
    type,
    username: fields.username ? orNull(m.auth_username) : null,
    header_name: needsHeaderName(m) ? orNull(m.auth_header_name) : null,
    token_url: type === 'oauth2_client_credentials' ? orNull(m.auth_token_url) : null,
    // An empty secret is left out: on edit that keeps the stored one; the mask is never sent.
    ...(fields.secret && m.auth_secret && m.auth_secret !== SECRET_MASK ? { secret: m.auth_secret } : {}),
  };
}

function frequencyPayload(m: SystemFormModel) {
  return {
    sync_frequency: m.sync_frequency,
    sync_interval_days: m.sync_frequency === 'every_n_days' ? m.sync_interval_days : null,
    sync_cron: m.sync_frequency === 'cron' ? orNull(m.sync_cron) : null,
  };
}

/** Body for POST /external-systems/. Call after validation. */
export function toCreatePayload(m: SystemFormModel): ExternalSystemCreate {
  return {
    name: m.name.trim(),
    system_type: m.system_type as SystemType,
    base_url: m.base_url.trim(),
    api_version: m.system_type === 'xiva' ? m.api_version || null : null,
    auth: authPayload(m),
    default_currency: orNull(m.default_currency.toUpperCase()),
    timeout_ms: m.timeout_ms,
    max_retries: m.max_retries,
    rate_limit_per_minute: m.rate_limit_per_minute,
    is_active: m.is_active,
    ...frequencyPayload(m),
    full_sync_every: m.full_sync_every,
    retire_guard_percent: m.retire_guard_percent,
    category_type_map: categoryTypeMap(m),
  };
}

function categoryTypeMap(m: SystemFormModel): Record<string, ProductType> {
  const map: Record<string, ProductType> = {};
  for (const row of m.category_types) if (row.category.trim() && row.type) map[row.category.trim()] = row.type;
  return map;
}

/**
 * Body for PATCH /external-systems/{id}/: only what changed, so an edit never resets the schedule
 * rhythm (the server recomputes next_run_at when the frequency is sent) or touches the stored secret.
 * Auth goes as one object when any part of it changed or a new secret was typed; the frequency
 * goes with its interval/cron so the pair is always consistent.
 */
export function toPatchPayload(m: SystemFormModel, original: ExternalSystem): ExternalSystemPatch {
  const before = systemToForm(original);
  const patch: ExternalSystemPatch = {};
  const after = toCreatePayload(m);
  const was = toCreatePayload({ ...before, auth_secret: '' });

  if (after.name !== was.name) patch.name = after.name;
  if (after.base_url !== was.base_url) patch.base_url = after.base_url;
  if (after.api_version !== was.api_version) patch.api_version = after.api_version;
  if (after.default_currency !== was.default_currency) patch.default_currency = after.default_currency;
  for (const key of ['timeout_ms', 'max_retries', 'rate_limit_per_minute', 'full_sync_every', 'retire_guard_percent'] as const) {
    if (after[key] !== was[key]) patch[key] = after[key];
  }
  if (after.is_active !== was.is_active) patch.is_active = after.is_active;
  if (JSON.stringify(after.category_type_map) !== JSON.stringify(was.category_type_map)) patch.category_type_map = after.category_type_map ?? {};
  if (JSON.stringify(after.auth) !== JSON.stringify(was.auth)) patch.auth = after.auth;
  if (after.sync_frequency !== was.sync_frequency || after.sync_interval_days !== was.sync_interval_days || after.sync_cron !== was.sync_cron) {
    patch.sync_frequency = after.sync_frequency;
    patch.sync_interval_days = after.sync_interval_days;
    patch.sync_cron = after.sync_cron;
  }
  return patch;
}

/** Server field paths this form shows under an input; anything else goes to the form's summary. */
export const SYSTEM_FORM_FIELDS: readonly string[] = [
  'name', 'system_type', 'base_url', 'api_version', 'auth.type', 'auth.username', 'auth.secret', 'auth.header_name', 'auth.token_url',
  'default_currency', 'timeout_ms', 'max_retries', 'rate_limit_per_minute', 'is_active', 'sync_frequency', 'sync_interval_days', 'sync_cron',
  'full_sync_every', 'retire_guard_percent',
];
