import { describe, expect, it } from 'vitest';
import { mapItemPrice } from './billing-map.js';
import { inferProductType } from './common.js';
import { mapProduct } from './crm-map.js';
import { mapOffering } from './xiva-map.js';

/** A TMF620 offering as operators file them when the category names no type. */
const offering = (over: Record<string, unknown>) => ({
  id: 'po-1', name: 'Chat 500', lastUpdate: '2026-01-05T10:00:00Z', lifecycleStatus: 'Launched', isBundle: false,
  category: [{ id: 'cat-msg', name: 'Messaging' }], productSpecification: { id: 'ps-msg', name: 'Messaging Service' },
  productOfferingPrice: [{ priceType: 'recurring', recurringChargePeriodType: 'month', price: { taxIncludedAmount: { unit: 'SAR', value: 15 } } }],
  ...over,
});
const sms = (value: string) => ({ prodSpecCharValueUse: [{ name: 'smsAllowance', productSpecCharacteristicValue: [{ value, unitOfMeasure: 'SMS', isDefault: true }] }] });
const data = (value: string) => ({ name: 'dataAllowance', productSpecCharacteristicValue: [{ value, unitOfMeasure: 'GB', isDefault: true }] });

describe('product type from category, allowances and specification', () => {
  it('a Messaging offer whose only allowance is SMS is an sms product, not a service', () => {
    expect(mapOffering(offering(sms('500')), new Map(), null).product).toMatchObject({ product_type: 'sms', category: 'Messaging', features: { sms: 500 } });
    // Allowances written as characteristic text count the same.
    expect(mapOffering(offering({ characteristic: [{ name: 'smsAllowance', value: 'Unlimited' }] }), new Map(), null).product.product_type).toBe('sms');
  });

  it('several kinds of allowance make a bundle; none leaves it to the specification name, then the fallback', () => {
    const both = offering({ prodSpecCharValueUse: [...sms('100').prodSpecCharValueUse, data('5')] });
    expect(mapOffering(both, new Map(), null).product.product_type).toBe('bundle');
    expect(mapOffering(offering({}), new Map(), null).product.product_type).toBe('service');
    expect(mapOffering(offering({ productSpecification: { name: 'Voice Minutes Spec' } }), new Map(), null).product.product_type).toBe('voice');
    expect(mapOffering(offering({ productSpecification: { name: 'Chat' }, isBundle: true }), new Map(), null).product.product_type).toBe('bundle');
  });

  it('an explicit type and a category that names one still win over the allowances', () => {
    const explicit = offering({ ...sms('100'), characteristic: [{ name: 'productType', value: 'Add-on' }] });
    expect(mapOffering(explicit, new Map(), null).product.product_type).toBe('addon');
    const vas = offering({ ...sms('100'), category: [{ name: 'Value Added Services' }] });
    expect(mapOffering(vas, new Map(), null).product.product_type).toBe('service');
  });

  it('CRM and Billing records follow the same rules', () => {
    const crm = mapProduct(
      { Id: '01t000000000001AAA', Name: 'Chat 500', Family: 'Messaging', IsActive: true, SMS__c: 500, SystemModstamp: '2026-01-05T10:00:00.000+0000' },
      [{ Id: '01u000000000001AAA', Pricebook2Id: '01s000000000001AAA', Product2Id: '01t000000000001AAA', UnitPrice: 15, CurrencyIsoCode: 'SAR', IsActive: true }],
      null,
    );
    expect(crm.product.product_type).toBe('sms');
    const billing = mapItemPrice({ id: 'chat-500-SAR-monthly', name: 'Chat 500', item_type: 'plan', price: 1500, currency_code: 'SAR', period: 1, period_unit: 'month', status: 'active', metadata: { category: 'Messaging', sms: 500 } });
    // Without allowances a Chargebee plan falls back to bundle; its SMS allowance says sms.
    expect(billing.product.product_type).toBe('sms');
  });

  it('an administrator mapping of the category comes first', () => {
    expect(inferProductType({ categories: ['Messaging'], features: { sms: 500 }, fallback: 'service', categoryMap: { messaging: 'bundle' } })).toBe('bundle');
    expect(inferProductType({ explicit: 'sms', categories: ['Other'], features: {}, fallback: 'service', categoryMap: { messaging: 'bundle' } })).toBe('sms');
  });
});
