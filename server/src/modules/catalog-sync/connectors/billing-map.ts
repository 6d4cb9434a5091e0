/**
 * Chargebee-style item_price -> SourceItem. Rules (the Billing simulator's ExpectedProduct
 * follows the same ones):
 * - price = `price` integer minor units / 10^exponent(currency_code): 4900 SAR -> "49.00",
 *   1250 KWD -> "1.250", 1980 JPY -> "1980". Tiered/volume/stairstep prices have no single
 *   amount: price null.
 * - billing_cycle from period_unit + period (month/3 quarterly, month/12 and year/1 yearly...);
 *   item_type "charge" is one_time; recurring = not a charge.
 * - product_type = metadata.product_type, else metadata.category, else the allowances (only
 *   SMS -> sms, several kinds -> bundle), else the item family, else by item type (plan ->
 *   bundle, addon -> addon, charge -> service).
 * - features from metadata.data_gb / voice_minutes / sms; "unlimited" -> -1.
 * - is_active = status "active" (archived -> false); is_available = is_active. Deleted item
 *   prices are not mapped: the connector reports them as deleted.
 */
import type { BillingCycle, ProductType } from '@lyra/contracts';
import { MoneyError, amountFromMinorUnits } from '../../../lib/money.js';
import {
  ItemProblem,
  allowanceValue,
  cycleFromPeriod,
  epochSecondsToIso,
  inferProductType,
  type CategoryTypeMap,
  isObject,
  priceFields,
  requireCurrency,
  str,
  type AllowanceKey,
  type Json,
} from './common.js';
import type { SourceItem } from './types.js';

const TYPE_BY_ITEM: Record<string, ProductType> = { plan: 'bundle', addon: 'addon', charge: 'service' };
const TIERED = new Set(['tiered', 'volume', 'stairstep']);
const FEATURES: AllowanceKey[] = ['data_gb', 'voice_minutes', 'sms'];

/** What distinguishes two readings of one item price. */
export const itemPriceVersion = (i: Json) => `${String(i.resource_version ?? '')}|${String(i.updated_at ?? '')}|${String(i.status ?? '')}`;

function minorAmount(value: unknown, currency: string): string {
  if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+$/.test(value))) {
    throw new ItemProblem(`price ${JSON.stringify(value)} is not an integer amount of minor units`);
  }
  try {
    return amountFromMinorUnits(value, currency);
  } catch (err) {
    if (err instanceof MoneyError) throw new ItemProblem(err.message);
    throw err;
  }
}

export function mapItemPrice(i: Json, categoryMap?: CategoryTypeMap): SourceItem {
  const id = str(i.id);
  if (!id) throw new ItemProblem('item price has no id');
  const name = str(i.name) ?? str(i.external_name);
  if (!name) throw new ItemProblem('item price has no name');
  const currency = requireCurrency(i.currency_code);
  const model = str(i.pricing_model);
  const price = i.price === undefined && model && TIERED.has(model) ? null : minorAmount(i.price, currency);

  const itemType = str(i.item_type) ?? 'plan';
  let cycle: BillingCycle = 'one_time';
  if (itemType !== 'charge') {
    const c = cycleFromPeriod(i.period_unit, i.period);
    if (!c) throw new ItemProblem(`unsupported billing period ${String(i.period ?? '')} ${String(i.period_unit ?? '(none)')}`);
    cycle = c;
  }
  const meta = isObject(i.metadata) ? i.metadata : {};
  const features: Record<string, number> = {};
  for (const key of FEATURES) {
    const n = meta[key] === undefined || meta[key] === null ? null : allowanceValue(key, meta[key], 'GB');
    if (n !== null) features[key] = n;
  }
  const category = str(meta.category) ?? str(i.item_family_id) ?? '';
  const status = str(i.status) ?? 'active';
  const isActive = status === 'active';
  const updatedAt = epochSecondsToIso(i.updated_at);
  const upfront = meta.upfront_price;

  return {
    externalId: id,
    version: str(i.resource_version) ?? updatedAt,
    updatedAt,
    product: {
      name,
      description: str(i.description) ?? '',
      product_type: inferProductType({
        explicit: meta.product_type, categories: [meta.category], features, specifications: [i.item_family_id], fallback: TYPE_BY_ITEM[itemType] ?? 'service', categoryMap,
      }),
      category,
      ...priceFields(price, currency, cycle),
      features,
      attributes: {
        lifecycle_status: status,
        status,
        item_id: str(i.item_id),
        item_family_id: str(i.item_family_id),
        item_type: itemType,
        pricing_model: model,
        period: i.period ?? null,
        period_unit: str(i.period_unit),
        archived_at: epochSecondsToIso(i.archived_at),
        upfront_price: typeof upfront === 'number' || typeof upfront === 'string' ? minorAmount(upfront, currency) : null,
        is_taxable: i.is_taxable ?? null,
        channel: str(i.channel),
      },
      is_active: isActive,
      is_available: isActive,
      valid_from: null,
      valid_to: null,
    },
  };
}
