import { describe, expect, it } from 'vitest';
import { ProductCreate, ProductPatch } from '@lyra/contracts';
import { splitFieldErrors } from '../../lib/use-server-errors';
import { emptyProductForm, productToForm, toPatchPayload, toProductPayload, validateProductForm, type ProductFormModel } from './product-form';
import { makeProduct } from './test-fixtures';

const valid = (): ProductFormModel => ({
  ...emptyProductForm(),
  name: 'Unlimited Social 30',
  external_product_id: 'PO-SOCIAL-30',
  product_type: 'data',
  price: '49.00',
  currency: 'sar',
  features: '{"data_gb": 10}',
});

describe('validateProductForm', () => {
  it('accepts a valid product, and its payload passes the contract', () => {
    const m = valid();
    expect(validateProductForm(m, 'full')).toEqual({});
    const parsed = ProductCreate.safeParse(toProductPayload(m));
    expect(parsed.success).toBe(true);
    expect(toProductPayload(m)).toMatchObject({ currency: 'SAR', price: '49.00', features: { data_gb: 10 }, availability_override: null });
  });

  it('requires name, external id, type and a currency', () => {
    const errors = validateProductForm({ ...emptyProductForm(), currency: '' }, 'full');
    expect(Object.keys(errors).sort()).toEqual(['currency', 'external_product_id', 'name', 'product_type']);
  });

  it('checks currency codes, prices and JSON', () => {
    expect(validateProductForm({ ...valid(), currency: 'EURO' }, 'full').currency?.[0]).toMatch(/three-letter/);
    expect(validateProductForm({ ...valid(), currency: 'ABC' }, 'full').currency?.[0]).toMatch(/not an ISO 4217/);
    expect(validateProductForm({ ...valid(), price: '-1' }, 'full').price?.[0]).toMatch(/negative/);
    expect(validateProductForm({ ...valid(), price: '1,5' }, 'full').price?.[0]).toMatch(/decimal/);
    expect(validateProductForm({ ...valid(), price: '' }, 'full').price).toBeUndefined();
    expect(validateProductForm({ ...valid(), features: '[1]' }, 'full').features?.[0]).toMatch(/JSON object/);
    expect(validateProductForm({ ...valid(), attributes: '{oops' }, 'full').attributes?.[0]).toMatch(/Not valid JSON/);
  });

  it('checks the customer-value band exactly', () => {
    expect(validateProductForm({ ...valid(), min_customer_value: '500', max_customer_value: '100' }, 'full').min_customer_value).toEqual([
      'Minimum must not be greater than maximum',
    ]);
    expect(validateProductForm({ ...valid(), min_customer_value: '100.5', max_customer_value: '100.50' }, 'local')).toEqual({});
    expect(validateProductForm({ ...valid(), max_customer_value: 'lots' }, 'local').max_customer_value).toBeDefined();
  });

  it('checks the validity window', () => {
    expect(validateProductForm({ ...valid(), valid_from: '2026-03-01T00:00:00+03:00', valid_to: '2026-02-01T00:00:00+03:00' }, 'full').valid_from).toEqual([
      'Must be before "valid to"',
    ]);
    const ok = { ...valid(), valid_from: '2026-01-01T00:00:00+03:00', valid_to: null };
    expect(validateProductForm(ok, 'full')).toEqual({});
    expect(ProductCreate.safeParse(toProductPayload(ok)).success).toBe(true);
  });

  it('in local mode ignores source fields', () => {
    expect(validateProductForm({ ...emptyProductForm(), currency: '' }, 'local')).toEqual({});
  });

  it('limits segments like the contract', () => {
    expect(validateProductForm({ ...valid(), target_segments: ['x'.repeat(65)] }, 'local').target_segments).toBeDefined();
  });
});

describe('payloads', () => {
  it('round-trips a product through the form', () => {
    const p = makeProduct({ availability_override: false, notes: 'VIP only', source_is_available: true, is_available: false });
    const m = productToForm(p);
    expect(m.availability_override).toBe('unavailable');
    expect(m.is_available).toBe(true);
    const payload = toProductPayload(m);
    expect(payload).toMatchObject({ name: p.name, price: '49.00', availability_override: false, notes: 'VIP only', features: { data_gb: 10 } });
    expect(ProductCreate.safeParse(payload).success).toBe(true);
  });

  it('sends only Lyra-owned fields for synced products', () => {
    const m = productToForm(makeProduct({ external_system: 'xiva' }));
    m.target_segments = [' youth ', 'youth', 'high_value', ''];
    m.min_customer_value = '';
    const patch = toPatchPayload(m, 'local');
    expect(patch).toEqual({ target_segments: ['youth', 'high_value'], min_customer_value: null, max_customer_value: '500', availability_override: null, notes: null });
    expect(ProductPatch.safeParse(patch).success).toBe(true);
  });
});

describe('splitFieldErrors', () => {
  it('keeps visible fields under the field and reports the rest', () => {
    expect(splitFieldErrors({ name: ['bad'], secret: ['nope'], _: ['whole'] }, ['name'])).toEqual({ shown: { name: ['bad'] }, other: ['secret: nope', 'whole'] });
  });
});
