import { mulberry32 } from '@lyra/ml';
import type { NewProductRow } from '@lyra/server/modules/products/products.repository';

// A deterministic synthetic catalog shaped like an operator's: types, categories, prices, targeting.

const TYPES = [
  ['data', 'Data Bundles', ['Daily Data', 'Weekly Data', 'Monthly Data', 'Unlimited Social', 'Video Pass', 'Night Data']],
  ['voice', 'Voice Bundles', ['Local Minutes', 'International Minutes', 'On-net Unlimited']],
  ['sms', 'SMS Bundles', ['SMS Pack', 'International SMS']],
  ['bundle', 'Postpaid Plans', ['Postpaid Plus', 'Postpaid Premium', 'Prepaid Flex', 'Family Share', 'Business Unlimited']],
  ['device', 'Devices', ['iPhone 16', 'Galaxy S25', 'Pixel 9', '5G Router', 'Redmi Note 14']],
  ['service', 'Value Added Services', ['Music Streaming', 'Cloud Storage', 'Device Protection', 'Caller Tunes']],
  ['addon', 'Roaming', ['GCC Roaming Pass', 'Europe Roaming Pass', 'World Roaming Pass', 'Hotspot Sharing']],
] as const;
const SYSTEMS = ['xiva', 'xiva', 'xiva', 'crm', 'billing', 'manual'] as const;
const SEGMENTS = ['youth', 'families', 'high_value', 'business', 'travelers', 'expats', 'mass', 'heavy_data'];
const CYCLES = ['daily', 'weekly', 'monthly', 'monthly', 'monthly', 'one_time'] as const;

export function syntheticProducts(n: number, seed = 1): NewProductRow[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const rows: NewProductRow[] = [];
  for (let i = 0; i < n; i++) {
    const [type, category, names] = pick(TYPES);
    const system = pick(SYSTEMS);
    const gb = [1, 3, 5, 10, 20, 50, 100, -1][Math.floor(r() * 8)]!;
    const cycle = pick(CYCLES);
    const price = (Math.floor(r() * 50000) / 100 + 1).toFixed(2);
    const segs = r() < 0.4 ? [pick(SEGMENTS)] : r() < 0.2 ? [pick(SEGMENTS), pick(SEGMENTS)] : [];
    const banded = r() < 0.3;
    rows.push({
      externalSystem: system,
      externalProductId: `${system.toUpperCase()}-${String(i).padStart(7, '0')}`,
      name: `${pick(names)} ${gb === -1 ? 'Unlimited' : `${gb}GB`} ${i}`,
      description: `${pick(names)} offer for ${segs.join(' and ') || 'all customers'}, ${cycle} billing.`,
      productType: type,
      category,
      price,
      currency: 'SAR',
      recurring: cycle !== 'one_time',
      billingCycle: cycle,
      features: type === 'data' || type === 'bundle' ? { data_gb: gb, voice_minutes: Math.floor(r() * 1000), sms: Math.floor(r() * 500) } : {},
      attributes: { lifecycle_status: r() < 0.95 ? 'Launched' : 'Retired', is_sellable: true },
      isActive: r() < 0.92,
      sourceIsAvailable: r() < 0.95,
      targetSegments: [...new Set(segs)],
      minCustomerValue: banded ? String(Math.floor(r() * 200)) : null,
      maxCustomerValue: banded && r() < 0.5 ? String(200 + Math.floor(r() * 800)) : null,
      lastSynced: system === 'manual' ? null : new Date(Date.UTC(2026, 10, 1) + Math.floor(r() * 20 * 86400_000)).toISOString(),
    });
  }
  return rows;
}
