/**
 * Salesforce Product2 + its standard PricebookEntry -> SourceItem. Rules (the CRM simulator's
 * ExpectedProduct follows the same ones):
 * - price/currency: the ACTIVE entry of the STANDARD price book in the preferred currency (the
 *   system's configured default currency, else the product's CurrencyIsoCode). Entries in other
 *   currencies and in custom price books (e.g. "Corporate", discounted) are ignored. A product
 *   with a single standard entry uses it whatever its currency (single-currency orgs).
 * - billing_cycle = Billing_Frequency__c (Daily ... Yearly, One-Time; absent = one_time);
 *   recurring = not one_time.
 * - product_type = Product_Type__c ("Add-on" -> addon), else from Family, else from the
 *   allowances (only SMS -> sms, several kinds -> bundle), else service.
 * - features: Data_GB__c, Voice_Minutes__c, SMS__c; null = absent; -1 = unlimited.
 * - is_active = IsActive && !IsArchived; is_available = is_active.
 * - updatedAt = the later SystemModstamp of the product and its entry: a price change touches
 *   only the entry, and the cursor must move past it.
 */
import { createHash } from 'node:crypto';
import { isCurrencyCode, type BillingCycle } from '@lyra/contracts';
import { ItemProblem, allowanceValue, decimalAmount, inferProductType, priceFields, requireCurrency, type CategoryTypeMap, str, toUtcIso, type AllowanceKey, type Json } from './common.js';
import type { SourceItem } from './types.js';

export const PRODUCT_FIELDS = [
  'Id', 'ProductCode', 'Name', 'Description', 'Family', 'IsActive', 'IsArchived', 'CurrencyIsoCode', 'QuantityUnitOfMeasure',
  'LastModifiedDate', 'SystemModstamp', 'Product_Type__c', 'Billing_Frequency__c', 'Data_GB__c', 'Voice_Minutes__c', 'SMS__c',
].join(', ');
export const ENTRY_FIELDS = ['Id', 'Pricebook2Id', 'Product2Id', 'UnitPrice', 'CurrencyIsoCode', 'IsActive', 'SystemModstamp'].join(', ');

const FREQUENCIES: Record<string, BillingCycle> = {
  daily: 'daily', weekly: 'weekly', monthly: 'monthly', quarterly: 'quarterly', yearly: 'yearly', annual: 'yearly', annually: 'yearly',
  onetime: 'one_time', once: 'one_time',
};

const FEATURE_FIELDS: Array<[string, AllowanceKey]> = [['Data_GB__c', 'data_gb'], ['Voice_Minutes__c', 'voice_minutes'], ['SMS__c', 'sms']];

function pickEntry(p: Json, entries: Json[], defaultCurrency: string | null): Json {
  if (entries.length === 0) throw new ItemProblem('no active entry in the standard price book');
  const preferred = defaultCurrency ?? str(p.CurrencyIsoCode);
  const match = preferred ? entries.find((e) => e.CurrencyIsoCode === preferred) : undefined;
  if (match) return match;
  if (entries.length === 1) return entries[0] as Json;
  const unknown = entries.find((e) => !isCurrencyCode(String(e.CurrencyIsoCode)));
  if (unknown) throw new ItemProblem(`unknown currency "${String(unknown.CurrencyIsoCode)}"`);
  throw new ItemProblem(`the standard price book has entries in ${entries.map((e) => String(e.CurrencyIsoCode)).join(', ')} but none in ${preferred ?? 'the product currency'}`);
}

/**
 * Fingerprint of what a reading maps to. SystemModstamp has whole seconds, so it cannot tell two
 * readings apart; raw rows also differ in fields the mapping ignores (other-currency entries).
 */
export function crmFingerprint(mapped: unknown): string {
  return createHash('sha1').update(JSON.stringify(mapped)).digest('base64url');
}

export function mapProduct(p: Json, entries: Json[], defaultCurrency: string | null, categoryMap?: CategoryTypeMap): SourceItem {
  const id = str(p.Id);
  if (!id) throw new ItemProblem('Product2 has no Id');
  const name = str(p.Name);
  if (!name) throw new ItemProblem('Product2 has no Name');
  const entry = pickEntry(p, entries, defaultCurrency);
  const currency = requireCurrency(entry.CurrencyIsoCode);
  const price = decimalAmount(entry.UnitPrice, currency);

  const frequency = str(p.Billing_Frequency__c);
  const cycle = frequency === null ? 'one_time' : FREQUENCIES[frequency.toLowerCase().replace(/[^a-z]/g, '')];
  if (!cycle) throw new ItemProblem(`unknown Billing_Frequency__c "${frequency}"`);
  const family = str(p.Family);
  const features: Record<string, number> = {};
  for (const [field, key] of FEATURE_FIELDS) {
    const n = p[field] === null || p[field] === undefined ? null : allowanceValue(key, p[field], 'GB');
    if (n !== null) features[key] = n;
  }
  const isActive = p.IsActive === true && p.IsArchived !== true;
  const stamps = [toUtcIso(p.SystemModstamp), toUtcIso(entry.SystemModstamp)].filter((x): x is string => x !== null).sort();
  const updatedAt = stamps[stamps.length - 1] ?? null;

  return {
    externalId: id,
    version: updatedAt,
    updatedAt,
    product: {
      name,
      description: str(p.Description) ?? '',
      product_type: inferProductType({ explicit: p.Product_Type__c, categories: [family], features, fallback: 'service', categoryMap }),
      category: family ?? '',
      ...priceFields(price, currency, cycle),
      features,
      attributes: {
        lifecycle_status: p.IsArchived === true ? 'Archived' : p.IsActive === true ? 'Active' : 'Inactive',
        product_code: str(p.ProductCode),
        family,
        is_active: p.IsActive === true,
        is_archived: p.IsArchived === true,
        billing_frequency: frequency,
        quantity_unit_of_measure: str(p.QuantityUnitOfMeasure),
        pricebook_entry_id: str(entry.Id),
        pricebook_id: str(entry.Pricebook2Id),
        last_modified_date: toUtcIso(p.LastModifiedDate),
      },
      is_active: isActive,
      is_available: isActive,
      valid_from: null,
      valid_to: null,
    },
  };
}
