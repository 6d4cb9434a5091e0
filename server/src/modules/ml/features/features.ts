/**
 * The one feature definition of every model, used by training and by scoring alike.
 *
 * Everything here is computed "as of" a snapshot day S from rows dated strictly before S (the
 * repository's SQL applies that cut; see features.repository.ts): usage of the complete calendar
 * months before S's month, holdings held at S, purchases / contacts / responses before S, bills
 * issued and due before S with the payments made before S. Labels come only from [S, S + window).
 *
 * A value that cannot be computed (no usage yet, no bills, a product without allowances) stays
 * missing (null -> NaN in the data set), never 0: the trees learn where missing values go.
 */
import { monthsBetween } from '../../customers/customers.mapper.js';
import type { Column, Row } from '@lyra/ml';

export type FeatureKind = 'numeric' | 'categorical';
export interface FeatureDef {
  name: string;
  kind: FeatureKind;
}

/** Allowances marked unlimited (-1 in the catalog) become this large finite number, so bin cut points stay finite. */
export const UNLIMITED_DATA_GB = 10_000;
export const UNLIMITED_VOICE_MINUTES = 100_000;
export const UNLIMITED_SMS = 100_000;

/** Months per billing cycle, to compare a product's price with a month of spend. */
const CYCLE_MONTHS: Record<string, number> = { daily: 1 / 30, weekly: 7 / 30.4, monthly: 1, quarterly: 3, yearly: 12, one_time: 1 };

// ---------------------------------------------------------------------------------------------
// Raw inputs (what the repository reads)

/** A catalog product as the features see it (any product: sellable, held or offered). */
export interface ProductInfo {
  id: string;
  productType: string;
  category: string;
  price: number | null;
  currency: string;
  recurring: boolean;
  billingCycle: string;
  features: Record<string, unknown>;
  targetSegments: string[];
  minCustomerValue: number | null;
  maxCustomerValue: number | null;
}

export interface PurchaseFact {
  productId: string;
  productType: string;
  category: string;
  /** Whole days between the purchase and S (0 = the day before S). */
  daysAgo: number;
  price: number;
}

export interface HeldFact {
  productId: string;
  productType: string;
  features: Record<string, unknown>;
}

/** One subscriber as of S, straight from SQL; nulls where there was nothing to aggregate. */
export interface CustomerFacts {
  id: string;
  asOf: string;
  planType: string;
  valueBand: string;
  customerValue: number | null;
  status: string;
  segments: string[];
  region: string | null;
  ageBand: string | null;
  deviceType: string | null;
  deviceOs: string | null;
  activationDate: string;
  currency: string;
  usageMonths6m: number;
  data1m: number | null;
  data3m: number | null;
  dataPrev3m: number | null;
  data6m: number | null;
  voice1m: number | null;
  voice3m: number | null;
  voicePrev3m: number | null;
  sms3m: number | null;
  spend1m: number | null;
  spend3m: number | null;
  spendPrev3m: number | null;
  spend6m: number | null;
  topups3m: number | null;
  topupAmount3m: number | null;
  held: HeldFact[];
  /** Day of the newest device (holding started or purchase) before S. */
  lastDeviceDate: string | null;
  /** Purchases in the 365 days before S. */
  purchases: PurchaseFact[];
  purchasesTotal: number;
  daysSincePurchase: number | null;
  contacts180d: number;
  responses180d: number;
  contactsTotal: number;
  responsesTotal: number;
  daysSinceContact: number | null;
  bills12m: number;
  lateBills12m: number;
  avgDaysLate12m: number | null;
  maxDaysLate12m: number | null;
  overdueBills: number;
  overdueAmount: number | null;
  unpaidShare12m: number | null;
  avgBillAmount3: number | null;
}

/** A bill whose payment is predicted (default risk). */
export interface BillFact {
  id: string;
  amount: number;
  billDate: string;
  dueDate: string;
}

/** The offer of a campaign contact (campaign response). */
export interface OfferFact {
  product: ProductInfo | null;
  channel: string | null;
  /** 1 contacted, 0 held out as control. */
  contacted: 0 | 1;
}

// ---------------------------------------------------------------------------------------------
// Fitted preprocessing kept with the model version

export interface FeaturePreprocessing {
  /** Segments frequent enough at training to become 0/1 features (segment_<name>). */
  segments: string[];
}

const MAX_SEGMENT_FEATURES = 30;

/** Segments held by at least 1% of the training subscribers (at most 30), most common first. */
export function fitSegments(counts: ReadonlyMap<string, number>, subscribers: number): string[] {
  return [...counts.entries()]
    .filter(([, c]) => c >= Math.max(1, 0.01 * subscribers))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_SEGMENT_FEATURES)
    .map(([s]) => s);
}

const segmentFeature = (s: string) => `segment_${s.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;

// ---------------------------------------------------------------------------------------------
// Definitions

const num = (name: string): FeatureDef => ({ name, kind: 'numeric' });
const cat = (name: string): FeatureDef => ({ name, kind: 'categorical' });

const PROFILE: readonly FeatureDef[] = [
  num('tenure_months'), cat('plan_type'), cat('value_band'), num('customer_value'), cat('status'), cat('age_band'), num('age_min'),
  cat('device_type'), cat('device_os'),
];
const USAGE: readonly FeatureDef[] = [
  num('usage_months_6m'), num('data_gb_1m'), num('data_gb_3m'), num('data_gb_6m'), num('data_trend_3m'),
  num('voice_min_1m'), num('voice_min_3m'), num('voice_trend_3m'), num('sms_3m'),
  num('spend_1m'), num('spend_3m'), num('spend_6m'), num('spend_trend_3m'), num('topups_3m'), num('topup_amount_3m'),
];
const SPEND: readonly FeatureDef[] = [num('usage_months_6m'), num('data_gb_3m'), num('voice_min_3m'), num('spend_1m'), num('spend_3m'), num('spend_6m'), num('spend_trend_3m')];
const HOLDINGS: readonly FeatureDef[] = [
  num('holdings_count'), num('held_data_gb'), num('held_voice_min'), num('data_gap_gb'), num('voice_gap_min'),
  num('holdings_bundle'), num('holdings_data'), num('holdings_voice'), num('holdings_service'), num('holdings_addon'), num('holdings_device'),
  num('months_since_device'),
];
const PURCHASES: readonly FeatureDef[] = [num('purchases_90d'), num('purchases_365d'), num('purchase_amount_365d'), num('purchases_total'), num('days_since_purchase')];
const CONTACTS: readonly FeatureDef[] = [num('contacts_180d'), num('responses_180d'), num('response_rate'), num('days_since_contact')];
const PAYMENTS: readonly FeatureDef[] = [
  num('bills_12m'), num('late_bills_12m'), num('avg_days_late_12m'), num('max_days_late_12m'), num('overdue_bills'), num('overdue_amount'),
  num('unpaid_share_12m'), num('avg_bill_amount_3'),
];

/** Every subscriber feature customerRow computes (segments come on top, per the fitted vocabulary). */
export const CUSTOMER_FEATURES: readonly FeatureDef[] = [...PROFILE, cat('region'), ...USAGE, ...HOLDINGS, ...PURCHASES, ...CONTACTS, ...PAYMENTS];

type FeatureValue = Row[string];

/** What a product's features are worked out from, once per product object (batch scoring pairs it with every subscriber). */
interface ProductOwn {
  monthly: number | null;
  data: number | null;
  voice: number | null;
  sms: number | null;
  brand: string | null;
}

/** What a subscriber's product features are worked out from, once for all their products: their purchase and holding tallies. */
interface SubscriberSide {
  f: CustomerFacts;
  bought: Map<string, number>;
  bought90: Map<string, number>;
  byCategory: Map<string, number>;
  byType: Map<string, number>;
  heldIds: Set<string>;
  heldByType: Map<string, number>;
  /** Data used over 3 months minus the data allowance held (null without usage). */
  gap: number | null;
}

/**
 * A product feature: of the product alone (the same for every subscriber, so batch scoring encodes
 * it once per product) or of the product as it relates to the subscriber. productRows and
 * ColumnBuilder.addProductPairs both compute a pair's features from these, and only from these.
 */
type ProductFeature = FeatureDef &
  ({ of: 'product'; value: (p: ProductInfo, own: ProductOwn) => FeatureValue } | { of: 'pair'; value: (s: SubscriberSide, p: ProductInfo, own: ProductOwn) => FeatureValue });

const alone = (def: FeatureDef, value: (p: ProductInfo, own: ProductOwn) => FeatureValue): ProductFeature => ({ ...def, of: 'product', value });
const pair = (def: FeatureDef, value: (s: SubscriberSide, p: ProductInfo, own: ProductOwn) => FeatureValue): ProductFeature => ({ ...def, of: 'pair', value });

const PRODUCT_FEATURE_VALUES: readonly ProductFeature[] = [
  alone(cat('product_type'), (p) => p.productType),
  alone(cat('product_category'), (p) => p.category || null),
  alone(cat('product_cycle'), (p) => p.billingCycle),
  alone(num('product_recurring'), (p) => (p.recurring ? 1 : 0)),
  alone(cat('product_brand'), (_, own) => own.brand),
  alone(num('product_price'), (p) => p.price),
  alone(num('product_monthly_price'), (_, own) => round(own.monthly, 4)),
  pair(num('product_price_to_spend'), (s, _, own) => round(ratio(own.monthly, s.f.spend3m))),
  alone(num('product_data_gb'), (_, own) => own.data),
  alone(num('product_voice_min'), (_, own) => own.voice),
  alone(num('product_sms'), (_, own) => own.sms),
  pair(num('product_data_to_usage'), (s, _, own) => (own.data === null ? null : round(ratio(own.data, s.f.data3m)))),
  pair(num('product_data_to_gap'), (s, _, own) => (own.data === null || s.gap === null ? null : round(ratio(own.data, s.gap)))),
  pair(num('product_voice_to_usage'), (s, _, own) => (own.voice === null ? null : round(ratio(own.voice, s.f.voice3m)))),
  pair(num('holds_product'), (s, p) => (s.heldIds.has(p.id) ? 1 : 0)),
  pair(num('holds_same_type'), (s, p) => s.heldByType.get(p.productType) ?? 0),
  pair(num('product_purchases_90d'), (s, p) => s.bought90.get(p.id) ?? 0),
  pair(num('product_purchases_365d'), (s, p) => s.bought.get(p.id) ?? 0),
  pair(num('category_purchases_365d'), (s, p) => s.byCategory.get(p.category) ?? 0),
  pair(num('type_purchases_365d'), (s, p) => s.byType.get(p.productType) ?? 0),
  alone(num('product_targeted'), (p) => (p.targetSegments.length > 0 ? 1 : 0)),
  pair(num('segment_match'), (s, p) => (p.targetSegments.some((x) => s.f.segments.includes(x)) ? 1 : 0)),
  pair(num('within_value_range'), (s, p) => {
    const value = s.f.customerValue;
    if (value === null) return null;
    return (p.minCustomerValue === null || p.minCustomerValue <= value) && (p.maxCustomerValue === null || p.maxCustomerValue >= value) ? 1 : 0;
  }),
];
const PRODUCT_FEATURE_BY_NAME = new Map(PRODUCT_FEATURE_VALUES.map((x) => [x.name, x]));

export const PRODUCT_FEATURES: readonly FeatureDef[] = PRODUCT_FEATURE_VALUES.map(({ name, kind }) => ({ name, kind }));
/** Every product feature missing (a campaign contact without a product). */
const NO_PRODUCT_ROW: Readonly<Row> = Object.fromEntries(PRODUCT_FEATURES.map((d) => [d.name, null]));

export const OFFER_FEATURES: readonly FeatureDef[] = [...PRODUCT_FEATURES, cat('channel'), num('contacted')];
export const BILL_FEATURES: readonly FeatureDef[] = [num('bill_amount'), num('bill_to_spend_3m'), num('bill_terms_days')];

export type ModelFeatureSet = 'propensity' | 'response' | 'default';

/**
 * The model's feature list, in column order. Buying and responding use what a subscriber does and
 * holds; default risk uses payment history, spend and the bill, and leaves out region and the
 * marketing segments (geography and segment labels such as nationality are not credit criteria).
 */
export function featureDefs(set: ModelFeatureSet, pre: FeaturePreprocessing): FeatureDef[] {
  const segments = pre.segments.map((s) => num(segmentFeature(s)));
  const behaviour = [...PROFILE, cat('region'), ...USAGE, ...HOLDINGS, ...PURCHASES, ...CONTACTS, ...segments];
  if (set === 'propensity') return [...behaviour, ...PRODUCT_FEATURES];
  if (set === 'response') return [...behaviour, ...OFFER_FEATURES];
  return [...PROFILE, ...SPEND, num('holdings_count'), num('holdings_device'), num('months_since_device'), ...PAYMENTS, ...BILL_FEATURES];
}

/**
 * The features of a row that describe its subject (the product, the campaign offer or the bill), not
 * the subscriber: the rest of a subscriber's rows are the same whatever the subject (their customerRow).
 */
export function subjectFeatures(set: ModelFeatureSet): ReadonlySet<string> {
  return new Set((set === 'propensity' ? PRODUCT_FEATURES : set === 'response' ? OFFER_FEATURES : BILL_FEATURES).map((d) => d.name));
}

// ---------------------------------------------------------------------------------------------
// Values

const ratio = (a: number | null, b: number | null) => (a === null || b === null || !(b > 0) ? null : a / b);
const round = (x: number | null, digits = 6) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** Allowance from a product's features: null without one, the unlimited constant for -1. */
export function allowance(features: Record<string, unknown>, key: 'data_gb' | 'voice_minutes' | 'sms'): number | null {
  const v = features[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) return null;
  if (n >= 0) return n;
  return key === 'data_gb' ? UNLIMITED_DATA_GB : key === 'voice_minutes' ? UNLIMITED_VOICE_MINUTES : UNLIMITED_SMS;
}

/** The price of a month of the product (a daily pass x30, a yearly plan / 12; one-off items at their price). */
export function monthlyPrice(p: Pick<ProductInfo, 'price' | 'billingCycle'>): number | null {
  if (p.price === null) return null;
  return p.price / (CYCLE_MONTHS[p.billingCycle] ?? 1);
}

/** "25-34" -> 25, "65+" -> 65: the band as an ordered number trees can split. */
function ageMin(band: string | null): number | null {
  const m = band ? /^\s*(\d+)/.exec(band) : null;
  return m ? Number(m[1]) : null;
}

const HOLDING_TYPES = ['bundle', 'data', 'voice', 'service', 'addon', 'device'] as const;

/** Customer-level features (shared by the three models). */
export function customerRow(f: CustomerFacts, pre: FeaturePreprocessing): Row {
  let heldData: number | null = null;
  let heldVoice: number | null = null;
  const byType = new Map<string, number>();
  for (const h of f.held) {
    const d = allowance(h.features, 'data_gb');
    const v = allowance(h.features, 'voice_minutes');
    if (d !== null) heldData = (heldData ?? 0) + d;
    if (v !== null) heldVoice = (heldVoice ?? 0) + v;
    byType.set(h.productType, (byType.get(h.productType) ?? 0) + 1);
  }
  // Holding nothing with an allowance is a real zero allowance, not an unknown one.
  heldData ??= 0;
  heldVoice ??= 0;
  let p90 = 0;
  let amount365 = 0;
  for (const p of f.purchases) {
    if (p.daysAgo < 90) p90++;
    amount365 += p.price;
  }
  const lateAvg = f.bills12m > 0 ? (f.lateBills12m > 0 ? f.avgDaysLate12m : 0) : null;
  const lateMax = f.bills12m > 0 ? (f.lateBills12m > 0 ? f.maxDaysLate12m : 0) : null;
  const row: Row = {
    tenure_months: monthsBetween(f.activationDate, f.asOf),
    plan_type: f.planType,
    value_band: f.valueBand,
    customer_value: f.customerValue,
    status: f.status,
    age_band: f.ageBand,
    age_min: ageMin(f.ageBand),
    device_type: f.deviceType,
    device_os: f.deviceOs,
    region: f.region,
    usage_months_6m: f.usageMonths6m,
    data_gb_1m: f.data1m,
    data_gb_3m: f.data3m,
    data_gb_6m: f.data6m,
    data_trend_3m: round(ratio(f.data3m, f.dataPrev3m)),
    voice_min_1m: f.voice1m,
    voice_min_3m: f.voice3m,
    voice_trend_3m: round(ratio(f.voice3m, f.voicePrev3m)),
    sms_3m: f.sms3m,
    spend_1m: f.spend1m,
    spend_3m: f.spend3m,
    spend_6m: f.spend6m,
    spend_trend_3m: round(ratio(f.spend3m, f.spendPrev3m)),
    topups_3m: f.topups3m,
    topup_amount_3m: f.topupAmount3m,
    holdings_count: f.held.length,
    held_data_gb: heldData,
    held_voice_min: heldVoice,
    data_gap_gb: f.data3m === null ? null : round(f.data3m - heldData),
    voice_gap_min: f.voice3m === null ? null : round(f.voice3m - heldVoice),
    months_since_device: f.lastDeviceDate === null ? null : monthsBetween(f.lastDeviceDate, f.asOf),
    purchases_90d: p90,
    purchases_365d: f.purchases.length,
    purchase_amount_365d: round(amount365, 2),
    purchases_total: f.purchasesTotal,
    days_since_purchase: f.daysSincePurchase,
    contacts_180d: f.contacts180d,
    responses_180d: f.responses180d,
    response_rate: f.contactsTotal > 0 ? round(f.responsesTotal / f.contactsTotal) : null,
    days_since_contact: f.daysSinceContact,
    bills_12m: f.bills12m,
    late_bills_12m: f.bills12m > 0 ? f.lateBills12m : null,
    avg_days_late_12m: lateAvg === null ? null : round(lateAvg, 3),
    max_days_late_12m: lateMax,
    overdue_bills: f.overdueBills,
    overdue_amount: f.overdueAmount,
    unpaid_share_12m: round(f.unpaidShare12m),
    avg_bill_amount_3: round(f.avgBillAmount3, 2),
  };
  for (const t of HOLDING_TYPES) row[`holdings_${t}`] = byType.get(t) ?? 0;
  const own = new Set(f.segments);
  for (const s of pre.segments) row[segmentFeature(s)] = own.has(s) ? 1 : 0;
  return row;
}

/** Data allowance of the products held at S (0 when none has one). */
function heldData(f: CustomerFacts): number {
  let sum = 0;
  for (const h of f.held) sum += allowance(h.features, 'data_gb') ?? 0;
  return sum;
}

/** Product features and how the product relates to the subscriber (propensity and campaign offers). */
export function productRow(f: CustomerFacts, p: ProductInfo | null): Row {
  if (!p) return { ...NO_PRODUCT_ROW };
  return productRows(f, [p])[0]!;
}

const productOwn = new WeakMap<ProductInfo, ProductOwn>();
function ownOf(p: ProductInfo): ProductOwn {
  let own = productOwn.get(p);
  if (!own) {
    const brand = typeof p.features.brand === 'string' && p.features.brand.trim() ? p.features.brand.trim().toLowerCase() : null;
    own = { monthly: monthlyPrice(p), data: allowance(p.features, 'data_gb'), voice: allowance(p.features, 'voice_minutes'), sms: allowance(p.features, 'sms'), brand };
    productOwn.set(p, own);
  }
  return own;
}

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

function subscriberSide(f: CustomerFacts): SubscriberSide {
  const s: SubscriberSide = { f, bought: new Map(), bought90: new Map(), byCategory: new Map(), byType: new Map(), heldIds: new Set(), heldByType: new Map(), gap: null };
  for (const x of f.purchases) {
    bump(s.bought, x.productId);
    if (x.daysAgo < 90) bump(s.bought90, x.productId);
    bump(s.byCategory, x.category);
    bump(s.byType, x.productType);
  }
  for (const h of f.held) {
    s.heldIds.add(h.productId);
    bump(s.heldByType, h.productType);
  }
  s.gap = f.data3m === null ? null : f.data3m - heldData(f);
  return s;
}

/**
 * productRow(f, p) for each of `products`, the same rows: the subscriber's purchase and holding
 * counts are tallied once for all of them (productRow walks the purchases and holdings per
 * product, ~250 times a subscriber in batch scoring) and each product's own features once per product.
 */
export function productRows(f: CustomerFacts, products: readonly ProductInfo[]): Row[] {
  const side = subscriberSide(f);
  return products.map((p): Row => {
    const own = ownOf(p);
    // Copied from a row of every key: filled by name, an empty object would turn into a slow dictionary past a dozen keys.
    const row: Row = { ...NO_PRODUCT_ROW };
    for (const x of PRODUCT_FEATURE_VALUES) row[x.name] = x.of === 'product' ? x.value(p, own) : x.value(side, p, own);
    return row;
  });
}

export function offerRow(f: CustomerFacts, o: OfferFact): Row {
  return { ...productRow(f, o.product), channel: o.channel, contacted: o.contacted };
}

export function billRow(f: CustomerFacts, b: BillFact | null): Row {
  if (!b) return { bill_amount: null, bill_to_spend_3m: null, bill_terms_days: null };
  const terms = Math.round((Date.parse(`${b.dueDate}T00:00:00Z`) - Date.parse(`${b.billDate}T00:00:00Z`)) / 86_400_000);
  return { bill_amount: b.amount, bill_to_spend_3m: round(ratio(b.amount, f.spend3m)), bill_terms_days: terms };
}

/** What a row describes besides the subscriber: the product, the campaign offer or the bill. */
export type RowSubject = { set: 'propensity'; product: ProductInfo } | { set: 'response'; offer: OfferFact } | { set: 'default'; bill: BillFact | null };

/**
 * A row kept as parts (subscriber features, subject features): merging ~90 keys per row costs more
 * than computing them, so bulk paths hand the parts to the column builder as they are.
 */
export type RowParts = readonly Row[];

export function subjectRow(f: CustomerFacts, subject: RowSubject): Row {
  switch (subject.set) {
    case 'propensity':
      return productRow(f, subject.product);
    case 'response':
      return offerRow(f, subject.offer);
    case 'default':
      return billRow(f, subject.bill);
  }
}

/** The model's feature row as parts (the same function for training and scoring). */
export function modelParts(f: CustomerFacts, pre: FeaturePreprocessing, subject: RowSubject, base: Row = customerRow(f, pre)): RowParts {
  return [base, subjectRow(f, subject)];
}

/** One plain row from parts; earlier parts win. */
export function mergeParts(parts: RowParts): Row {
  const out: Row = {};
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    for (const k in p) out[k] = p[k];
  }
  return out;
}

/** The model's full feature row. */
export function modelRow(f: CustomerFacts, pre: FeaturePreprocessing, subject: RowSubject, base?: Row): Row {
  return mergeParts(modelParts(f, pre, subject, base));
}

// ---------------------------------------------------------------------------------------------
// Column builder: rows -> typed columns of the Dataset, in the definition's order

/**
 * Column arrays handed from one builder to the next: batch scoring builds page after page of about
 * the same size (~25,000 rows x ~75 columns, ~14 MB), and fresh arrays cost more than filling them
 * (each one above the allocator's mmap threshold is a mapping of its own, paged in zeroed and
 * unmapped when freed). A builder given a spare takes the arrays left there when they are large
 * enough; release() leaves its own there once its columns are no longer used.
 */
export class SpareColumns {
  private values: (Float64Array | null)[] | null = null;
  private codes: (Int32Array | null)[] | null = null;
  private defs: readonly FeatureDef[] | null = null;

  /** The arrays left here, if they were a builder's of these definitions with room for `rows` rows; the spare is empty after. */
  take(defs: readonly FeatureDef[], rows: number): { values: (Float64Array | null)[]; codes: (Int32Array | null)[]; cap: number } | null {
    const { values, codes } = this;
    // A builder's arrays all have its capacity.
    const cap = (values?.[0] ?? codes?.[0])?.length ?? 0;
    const fits = values !== null && codes !== null && this.defs === defs && cap >= rows;
    this.values = this.codes = this.defs = null;
    return fits ? { values, codes, cap } : null;
  }

  leave(defs: readonly FeatureDef[], values: (Float64Array | null)[], codes: (Int32Array | null)[]): void {
    this.defs = defs;
    this.values = values;
    this.codes = codes;
  }
}

export class ColumnBuilder {
  private n = 0;
  private cap: number;
  private spent = false;
  /** Per definition, in order: its numeric values or its categorical codes and vocabulary. */
  private readonly values: (Float64Array | null)[];
  private readonly codes: (Int32Array | null)[];
  private readonly vocab: (Map<string, number> | null)[];
  /** addProductPairs: per definition, the product feature computing it; per product slot, its own inputs and (per definition of the product alone) its value or code. */
  private readonly productFeatures: (ProductFeature | undefined)[];
  private readonly productSlots = new Map<ProductInfo, number>();
  private readonly productOwns: ProductOwn[] = [];
  private readonly productEncoded: (number[] | undefined)[];
  private slots = new Int32Array(0);

  /** Where the arrays come from and go back to (null: fresh arrays, handed over by columns()). */
  private readonly spare: SpareColumns | null;
  private kept: { values: (Float64Array | null)[]; codes: (Int32Array | null)[] } | null = null;

  constructor(
    readonly defs: readonly FeatureDef[],
    initial = 1024,
    spare: SpareColumns | null = null,
  ) {
    this.spare = spare;
    const taken = spare?.take(defs, initial) ?? null;
    this.cap = taken ? taken.cap : Math.max(16, initial);
    this.values = taken ? taken.values : defs.map((d) => (d.kind === 'numeric' ? new Float64Array(this.cap) : null));
    this.codes = taken ? taken.codes : defs.map((d) => (d.kind === 'categorical' ? new Int32Array(this.cap) : null));
    this.vocab = defs.map((d) => (d.kind === 'categorical' ? new Map<string, number>() : null));
    this.productFeatures = defs.map((d) => PRODUCT_FEATURE_BY_NAME.get(d.name));
    this.productEncoded = defs.map(() => undefined);
  }

  get rows(): number {
    return this.n;
  }

  /** One row, given whole or as parts (a feature is read from the first part that has it). */
  add(...parts: Row[]): void {
    if (this.spent) throw new Error('ColumnBuilder: rows added after columns() was called');
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const defs = this.defs;
    const np = parts.length;
    for (let k = 0; k < defs.length; k++) {
      const name = defs[k]!.name;
      let v = parts[0]![name];
      for (let j = 1; v === undefined && j < np; j++) v = parts[j]![name];
      const missing = v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v));
      const values = this.values[k];
      if (values) {
        values[i] = missing ? NaN : Number(v);
        continue;
      }
      const codes = this.codes[k]!;
      if (missing) {
        codes[i] = -1;
        continue;
      }
      const vocab = this.vocab[k]!;
      const s = String(v);
      let code = vocab.get(s);
      if (code === undefined) vocab.set(s, (code = vocab.size));
      codes[i] = code;
    }
  }

  /**
   * Rows that share parts (a subscriber's features, for each of their candidate products): the same
   * rows as `add(...shared, own[i])` for each i, but a feature found in the shared parts is encoded
   * once and filled down its column, and only the others are read per row.
   */
  addGroup(shared: readonly Row[], own: readonly Row[]): void {
    const count = own.length;
    if (count === 0) return;
    while (this.n + count > this.cap) this.grow();
    const start = this.n;
    const end = start + count;
    this.n = end;
    const defs = this.defs;
    for (let k = 0; k < defs.length; k++) {
      if (this.fillShared(k, shared, start, end)) continue;
      const name = defs[k]!.name;
      const values = this.values[k];
      const codes = this.codes[k];
      for (let i = 0; i < count; i++) {
        const x = own[i]![name];
        if (values) values[start + i] = this.numeric(x);
        else codes![start + i] = this.code(k, x);
      }
    }
  }

  /**
   * A subscriber's pairs with each of `products` (batch scoring): the same rows as
   * addGroup(shared, productRows(f, products)), written straight into the columns. A product
   * feature's column is computed by its definition (PRODUCT_FEATURE_VALUES, resolved once per
   * builder), not read back by name from a Row per pair, and one of the product alone is encoded
   * once per product: a page has ~250 products and ~25,000 pairs.
   */
  addProductPairs(shared: readonly Row[], f: CustomerFacts, products: readonly ProductInfo[]): void {
    const count = products.length;
    if (count === 0) return;
    while (this.n + count > this.cap) this.grow();
    const start = this.n;
    this.n = start + count;
    const side = subscriberSide(f);
    const slots = this.slotsOf(products);
    const owns = this.productOwns;
    const defs = this.defs;
    for (let k = 0; k < defs.length; k++) {
      if (this.fillShared(k, shared, start, start + count)) continue;
      const values = this.values[k];
      const codes = this.codes[k];
      const x = this.productFeatures[k];
      if (!x) {
        // Not a product feature either: missing, as in a Row without it.
        if (values) values.fill(NaN, start, start + count);
        else codes!.fill(-1, start, start + count);
      } else if (x.of === 'pair') {
        for (let i = 0; i < count; i++) {
          const value = x.value(side, products[i]!, owns[slots[i]!]!);
          if (values) values[start + i] = this.numeric(value);
          else codes![start + i] = this.code(k, value);
        }
      } else {
        // Encoded at a product's first pair in this column, as addGroup would: a vocabulary keeps its order.
        const encoded = (this.productEncoded[k] ??= []);
        const column = values ?? codes!;
        for (let i = 0; i < count; i++) {
          const slot = slots[i]!;
          let e = encoded[slot];
          if (e === undefined) {
            const value = x.value(products[i]!, owns[slot]!);
            encoded[slot] = e = values ? this.numeric(value) : this.code(k, value);
          }
          column[start + i] = e;
        }
      }
    }
  }

  /** Rows [start, end) of column k filled with the first shared part's value of its feature; false when no part has it. */
  private fillShared(k: number, shared: readonly Row[], start: number, end: number): boolean {
    const name = this.defs[k]!.name;
    let v: Row[string] | undefined;
    for (let j = 0; v === undefined && j < shared.length; j++) v = shared[j]![name];
    if (v === undefined) return false;
    const values = this.values[k];
    if (values) values.fill(this.numeric(v), start, end);
    else this.codes[k]!.fill(this.code(k, v), start, end);
    return true;
  }

  /** Each product's slot in this builder (productOwns, productEncoded), given at its first pair. */
  private slotsOf(products: readonly ProductInfo[]): Int32Array {
    if (this.slots.length < products.length) this.slots = new Int32Array(products.length);
    for (let i = 0; i < products.length; i++) {
      const p = products[i]!;
      let slot = this.productSlots.get(p);
      if (slot === undefined) {
        this.productSlots.set(p, (slot = this.productOwns.length));
        this.productOwns.push(ownOf(p));
      }
      this.slots[i] = slot;
    }
    return this.slots;
  }

  private numeric(v: Row[string] | undefined): number {
    return v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v)) ? NaN : Number(v);
  }

  private code(k: number, v: Row[string] | undefined): number {
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v))) return -1;
    const vocab = this.vocab[k]!;
    const s = String(v);
    let code = vocab.get(s);
    if (code === undefined) vocab.set(s, (code = vocab.size));
    return code;
  }

  private grow(): void {
    this.cap *= 2;
    for (let k = 0; k < this.defs.length; k++) {
      const v = this.values[k];
      if (v) {
        const b = new Float64Array(this.cap);
        b.set(v);
        this.values[k] = b;
      }
      const c = this.codes[k];
      if (c) {
        const b = new Int32Array(this.cap);
        b.set(c);
        this.codes[k] = b;
      }
    }
  }

  /**
   * The rows added, as columns; the builder is spent. An array at least three quarters full is
   * handed over as a view of its first rows (moving to the training thread moves its whole buffer),
   * an emptier one is copied to its length and the builder lets go of its own: a training set of
   * hundreds of thousands of rows is never held twice.
   */
  columns(): Column[] {
    if (this.spent) throw new Error('ColumnBuilder.columns() was already called');
    this.spent = true;
    const n = this.n;
    // Arrays going back to a spare are handed out as views whatever their room: they are kept anyway.
    const view = this.spare !== null;
    const fit = <T extends Float64Array | Int32Array>(a: T): T =>
      a.length === n ? a : view || 4 * n >= 3 * a.length ? (a.subarray(0, n) as T) : (a.slice(0, n) as T);
    const out = this.defs.map((d, k): Column => {
      const v = this.values[k];
      if (v) return { kind: 'numeric', name: d.name, values: fit(v) };
      return { kind: 'categorical', name: d.name, codes: fit(this.codes[k]!), vocabulary: [...this.vocab[k]!.keys()] };
    });
    if (this.spare) this.kept = { values: [...this.values], codes: [...this.codes] };
    this.values.fill(null);
    this.codes.fill(null);
    return out;
  }

  /** Once the columns are no longer used (the rows are scored), their arrays go to the spare the builder was given, for the next builder. */
  release(): void {
    if (!this.spent) throw new Error('ColumnBuilder.release() before columns()');
    if (this.spare && this.kept) this.spare.leave(this.defs, this.kept.values, this.kept.codes);
    this.kept = null;
  }
}
