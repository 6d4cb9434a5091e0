import { describe, expect, it } from 'vitest';
import type { OfferGroupMember } from '@lyra/contracts';
import { describeDisagreement, disagreeingFields, howGrouped } from './offer-group';

const member = (over: Partial<OfferGroupMember>): OfferGroupMember => ({
  product_id: '72585b66-02b8-4746-8c50-e09368455413', external_system: 'xiva', external_system_id: null, external_system_name: 'Xiva BSS',
  external_product_id: 'PO-1', name: 'Roaming Asia Pass 7 days', price: '49.00', currency: 'SAR', billing_cycle: 'one_time', status: 'active',
  is_master: true, group_rule: 'shared_code', group_confidence: 1, group_decision: 'auto', ...over,
});

describe('offer group card helpers', () => {
  it('says how each member got into the group', () => {
    expect(howGrouped(member({}))).toBe('Shared code (100%)');
    expect(howGrouped(member({ group_rule: 'name_price_cycle', group_confidence: 0.8, group_decision: 'confirmed' }))).toBe('Name, price and cycle (80%) · confirmed');
    expect(howGrouped(member({ group_rule: 'manual', group_decision: 'manual_link' }))).toBe('Linked by hand');
    expect(howGrouped(member({ group_rule: 'manual', group_decision: 'manual_split' }))).toBe('Split off by hand');
  });

  it('lists the disagreeing fields and describes them per system', () => {
    const a = member({});
    const b = member({ product_id: '3f1c2a4e-8b7d-4c6e-9a1b-2d3e4f5a6b7c', external_system: 'billing', external_system_name: 'Billing', price: '45.00', is_master: false });
    const d = { field: 'price' as const, values: [{ product_id: a.product_id, value: '49.00' }, { product_id: b.product_id, value: '45.00' }] };
    expect([...disagreeingFields({ disagreements: [d] })]).toEqual(['price']);
    expect(disagreeingFields(null).size).toBe(0);
    expect(describeDisagreement(d, [a, b], (m) => m.external_system_name ?? '')).toBe('price: Xiva BSS 49.00, Billing 45.00');
  });
});
