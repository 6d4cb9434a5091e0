import type { Product } from '@lyra/contracts';

/** A complete, contract-valid product for tests; override what a test cares about. */
export function makeProduct(overrides: Partial<Product> = {}): Product {
  return {
    id: '72585b66-02b8-4746-8c50-e09368455413',
    external_product_id: 'PO-SOCIAL-30',
    external_system: 'manual',
    external_system_id: null,
    name: 'Unlimited Social 30',
    description: 'Social apps without limits',
    product_type: 'data',
    category: 'Prepaid bundles',
    price: '49.00',
    currency: 'SAR',
    recurring: true,
    billing_cycle: 'monthly',
    features: { data_gb: 10 },
    attributes: { lifecycle_status: 'Launched' },
    is_active: true,
    is_available: true,
    source_is_available: true,
    availability_override: null,
    status: 'active',
    target_segments: ['youth'],
    min_customer_value: '100',
    max_customer_value: '500',
    notes: null,
    valid_from: null,
    valid_to: null,
    source_version: null,
    last_synced: null,
    sync_frequency: null,
    retired_at: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}
