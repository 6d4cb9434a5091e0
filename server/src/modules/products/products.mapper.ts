import type { Product, ProductPatch } from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import { MoneyError, normalizeAmount, normalizeDecimal } from '../../lib/money.js';
import { toIso } from '../../lib/time.js';
import { unavailableReason } from './availability.js';
import type { NewProductRow, ProductRow, SystemInfo } from './products.repository.js';

export function productStatus(r: Pick<ProductRow, 'retiredAt' | 'isActive'>): Product['status'] {
  return r.retiredAt ? 'retired' : r.isActive ? 'active' : 'inactive';
}

/**
 * `last_synced` is when a sync last confirmed the product: its own write, or a later complete full
 * sync that saw it unchanged (unchanged products are never rewritten, so the row alone can't tell).
 */
export function toProduct(r: ProductRow, system?: SystemInfo, isGroupMaster = false): Product {
  const confirmedAt = system?.lastFullSyncAt && !r.retiredAt && (!r.lastSynced || toIso(system.lastFullSyncAt) > toIso(r.lastSynced)) ? system.lastFullSyncAt : r.lastSynced;
  return {
    id: r.id,
    external_product_id: r.externalProductId,
    external_system: r.externalSystem as Product['external_system'],
    external_system_id: r.externalSystemId,
    external_system_name: system?.name ?? null,
    name: r.name,
    description: r.description,
    product_type: r.productType as Product['product_type'],
    category: r.category,
    price: r.price,
    currency: r.currency,
    recurring: r.recurring,
    billing_cycle: r.billingCycle as Product['billing_cycle'],
    features: r.features,
    attributes: r.attributes,
    is_active: r.isActive,
    is_available: unavailableReason(r) === null,
    unavailable_reason: unavailableReason(r),
    source_is_available: r.sourceIsAvailable,
    availability_override: r.availabilityOverride,
    status: productStatus(r),
    target_segments: r.targetSegments,
    min_customer_value: r.minCustomerValue,
    max_customer_value: r.maxCustomerValue,
    notes: r.notes,
    max_default_risk: r.maxDefaultRisk,
    valid_from: toIso(r.validFrom),
    valid_to: toIso(r.validTo),
    source_version: r.sourceVersion,
    last_synced: toIso(confirmedAt),
    sync_frequency: system?.syncFrequency ?? null,
    retired_at: toIso(r.retiredAt),
    offer_group_id: r.offerGroupId,
    is_group_master: r.offerGroupId != null && isGroupMaster,
    created_at: toIso(r.createdAt),
    updated_at: toIso(r.updatedAt),
  };
}

/** Price normalised to the currency's minor units ("49" SAR -> "49.00"); too many decimals is a field error. */
function priceFor(price: string | null, currency: string): string | null {
  if (price == null) return null;
  try {
    return normalizeAmount(price, currency);
  } catch (err) {
    if (err instanceof MoneyError) throw AppError.validation({ price: [err.message.replace(/^"[^"]*" /, '')] });
    throw err;
  }
}

const decimalOrNull = (v: string | null) => (v == null ? null : normalizeDecimal(v));

/** API input (create/replace, or a patch merged over the current row) -> column values. */
export function toRowValues(input: ProductPatch, current?: ProductRow): Partial<NewProductRow> {
  const out: Partial<NewProductRow> = {};
  const set = <K extends keyof NewProductRow>(k: K, v: NewProductRow[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('externalProductId', input.external_product_id);
  set('externalSystem', input.external_system);
  set('name', input.name);
  set('description', input.description);
  set('productType', input.product_type);
  set('category', input.category);
  set('currency', input.currency);
  set('recurring', input.recurring);
  set('billingCycle', input.billing_cycle);
  set('features', input.features);
  set('attributes', input.attributes);
  set('isActive', input.is_active);
  set('sourceIsAvailable', input.is_available);
  set('availabilityOverride', input.availability_override);
  set('targetSegments', input.target_segments ? [...new Set(input.target_segments)] : undefined);
  set('notes', input.notes);
  if (input.min_customer_value !== undefined) out.minCustomerValue = decimalOrNull(input.min_customer_value);
  if (input.max_customer_value !== undefined) out.maxCustomerValue = decimalOrNull(input.max_customer_value);
  if (input.max_default_risk !== undefined) out.maxDefaultRisk = decimalOrNull(input.max_default_risk);
  if (input.valid_from !== undefined) out.validFrom = input.valid_from && new Date(input.valid_from).toISOString();
  if (input.valid_to !== undefined) out.validTo = input.valid_to && new Date(input.valid_to).toISOString();
  // The price is re-normalised when either it or the currency changes.
  if (input.price !== undefined || input.currency !== undefined) {
    const currency = input.currency ?? current?.currency;
    const price = input.price !== undefined ? input.price : (current?.price ?? null);
    if (currency) out.price = priceFor(price, currency);
  }
  return out;
}
