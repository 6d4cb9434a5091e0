import { currencyExponent, type BillingCycle, type ProductType } from '@lyra/contracts';
import { normalizeAmount } from '../../lib/money.js';

/** A catalog product as the generator needs it: the fields of the products API, id included. */
export interface SyntheticProduct {
  id: string;
  external_product_id?: string;
  name?: string;
  category?: string;
  product_type: ProductType;
  price: string | null;
  currency: string;
  recurring: boolean;
  billing_cycle: BillingCycle;
  features: Record<string, unknown>;
  target_segments?: string[];
}

/**
 * What a product is for a subscriber. Plans are the base subscription (one at a time); passes and
 * one-off items are bought again and again; the rest are recurring add-ons.
 */
export type ProductRole =
  | 'prepaid_plan' | 'postpaid_plan' | 'home' | 'pass' | 'data_monthly' | 'voice' | 'intl_voice' | 'sms' | 'roaming' | 'device' | 'service' | 'addon';

export interface CatalogItem {
  product: SyntheticProduct;
  index: number;
  role: ProductRole;
  /** Price in minor units, exactly. */
  priceMinor: number;
  /** Monthly-equivalent price in currency units (a feature: daily x30, weekly x4.33, yearly /12). */
  monthly: number;
  /** Allowances; Infinity for unlimited (-1 in the catalog), null when the product has none. */
  dataGb: number | null;
  voiceMinutes: number | null;
  sms: number | null;
  /** Bought again and again (passes, one-off items) rather than held. */
  repeatable: boolean;
  instalmentMonths: number | null;
  brand: string | null;
  entertainment: boolean;
  segments: readonly string[];
}

const CYCLE_MONTHS: Record<BillingCycle, number> = { daily: 1 / 30, weekly: 7 / 30.4, monthly: 1, quarterly: 3, yearly: 12, one_time: 1 };

function allowance(features: Record<string, unknown>, key: string): number | null {
  const v = features[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) return null;
  return n < 0 ? Infinity : n;
}

function roleOf(p: SyntheticProduct, text: string, dataGb: number | null): ProductRole {
  const monthlyPlus = p.recurring && ['monthly', 'quarterly', 'yearly'].includes(p.billing_cycle);
  if (p.product_type === 'device') return 'device';
  if (/roam/.test(text) || typeof p.features.zone === 'string') return 'roaming';
  if (/home|fixed|fib(re|er)|router|fwa/.test(text) && (p.product_type === 'bundle' || p.product_type === 'data')) return 'home';
  if (p.product_type === 'bundle') {
    if (!monthlyPlus) return 'pass';
    if (/prepaid|pay as you go|payg/.test(text)) return 'prepaid_plan';
    if (/postpaid|business|family|corporate/.test(text)) return 'postpaid_plan';
    // An unlabelled monthly bundle: cheap ones behave like prepaid plans, dear ones like postpaid.
    return Number(p.price) < 90 ? 'prepaid_plan' : 'postpaid_plan';
  }
  if (p.product_type === 'data') return monthlyPlus && dataGb !== null ? 'data_monthly' : 'pass';
  if (p.product_type === 'voice') return /international|intl|idd/.test(text) ? 'intl_voice' : 'voice';
  if (p.product_type === 'sms') return 'sms';
  if (p.product_type === 'service') return 'service';
  return 'addon';
}

/** Priced products in `currency`, classified. Products in other currencies or without a price are left out. */
export function buildCatalog(products: readonly SyntheticProduct[], currency: string): CatalogItem[] {
  const exp = currencyExponent(currency) ?? 2;
  const items: CatalogItem[] = [];
  for (const p of products) {
    if (p.price == null || p.currency.toUpperCase() !== currency) continue;
    let priceMinor: number;
    try {
      priceMinor = Number(normalizeAmount(p.price, currency).replace('.', ''));
    } catch {
      continue;
    }
    if (!(priceMinor > 0)) continue;
    const text = `${p.name ?? ''} ${p.category ?? ''} ${p.external_product_id ?? ''}`.toLowerCase();
    const dataGb = allowance(p.features, 'data_gb');
    const role = roleOf(p, text, dataGb);
    const price = priceMinor / 10 ** exp;
    const brand = typeof p.features.brand === 'string' ? p.features.brand : null;
    items.push({
      product: p,
      index: items.length,
      role,
      priceMinor,
      monthly: role === 'device' && !p.recurring ? price / 24 : price / CYCLE_MONTHS[p.billing_cycle],
      dataGb,
      voiceMinutes: allowance(p.features, 'voice_minutes'),
      sms: allowance(p.features, 'sms'),
      repeatable: !p.recurring || ['daily', 'weekly', 'one_time'].includes(p.billing_cycle),
      instalmentMonths: role === 'device' && p.recurring ? Math.max(1, Math.round(allowance(p.features, 'instalment_months') ?? 24)) : null,
      brand,
      entertainment: /music|video|stream|gaming|tv|movie|play/.test(text),
      segments: p.target_segments ?? [],
    });
  }
  return items;
}

/** The currency most of the catalog is priced in. */
export function dominantCurrency(products: readonly SyntheticProduct[]): string | null {
  const counts = new Map<string, number>();
  for (const p of products) if (p.price != null) counts.set(p.currency.toUpperCase(), (counts.get(p.currency.toUpperCase()) ?? 0) + 1);
  let best: string | null = null;
  for (const [c, n] of counts) if (best === null || n > counts.get(best)!) best = c;
  return best;
}
