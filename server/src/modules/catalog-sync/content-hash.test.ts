import { describe, expect, it } from 'vitest';
import type { MappedProduct } from './connectors/types.js';
import { contentHash } from './content-hash.js';

const product = {
  name: 'Data 10GB', description: 'd', product_type: 'data', category: 'Data', price: '49.00', currency: 'SAR', recurring: true,
  billing_cycle: 'monthly', features: { data_gb: 10, sms: undefined },
  attributes: { lifecycle_status: 'Launched', valid_for: { startDateTime: '2024-01-01T00:00:00.000Z' }, channels: ['web', 'retail'] },
  is_active: true, is_available: true, valid_from: '2024-01-01T00:00:00.000Z', valid_to: null,
} as MappedProduct;

describe('contentHash', () => {
  it('keeps the hash products were stored with (a different hash rewrites every product on the next sync)', () => {
    // Computed by the first implementation (Object.entries, filter, sort, map).
    expect(contentHash(product)).toBe('FRUq89A06hpebpW8OkWB2PPcA9Iu_QEgDZqx2ejGnx4');
  });

  it('ignores key order and undefined members, not values', () => {
    const reordered = Object.fromEntries(Object.entries(product).reverse()) as unknown as MappedProduct;
    expect(contentHash(reordered)).toBe(contentHash(product));
    expect(contentHash({ ...product, features: { data_gb: 10 } })).toBe(contentHash(product));
    expect(contentHash({ ...product, price: '49.01' })).not.toBe(contentHash(product));
    expect(contentHash({ ...product, attributes: { ...product.attributes, channels: ['retail', 'web'] } })).not.toBe(contentHash(product));
  });
});
