/**
 * Test helpers: tiny clients for the three simulators and reference mappers that apply the
 * raw -> ExpectedProduct rules documented at the top of xiva.ts, crm.ts and billing.ts.
 * The tests compare these mappers with store.expected(), which proves the documentation is
 * exact (the simulators compute expected() from the catalog, not from their own output).
 */
import { currencyExponent } from './catalog.js';
import { BILLING_DEFAULT_CREDENTIALS, type BillingItemPrice } from './billing.js';
import { CRM_DEFAULT_CREDENTIALS, CRM_QUERY_PATH, CRM_STANDARD_PRICEBOOK_ID, CRM_TOKEN_PATH, type CrmPricebookEntry, type CrmProduct } from './crm.js';
import { XIVA_DEFAULT_CREDENTIALS, type XivaEmbeddedPrice, type XivaOffering, type XivaProductOfferingPrice } from './xiva.js';
import type { BillingCycle, ExpectedProduct, ProductFeatures, ProductType } from './types.js';

export async function getJson<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON bodies (proxy error pages) are returned as text.
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

export async function postJson<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

export async function xivaLogin(url: string, creds = XIVA_DEFAULT_CREDENTIALS): Promise<{ access: string; refresh: string }> {
  const r = await postJson<{ access: string; refresh: string }>(`${url}/api/auth/jwt/create/`, creds);
  if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
  return r.body;
}

export async function crmLogin(url: string, creds = CRM_DEFAULT_CREDENTIALS): Promise<string> {
  const res = await fetch(`${url}${CRM_TOKEN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret }).toString(),
  });
  if (res.status !== 200) throw new Error(`token failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function billingAuth(apiKey = BILLING_DEFAULT_CREDENTIALS.apiKey): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}` };
}

/** Runs a SOQL query and follows nextRecordsUrl to the end. */
export async function crmQueryAll<T>(url: string, token: string, soql: string): Promise<{ records: T[]; totalSize: number; pages: number }> {
  const headers = { authorization: `Bearer ${token}` };
  let next: string | undefined = `${CRM_QUERY_PATH}?q=${encodeURIComponent(soql)}`;
  const records: T[] = [];
  let totalSize = 0;
  let pages = 0;
  while (next) {
    const r: { status: number; body: { totalSize: number; done: boolean; records: T[]; nextRecordsUrl?: string } } = await getJson(`${url}${next}`, headers);
    if (r.status !== 200) throw new Error(`query failed: ${r.status} ${JSON.stringify(r.body)}`);
    pages += 1;
    totalSize = r.body.totalSize;
    records.push(...r.body.records);
    next = r.body.done ? undefined : r.body.nextRecordsUrl;
  }
  return { records, totalSize, pages };
}

/** Pages item_prices with next_offset until the end. */
export async function billingListAll(url: string, query = ''): Promise<{ items: BillingItemPrice[]; pages: number }> {
  const items: BillingItemPrice[] = [];
  let offset: string | undefined;
  let pages = 0;
  do {
    const qs = `limit=100${query ? `&${query}` : ''}${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`;
    const r = await getJson<{ list: Array<{ item_price: BillingItemPrice }>; next_offset?: string }>(`${url}/api/v2/item_prices?${qs}`, billingAuth());
    if (r.status !== 200) throw new Error(`list failed: ${r.status}`);
    pages += 1;
    items.push(...r.body.list.map((x) => x.item_price));
    offset = r.body.next_offset;
  } while (offset);
  return { items, pages };
}

// ---------------------------------------------------------------------------------------------
// Reference mappers (exactly the documented rules)

/** Float or integer minor units -> exact decimal string with the currency's minor units. */
function decimal(value: number, currency: string, minorUnits: boolean): string {
  const exp = currencyExponent(currency);
  const minor = minorUnits ? value : Math.round(value * 10 ** exp);
  if (exp === 0) return String(minor);
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  return `${minor < 0 ? '-' : ''}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

function cycle(unit: string | undefined, length: number | undefined): BillingCycle {
  const n = length ?? 1;
  if (unit === 'day') return n === 7 ? 'weekly' : 'daily';
  if (unit === 'week') return 'weekly';
  if (unit === 'year') return 'yearly';
  if (unit === 'month') return n === 3 ? 'quarterly' : n === 12 ? 'yearly' : 'monthly';
  throw new Error(`unknown period ${unit}`);
}

function allowance(value: string): number {
  return value.trim().toLowerCase() === 'unlimited' ? -1 : Number(value);
}

function dataGb(value: string, unit: string): number {
  const n = allowance(value);
  return n === -1 || unit.toUpperCase() === 'GB' ? n : n / 1024;
}

export function mapXiva(o: XivaOffering, resolvePrice: (id: string) => XivaProductOfferingPrice): ExpectedProduct {
  if (!o.id || !o.name) throw new Error('malformed');
  const prices = o.productOfferingPrice;
  const chosen = prices.find((p) => ('priceType' in p ? p.priceType : resolvePrice(p.id).priceType) === 'recurring') ?? prices.find((p) => ('priceType' in p ? p.priceType : resolvePrice(p.id).priceType) === 'oneTime');
  if (!chosen) throw new Error('no price');
  let amount: { unit: string; value: number | string };
  let type: string;
  let unit: string | undefined;
  let length: number | undefined;
  if ('price' in chosen) {
    const p = chosen as XivaEmbeddedPrice;
    amount = p.price.taxIncludedAmount;
    type = p.priceType;
    unit = p.recurringChargePeriodType ?? p.recurringChargePeriod;
    length = p.recurringChargePeriodLength;
  } else {
    const p = resolvePrice(chosen.id);
    amount = p.price;
    type = p.priceType;
    unit = p.recurringChargePeriodType;
    length = p.recurringChargePeriodLength;
  }
  if (typeof amount.value !== 'number') throw new Error('bad price');
  const features: ProductFeatures = {};
  for (const u of o.prodSpecCharValueUse ?? []) {
    const v = u.productSpecCharacteristicValue[0];
    if (!v) continue;
    if (u.name === 'dataAllowance') features.data_gb = dataGb(v.value, v.unitOfMeasure);
    if (u.name === 'voiceAllowance') features.voice_minutes = allowance(v.value);
    if (u.name === 'smsAllowance') features.sms = allowance(v.value);
  }
  for (const c of o.characteristic) {
    const [value = '', uom = ''] = c.value.split(' ');
    if (c.name === 'dataAllowance') features.data_gb = dataGb(value, uom || 'GB');
    if (c.name === 'voiceAllowance') features.voice_minutes = allowance(value);
    if (c.name === 'smsAllowance') features.sms = allowance(value);
  }
  const billing = type === 'recurring' ? cycle(unit, length) : 'one_time';
  return {
    external_product_id: o.id,
    name: o.name,
    price: decimal(amount.value, amount.unit, false),
    currency: amount.unit,
    recurring: type === 'recurring',
    billing_cycle: billing,
    product_type: o.characteristic.find((c) => c.name === 'productType')?.value as ProductType,
    features,
    is_active: o.lifecycleStatus === 'Launched' || o.lifecycleStatus === 'Active',
  };
}

const FREQUENCY: Record<string, BillingCycle> = { Daily: 'daily', Weekly: 'weekly', Monthly: 'monthly', Quarterly: 'quarterly', Yearly: 'yearly', 'One-Time': 'one_time' };

export function mapCrm(p: CrmProduct, entries: CrmPricebookEntry[], currency: string): ExpectedProduct {
  if (!p.Id || !p.Name) throw new Error('malformed');
  const e = entries.find((x) => x.Product2Id === p.Id && x.Pricebook2Id === CRM_STANDARD_PRICEBOOK_ID && x.CurrencyIsoCode === currency);
  if (!e || typeof e.UnitPrice !== 'number') throw new Error('bad price');
  const features: ProductFeatures = {};
  if (p.Data_GB__c !== null) features.data_gb = p.Data_GB__c;
  if (p.Voice_Minutes__c !== null) features.voice_minutes = p.Voice_Minutes__c;
  if (p.SMS__c !== null) features.sms = p.SMS__c;
  const billing = FREQUENCY[p.Billing_Frequency__c] as BillingCycle;
  return {
    external_product_id: p.Id,
    name: p.Name,
    price: decimal(e.UnitPrice, e.CurrencyIsoCode, false),
    currency: e.CurrencyIsoCode,
    recurring: billing !== 'one_time',
    billing_cycle: billing,
    product_type: (p.Product_Type__c === 'Add-on' ? 'addon' : p.Product_Type__c.toLowerCase()) as ProductType,
    features,
    is_active: p.IsActive && !p.IsArchived,
  };
}

export function mapBilling(i: BillingItemPrice): ExpectedProduct {
  if (!i.id || !i.name || typeof i.price !== 'number') throw new Error('malformed');
  const features: ProductFeatures = {};
  const m = i.metadata;
  const num = (v: string | number) => (v === 'unlimited' ? -1 : Number(v));
  if (m.data_gb !== undefined) features.data_gb = num(m.data_gb);
  if (m.voice_minutes !== undefined) features.voice_minutes = num(m.voice_minutes);
  if (m.sms !== undefined) features.sms = num(m.sms);
  const billing = i.item_type === 'charge' ? 'one_time' : cycle(i.period_unit, i.period);
  return {
    external_product_id: i.id,
    name: i.name,
    price: decimal(i.price, i.currency_code, true),
    currency: i.currency_code,
    recurring: i.item_type !== 'charge',
    billing_cycle: billing,
    product_type: m.product_type as ProductType,
    features,
    is_active: i.status === 'active',
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
