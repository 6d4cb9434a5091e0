import type { ProductCreate } from '@lyra/contracts';

/**
 * The demo operator's manual catalog (SAR): what a newcomer sees before connecting any system.
 * Synced catalogs from the simulators come on top of it once "Sync now" runs.
 */
type Seed = Omit<ProductCreate, 'external_system' | 'currency' | 'max_default_risk' | 'features' | 'attributes' | 'description' | 'is_active' | 'is_available' | 'availability_override' | 'notes' | 'valid_from' | 'valid_to' | 'target_segments' | 'min_customer_value' | 'max_customer_value' | 'recurring' | 'billing_cycle'> &
  Partial<Pick<ProductCreate, 'features' | 'description' | 'target_segments' | 'min_customer_value' | 'max_customer_value' | 'recurring' | 'billing_cycle' | 'attributes' | 'is_active'>>;

const plan = (id: string, name: string, category: string, price: string, gb: number, minutes: number, sms: number, extra: Partial<Seed> = {}): Seed => ({
  external_product_id: id, name, product_type: 'bundle', category, price, recurring: true, billing_cycle: 'monthly',
  features: { data_gb: gb, voice_minutes: minutes, sms }, ...extra,
});

const SEEDS: Seed[] = [
  // Prepaid plans
  plan('PRE-START-35', 'Prepaid Start 35', 'Prepaid Plans', '35.00', 3, 100, 50, { target_segments: ['youth', 'mass'] }),
  plan('PRE-FLEX-65', 'Prepaid Flex 65', 'Prepaid Plans', '65.00', 12, 300, 100, { target_segments: ['mass'] }),
  plan('PRE-FLEX-99', 'Prepaid Flex 99', 'Prepaid Plans', '99.00', 30, 600, 200),
  plan('PRE-MAX-145', 'Prepaid Max 145', 'Prepaid Plans', '145.00', 70, 1000, 300, { min_customer_value: '100' }),
  plan('PRE-UNL-175', 'Prepaid Unlimited 175', 'Prepaid Plans', '175.00', -1, 1500, 500, { target_segments: ['heavy_data'], min_customer_value: '150' }),
  plan('PRE-VISITOR-7D', 'Visitor SIM 7 days', 'Prepaid Plans', '49.00', 10, 60, 20, { billing_cycle: 'weekly', target_segments: ['visitors'] }),
  plan('PRE-HAJJ-14D', 'Pilgrim SIM 14 days', 'Prepaid Plans', '79.00', 20, 120, 50, { billing_cycle: 'one_time', recurring: false, target_segments: ['visitors'] }),
  plan('PRE-STUDENT-45', 'Student Prepaid 45', 'Prepaid Plans', '45.00', 15, 200, 100, { target_segments: ['youth', 'students'], max_customer_value: '120' }),
  plan('PRE-SENIOR-30', 'Golden Age Prepaid 30', 'Prepaid Plans', '30.00', 2, 500, 100, { target_segments: ['seniors'] }),
  plan('PRE-DAILY-3', 'Daily Pass 3', 'Prepaid Plans', '3.00', 0.5, 20, 10, { billing_cycle: 'daily' }),
  // Postpaid plans
  plan('POST-BASIC-99', 'Postpaid Basic 99', 'Postpaid Plans', '99.00', 20, 500, 200),
  plan('POST-PLUS-199', 'Postpaid Plus 199', 'Postpaid Plans', '199.00', 100, 1500, 500, { min_customer_value: '150' }),
  plan('POST-PREM-299', 'Postpaid Premium 299', 'Postpaid Plans', '299.00', 250, 3000, 1000, { target_segments: ['high_value'], min_customer_value: '250' }),
  plan('POST-ELITE-449', 'Postpaid Elite 449', 'Postpaid Plans', '449.00', -1, -1, -1, { target_segments: ['high_value', 'vip'], min_customer_value: '400' }),
  plan('POST-FAMILY-349', 'Family Share 349 (4 lines)', 'Postpaid Plans', '349.00', 200, 4000, 1000, { target_segments: ['families'] }),
  plan('POST-BIZ-249', 'Business Postpaid 249', 'Business Plans', '249.00', 120, 2500, 1000, { target_segments: ['business'] }),
  plan('POST-BIZ-599', 'Business Unlimited 599', 'Business Plans', '599.00', -1, -1, -1, { target_segments: ['business', 'vip'], min_customer_value: '500' }),
  plan('POST-QTR-549', 'Postpaid Plus Quarterly', 'Postpaid Plans', '549.00', 300, 4500, 1500, { billing_cycle: 'quarterly' }),
  plan('POST-YEAR-1999', 'Postpaid Plus Annual', 'Postpaid Plans', '1999.00', 1200, 18000, 6000, { billing_cycle: 'yearly', min_customer_value: '150' }),
  plan('HOME-5G-300', 'Home 5G Unlimited', 'Home Internet', '300.00', -1, 0, 0, { product_type: 'data', target_segments: ['families', 'home'] }),
  plan('HOME-4G-150', 'Home 4G 500GB', 'Home Internet', '150.00', 500, 0, 0, { product_type: 'data' }),
];

const dataBundle = (id: string, name: string, price: string, gb: number, cycle: ProductCreate['billing_cycle'], segments: string[] = []): Seed => ({
  external_product_id: id, name, product_type: 'data', category: 'Data Bundles', price, recurring: cycle !== 'one_time',
  billing_cycle: cycle, features: { data_gb: gb }, target_segments: segments,
});
SEEDS.push(
  dataBundle('DATA-D1', 'Daily Data 1GB', '5.00', 1, 'daily'),
  dataBundle('DATA-D3', 'Daily Data 3GB', '10.00', 3, 'daily'),
  dataBundle('DATA-W5', 'Weekly Data 5GB', '25.00', 5, 'weekly'),
  dataBundle('DATA-W15', 'Weekly Data 15GB', '45.00', 15, 'weekly', ['heavy_data']),
  dataBundle('DATA-M10', 'Monthly Data 10GB', '50.00', 10, 'monthly'),
  dataBundle('DATA-M30', 'Monthly Data 30GB', '99.00', 30, 'monthly'),
  dataBundle('DATA-M100', 'Monthly Data 100GB', '199.00', 100, 'monthly', ['heavy_data']),
  dataBundle('DATA-SOCIAL-W', 'Social Unlimited Weekly', '20.00', -1, 'weekly', ['youth']),
  dataBundle('DATA-VIDEO-M', 'Video Streaming 50GB', '59.00', 50, 'monthly', ['youth', 'heavy_data']),
  dataBundle('DATA-GAMING-M', 'Gaming Pass 25GB', '39.00', 25, 'monthly', ['youth']),
  dataBundle('DATA-NIGHT-M', 'Night Owl 40GB (1am-7am)', '29.00', 40, 'monthly'),
  dataBundle('DATA-TOPUP-5', 'Extra 5GB Top-up', '30.00', 5, 'one_time'),
);

const voice = (id: string, name: string, price: string, minutes: number, cycle: ProductCreate['billing_cycle'], category = 'Voice Bundles', segments: string[] = []): Seed => ({
  external_product_id: id, name, product_type: 'voice', category, price, recurring: cycle !== 'one_time', billing_cycle: cycle,
  features: { voice_minutes: minutes }, target_segments: segments,
});
SEEDS.push(
  voice('VOICE-100', 'Local Minutes 100', '15.00', 100, 'monthly'),
  voice('VOICE-300', 'Local Minutes 300', '35.00', 300, 'monthly'),
  voice('VOICE-1000', 'Local Minutes 1000', '79.00', 1000, 'monthly'),
  voice('VOICE-INTL-60', 'International 60 min (Asia)', '30.00', 60, 'monthly', 'International Calling', ['expats']),
  voice('VOICE-INTL-200', 'International 200 min (Asia + Africa)', '75.00', 200, 'monthly', 'International Calling', ['expats']),
  voice('VOICE-INTL-W30', 'International Weekly 30 min', '12.00', 30, 'weekly', 'International Calling', ['expats']),
  voice('VOICE-ONNET-UNL', 'On-net Unlimited Calls', '19.00', -1, 'monthly'),
);

const sms = (id: string, name: string, price: string, count: number, cycle: ProductCreate['billing_cycle']): Seed => ({
  external_product_id: id, name, product_type: 'sms', category: 'SMS Bundles', price, recurring: cycle !== 'one_time', billing_cycle: cycle, features: { sms: count },
});
SEEDS.push(
  sms('SMS-100', 'SMS 100', '5.00', 100, 'monthly'),
  sms('SMS-500', 'SMS 500', '15.00', 500, 'monthly'),
  sms('SMS-1000', 'SMS 1000', '25.00', 1000, 'monthly'),
  sms('SMS-INTL-50', 'International SMS 50', '10.00', 50, 'one_time'),
);

const roaming = (id: string, name: string, price: string, gb: number, minutes: number, days: number, zone: string): Seed => ({
  external_product_id: id, name, product_type: 'addon', category: 'Roaming', price, recurring: false, billing_cycle: 'one_time',
  features: { data_gb: gb, voice_minutes: minutes, validity_days: days, zone }, target_segments: ['travelers'],
});
SEEDS.push(
  roaming('ROAM-GCC-1D', 'GCC Roaming Day Pass', '35.00', 1, 30, 1, 'GCC'),
  roaming('ROAM-GCC-7D', 'GCC Roaming Week', '99.00', 5, 100, 7, 'GCC'),
  roaming('ROAM-EU-7D', 'Roaming Europe Pass 7 days', '149.00', 8, 100, 7, 'Europe'),
  roaming('ROAM-EU-30D', 'Roaming Europe Pass 30 days', '349.00', 25, 300, 30, 'Europe'),
  roaming('ROAM-WORLD-7D', 'World Roaming 7 days', '199.00', 5, 60, 7, 'World'),
  roaming('ROAM-WORLD-30D', 'World Roaming 30 days', '499.00', 20, 200, 30, 'World'),
  roaming('ROAM-USA-14D', 'Americas Roaming 14 days', '249.00', 10, 120, 14, 'Americas'),
  roaming('ROAM-ASIA-7D', 'Asia Roaming 7 days', '129.00', 6, 60, 7, 'Asia'),
);

const device = (id: string, name: string, monthly: string, months: number, upfront: string, brand: string, extra: Partial<Seed> = {}): Seed => ({
  external_product_id: id, name: `${name} (${months}-month instalments)`, product_type: 'device', category: 'Devices', price: monthly,
  recurring: true, billing_cycle: 'monthly',
  features: { instalment_months: months, upfront_price: upfront, brand },
  description: `${name} with ${months} monthly instalments of ${monthly} SAR after ${upfront} SAR upfront.`, ...extra,
});
SEEDS.push(
  device('DEV-IP16-128', 'iPhone 16 128GB', '175.00', 24, '0.00', 'Apple', { target_segments: ['high_value'], min_customer_value: '200' }),
  device('DEV-IP16P-256', 'iPhone 16 Pro 256GB', '229.00', 24, '499.00', 'Apple', { target_segments: ['high_value', 'vip'], min_customer_value: '300' }),
  device('DEV-S25-256', 'Galaxy S25 256GB', '159.00', 24, '0.00', 'Samsung', { min_customer_value: '150' }),
  device('DEV-A56-128', 'Galaxy A56 128GB', '69.00', 18, '0.00', 'Samsung'),
  device('DEV-PIXEL9-128', 'Pixel 9 128GB', '139.00', 24, '0.00', 'Google'),
  device('DEV-REDMI14', 'Redmi Note 14 256GB', '49.00', 12, '0.00', 'Xiaomi', { target_segments: ['youth', 'mass'] }),
  device('DEV-ROUTER-5G', '5G Home Router', '35.00', 12, '99.00', 'Huawei', { target_segments: ['home'] }),
  device('DEV-WATCH-10', 'Apple Watch Series 10 (eSIM)', '69.00', 12, '0.00', 'Apple'),
  { external_product_id: 'DEV-MIFI-4G', name: '4G Pocket MiFi', product_type: 'device', category: 'Devices', price: '149.00', recurring: false, billing_cycle: 'one_time', features: { brand: 'ZTE' } },
);

const service = (id: string, name: string, price: string, category: string, features: Record<string, unknown>, segments: string[] = []): Seed => ({
  external_product_id: id, name, product_type: 'service', category, price, recurring: true, billing_cycle: 'monthly', features, target_segments: segments,
});
SEEDS.push(
  service('VAS-TUNES', 'Caller Tunes', '10.00', 'Value Added Services', { tunes: 5 }),
  service('VAS-MUSIC', 'Music Streaming Premium', '19.00', 'Entertainment', { streaming: 'music' }, ['youth']),
  service('VAS-VIDEO', 'Video On Demand', '29.00', 'Entertainment', { streaming: 'video' }, ['families']),
  service('VAS-CLOUD-100', 'Cloud Storage 100GB', '12.00', 'Value Added Services', { storage_gb: 100 }),
  service('VAS-INSURE', 'Device Protection', '25.00', 'Insurance', { coverage: 'theft, damage' }, ['high_value']),
  service('VAS-SECURE', 'Mobile Security Suite', '9.00', 'Value Added Services', { devices: 3 }),
  service('VAS-KIDS', 'Kids Safe Browsing', '8.00', 'Value Added Services', { profiles: 4 }, ['families']),
  { external_product_id: 'ADDON-ESIM', name: 'eSIM Activation', product_type: 'addon', category: 'Add-ons', price: '25.00', recurring: false, billing_cycle: 'one_time', features: {} },
  { external_product_id: 'ADDON-NUMBER-GOLD', name: 'Golden Number', product_type: 'addon', category: 'Add-ons', price: '500.00', recurring: false, billing_cycle: 'one_time', features: { tier: 'gold' }, target_segments: ['vip'] },
  { external_product_id: 'ADDON-HOTSPOT', name: 'Hotspot Sharing 20GB', product_type: 'addon', category: 'Add-ons', price: '20.00', recurring: true, billing_cycle: 'monthly', features: { data_gb: 20 } },
  { external_product_id: 'ADDON-LEGACY-3G', name: 'Legacy 3G Booster (discontinued)', product_type: 'addon', category: 'Add-ons', price: '15.00', recurring: true, billing_cycle: 'monthly', features: { data_gb: 2 }, is_active: false },
);

export const DEMO_CURRENCY = 'SAR';

export function demoCatalog(): ProductCreate[] {
  return SEEDS.map((s) => ({
    external_system: 'manual',
    currency: DEMO_CURRENCY,
    description: s.description ?? `${s.name}: ${s.category}.`,
    features: {},
    attributes: { lifecycle_status: s.is_active === false ? 'Retired' : 'Launched', is_bundle: s.product_type === 'bundle', is_sellable: true },
    is_active: true,
    is_available: true,
    availability_override: null,
    notes: null,
    valid_from: null,
    valid_to: null,
    target_segments: [],
    min_customer_value: null,
    max_customer_value: null,
    // Instalment devices are offered only to reliable payers (risk-aware offers).
    max_default_risk: s.product_type === 'device' ? '0.30' : null,
    recurring: false,
    billing_cycle: 'one_time',
    ...s,
  }));
}
