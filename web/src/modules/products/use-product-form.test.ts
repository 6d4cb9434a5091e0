import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { useProductForm } from './use-product-form';
import { makeProduct } from './test-fixtures';

const fill = (form: ReturnType<typeof useProductForm>) => {
  form.openCreate();
  Object.assign(form.model, { name: 'New plan', external_product_id: 'NEW-1', product_type: 'voice', currency: 'SAR', price: '10' });
};

describe('useProductForm', () => {
  it('blocks invalid input before calling the server', async () => {
    const api = { create: vi.fn(), patch: vi.fn() };
    const form = useProductForm(api);
    form.openCreate();
    expect(await form.submit()).toBeNull();
    expect(api.create).not.toHaveBeenCalled();
    expect(form.fieldError('name')).toBe('Name is required');
    expect(form.formError.value).toMatch(/highlighted/);
  });

  it('creates and closes', async () => {
    const saved = makeProduct();
    const api = { create: vi.fn(async () => saved), patch: vi.fn() };
    const form = useProductForm(api);
    fill(form);
    expect(form.open.value).toBe(true);
    expect(await form.submit()).toBe(saved);
    expect(api.create).toHaveBeenCalledWith(expect.objectContaining({ name: 'New plan', external_system: 'manual', price: '10' }));
    expect(form.open.value).toBe(false);
  });

  it('shows server field errors under the fields', async () => {
    const api = {
      create: vi.fn(async () => {
        throw new ApiError({ status: 400, code: 'validation_error', message: 'Invalid body', details: { fields: { name: ['Already taken'], weird: ['x'] } } });
      }),
      patch: vi.fn(),
    };
    const form = useProductForm(api);
    fill(form);
    await form.submit();
    expect(form.fieldError('name')).toBe('Already taken');
    expect(form.formError.value).toBe('weird: x');
    expect(form.open.value).toBe(true);
  });

  it('explains a duplicate', async () => {
    const api = {
      create: vi.fn(async () => {
        throw new ApiError({
          status: 409,
          code: 'conflict',
          message: 'A product with external_product_id "NEW-1" already exists in manual',
          details: { fields: { external_product_id: ['already exists for this external_system'] } },
        });
      }),
      patch: vi.fn(),
    };
    const form = useProductForm(api);
    fill(form);
    await form.submit();
    expect(form.formError.value).toMatch(/already exists/);
    expect(form.fieldError('external_product_id')).toBe('already exists for this external_system');
  });

  it('edits a synced product with Lyra-owned fields only', async () => {
    const product = makeProduct({ external_system: 'crm' });
    const api = { create: vi.fn(), patch: vi.fn(async () => product) };
    const form = useProductForm(api);
    form.openEdit(product);
    expect(form.mode.value).toBe('local');
    expect(form.lockedBy.value).toBe('CRM');
    form.model.name = 'ignored';
    form.model.target_segments = ['vip'];
    await form.submit();
    expect(api.patch).toHaveBeenCalledWith(product.id, {
      target_segments: ['vip'],
      min_customer_value: '100',
      max_customer_value: '500',
      availability_override: null,
      notes: null,
    });
  });

  it('says why a locked field was refused', async () => {
    const product = makeProduct();
    const api = {
      create: vi.fn(),
      patch: vi.fn(async () => {
        throw new ApiError({ status: 409, code: 'source_field_locked', message: 'price is managed by xiva.' });
      }),
    };
    const form = useProductForm(api);
    form.openEdit(product, 'targeting');
    expect(form.mode.value).toBe('local');
    await form.submit();
    expect(form.formError.value).toMatch(/price is managed by xiva\. Only Lyra-owned fields/);
  });

  it('edits every field of a manual product', async () => {
    const product = makeProduct();
    const api = { create: vi.fn(), patch: vi.fn(async () => product) };
    const form = useProductForm(api);
    form.openEdit(product);
    expect(form.mode.value).toBe('full');
    form.model.price = '59.00';
    await form.submit();
    expect(api.patch).toHaveBeenCalledWith(product.id, expect.objectContaining({ price: '59.00', name: product.name, currency: 'SAR' }));
  });
});
