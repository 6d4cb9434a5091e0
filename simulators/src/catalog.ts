/**
 * Deterministic telecom catalog shared by the three simulators.
 *
 * The generator produces system-neutral entries (a name, prices in integer minor units,
 * allowances, a lifecycle); each simulator renders them in its own wire format and
 * derives the ExpectedProduct from the same entry, so the ground truth never depends on
 * re-parsing our own output.
 */
import type { BillingCycle, ExpectedProduct, ProductFeatures, ProductType } from './types.js';
import { itemStreams, pick, type Rng } from './random.js';

export type Family =
  | 'Postpaid Plans'
  | 'Prepaid Plans'
  | 'Data Bundles'
  | 'Voice Packs'
  | 'SMS Packs'
  | 'Roaming'
  | 'Devices'
  | 'Value Added Services'
  | 'Add-ons';

/** Family -> product type is one-to-one so a category or Family name alone decides the type. */
export const FAMILY_PRODUCT_TYPE: Record<Family, ProductType> = {
  'Postpaid Plans': 'bundle',
  'Prepaid Plans': 'bundle',
  'Data Bundles': 'data',
  'Voice Packs': 'voice',
  'SMS Packs': 'sms',
  Roaming: 'addon',
  Devices: 'device',
  'Value Added Services': 'service',
  'Add-ons': 'addon',
};

export const FAMILIES = Object.keys(FAMILY_PRODUCT_TYPE) as Family[];

export type Period = 'day' | 'week' | 'month' | 'year';
export type Lifecycle = 'Launched' | 'Active' | 'In Design' | 'In Test' | 'Retired';
export type MalformKind = 'missing-id' | 'bad-price' | 'bad-currency' | 'missing-name';
const MALFORM_KINDS: readonly MalformKind[] = ['missing-id', 'bad-price', 'bad-currency', 'missing-name'];

export interface CatalogPrice {
  kind: 'recurring' | 'oneTime';
  period?: Period;
  periodLength?: number;
  /** Integer minor units of the catalog currency, tax included. */
  minor: number;
  label: string;
}

export interface CatalogEntry {
  index: number;
  baseName: string;
  suffix: string;
  description: string;
  family: Family;
  productType: ProductType;
  isBundle: boolean;
  /** Wire order. The price that counts is the first recurring one, else the first one-time one. */
  prices: CatalogPrice[];
  features: ProductFeatures;
  /** The data allowance was authored in MB (shown in MB on the wire, converted with 1 GB = 1024 MB). */
  dataInMb: boolean;
  lifecycle: Lifecycle;
  segments: string[];
  channels: string[];
  network: '4G' | '5G';
  createdMs: number;
  /** Number of changes since creation (drives version strings). */
  revision: number;
}

export function entryName(e: CatalogEntry): string {
  return e.baseName + e.suffix;
}

// ---------------------------------------------------------------------------------------------
// Currencies

interface CurrencyInfo {
  exponent: number;
  /** Rough value of 1 SAR in this currency, to keep prices plausible in any currency. */
  perSar: number;
  vatPercent: number;
}

const CURRENCIES: Record<string, CurrencyInfo> = {
  SAR: { exponent: 2, perSar: 1, vatPercent: 15 },
  AED: { exponent: 2, perSar: 0.98, vatPercent: 5 },
  QAR: { exponent: 2, perSar: 0.97, vatPercent: 0 },
  EGP: { exponent: 2, perSar: 13, vatPercent: 14 },
  USD: { exponent: 2, perSar: 0.2667, vatPercent: 0 },
  EUR: { exponent: 2, perSar: 0.245, vatPercent: 20 },
  GBP: { exponent: 2, perSar: 0.21, vatPercent: 20 },
  INR: { exponent: 2, perSar: 22, vatPercent: 18 },
  KWD: { exponent: 3, perSar: 0.082, vatPercent: 0 },
  BHD: { exponent: 3, perSar: 0.1, vatPercent: 10 },
  OMR: { exponent: 3, perSar: 0.1025, vatPercent: 5 },
  JOD: { exponent: 3, perSar: 0.189, vatPercent: 16 },
  JPY: { exponent: 0, perSar: 40, vatPercent: 10 },
  KRW: { exponent: 0, perSar: 370, vatPercent: 10 },
};

export function currencyInfo(code: string): CurrencyInfo {
  const info = CURRENCIES[code];
  if (!info) throw new Error(`unsupported currency ${code}; supported: ${Object.keys(CURRENCIES).join(', ')}`);
  return info;
}

export function currencyExponent(code: string): number {
  return currencyInfo(code).exponent;
}

/** Exact decimal string of an integer amount of minor units: 4900 SAR -> "49.00", 1500 KWD -> "1.500". */
export function formatMinor(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  if (exp === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  return `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

/** The float a TMF Money.value or a Salesforce UnitPrice carries for this amount. */
export function minorToFloat(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}

/** Tax-free part of a tax-included amount, rounded to minor units. */
export function dutyFreeMinor(minor: number, currency: string): number {
  return Math.round(minor / (1 + currencyInfo(currency).vatPercent / 100));
}

/** Converts a SAR list price into a "marketing" price of the target currency (49, 4.99, 1.250, 1980). */
function niceMinor(sar: number, currency: string, rng: Rng): number {
  const { exponent, perSar } = currencyInfo(currency);
  const v = sar * perSar;
  if (exponent === 0) {
    const step = v >= 1000 ? 100 : 10;
    const r = Math.max(step, Math.round(v / step) * step);
    return r >= 1000 ? r - 20 : r;
  }
  if (exponent === 3) {
    return Math.max(250, Math.round(v * 4) * 250);
  }
  if (v >= 20) {
    let r = Math.round(v / 5) * 5;
    if (r % 10 === 0) r -= 1;
    return r * 100 + (rng() < 0.25 ? 99 : 0);
  }
  const halves = Math.max(1, Math.round(v * 2));
  return halves * 50 - (rng() < 0.5 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Templates

interface Draft {
  baseName: string;
  description: string;
  isBundle: boolean;
  prices: Array<Omit<CatalogPrice, 'minor'> & { sar: number }>;
  features: ProductFeatures;
  dataInMb: boolean;
}

const UNLIMITED = -1;

function dataLabel(gb: number | undefined, inMb: boolean): string {
  if (gb === undefined) return '';
  if (gb === UNLIMITED) return 'Unlimited';
  return inMb ? `${gb * 1024}MB` : `${gb}GB`;
}

function monthly(sar: number, label = 'Monthly fee') {
  return { kind: 'recurring' as const, period: 'month' as const, periodLength: 1, sar, label };
}

const cycleVariants = [
  { weight: 0.8, make: (sar: number) => monthly(sar) },
  { weight: 0.1, make: (sar: number) => ({ kind: 'recurring' as const, period: 'month' as const, periodLength: 3, sar: Math.round(sar * 2.8), label: 'Quarterly fee' }) },
  { weight: 0.1, make: (sar: number) => ({ kind: 'recurring' as const, period: 'year' as const, periodLength: 1, sar: sar * 10, label: 'Annual fee' }) },
];

function pickCycle(rng: Rng, sar: number) {
  let u = rng();
  for (const v of cycleVariants) {
    if (u < v.weight) return v.make(sar);
    u -= v.weight;
  }
  return monthly(sar);
}

const POSTPAID = [
  { tier: 'Postpaid Basic', data: 10, voice: 300, sms: 100, sar: 99 },
  { tier: 'Postpaid Plus', data: 50, voice: 1000, sms: 500, sar: 199 },
  { tier: 'Postpaid Plus', data: 100, voice: 1500, sms: 500, sar: 249 },
  { tier: 'Postpaid Premium', data: UNLIMITED, voice: 3000, sms: UNLIMITED, sar: 349 },
  { tier: 'Postpaid Max', data: 200, voice: UNLIMITED, sms: UNLIMITED, sar: 449 },
  { tier: 'Postpaid Elite', data: UNLIMITED, voice: UNLIMITED, sms: UNLIMITED, sar: 599 },
  { tier: 'Business Postpaid', data: 150, voice: 2000, sms: 1000, sar: 299 },
  { tier: 'Family Share', data: 300, voice: 5000, sms: 1000, sar: 499 },
];

const PREPAID = [
  { tier: 'Prepaid Daily', data: 1, voice: 20, sms: 10, price: { kind: 'recurring' as const, period: 'day' as const, periodLength: 1, sar: 5, label: 'Daily fee' } },
  { tier: 'Prepaid Weekly', data: 3, voice: 60, sms: 30, price: { kind: 'recurring' as const, period: 'week' as const, periodLength: 1, sar: 25, label: 'Weekly fee' } },
  { tier: 'Prepaid Flex', data: 10, voice: 150, sms: 50, price: monthly(59, 'Recharge (30 days)') },
  { tier: 'Prepaid Smart', data: 20, voice: 300, sms: 100, price: monthly(85, 'Recharge (30 days)') },
  { tier: 'Prepaid Quarterly', data: 60, voice: 600, sms: 300, price: { kind: 'recurring' as const, period: 'month' as const, periodLength: 3, sar: 199, label: 'Quarterly recharge' } },
  { tier: 'Prepaid Yearly', data: 500, voice: 3000, sms: 1000, price: { kind: 'recurring' as const, period: 'year' as const, periodLength: 1, sar: 899, label: 'Annual recharge' } },
];

const DATA = [
  { name: 'Daily Data', data: 1, inMb: false, price: { kind: 'recurring' as const, period: 'day' as const, periodLength: 1, sar: 5, label: 'Daily fee' } },
  { name: 'Daily Data', data: 0.5, inMb: true, price: { kind: 'recurring' as const, period: 'day' as const, periodLength: 1, sar: 3, label: 'Daily fee' } },
  { name: 'Weekly Data', data: 5, inMb: false, price: { kind: 'recurring' as const, period: 'week' as const, periodLength: 1, sar: 25, label: 'Weekly fee' } },
  { name: 'Weekly Data', data: 10, inMb: false, price: { kind: 'recurring' as const, period: 'week' as const, periodLength: 1, sar: 39, label: 'Weekly fee' } },
  { name: 'Monthly Data', data: 30, inMb: false, price: monthly(99) },
  { name: 'Monthly Data', data: 100, inMb: false, price: monthly(159) },
  { name: 'Social Media Pass', data: 10, inMb: false, price: monthly(30) },
  { name: 'Gaming Pass', data: 20, inMb: false, price: monthly(45) },
  { name: 'Night Data', data: UNLIMITED, inMb: false, price: monthly(49) },
  { name: 'Data Booster', data: 2, inMb: false, price: { kind: 'oneTime' as const, sar: 15, label: 'One-time fee' } },
  { name: 'Data Booster', data: 0.25, inMb: true, price: { kind: 'oneTime' as const, sar: 5, label: 'One-time fee' } },
  { name: 'Data Booster', data: 0.75, inMb: true, price: { kind: 'oneTime' as const, sar: 9, label: 'One-time fee' } },
];

const VOICE = [
  { name: 'Local Minutes 500', voice: 500, price: monthly(45) },
  { name: 'International Minutes 100', voice: 100, price: monthly(59) },
  { name: 'Weekly Calls 200 min', voice: 200, price: { kind: 'recurring' as const, period: 'week' as const, periodLength: 1, sar: 19, label: 'Weekly fee' } },
  { name: 'Unlimited Local Calls', voice: UNLIMITED, price: monthly(79) },
  { name: 'India & Pakistan Minutes 150', voice: 150, price: monthly(35) },
  { name: 'Daily Calls 30 min', voice: 30, price: { kind: 'recurring' as const, period: 'day' as const, periodLength: 1, sar: 3, label: 'Daily fee' } },
];

const SMS = [
  { name: 'SMS Pack 100', sms: 100, price: monthly(10) },
  { name: 'SMS Bundle 500', sms: 500, price: monthly(25) },
  { name: 'International SMS 50', sms: 50, price: { kind: 'oneTime' as const, sar: 15, label: 'One-time fee' } },
  { name: 'Unlimited SMS', sms: UNLIMITED, price: monthly(20) },
];

const ROAMING = [
  { name: 'Roaming Europe Pass 7 days', data: 5, voice: 60, sar: 149 },
  { name: 'Roaming GCC Pass 1 day', data: 1, voice: 30, sar: 25 },
  { name: 'Roaming World Pass 30 days', data: 10, voice: 100, sar: 399 },
  { name: 'Roaming USA Pass 14 days', data: 8, voice: 100, sar: 249 },
  { name: 'Roaming Asia Pass 7 days', data: 4, voice: 50, sar: 129 },
  { name: 'Roaming GCC Monthly 10GB', data: 10, voice: 200, sar: 199, monthly: true },
];

const DEVICES = [
  { model: 'iPhone 16 128GB', sar: 3799 },
  { model: 'iPhone 16 256GB', sar: 4299 },
  { model: 'iPhone 16 Pro 256GB', sar: 5199 },
  { model: 'iPhone 16 Pro Max 512GB', sar: 6499 },
  { model: 'iPhone 15 128GB', sar: 3099 },
  { model: 'Samsung Galaxy S25 256GB', sar: 3699 },
  { model: 'Samsung Galaxy S25 Ultra 512GB', sar: 5999 },
  { model: 'Samsung Galaxy A56 5G 128GB', sar: 1499 },
  { model: 'Samsung Galaxy Z Flip6 256GB', sar: 4199 },
  { model: 'Google Pixel 9 128GB', sar: 3199 },
  { model: 'Huawei Pura 70 256GB', sar: 3499 },
  { model: 'Xiaomi 14T 256GB', sar: 2199 },
  { model: 'Honor Magic6 Pro 512GB', sar: 3899 },
  { model: 'Huawei 5G CPE Pro 5 Router', sar: 999 },
  { model: '4G Mobile WiFi Hotspot', sar: 299 },
  { model: 'Apple Watch Series 10 GPS + Cellular', sar: 1999 },
  { model: 'iPad Air 11 5G 128GB', sar: 3299 },
];

const VAS = [
  { name: 'Caller Tunes', sar: 7 },
  { name: 'Anghami Plus Subscription', sar: 22 },
  { name: 'Shahid VIP Subscription', sar: 30 },
  { name: 'Netflix Basic Subscription', sar: 32 },
  { name: 'Cloud Storage 200GB', sar: 12 },
  { name: 'Device Insurance', sar: 35 },
  { name: 'Fixed IP Address', sar: 50 },
  { name: 'Missed Call Alerts', sar: 3 },
  { name: 'Mobile Security Suite', sar: 99, yearly: true },
];

const ADDONS = [
  { name: 'Extra 10GB Add-on', data: 10, price: { kind: 'oneTime' as const, sar: 39, label: 'One-time fee' } },
  { name: 'Extra 50GB Add-on', data: 50, price: monthly(79) },
  { name: 'International Calls Add-on 60 min', voice: 60, price: monthly(29) },
  { name: '5G Speed Boost', price: monthly(25) },
  { name: 'Extra Line Add-on', price: monthly(49) },
  { name: 'Weekend Data Add-on 5GB', data: 5, price: { kind: 'recurring' as const, period: 'week' as const, periodLength: 1, sar: 15, label: 'Weekly fee' } },
  { name: 'Unlimited Social Add-on', price: monthly(30) },
];

const FAMILY_WEIGHTS: Array<[Family, number]> = [
  ['Postpaid Plans', 0.14],
  ['Prepaid Plans', 0.1],
  ['Data Bundles', 0.2],
  ['Voice Packs', 0.08],
  ['SMS Packs', 0.05],
  ['Roaming', 0.1],
  ['Devices', 0.13],
  ['Value Added Services', 0.09],
  ['Add-ons', 0.11],
];

const SUFFIXES = ['', '', '', '', '', '', ' - Online Exclusive', ' (Business)', ' (Youth)', ' (eSIM)', ' - Loyalty Edition', ' (Student)', ' - Ramadan Offer', ' - Summer Promo', ' (Corporate)'];
const RENAME_SUFFIXES = [' - Limited Offer', ' - New', ' (2026 Edition)', ' - Web Deal', ' Plus'];
const COLOURS = ['Black', 'White', 'Blue', 'Titanium', 'Green', 'Pink'];
const SEGMENTS = ['Consumer', 'Youth', 'Business', 'Family', 'Premium', 'Expat'];
const CHANNELS = ['Online', 'Retail Store', 'Mobile App', 'Call Center', 'Partner'];

function pickFamily(rng: Rng): Family {
  let u = rng();
  for (const [family, w] of FAMILY_WEIGHTS) {
    if (u < w) return family;
    u -= w;
  }
  return 'Data Bundles';
}

function allowanceText(f: ProductFeatures, inMb: boolean): string {
  const parts: string[] = [];
  if (f.data_gb !== undefined) parts.push(f.data_gb === UNLIMITED ? 'unlimited data' : `${dataLabel(f.data_gb, inMb)} of data`);
  if (f.voice_minutes !== undefined) parts.push(f.voice_minutes === UNLIMITED ? 'unlimited minutes' : `${f.voice_minutes} minutes`);
  if (f.sms !== undefined) parts.push(f.sms === UNLIMITED ? 'unlimited SMS' : `${f.sms} SMS`);
  return parts.join(', ');
}

/**
 * The first draws of an entry's stream: enough to know its family and number of prices.
 * Simulators need the price count of every item up front (price ids, price book entries)
 * without paying for the whole entry, so this prefix must stay the first thing drawn.
 */
interface Shape {
  family: Family;
  /** Template choice in [0,1). */
  t: number;
  /** Variant choice in [0,1): activation fee for postpaid plans, outright vs instalments for devices. */
  variant: number;
  priceCount: number;
}

function shapeOf(rng: Rng): Shape {
  const family = pickFamily(rng);
  const t = rng();
  const variant = rng();
  const priceCount = family === 'Postpaid Plans' ? (variant < 0.3 ? 2 : 1) : family === 'Devices' ? (variant < 0.35 ? 1 : 2) : 1;
  return { family, t, variant, priceCount };
}

const at = <T>(list: readonly T[], u: number): T => list[Math.floor(u * list.length)] as T;

function draft(sh: Shape, rng: Rng): Draft {
  switch (sh.family) {
    case 'Postpaid Plans': {
      const t = at(POSTPAID, sh.t);
      const features: ProductFeatures = { data_gb: t.data, voice_minutes: t.voice, sms: t.sms };
      const recurring = pickCycle(rng, t.sar);
      const prices = sh.priceCount === 2 ? [{ kind: 'oneTime' as const, sar: 25, label: 'SIM activation fee' }, recurring] : [recurring];
      return { baseName: `${t.tier} ${dataLabel(t.data, false)}`, description: `Postpaid mobile plan with ${allowanceText(features, false)}.`, isBundle: true, prices, features, dataInMb: false };
    }
    case 'Prepaid Plans': {
      const t = at(PREPAID, sh.t);
      const features: ProductFeatures = { data_gb: t.data, voice_minutes: t.voice, sms: t.sms };
      return { baseName: `${t.tier} ${dataLabel(t.data, false)}`, description: `Prepaid plan with ${allowanceText(features, false)}.`, isBundle: true, prices: [t.price], features, dataInMb: false };
    }
    case 'Data Bundles': {
      const t = at(DATA, sh.t);
      const features: ProductFeatures = { data_gb: t.data };
      return { baseName: `${t.name} ${dataLabel(t.data, t.inMb)}`, description: `Data bundle with ${allowanceText(features, t.inMb)}.`, isBundle: false, prices: [t.price], features, dataInMb: t.inMb };
    }
    case 'Voice Packs': {
      const t = at(VOICE, sh.t);
      const features: ProductFeatures = { voice_minutes: t.voice };
      return { baseName: t.name, description: `Voice pack with ${allowanceText(features, false)}.`, isBundle: false, prices: [t.price], features, dataInMb: false };
    }
    case 'SMS Packs': {
      const t = at(SMS, sh.t);
      const features: ProductFeatures = { sms: t.sms };
      return { baseName: t.name, description: `SMS pack with ${allowanceText(features, false)}.`, isBundle: false, prices: [t.price], features, dataInMb: false };
    }
    case 'Roaming': {
      const t = at(ROAMING, sh.t);
      const features: ProductFeatures = { data_gb: t.data, voice_minutes: t.voice };
      const price = t.monthly ? monthly(t.sar) : { kind: 'oneTime' as const, sar: t.sar, label: 'Pass price' };
      return { baseName: t.name, description: `Roaming pass with ${allowanceText(features, false)}.`, isBundle: false, prices: [price], features, dataInMb: false };
    }
    case 'Devices': {
      const t = at(DEVICES, sh.t);
      const model = rng() < 0.5 ? `${t.model} ${pick(rng, COLOURS)}` : t.model;
      if (sh.priceCount === 1) {
        return { baseName: model, description: `${model}, outright purchase.`, isBundle: false, prices: [{ kind: 'oneTime', sar: t.sar, label: 'Device price' }], features: {}, dataInMb: false };
      }
      const months = sh.variant < 0.6 ? 12 : sh.variant < 0.9 ? 24 : 36;
      const upfront = pick(rng, [199, 299, 499]);
      const instalment = Math.max(1, Math.round((t.sar - upfront) / months));
      return {
        baseName: `${model} (${months}-month instalments)`,
        description: `${model} with an upfront payment and ${months} monthly instalments.`,
        isBundle: false,
        // The upfront payment comes first on purpose: the price that counts is the recurring one.
        prices: [{ kind: 'oneTime', sar: upfront, label: 'Upfront payment' }, monthly(instalment, `Monthly instalment (${months} months)`)],
        features: {},
        dataInMb: false,
      };
    }
    case 'Value Added Services': {
      const t = at(VAS, sh.t);
      const price = t.yearly ? { kind: 'recurring' as const, period: 'year' as const, periodLength: 1, sar: t.sar, label: 'Annual fee' } : monthly(t.sar);
      return { baseName: t.name, description: `${t.name} service.`, isBundle: false, prices: [price], features: {}, dataInMb: false };
    }
    case 'Add-ons': {
      const t = at(ADDONS, sh.t);
      const features: ProductFeatures = {};
      if ('data' in t && t.data !== undefined) features.data_gb = t.data;
      if ('voice' in t && t.voice !== undefined) features.voice_minutes = t.voice;
      return { baseName: t.name, description: `Add-on: ${t.name}.`, isBundle: false, prices: [t.price], features, dataInMb: false };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generation

/** Items are dated between these instants so that every later change (dated "now") sorts after them. */
const EPOCH_START = Date.UTC(2024, 0, 1);
const EPOCH_SPAN = Date.UTC(2026, 5, 30) - EPOCH_START;
/** Bulk-load instants shared by many items, as after a data migration: cursors must cope with ties. */
const BULK_LOADS = [Date.UTC(2024, 2, 10, 22, 0, 0), Date.UTC(2025, 0, 5, 1, 30, 0), Date.UTC(2025, 8, 14, 23, 45, 0)];

/**
 * Entries are built on demand: a simulator keeps only ids and timestamps for every item and
 * materializes an entry when it is first served or changed. That keeps start-up of a
 * 100,000-item catalog far below a second instead of seconds of allocation and GC.
 */
export interface CatalogGenerator {
  readonly currency: string;
  /** Builds entry number `index` (deterministic per seed and index). */
  make(index: number): CatalogEntry;
  /** Cheap: the number of prices entry `index` will have. */
  priceCount(index: number): number;
  /** Cheap: creation instant of entry `index`. */
  createdMs(index: number): number;
  /** Cheap: the per-item malformation draw of entry `index`: malformed iff u < malformedRate. */
  malformation(index: number): { u: number; kind: MalformKind };
  /** Applies a random price and/or name change in place; returns what changed. */
  mutate(e: CatalogEntry, rng: Rng): { price: boolean; name: boolean };
}

export function createCatalog(seed: number, system: string, currency: string): CatalogGenerator {
  currencyInfo(currency);
  const entryStream = itemStreams(seed, `catalog:${system}`);
  const timeStream = itemStreams(seed, `created:${system}`);
  const malformStream = itemStreams(seed, `malformed:${system}`);

  const createdMs = (index: number) => {
    const rng = timeStream(index);
    return rng() < 0.25 ? at(BULK_LOADS, rng()) : EPOCH_START + Math.floor(rng() * EPOCH_SPAN);
  };

  const malformation = (index: number) => {
    const rng = malformStream(index);
    return { u: rng(), kind: pick(rng, MALFORM_KINDS) };
  };

  const make = (index: number): CatalogEntry => {
    const rng = entryStream(index);
    const sh = shapeOf(rng);
    const d = draft(sh, rng);
    const suffix = sh.family === 'Devices' ? '' : pick(rng, SUFFIXES);
    const promo = suffix.includes('Offer') || suffix.includes('Promo') || suffix.includes('Exclusive');
    const prices: CatalogPrice[] = d.prices.map(({ sar, ...p }) => ({ ...p, minor: niceMinor(promo ? sar * 0.85 : sar, currency, rng) }));
    const lu = rng();
    const lifecycle: Lifecycle = lu < 0.55 ? 'Launched' : lu < 0.85 ? 'Active' : lu < 0.9 ? 'In Design' : lu < 0.93 ? 'In Test' : 'Retired';
    const segments = [pick(rng, SEGMENTS)];
    if (rng() < 0.3) segments.push(pick(rng, SEGMENTS.filter((s) => s !== segments[0])));
    const channels = CHANNELS.filter(() => rng() < 0.5);
    if (channels.length === 0) channels.push('Online');
    return {
      index,
      baseName: d.baseName,
      suffix,
      description: d.description,
      family: sh.family,
      productType: FAMILY_PRODUCT_TYPE[sh.family],
      isBundle: d.isBundle,
      prices,
      features: d.features,
      dataInMb: d.dataInMb,
      lifecycle,
      segments,
      channels,
      network: rng() < 0.6 ? '5G' : '4G',
      createdMs: createdMs(index),
      revision: 0,
    };
  };

  const mutate = (e: CatalogEntry, rng: Rng) => {
    const u = rng();
    const price = u < 0.7;
    const name = u >= 0.5;
    if (price) {
      const p = primaryPrice(e);
      const factor = rng() < 0.5 ? 0.9 : 1.1;
      const { exponent, perSar } = currencyInfo(currency);
      const next = niceMinor((p.minor / 10 ** exponent / perSar) * factor, currency, rng);
      // A "change" must be visible, so never land on the same amount after rounding.
      const step = exponent === 0 ? 10 : exponent === 3 ? 250 : 100;
      p.minor = next === p.minor ? p.minor + step : next;
    }
    if (name) {
      const options = RENAME_SUFFIXES.filter((s) => s !== e.suffix);
      e.suffix = pick(rng, options);
    }
    e.revision += 1;
    return { price, name };
  };

  return { currency, make, priceCount: (index) => shapeOf(entryStream(index)).priceCount, createdMs, malformation, mutate };
}

// ---------------------------------------------------------------------------------------------
// Ground truth

export function primaryPrice(e: CatalogEntry): CatalogPrice {
  const p = e.prices.find((x) => x.kind === 'recurring') ?? e.prices[0];
  if (!p) throw new Error(`catalog entry ${e.index} has no price`);
  return p;
}

export function billingCycle(p: CatalogPrice): BillingCycle {
  if (p.kind === 'oneTime') return 'one_time';
  const len = p.periodLength ?? 1;
  switch (p.period ?? 'month') {
    case 'day':
      return len === 7 ? 'weekly' : 'daily';
    case 'week':
      return 'weekly';
    case 'month':
      return len === 3 ? 'quarterly' : len === 12 ? 'yearly' : 'monthly';
    case 'year':
      return 'yearly';
  }
}

/** ExpectedProduct of an entry as published by a system that is the source of `id`. */
export function expectedFromEntry(e: CatalogEntry, id: string, currency: string, isActive: boolean): ExpectedProduct {
  const p = primaryPrice(e);
  const cycle = billingCycle(p);
  return {
    external_product_id: id,
    name: entryName(e),
    price: formatMinor(p.minor, currency),
    currency,
    recurring: cycle !== 'one_time',
    billing_cycle: cycle,
    product_type: e.productType,
    features: { ...e.features },
    is_active: isActive,
  };
}

/** Xiva/TMF lifecycle statuses that mean "can be sold now". */
export function lifecycleIsActive(l: Lifecycle): boolean {
  return l === 'Launched' || l === 'Active';
}
