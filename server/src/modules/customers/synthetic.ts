/**
 * Synthetic telecom subscribers for development and tests: pure, seeded, deterministic, no database.
 *
 * Time line (see docs/ml.md): everything a model may use is dated before the snapshot day; the
 * outcomes come after it and are drawn from known probabilities (`truth`) that depend, non-linearly,
 * on what the rows before the snapshot show (synthetic.truth.ts):
 *  - purchase: for every (subscriber, catalog product) pair, P(buys it in [snapshot, snapshot + 30d));
 *  - response: for every campaign contact (campaigns before and after the snapshot, 20% control),
 *    P(responds within 14 days) = base(x) + treated * uplift(x), the uplift differing by subscriber;
 *  - default: for every bill due in [snapshot, snapshot + 30d), P(still unpaid 30 days after due).
 * Rows dated after the snapshot exist only as those outcomes: purchases (and the holdings they start)
 * in the purchase window, contacts of the post-snapshot campaigns, bills issued for the last month
 * before the snapshot, and payments up to the extract day (including late payments of older bills).
 * A response is recorded on its contact only, not repeated as a purchase, so every purchase label
 * keeps exactly its stated probability.
 */
import {
  currencyExponent,
  type BillImportInput, type ContactImportInput, type CustomerImportInput, type CustomerStatus, type HoldingImportInput,
  type PaymentImportInput, type PlanType, type PurchaseImportInput, type UsageImportInput, type ValueBand,
} from '@lyra/contracts';
import { amountFromMinorUnits } from '../../lib/money.js';
import { addDays } from '../../lib/time.js';
import { buildCatalog, dominantCurrency, type CatalogItem, type SyntheticProduct } from './synthetic.catalog.js';
import {
  clamp, dayOf, daysInMonth, EXPAT_FIRST_NAMES, EXPAT_LAST_NAMES, FIRST_NAMES, firstDayOfMonth, isoDate, isoInstant, LAST_NAMES,
  monthLabel, monthOfDay, monthsBetweenDays, REGIONS, Rng,
} from './synthetic.random.js';
import { defaultProbability, purchaseProbability, responseProbabilities, type SyntheticFeatures } from './synthetic.truth.js';

export type { SyntheticProduct } from './synthetic.catalog.js';
export type { SyntheticFeatures } from './synthetic.truth.js';

export const PURCHASE_WINDOW_DAYS = 30;
export const DEFAULT_GRACE_DAYS = 30;
export const DEFAULT_DUE_WINDOW_DAYS = 30;
export const RESPONSE_WINDOW_DAYS = 14;
export const CONTROL_SHARE = 0.2;

export interface SyntheticOptions {
  /** Population size; ids are numbered 1..customers. */
  customers: number;
  seed: number;
  /** YYYY-MM-DD: features from before this day, labels from the windows after it. */
  snapshot: string;
  /** Catalog products subscribers hold and buy (the active, priced catalog). */
  products: readonly SyntheticProduct[];
  /** Calendar months of usage and bills before the snapshot's month (default 12, 6 to 36). */
  historyMonths?: number;
  /** Currency of spend and bills (default: the catalog's most common currency, else SAR). */
  currency?: string;
  /** Subscriber id prefix (default "SUB"). */
  idPrefix?: string;
  /** Generate only subscribers [from, to) of the population: identical to the same rows of a whole run. */
  range?: { from: number; to: number };
  /** Keep the per-label probability maps (default true); without them only the summary is kept, for bulk loads. */
  keepTruth?: boolean;
  /**
   * The day the operator extracted the data (default snapshot + 90 days): payments after it are not
   * in the data, as in a real extract. At least snapshot + 60 days, so every label is observable.
   */
  extractedOn?: string;
}

export interface ResponseTruth {
  /** The probability of this contact's own group. */
  p: number;
  pTreated: number;
  pControl: number;
}

export interface SyntheticTruth {
  /** `${customerId}|${productId}` -> P(buys that product in the purchase window). */
  purchase: Map<string, number>;
  /** contact id -> response probabilities. */
  response: Map<string, ResponseTruth>;
  /** bill id -> P(unpaid 30 days after its due date), for bills due in the default window. */
  default: Map<string, number>;
}

/** Mean probability against the drawn label rate, per outcome: the labels follow the truth. */
export interface SyntheticSummary {
  purchase: { pairs: number; meanP: number; positives: number };
  response: { contacts: number; meanP: number; positives: number };
  default: { bills: number; meanP: number; positives: number };
}

export interface SyntheticCampaign {
  id: string;
  productId: string | null;
  role: string | null;
  contactDate: string;
  afterSnapshot: boolean;
  channel: string;
  /** Share of eligible subscribers contacted or held out. */
  reach: number;
}

export interface SyntheticData {
  snapshot: string;
  currency: string;
  windows: {
    purchase: { from: string; to: string };
    default: { dueFrom: string; dueTo: string; graceDays: number };
    responseDays: number;
  };
  campaigns: SyntheticCampaign[];
  customers: CustomerImportInput[];
  holdings: HoldingImportInput[];
  usage: UsageImportInput[];
  bills: BillImportInput[];
  payments: PaymentImportInput[];
  purchases: PurchaseImportInput[];
  contacts: ContactImportInput[];
  truth: SyntheticTruth;
  summary: SyntheticSummary;
  /** Each subscriber as of the snapshot: the inputs of the truth functions. */
  features: Map<string, SyntheticFeatures>;
}

const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
const AGE_WEIGHTS = [17, 30, 24, 15, 9, 5];
const PAYMENT_METHODS: readonly (readonly [string, number])[] = [['card', 35], ['bank_transfer', 25], ['wallet', 20], ['auto_debit', 12], ['cash', 8]];
const VALUE_BAND_LIMITS: readonly [ValueBand, number][] = [['low', 100], ['medium', 200], ['high', 400]];

interface Holding {
  id: string;
  item: CatalogItem;
  start: number;
  startSecond: number;
  /** First day it is no longer held (ended at 00:00 UTC that day). */
  end: number | null;
}

interface UsageMonth {
  data: number;
  voice: number;
  sms: number;
  spendMinor: number;
  topups: number;
  topupMinor: number;
}

interface Bill {
  id: string;
  issue: number;
  due: number;
  amountMinor: number;
  instalment: boolean;
  payments: { id: string; day: number; amountMinor: number; method: string }[];
  /** The day payments first covered the amount. */
  settled: number | null;
}

interface Purchase {
  id: string;
  item: CatalogItem;
  day: number;
  second: number;
  channel: string;
}

/** A subscriber while being generated. */
interface Sub {
  id: string;
  rng: Rng;
  ageIndex: number;
  expat: boolean;
  planType: PlanType;
  deviceType: string;
  deviceOs: string;
  student: boolean;
  family: boolean;
  business: boolean;
  activation: number;
  /** First day without service, for churned subscribers. */
  churn: number | null;
  suspended: boolean;
  holdings: Holding[];
  usage: Map<number, UsageMonth>;
  bills: Bill[];
  purchases: Purchase[];
}

interface Context {
  opts: Required<Omit<SyntheticOptions, 'range' | 'products' | 'extractedOn'>>;
  extractedDay: number;
  catalog: CatalogItem[];
  scale: number;
  snapshotDay: number;
  snapshotMonth: number;
  historyStartMonth: number;
  campaigns: (SyntheticCampaign & { day: number; offer: CatalogItem | null })[];
}

export function generateSynthetic(options: SyntheticOptions): SyntheticData {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.snapshot) || Number.isNaN(dayOf(options.snapshot))) throw new Error(`snapshot must be a date (YYYY-MM-DD), got "${options.snapshot}"`);
  if (!Number.isInteger(options.customers) || options.customers < 0) throw new Error('customers must be a whole number');
  const currency = (options.currency ?? dominantCurrency(options.products) ?? 'SAR').toUpperCase();
  const exp = currencyExponent(currency);
  if (exp === undefined) throw new Error(`unknown currency "${currency}"`);
  const historyMonths = clamp(Math.round(options.historyMonths ?? 12), 6, 36);
  const snapshotDay = dayOf(options.snapshot);
  const extractedDay = options.extractedOn === undefined ? snapshotDay + 90 : dayOf(options.extractedOn);
  if (!(extractedDay >= snapshotDay + DEFAULT_DUE_WINDOW_DAYS + DEFAULT_GRACE_DAYS)) {
    throw new Error(`extractedOn must be at least ${DEFAULT_DUE_WINDOW_DAYS + DEFAULT_GRACE_DAYS} days after the snapshot, so every label is observable`);
  }
  const snapshotMonth = monthOfDay(snapshotDay);
  const catalog = buildCatalog(options.products, currency);
  const ctx: Context = {
    opts: { customers: options.customers, seed: options.seed, snapshot: options.snapshot, historyMonths, currency, idPrefix: options.idPrefix ?? 'SUB', keepTruth: options.keepTruth ?? true },
    catalog,
    scale: 10 ** exp,
    extractedDay,
    snapshotDay,
    snapshotMonth,
    historyStartMonth: snapshotMonth - historyMonths,
    campaigns: [],
  };
  ctx.campaigns = planCampaigns(ctx);

  const data: SyntheticData = {
    snapshot: options.snapshot,
    currency,
    windows: {
      purchase: { from: isoInstant(snapshotDay, 0), to: isoInstant(snapshotDay + PURCHASE_WINDOW_DAYS, 0) },
      default: { dueFrom: isoDate(snapshotDay), dueTo: isoDate(snapshotDay + DEFAULT_DUE_WINDOW_DAYS), graceDays: DEFAULT_GRACE_DAYS },
      responseDays: RESPONSE_WINDOW_DAYS,
    },
    campaigns: ctx.campaigns.map(({ day: _d, offer: _o, ...c }) => c),
    customers: [], holdings: [], usage: [], bills: [], payments: [], purchases: [], contacts: [],
    truth: { purchase: new Map(), response: new Map(), default: new Map() },
    summary: { purchase: { pairs: 0, meanP: 0, positives: 0 }, response: { contacts: 0, meanP: 0, positives: 0 }, default: { bills: 0, meanP: 0, positives: 0 } },
    features: new Map(),
  };
  const from = clamp(options.range?.from ?? 0, 0, options.customers);
  const to = clamp(options.range?.to ?? options.customers, from, options.customers);
  const sums = { purchase: 0, response: 0, default: 0 };
  for (let i = from; i < to; i++) generateSubscriber(ctx, i, data, sums);
  const s = data.summary;
  s.purchase.meanP = s.purchase.pairs ? sums.purchase / s.purchase.pairs : 0;
  s.response.meanP = s.response.contacts ? sums.response / s.response.contacts : 0;
  s.default.meanP = s.default.bills ? sums.default / s.default.bills : 0;
  return data;
}

/** Campaign plan, from the seed and catalog only, so every chunk of a population shares it. */
function planCampaigns(ctx: Context): Context['campaigns'] {
  const rng = new Rng(ctx.opts.seed, -1);
  const out: Context['campaigns'] = [];
  const offerFor = (roles: string[]) => {
    const fits = ctx.catalog.filter((c) => roles.includes(c.role));
    return fits.length ? rng.pick(fits) : ctx.catalog.length ? rng.pick(ctx.catalog) : null;
  };
  const channels: readonly (readonly [string, number])[] = [['sms', 45], ['push', 25], ['email', 15], ['call', 15]];
  const add = (day: number, roles: string[], after: boolean, reach: number) => {
    const offer = offerFor(roles);
    out.push({
      id: `CMP-${monthLabel(monthOfDay(day)).replace('-', '')}-${(offer?.role ?? 'info').toUpperCase().replace('_', '-')}-${out.length + 1}`,
      productId: offer?.product.id ?? null,
      role: offer?.role ?? null,
      contactDate: isoDate(day),
      afterSnapshot: after,
      channel: rng.weighted(channels),
      reach,
      day,
      offer,
    });
  };
  // Before the snapshot: campaigns with at least three months of usage behind them.
  const before: [number, string[]][] = [[9, ['pass', 'data_monthly']], [6, ['device']], [4, ['roaming', 'addon']], [2, ['data_monthly', 'pass']]];
  for (const [monthsBack, roles] of before) {
    if (monthsBack > ctx.opts.historyMonths - 3) continue;
    add(firstDayOfMonth(ctx.snapshotMonth - monthsBack) + 4 + rng.int(10), roles, false, 0.25);
  }
  // After it: the response labels of the window. An operator's monthly programme reaches most of the
  // base (each campaign keeps its own control group), which is also what gives the response model
  // enough responders to learn from.
  add(ctx.snapshotDay + 3, ['pass', 'data_monthly'], true, 0.6);
  add(ctx.snapshotDay + 10, ['device', 'service'], true, 0.5);
  add(ctx.snapshotDay + 17, ['roaming', 'addon'], true, 0.5);
  return out;
}

/** What a subscriber is like beyond its rows: drawn first, seen by models only through the rows it produces. */
interface Habits {
  wealth: number;
  tenureDays: number;
  /** The last day with service (the day before churn, or before the snapshot). */
  lastDay: number;
  dataAppetite: number;
  voiceAppetite: number;
  smsAppetite: number;
  trend: number;
  /** 0 pays on time, 1 often late, 2 late or never. */
  discipline: number;
  traveler: boolean;
  method: string;
  channel: string;
  /** Monthly spend the subscriber is comfortable with. */
  budget: number;
}

type Who = { name: string; msisdn: string; region: string };
type Sums = { purchase: number; response: number; default: number };

/**
 * One subscriber's rows, in steps that draw from the subscriber's own random stream in a fixed
 * order: the order is part of the output (a seed gives the same rows), so a step never moves.
 */
function generateSubscriber(ctx: Context, index: number, out: SyntheticData, sums: Sums) {
  const { sub, habits, who } = drawSubscriber(ctx, index);
  addHoldings(ctx, sub, habits);
  addUsage(ctx, sub, habits);
  const inDefaultWindow = addBills(ctx, sub, habits);
  addPastPurchases(ctx, sub, habits);
  if (sub.churn === null) sub.suspended = drawSuspension(ctx, sub);
  // The snapshot: features, then the outcomes drawn from the truth.
  const f = featuresAt(ctx, sub, ctx.snapshotDay);
  out.features.set(sub.id, f);
  drawDefaults(ctx, sub, habits, f, inDefaultWindow, out, sums);
  drawPurchases(ctx, sub, habits, f, out, sums);
  const contacts = drawContacts(ctx, sub, f, out, sums);
  emit(ctx, sub, f, who, out, contacts);
}

/** Seconds into a day when something is bought: waking hours. */
const purchaseSecond = (rng: Rng) => 5 * 3600 + rng.int(16 * 3600);

/** Who they are, their latent habits, and when they joined (and perhaps left). */
function drawSubscriber(ctx: Context, index: number): { sub: Sub; habits: Habits; who: Who } {
  const { snapshotDay } = ctx;
  const rng = new Rng(ctx.opts.seed, index + 1);
  const id = `${ctx.opts.idPrefix}${String(index + 1).padStart(7, '0')}`;

  const ageIndex = rng.weighted(AGE_WEIGHTS.map((w, i) => [i, w] as const));
  const expat = rng.bool([0.35, 0.42, 0.4, 0.3, 0.15, 0.05][ageIndex]!);
  const planType: PlanType = rng.bool([0.82, 0.66, 0.55, 0.5, 0.55, 0.62][ageIndex]! + (expat ? 0.1 : 0)) ? 'prepaid' : 'postpaid';
  const wealth = rng.logNormal(1, 0.45) * (planType === 'postpaid' ? 1.35 : 1) * [0.7, 0.95, 1.1, 1.15, 1.05, 0.9][ageIndex]!;
  const featurePhone = [0.01, 0.01, 0.02, 0.04, 0.1, 0.22][ageIndex]! * (planType === 'prepaid' ? 1.5 : 0.6);
  const deviceType = rng.weighted([['router', 0.015], ['tablet', 0.02], ['feature_phone', featurePhone], ['smartphone', 1 - 0.035 - featurePhone]] as const);
  const iosShare = clamp(0.12 + 0.22 * (wealth - 0.8) + (planType === 'postpaid' ? 0.1 : 0) + (ageIndex <= 1 ? 0.05 : 0), 0.05, 0.8);
  const deviceOs = deviceType === 'feature_phone' ? 'kaios' : deviceType === 'router' ? 'other' : rng.bool(iosShare) ? 'ios' : 'android';
  const region = rng.weighted(REGIONS);
  const name = expat ? `${rng.pick(EXPAT_FIRST_NAMES)} ${rng.pick(EXPAT_LAST_NAMES)}` : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
  // 48271 is coprime with 10^8: distinct subscribers get distinct numbers.
  const msisdn = `9665${String((index * 48271 + (ctx.opts.seed >>> 0) * 7919) % 100_000_000).padStart(8, '0')}`;
  const r = rng.next();
  const tenureDays = Math.floor(r < 0.2 ? rng.uniform(5, 365) : r < 0.55 ? rng.uniform(365, 1460) : rng.uniform(1460, 5475));
  const activation = snapshotDay - tenureDays;

  const dataAppetite = Math.min(900, rng.logNormal([20, 15, 10, 6, 3.5, 1.8][ageIndex]!, 0.65) * (deviceOs === 'ios' ? 1.2 : 1) * (expat ? 1.1 : 1) *
    (deviceType === 'feature_phone' ? 0.03 : deviceType === 'router' ? 12 : deviceType === 'tablet' ? 1.5 : 1));
  const voiceAppetite = deviceType === 'router' ? 0 : rng.logNormal([170, 260, 320, 330, 300, 240][ageIndex]!, 0.55) * (expat ? 1.25 : 1);
  const smsAppetite = deviceType === 'router' ? 0 : rng.logNormal([12, 18, 28, 36, 40, 35][ageIndex]!, 0.8);
  const trend = 0.015 * rng.normal() + (ageIndex <= 1 ? 0.008 : 0);
  const disciplineScore = rng.normal() + (ageIndex === 0 ? -0.4 : 0) + (tenureDays > 1095 ? 0.3 : 0) + 0.6 * Math.log(wealth) - (expat ? 0.1 : 0);
  const discipline = disciplineScore > -0.65 ? 0 : disciplineScore > -1.6 ? 1 : 2;
  const traveler = rng.bool(expat ? 0.22 : 0.1);
  const method = rng.weighted(PAYMENT_METHODS);
  const channel = deviceType === 'feature_phone' ? 'ussd' : rng.weighted([['app', ageIndex <= 1 ? 50 : 25], ['web', 15], ['retail', ageIndex >= 4 ? 40 : 20], ['call_center', 10], ['ussd', planType === 'prepaid' ? 12 : 2]] as const);
  const historyStart = firstDayOfMonth(ctx.historyStartMonth);
  const pChurn = 0.035 + (planType === 'prepaid' ? 0.03 : 0) + (tenureDays < 365 ? 0.03 : 0) - (planType === 'postpaid' && tenureDays > 1095 ? 0.02 : 0);
  const churnFrom = Math.max(activation + 30, historyStart + 30);
  const churn = rng.bool(pChurn) && churnFrom < snapshotDay - 1 ? churnFrom + rng.int(snapshotDay - 1 - churnFrom) : null;
  const lastDay = (churn ?? snapshotDay) - 1;

  const sub: Sub = {
    id, rng, ageIndex, expat, planType, deviceType, deviceOs,
    student: ageIndex === 0 && rng.bool(0.45),
    family: planType === 'postpaid' && (ageIndex === 2 || ageIndex === 3) && rng.bool(0.45),
    business: planType === 'postpaid' && rng.bool(0.06),
    activation, churn, suspended: false, holdings: [], usage: new Map(), bills: [], purchases: [],
  };
  const budget = wealth * (planType === 'prepaid' ? 60 : 170);
  const habits: Habits = { wealth, tenureDays, lastDay, dataAppetite, voiceAppetite, smsAppetite, trend, discipline, traveler, method, channel, budget };
  return { sub, habits, who: { name, msisdn, region } };
}

/** Holdings: a base plan, recurring add-ons, perhaps a device on instalments; each started by a purchase. */
function addHoldings(ctx: Context, sub: Sub, habits: Habits) {
  const { catalog, snapshotDay } = ctx;
  const { rng, activation, churn, planType, deviceType, deviceOs } = sub;
  const { tenureDays, lastDay, dataAppetite, voiceAppetite, budget, channel } = habits;
  const addHolding = (item: CatalogItem, start: number, end: number | null) => {
    const h: Holding = { id: `${sub.id}-H${sub.holdings.length + 1}`, item, start, startSecond: purchaseSecond(rng), end };
    sub.holdings.push(h);
    sub.purchases.push({ id: `${sub.id}-O${sub.purchases.length + 1}`, item, day: start, second: h.startSecond, channel: rng.bool(0.7) ? channel : 'retail' });
  };
  const plans = catalog.filter((c) => (deviceType === 'router' ? c.role === 'home' : c.role === `${planType}_plan`));
  if (plans.length) {
    const choose = () => {
      const scores = plans.map((c) => -0.8 * Math.abs(Math.log((Math.min(c.dataGb ?? 0, 300) + 1) / (dataAppetite + 1))) - 1.2 * Math.abs(Math.log(c.monthly / budget)));
      const top = Math.max(...scores);
      return rng.weighted(plans.map((c, k) => [c, Math.exp(2 * (scores[k]! - top))] as const));
    };
    if (tenureDays > 540 && rng.bool(0.3)) {
      const change = activation + 180 + rng.int(Math.max(1, tenureDays - 210));
      addHolding(rng.pick(plans), activation, Math.min(change, lastDay + 1));
      if (change <= lastDay) addHolding(choose(), change, null);
    } else addHolding(choose(), activation, null);
  }
  const addOns = catalog.filter((c) => c.product.recurring && !c.repeatable && ['data_monthly', 'voice', 'intl_voice', 'sms', 'service', 'addon'].includes(c.role));
  const wanted = rng.weighted([[0, 45], [1, 30], [2, 17], [3, 8]] as const);
  const taken = new Set<number>();
  for (let k = 0; k < wanted && taken.size < addOns.length; k++) {
    const pickFrom = addOns.filter((c) => !taken.has(c.index));
    const item = rng.weighted(pickFrom.map((c) => {
      let w = 1;
      if (c.role === 'data_monthly') w = dataAppetite > 10 ? 3 : 0.5;
      if (c.role === 'intl_voice') w = sub.expat ? 4 : 0.1;
      if (c.role === 'voice') w = voiceAppetite > 500 ? 2 : 0.5;
      if (c.role === 'sms') w = sub.ageIndex >= 4 ? 2 : 0.3;
      if (c.role === 'service') w = c.entertainment && sub.ageIndex <= 1 ? 2.5 : 0.8;
      return [c, w * (c.monthly < 0.5 * budget ? 1 : 0.3)] as const;
    }));
    taken.add(item.index);
    const start = activation + rng.int(Math.max(1, lastDay - activation));
    const end = rng.bool(0.3) && start + 30 < lastDay ? start + 30 + rng.int(lastDay - start - 30) : null;
    addHolding(item, start, end);
  }
  const devices = catalog.filter((c) => c.role === 'device' && c.instalmentMonths !== null);
  if (devices.length && (deviceType === 'smartphone' || deviceType === 'tablet') && rng.bool(planType === 'postpaid' ? 0.35 : 0.12)) {
    const apple = (c: CatalogItem) => c.brand?.toLowerCase() === 'apple';
    const fits = devices.filter((c) => (deviceOs === 'ios' ? apple(c) : !apple(c)));
    const item = rng.pick(fits.length ? fits : devices);
    const earliest = Math.max(activation, snapshotDay - 900);
    const start = earliest + rng.int(Math.max(1, lastDay - earliest));
    const end = start + Math.round(item.instalmentMonths! * 30.44);
    addHolding(item, start, end < snapshotDay ? end : null);
  }
  if (churn !== null) for (const h of sub.holdings) if (h.end === null || h.end > churn) h.end = Math.max(h.start + 1, churn);
}

const heldOn = (sub: Sub, day: number) => sub.holdings.filter((h) => h.start <= day && (h.end === null || h.end > day));

/** Monthly usage and spend, from the first month of history (or activation) to the last before the snapshot. */
function addUsage(ctx: Context, sub: Sub, habits: Habits) {
  const { scale } = ctx;
  const { rng, activation, planType } = sub;
  const { wealth, lastDay, dataAppetite, voiceAppetite, smsAppetite, trend } = habits;
  const denomination = rng.weighted([[10, wealth < 0.8 ? 3 : 1], [20, 2], [30, 2], [50, wealth > 1 ? 2 : 1], [100, wealth > 1.3 ? 2 : 0.3]] as const);
  for (let m = Math.max(ctx.historyStartMonth, monthOfDay(activation)); m < ctx.snapshotMonth; m++) {
    const first = firstDayOfMonth(m);
    const days = daysInMonth(m);
    if (first > lastDay) break;
    const activeFrom = Math.max(first, activation);
    const activeTo = Math.min(first + days - 1, lastDay);
    const frac = (activeTo - activeFrom + 1) / days;
    const summer = m % 12 >= 5 && m % 12 <= 7 ? 1.08 : 1;
    const data = dataAppetite * Math.pow(1 + trend, m - ctx.snapshotMonth) * rng.logNormal(1, 0.25) * summer * frac;
    const voice = voiceAppetite * rng.logNormal(1, 0.2) * frac;
    const sms = Math.round(smsAppetite * rng.logNormal(1, 0.4) * frac);
    const held = heldOn(sub, Math.min(first + 14, activeTo));
    let allowanceGb = 0;
    let allowanceVoice = 0;
    let fees = 0;
    for (const h of held) {
      allowanceGb += h.item.dataGb ?? 0;
      allowanceVoice += h.item.voiceMinutes ?? 0;
      fees += Math.round(h.item.monthly * scale);
    }
    const overGb = Math.max(0, data - allowanceGb);
    const overVoice = Math.max(0, voice - allowanceVoice);
    let spendMinor: number;
    let topups = 0;
    let topupMinor = 0;
    if (planType === 'postpaid') {
      spendMinor = Math.round(fees * frac + Math.min(overGb * 10, 200) * scale + Math.min(overVoice * 0.3, 150) * scale);
    } else {
      const need = fees * frac / scale + overGb * 4 + overVoice * 0.25 + 5;
      topups = Math.max(1, Math.round(need / denomination + 0.5 * rng.normal()));
      topupMinor = topups * denomination * scale;
      spendMinor = topupMinor;
    }
    sub.usage.set(m, { data: Math.round(data * 100) / 100, voice: Math.round(voice * 10) / 10, sms, spendMinor, topups, topupMinor });
  }
}

/**
 * Bills: postpaid monthly bills for each usage month; prepaid device instalments billed on their own.
 * Bills due outside the default window are paid now; those inside it wait for their outcome.
 * Answers which bills are in the window.
 */
function addBills(ctx: Context, sub: Sub, habits: Habits): (b: Bill) => boolean {
  const { snapshotDay } = ctx;
  const { rng, id, planType, churn } = sub;
  const cycleDay = 1 + rng.int(28);
  const terms = rng.bool(0.3) ? 21 : 14;
  for (const [m, u] of sub.usage) {
    const issue = firstDayOfMonth(m + 1) + cycleDay - 1;
    if (planType === 'postpaid' && u.spendMinor > 0) {
      sub.bills.push({ id: `${id}-B${monthLabel(m).replace('-', '')}`, issue, due: issue + terms, amountMinor: u.spendMinor, instalment: false, payments: [], settled: null });
    } else if (planType === 'prepaid') {
      const device = heldOn(sub, firstDayOfMonth(m) + 14).find((h) => h.item.role === 'device');
      if (device) sub.bills.push({ id: `${id}-I${monthLabel(m).replace('-', '')}`, issue, due: issue + terms, amountMinor: device.item.priceMinor, instalment: true, payments: [], settled: null });
    }
  }
  const windowEnd = snapshotDay + DEFAULT_DUE_WINDOW_DAYS;
  const inDefaultWindow = (b: Bill) => b.due >= snapshotDay && b.due < windowEnd;
  for (const b of sub.bills) if (!inDefaultWindow(b)) payBill(sub, b, drawDelay(rng, habits.discipline, churn !== null && b.due > churn), habits.method);
  return inDefaultWindow;
}

/**
 * Purchases of passes and one-off items before the snapshot, at rates the same purchase model gives
 * mid-history (travelers buy roaming far more often: a habit only their purchases reveal).
 */
function addPastPurchases(ctx: Context, sub: Sub, habits: Habits) {
  const { rng, id, activation } = sub;
  const { lastDay, traveler, channel } = habits;
  const mid = Math.max(activation + 1, ctx.snapshotDay - Math.round((ctx.opts.historyMonths * 30.44) / 2));
  const profile = featuresAt(ctx, sub, mid);
  const buyFrom = Math.max(activation, firstDayOfMonth(ctx.historyStartMonth));
  const activeMonths = Math.max(0, (lastDay - buyFrom) / 30.44);
  for (const item of ctx.catalog) {
    if (!item.repeatable || activeMonths <= 0) continue;
    const p = purchaseProbability(profile, item) * (item.role === 'roaming' ? (traveler ? 30 : 0.3) : 1);
    const n = Math.min(24, rng.poisson(-Math.log(1 - Math.min(p, 0.95)) * activeMonths));
    for (let k = 0; k < n; k++) {
      sub.purchases.push({ id: `${id}-O${sub.purchases.length + 1}`, item, day: buyFrom + rng.int(Math.max(1, lastDay - buyFrom + 1)), second: purchaseSecond(rng), channel: rng.bool(0.7) ? channel : rng.pick(['app', 'web', 'retail']) });
    }
  }
}

/** Suspended at the snapshot: mostly for a bill overdue more than 45 days, rarely for no visible reason. */
function drawSuspension(ctx: Context, sub: Sub): boolean {
  const { snapshotDay } = ctx;
  const oldestOverdue = Math.min(...sub.bills.filter((b) => b.due < snapshotDay && (b.settled === null || b.settled >= snapshotDay)).map((b) => b.due));
  return (snapshotDay - oldestOverdue > 45 && sub.rng.bool(0.7)) || sub.rng.bool(0.005);
}

/** Outcome of each bill due in the default window: paid within the grace days, or not (perhaps in part, perhaps later). */
function drawDefaults(ctx: Context, sub: Sub, habits: Habits, f: SyntheticFeatures, inDefaultWindow: (b: Bill) => boolean, out: SyntheticData, sums: Sums) {
  const { rng } = sub;
  const { discipline, method } = habits;
  for (const b of sub.bills) {
    if (!inDefaultWindow(b)) continue;
    const p = defaultProbability(f, { amount: b.amountMinor / ctx.scale, instalment: b.instalment });
    const unpaid = rng.bool(p);
    if (ctx.opts.keepTruth) out.truth.default.set(b.id, p);
    out.summary.default.bills++;
    out.summary.default.positives += unpaid ? 1 : 0;
    sums.default += p;
    if (!unpaid) {
      const d = drawDelay(rng, discipline, false);
      payBill(sub, b, d !== null && d <= DEFAULT_GRACE_DAYS ? d : 1 + rng.int(DEFAULT_GRACE_DAYS), method);
    } else {
      const r2 = rng.next();
      const partial = Math.min(b.amountMinor - 1, Math.max(1, Math.floor(b.amountMinor * rng.uniform(0.2, 0.6))));
      if (r2 < 0.25 && partial > 0) {
        b.payments.push({ id: `${b.id}-P1`, day: Math.max(b.issue, b.due - 5 + rng.int(25)), amountMinor: partial, method });
      } else if (r2 < 0.4) payBill(sub, b, DEFAULT_GRACE_DAYS + 1 + rng.int(60), method);
    }
  }
}

/** Outcome of every (subscriber, product) pair: bought in the purchase window or not (a non-repeatable one is then held). */
function drawPurchases(ctx: Context, sub: Sub, habits: Habits, f: SyntheticFeatures, out: SyntheticData, sums: Sums) {
  const { rng, id } = sub;
  for (const item of ctx.catalog) {
    const p = purchaseProbability(f, item);
    const bought = rng.bool(p);
    if (ctx.opts.keepTruth) out.truth.purchase.set(`${id}|${item.product.id}`, p);
    out.summary.purchase.pairs++;
    out.summary.purchase.positives += bought ? 1 : 0;
    sums.purchase += p;
    if (!bought) continue;
    const day = ctx.snapshotDay + rng.int(PURCHASE_WINDOW_DAYS);
    const s = purchaseSecond(rng);
    sub.purchases.push({ id: `${id}-O${sub.purchases.length + 1}`, item, day, second: s, channel: habits.channel });
    if (!item.repeatable) sub.holdings.push({ id: `${id}-H${sub.holdings.length + 1}`, item, start: day, startSecond: s, end: null });
  }
}

/**
 * Campaign contacts: features as of each contact day; control subscribers are held out. Every
 * campaign draws its numbers whether or not it reaches the subscriber, so streams stay aligned.
 */
function drawContacts(ctx: Context, sub: Sub, f: SyntheticFeatures, out: SyntheticData, sums: Sums): ContactImportInput[] {
  const { rng, id, activation, churn } = sub;
  const contacts: ContactImportInput[] = [];
  for (const c of ctx.campaigns) {
    const picked = rng.bool(c.reach);
    const control = rng.bool(CONTROL_SHARE);
    const u = rng.next();
    const hour = 6 + rng.int(12);
    const delay = rng.next();
    if (!picked || activation >= c.day || (churn !== null && churn <= c.day) || (c.afterSnapshot && sub.suspended)) continue;
    const fc = c.afterSnapshot ? f : featuresAt(ctx, sub, c.day);
    const probs = responseProbabilities(fc, c.offer, RESPONSE_WINDOW_DAYS);
    const p = control ? probs.pControl : probs.pTreated;
    const responded = u < p;
    const contactId = `${c.id}-${id}`;
    if (ctx.opts.keepTruth) out.truth.response.set(contactId, { p, pTreated: probs.pTreated, pControl: probs.pControl });
    out.summary.response.contacts++;
    out.summary.response.positives += responded ? 1 : 0;
    sums.response += p;
    const at = c.day * 86400 + hour * 3600;
    contacts.push({
      id: contactId,
      campaign_id: c.id,
      customer_id: id,
      product_id: c.productId,
      group: control ? 'control' : 'treated',
      contacted_at: isoInstant(c.day, hour * 3600),
      channel: control ? null : c.channel,
      responded,
      responded_at: responded ? new Date((at + Math.floor(delay * RESPONSE_WINDOW_DAYS * 86400)) * 1000).toISOString().replace('.000Z', 'Z') : null,
    });
  }
  return contacts;
}

/** Days after the due date a bill is paid (negative: early), or null when it is never paid. */
function drawDelay(rng: Rng, discipline: number, afterChurn: boolean): number | null {
  const r = rng.next();
  if (afterChurn && discipline > 0 && r < 0.5) return null;
  if (discipline === 0) return r < 0.92 ? -rng.int(11) : r < 0.99 ? 1 + rng.int(10) : 11 + rng.int(30);
  if (discipline === 1) return r < 0.55 ? -rng.int(8) : r < 0.9 ? 1 + rng.int(25) : 26 + rng.int(50);
  return r < 0.3 ? -rng.int(6) : r < 0.65 ? 1 + rng.int(30) : r < 0.85 ? 31 + rng.int(60) : null;
}

/** Pays a bill `delay` days after its due date (sometimes in two parts), or leaves it open with perhaps a part paid. */
function payBill(sub: Sub, b: Bill, delay: number | null, method: string) {
  const { rng } = sub;
  if (delay === null) {
    if (rng.bool(0.3)) b.payments.push({ id: `${b.id}-P1`, day: b.issue + rng.int(Math.max(1, b.due + 20 - b.issue)), amountMinor: Math.max(1, Math.floor(b.amountMinor * rng.uniform(0.2, 0.6))), method });
    return;
  }
  const day = Math.max(b.issue, b.due + delay);
  if (b.amountMinor > 100 && rng.bool(0.12)) {
    const first = Math.floor(b.amountMinor * rng.uniform(0.3, 0.7));
    b.payments.push({ id: `${b.id}-P1`, day: b.issue + rng.int(Math.max(1, day - b.issue + 1)), amountMinor: first, method });
    b.payments.push({ id: `${b.id}-P2`, day, amountMinor: b.amountMinor - first, method: rng.bool(0.8) ? method : 'cash' });
  } else b.payments.push({ id: `${b.id}-P1`, day, amountMinor: b.amountMinor, method });
  b.settled = day;
}

function valueBandOf(value: number): ValueBand {
  for (const [band, limit] of VALUE_BAND_LIMITS) if (value < limit) return band;
  return 'vip';
}

/** The subscriber as a feature pipeline sees it on `day`: rows dated strictly before it. */
function featuresAt(ctx: Context, sub: Sub, day: number): SyntheticFeatures {
  const month = monthOfDay(day);
  const usage = (from: number, to: number) => {
    let n = 0;
    let data = 0;
    let voice = 0;
    let spend = 0;
    for (let m = from; m <= to; m++) {
      const u = sub.usage.get(m);
      if (!u) continue;
      n++;
      data += u.data;
      voice += u.voice;
      spend += u.spendMinor / ctx.scale;
    }
    return n ? { n, data: data / n, voice: voice / n, spend: spend / n } : { n, data: 0, voice: 0, spend: 0 };
  };
  const last3 = usage(month - 3, month - 1);
  const prev3 = usage(month - 6, month - 4);
  const last6 = usage(month - 6, month - 1);
  const held = new Set<number>();
  let heldDataGb = 0;
  let heldVoice = 0;
  let newestDevice: number | null = null;
  for (const h of sub.holdings) {
    if (h.item.role === 'device' && h.start < day) newestDevice = Math.max(newestDevice ?? h.start, h.start);
    if (!(h.start < day && (h.end === null || h.end > day))) continue;
    held.add(h.item.index);
    heldDataGb += h.item.dataGb ?? 0;
    heldVoice += h.item.voiceMinutes ?? 0;
  }
  const purchases90d = new Map<number, number>();
  let roaming = 0;
  for (const p of sub.purchases) {
    if (p.day >= day) continue;
    if (p.day >= day - 90) purchases90d.set(p.item.index, (purchases90d.get(p.item.index) ?? 0) + 1);
    if (p.item.role === 'roaming' && p.day >= day - 365) roaming++;
    if (p.item.role === 'device') newestDevice = Math.max(newestDevice ?? p.day, p.day);
  }
  let late = 0;
  let lateDays = 0;
  let overdue = 0;
  for (const b of sub.bills) {
    if (b.issue >= day || b.due >= day) continue;
    const settled = b.settled !== null && b.settled < day ? b.settled : null;
    if (settled === null) overdue++;
    if (b.due < day - 365) continue;
    if (settled === null || settled > b.due) {
      late++;
      lateDays += settled === null ? day - b.due : settled - b.due;
    }
  }
  const status: CustomerStatus = sub.churn !== null && sub.churn <= day ? 'churned' : sub.suspended && day >= ctx.snapshotDay ? 'suspended' : 'active';
  const valueBand = valueBandOf(last6.spend);
  const segments: string[] = [];
  if (sub.ageIndex === 0) segments.push('youth');
  if (sub.student) segments.push('students');
  if (sub.ageIndex === 5) segments.push('seniors');
  if (sub.expat) segments.push('expats');
  if (last3.data >= 30) segments.push('heavy_data');
  if (valueBand === 'high' || valueBand === 'vip') segments.push('high_value');
  if (valueBand === 'vip') segments.push('vip');
  if (sub.family) segments.push('families');
  if (sub.business) segments.push('business');
  if (roaming > 0) segments.push('travelers');
  if (sub.planType === 'prepaid' && (valueBand === 'low' || valueBand === 'medium')) segments.push('mass');
  if ([...held].some((i) => ctx.catalog[i]!.role === 'home')) segments.push('home');
  return {
    asOf: isoDate(day),
    tenureMonths: monthsBetweenDays(sub.activation, day),
    planType: sub.planType,
    ageBand: AGE_BANDS[sub.ageIndex]!,
    ageIndex: sub.ageIndex,
    deviceType: sub.deviceType,
    deviceOs: sub.deviceOs,
    expat: sub.expat,
    status,
    avgDataGb3m: last3.data,
    avgVoice3m: last3.voice,
    avgSpend3m: last3.spend,
    dataTrend: prev3.n && prev3.data > 0.05 ? last3.data / prev3.data : 1,
    customerValue: last6.spend,
    valueBand,
    segments,
    heldDataGb,
    heldVoice,
    held,
    deviceMonths: newestDevice === null ? null : monthsBetweenDays(newestDevice, day),
    purchases90d,
    roamingPurchases12m: roaming,
    lateBills12m: late,
    avgDaysLate12m: late ? lateDays / late : 0,
    overdueBills: overdue,
  };
}

/** The subscriber's rows in the import format. */
function emit(ctx: Context, sub: Sub, f: SyntheticFeatures, who: { name: string; msisdn: string; region: string }, out: SyntheticData, contacts: ContactImportInput[]) {
  const money = (minor: number) => amountFromMinorUnits(minor, ctx.opts.currency);
  out.customers.push({
    id: sub.id,
    msisdn: who.msisdn,
    name: who.name,
    status: f.status,
    segments: f.segments,
    value_band: f.valueBand,
    customer_value: money(Math.round(f.customerValue * ctx.scale)),
    currency: ctx.opts.currency,
    plan_type: sub.planType,
    activation_date: isoDate(sub.activation),
    region: who.region,
    age_band: f.ageBand,
    device_type: sub.deviceType,
    device_os: sub.deviceOs,
  });
  for (const h of sub.holdings) {
    out.holdings.push({ id: h.id, customer_id: sub.id, product_id: h.item.product.id, started_at: isoInstant(h.start, h.startSecond), ended_at: h.end === null ? null : isoInstant(h.end, 0) });
  }
  for (const [m, u] of sub.usage) {
    out.usage.push({
      customer_id: sub.id, month: monthLabel(m), data_gb: u.data, voice_minutes: u.voice, sms: u.sms,
      spend: money(u.spendMinor), topup_count: u.topups, topup_amount: money(u.topupMinor),
    });
  }
  for (const b of sub.bills) {
    out.bills.push({ id: b.id, customer_id: sub.id, bill_date: isoDate(b.issue), due_date: isoDate(b.due), amount: money(b.amountMinor), currency: ctx.opts.currency });
    for (const p of b.payments) {
      if (p.day <= ctx.extractedDay) out.payments.push({ id: p.id, bill_id: b.id, paid_date: isoDate(p.day), amount: money(p.amountMinor), method: p.method });
    }
  }
  for (const p of sub.purchases) {
    out.purchases.push({ id: p.id, customer_id: sub.id, product_id: p.item.product.id, purchased_at: isoInstant(p.day, p.second), price: money(p.item.priceMinor), channel: p.channel });
  }
  out.contacts.push(...contacts);
}

/**
 * The labels as an ML pipeline derives them from the rows (no access to the truth): a purchase of
 * the product in the purchase window, the contact's response, a bill due in the default window with
 * less than its amount paid by due date + 30 days. Keys match `truth`.
 */
export function syntheticLabels(data: Pick<SyntheticData, 'windows' | 'purchases' | 'contacts' | 'bills' | 'payments' | 'truth'>) {
  const purchase = new Map<string, 0 | 1>();
  for (const key of data.truth.purchase.keys()) purchase.set(key, 0);
  const { from, to } = data.windows.purchase;
  for (const p of data.purchases) {
    const at = String(p.purchased_at);
    if (at >= from && at < to) purchase.set(`${p.customer_id}|${String(p.product_id)}`, 1);
  }
  const response = new Map<string, 0 | 1>();
  for (const c of data.contacts) if (data.truth.response.has(c.id)) response.set(c.id, c.responded ? 1 : 0);
  const paid = new Map<string, bigint>();
  const dueOf = new Map<string, string>();
  for (const b of data.bills) dueOf.set(b.id, b.due_date);
  const minor = (amount: string) => BigInt(amount.replace('.', ''));
  for (const p of data.payments) {
    const due = dueOf.get(p.bill_id);
    if (!due || !data.truth.default.has(p.bill_id)) continue;
    const deadline = addDays(due, data.windows.default.graceDays);
    if (p.paid_date <= deadline) paid.set(p.bill_id, (paid.get(p.bill_id) ?? 0n) + minor(p.amount));
  }
  const unpaid = new Map<string, 0 | 1>();
  for (const b of data.bills) if (data.truth.default.has(b.id)) unpaid.set(b.id, (paid.get(b.id) ?? 0n) < minor(b.amount) ? 1 : 0);
  return { purchase, response, default: unpaid };
}
