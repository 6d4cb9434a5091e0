/**
 * TMF620 productOffering (v4 or v5) -> SourceItem. Rules (the Xiva simulator's ExpectedProduct
 * follows the same ones):
 * - price: the FIRST `recurring` entry of productOfferingPrice, else the first `oneTime` one
 *   (instalment devices list the upfront payment first; plans may list an activation fee first).
 *   Embedded entries carry `price.taxIncludedAmount {unit, value}`; references `{id, href}` are
 *   resolved to the ProductOfferingPrice entity whose `price` is a tax-included Money. The float
 *   becomes an exact decimal at the currency's minor units. No recurring/oneTime price at all ->
 *   price null (usage-only offers) in the configured default currency.
 * - billing_cycle from the period type (`recurringChargePeriodType` v5, `recurringChargePeriod`
 *   v4) and length; oneTime -> one_time.
 * - product_type: the `productType` characteristic, else a category name that names a type, else
 *   the allowances (only SMS -> sms, several kinds -> bundle), else the specification name, else
 *   bundle when isBundle, service otherwise (see inferProductType).
 * - features: dataAllowance / voiceAllowance / smsAllowance from prodSpecCharValueUse or from
 *   characteristic text ("512 MB"); data in GB (1 GB = 1024 MB); Unlimited = -1.
 * - is_active: lifecycleStatus Launched or Active (absent = active); everything else, including
 *   In Design / In Test / Retired / Obsolete, is inactive. is_available = isSellable && is_active.
 */
import type { BillingCycle } from '@lyra/contracts';
import {
  ItemProblem,
  allowanceValue,
  asArray,
  cycleFromPeriod,
  decimalAmount,
  inferProductType,
  type CategoryTypeMap,
  isObject,
  objects,
  priceFields,
  requireCurrency,
  str,
  toUtcIso,
  type AllowanceKey,
  type Json,
} from './common.js';
import type { SourceItem } from './types.js';

/** Resolved ProductOfferingPrice entities by id; null = the server answered 404. */
export type PriceEntities = ReadonlyMap<string, Json | null>;

const ACTIVE_LIFECYCLES = new Set(['launched', 'active']);

const ALLOWANCES: Record<string, AllowanceKey> = {
  dataallowance: 'data_gb',
  voiceallowance: 'voice_minutes',
  smsallowance: 'sms',
};

/** A price entry is a reference when it carries neither an amount nor a price type. */
const isPriceRef = (e: Json) => !isObject(e.price) && e.priceType === undefined;

/** Ids of the referenced prices an offering needs resolved. */
export function priceRefIds(offering: Json): string[] {
  return objects(offering.productOfferingPrice).filter(isPriceRef).map((e) => str(e.id)).filter((x): x is string => x !== null);
}

/** The stamp that tells two readings of an offering apart. */
export const offeringVersion = (o: Json) => `${str(o.version) ?? ''}|${str(o.lastUpdate) ?? ''}`;

interface Price {
  kind: string;
  name: string | null;
  period: unknown;
  length: unknown;
  money: Json | null;
}

function moneyOf(price: unknown): Json | null {
  if (!isObject(price)) return null;
  if (isObject(price.taxIncludedAmount)) return price.taxIncludedAmount;
  if ('value' in price) return price;
  return isObject(price.dutyFreeAmount) ? price.dutyFreeAmount : null;
}

function readPrice(source: Json): Price {
  return {
    kind: (str(source.priceType) ?? '').toLowerCase().replace(/[^a-z]/g, ''),
    name: str(source.name),
    period: source.recurringChargePeriodType ?? source.recurringChargePeriod,
    length: source.recurringChargePeriodLength,
    money: moneyOf(source.price),
  };
}

function prices(o: Json, entities: PriceEntities): Price[] {
  return objects(o.productOfferingPrice).map((e) => {
    if (!isPriceRef(e)) return readPrice(e);
    const id = str(e.id);
    const entity = id ? entities.get(id) : undefined;
    if (!id || entity === undefined) throw new ItemProblem(`price reference ${id ?? '(without id)'} could not be resolved`);
    if (entity === null) throw new ItemProblem(`referenced price ${id} does not exist (HTTP 404)`);
    return readPrice(entity);
  });
}

function features(o: Json): Record<string, number> {
  const out: Record<string, number> = {};
  for (const use of objects(o.prodSpecCharValueUse)) {
    const key = ALLOWANCES[(str(use.name) ?? '').toLowerCase()];
    const values = objects(use.productSpecCharacteristicValue);
    const v = values.find((x) => x.isDefault === true) ?? values[0];
    const n = key && v ? allowanceValue(key, v.value, v.unitOfMeasure) : null;
    if (key && n !== null) out[key] = n;
  }
  for (const c of objects(o.characteristic)) {
    const key = ALLOWANCES[(str(c.name) ?? '').toLowerCase()];
    const n = key ? allowanceValue(key, c.value) : null;
    if (key && n !== null) out[key] = n;
  }
  return out;
}

const names = (v: unknown) => objects(v).map((x) => str(x.name)).filter((x): x is string => x !== null);

export function mapOffering(o: Json, entities: PriceEntities, defaultCurrency: string | null, categoryMap?: CategoryTypeMap): SourceItem {
  const id = str(o.id);
  if (!id) throw new ItemProblem('offering has no id');
  const name = str(o.name);
  if (!name) throw new ItemProblem('offering has no name');

  const all = prices(o, entities);
  const chosen = all.find((p) => p.kind === 'recurring') ?? all.find((p) => p.kind === 'onetime');
  let price: string | null = null;
  let currency = defaultCurrency;
  let cycle: BillingCycle = 'one_time';
  if (chosen) {
    if (!chosen.money) throw new ItemProblem(`price "${chosen.name ?? chosen.kind}" has no amount`);
    currency = requireCurrency(chosen.money.unit ?? defaultCurrency);
    price = decimalAmount(chosen.money.value, currency);
    if (chosen.kind === 'recurring') {
      const c = cycleFromPeriod(chosen.period ?? 'month', chosen.length);
      if (!c) throw new ItemProblem(`unsupported recurring charge period ${String(chosen.length ?? 1)} ${String(chosen.period)}`);
      cycle = c;
    }
  }
  if (!currency) throw new ItemProblem('offering has no recurring or one-time price and no default currency is configured');

  const characteristics: Record<string, unknown> = {};
  for (const c of objects(o.characteristic)) {
    const n = str(c.name);
    if (n && !ALLOWANCES[n.toLowerCase()]) characteristics[n] = c.value;
  }
  const categories = names(o.category);
  const spec = isObject(o.productSpecification) ? str(o.productSpecification.name) : null;
  const lifecycle = str(o.lifecycleStatus);
  const isActive = lifecycle === null || ACTIVE_LIFECYCLES.has(lifecycle.toLowerCase());
  const isSellable = o.isSellable !== false;
  const validFor = isObject(o.validFor) ? o.validFor : {};
  const validFrom = toUtcIso(validFor.startDateTime);
  const validTo = toUtcIso(validFor.endDateTime);
  const allowances = features(o);
  const productType = inferProductType({
    explicit: characteristics.productType, categories, features: allowances, specifications: [spec], fallback: o.isBundle === true ? 'bundle' : 'service', categoryMap,
  });
  const updatedAt = toUtcIso(o.lastUpdate);

  return {
    externalId: id,
    version: str(o.version) ?? updatedAt,
    updatedAt,
    product: {
      name,
      description: str(o.description) ?? '',
      product_type: productType,
      category: categories[0] ?? spec ?? '',
      ...priceFields(price, currency, cycle),
      features: allowances,
      attributes: {
        lifecycle_status: lifecycle,
        is_bundle: o.isBundle === true,
        is_sellable: isSellable,
        valid_for: { start_date_time: validFrom, end_date_time: validTo },
        version: str(o.version),
        last_update: updatedAt,
        categories,
        product_specification: spec,
        market_segments: names(o.marketSegment),
        channels: names(o.channel),
        characteristics,
        price_name: chosen?.name ?? null,
        price_type: chosen ? (chosen.kind === 'recurring' ? 'recurring' : 'oneTime') : null,
        price_count: asArray(o.productOfferingPrice).length,
      },
      is_active: isActive,
      is_available: isSellable && isActive,
      valid_from: validFrom,
      valid_to: validTo,
    },
  };
}
