import {
  BILLING_CYCLES,
  EXTERNAL_SYSTEMS,
  LOCAL_PRODUCT_FIELDS,
  PRODUCT_TYPES,
  isCurrencyCode,
  type BillingCycle,
  type ExternalSystemKind,
  type Product,
  type ProductCreateInput,
  type ProductPatchInput,
  type ProductType,
} from '@lyra/contracts';
import type { FieldErrors } from '../../api/errors';
import { compareDecimal, isDecimal } from '../../lib/decimal';

/** The availability override as a three-way choice; `inherit` means "follow the source system". */
export type OverrideChoice = 'inherit' | 'available' | 'unavailable';

/** Form state: text inputs hold strings; JSON fields are edited as text and parsed on submit. */
export interface ProductFormModel {
  external_product_id: string;
  external_system: ExternalSystemKind;
  name: string;
  description: string;
  product_type: ProductType | '';
  category: string;
  price: string;
  currency: string;
  recurring: boolean;
  billing_cycle: BillingCycle;
  features: string;
  attributes: string;
  is_active: boolean;
  is_available: boolean;
  availability_override: OverrideChoice;
  target_segments: string[];
  min_customer_value: string;
  max_customer_value: string;
  notes: string;
  /** ISO 8601 with offset, or null when open-ended (the date picker clears to null). */
  valid_from: string | null;
  valid_to: string | null;
}

export type LocalField = (typeof LOCAL_PRODUCT_FIELDS)[number];
/** `full`: every field (manual products, creation). `local`: only what Lyra owns (synced products, marketers). */
export type FormMode = 'full' | 'local';

export const isSynced = (p: Pick<Product, 'external_system'>): boolean => p.external_system !== 'manual';
export const LOCAL_FIELDS: readonly string[] = LOCAL_PRODUCT_FIELDS;

export function emptyProductForm(): ProductFormModel {
  return {
    external_product_id: '',
    external_system: 'manual',
    name: '',
    description: '',
    product_type: '',
    category: '',
    price: '',
    currency: 'SAR',
    recurring: false,
    billing_cycle: 'one_time',
    features: '{}',
    attributes: '{}',
    is_active: true,
    is_available: true,
    availability_override: 'inherit',
    target_segments: [],
    min_customer_value: '',
    max_customer_value: '',
    notes: '',
    valid_from: null,
    valid_to: null,
  };
}

const overrideToChoice = (v: boolean | null): OverrideChoice => (v === null ? 'inherit' : v ? 'available' : 'unavailable');
const choiceToOverride = (c: OverrideChoice): boolean | null => (c === 'inherit' ? null : c === 'available');

export function productToForm(p: Product): ProductFormModel {
  return {
    external_product_id: p.external_product_id,
    external_system: p.external_system,
    name: p.name,
    description: p.description,
    product_type: p.product_type,
    category: p.category,
    price: p.price ?? '',
    currency: p.currency,
    recurring: p.recurring,
    billing_cycle: p.billing_cycle,
    features: JSON.stringify(p.features, null, 2),
    attributes: JSON.stringify(p.attributes, null, 2),
    is_active: p.is_active,
    is_available: p.source_is_available,
    availability_override: overrideToChoice(p.availability_override),
    target_segments: [...p.target_segments],
    min_customer_value: p.min_customer_value ?? '',
    max_customer_value: p.max_customer_value ?? '',
    notes: p.notes ?? '',
    valid_from: p.valid_from,
    valid_to: p.valid_to,
  };
}

function parseJsonObject(text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'Must be a JSON object, e.g. {"data_gb": 10}';
    return v as Record<string, unknown>;
  } catch (err) {
    return `Not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Client-side checks mirroring the contract's ProductCreate rules, with messages written for people. */
export function validateProductForm(m: ProductFormModel, mode: FormMode): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);

  if (mode === 'full') {
    if (!m.name.trim()) add('name', 'Name is required');
    else if (m.name.trim().length > 300) add('name', 'Name must be at most 300 characters');
    if (!m.external_product_id.trim()) add('external_product_id', 'External ID is required');
    else if (m.external_product_id.trim().length > 200) add('external_product_id', 'External ID must be at most 200 characters');
    if (!(EXTERNAL_SYSTEMS as readonly string[]).includes(m.external_system)) add('external_system', 'Choose a source system');
    if (!m.product_type || !(PRODUCT_TYPES as readonly string[]).includes(m.product_type)) add('product_type', 'Choose a product type');
    if (m.category.trim().length > 200) add('category', 'Category must be at most 200 characters');
    if (m.description.length > 5000) add('description', 'Description must be at most 5000 characters');
    const currency = m.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) add('currency', 'Use a three-letter ISO 4217 code, e.g. SAR');
    else if (!isCurrencyCode(currency)) add('currency', `${currency} is not an ISO 4217 currency code`);
    const price = m.price.trim();
    if (price) {
      if (!isDecimal(price)) add('price', 'Enter a decimal amount such as 49.00 (up to 6 decimals)');
      else if (price.startsWith('-')) add('price', 'Price must not be negative');
    }
    if (!(BILLING_CYCLES as readonly string[]).includes(m.billing_cycle)) add('billing_cycle', 'Choose a billing cycle');
    for (const key of ['features', 'attributes'] as const) {
      const parsed = parseJsonObject(m[key]);
      if (typeof parsed === 'string') add(key, parsed);
    }
    const from = m.valid_from ? Date.parse(m.valid_from) : null;
    const to = m.valid_to ? Date.parse(m.valid_to) : null;
    if (from !== null && Number.isNaN(from)) add('valid_from', 'Enter a valid date and time');
    if (to !== null && Number.isNaN(to)) add('valid_to', 'Enter a valid date and time');
    if (from !== null && to !== null && from >= to) add('valid_from', 'Must be before "valid to"');
  }

  const min = m.min_customer_value.trim();
  const max = m.max_customer_value.trim();
  if (min && !isDecimal(min)) add('min_customer_value', 'Enter a number such as 100 or 250.50');
  if (max && !isDecimal(max)) add('max_customer_value', 'Enter a number such as 100 or 250.50');
  if (min && max && isDecimal(min) && isDecimal(max) && compareDecimal(min, max) > 0) {
    add('min_customer_value', 'Minimum must not be greater than maximum');
  }
  if (m.target_segments.length > 100) add('target_segments', 'At most 100 segments');
  for (const s of m.target_segments) {
    if (!s.trim()) add('target_segments', 'Segments cannot be blank');
    else if (s.trim().length > 64) add('target_segments', `"${s.slice(0, 20)}…" is longer than 64 characters`);
  }
  if (m.notes.length > 5000) add('notes', 'Notes must be at most 5000 characters');
  return errors;
}

const orNull = (s: string): string | null => (s.trim() ? s.trim() : null);

function localPayload(m: ProductFormModel) {
  return {
    target_segments: [...new Set(m.target_segments.map((s) => s.trim()).filter(Boolean))],
    min_customer_value: orNull(m.min_customer_value),
    max_customer_value: orNull(m.max_customer_value),
    availability_override: choiceToOverride(m.availability_override),
    notes: orNull(m.notes),
  };
}

/** A JSON field's object once validation has passed it. */
function validatedJsonObject(text: string): Record<string, unknown> {
  const parsed = parseJsonObject(text);
  if (typeof parsed === 'string') throw new Error(`validate the form before building its payload: ${parsed}`);
  return parsed;
}

/** Body for POST /products/ (and for PATCH of every field of a manual product). Call after validation. */
export function toProductPayload(m: ProductFormModel): ProductCreateInput {
  return {
    external_product_id: m.external_product_id.trim(),
    external_system: m.external_system,
    name: m.name.trim(),
    description: m.description,
    // Validation refuses the empty choice, so a type is chosen by now.
    product_type: m.product_type as ProductType,
    category: m.category.trim(),
    price: orNull(m.price),
    currency: m.currency.trim().toUpperCase(),
    recurring: m.recurring,
    billing_cycle: m.billing_cycle,
    features: validatedJsonObject(m.features),
    attributes: validatedJsonObject(m.attributes),
    is_active: m.is_active,
    is_available: m.is_available,
    valid_from: m.valid_from || null,
    valid_to: m.valid_to || null,
    ...localPayload(m),
  };
}

/**
 * Body for PATCH /products/{id}/. In `local` mode only Lyra-owned fields are sent: the server
 * refuses (409 source_field_locked) any source field on a synced product, even an unchanged one.
 */
export function toPatchPayload(m: ProductFormModel, mode: FormMode): ProductPatchInput {
  return mode === 'local' ? localPayload(m) : toProductPayload(m);
}

export const PRODUCT_FORM_FIELDS: readonly string[] = Object.keys(emptyProductForm());
