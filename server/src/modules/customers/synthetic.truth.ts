import type { CustomerStatus, PlanType, ValueBand } from '@lyra/contracts';
import { clamp, sigmoid } from './synthetic.random.js';
import type { CatalogItem } from './synthetic.catalog.js';

/**
 * The known probabilities behind the synthetic outcomes. Each is a function of what a feature
 * pipeline can compute from the generated rows dated before the snapshot (no hidden variables
 * beyond a subscriber's own history), so the AUC of these probabilities is the best a model can
 * reach. They are non-linear on purpose: thresholds, saturation and interactions that a linear
 * model misses and trees must find.
 */

/** A subscriber as of a day, from rows dated before it. */
export interface SyntheticFeatures {
  /** The day described (YYYY-MM-DD); only data strictly before it was used. */
  asOf: string;
  tenureMonths: number;
  planType: PlanType;
  ageBand: string;
  /** 0 for 18-24 ... 5 for 65+. */
  ageIndex: number;
  deviceType: string;
  deviceOs: string;
  expat: boolean;
  status: CustomerStatus;
  /** Averages over the last three calendar months before `asOf`'s month (0 without usage). */
  avgDataGb3m: number;
  avgVoice3m: number;
  avgSpend3m: number;
  /** Data of the last three months over the three before (1 when there is no earlier usage). */
  dataTrend: number;
  /** Average monthly spend over the last six months: the operator's ARPU. */
  customerValue: number;
  valueBand: ValueBand;
  segments: string[];
  /** Data and voice allowances of the products held on `asOf` (Infinity: unlimited). */
  heldDataGb: number;
  heldVoice: number;
  /** Catalog indexes of products held on `asOf`. */
  held: ReadonlySet<number>;
  /** Months since the newest device was taken (instalment holding or purchase); null when none on record. */
  deviceMonths: number | null;
  /** Purchases per catalog index in the 90 days before `asOf`. */
  purchases90d: ReadonlyMap<number, number>;
  roamingPurchases12m: number;
  /** Bills due in the 12 months before `asOf` that were settled late or are still open. */
  lateBills12m: number;
  /** Mean days late over those bills (settled: settlement - due; open: days overdue so far). */
  avgDaysLate12m: number;
  /** Bills past due and not settled on `asOf`. */
  overdueBills: number;
}

export const DATA_HEAVY_GB = 15;
export const YOUNG_MAX_AGE_INDEX = 1; // 18-24 and 25-34

/** Log-odds of each role before subscriber effects: passes sell often, plans and devices rarely. */
const ROLE_BASE: Record<CatalogItem['role'], number> = {
  pass: -4.1,
  data_monthly: -5.0,
  prepaid_plan: -6.6,
  postpaid_plan: -7.0,
  home: -7.6,
  voice: -5.6,
  intl_voice: -6.2,
  sms: -6.4,
  roaming: -7.2,
  device: -6.9,
  service: -5.9,
  addon: -6.2,
};

/** Log-odds that the subscriber buys the product within the 30 days after `asOf`. */
export function purchaseLogit(f: SyntheticFeatures, item: CatalogItem): number {
  if (f.status === 'churned') return -9.5;
  let z = ROLE_BASE[item.role];
  const role = item.role;

  // Affordability: the price against what the subscriber spends, with a cliff past their monthly spend
  // that high-value subscribers do not feel.
  const q = item.monthly / Math.max(f.avgSpend3m, 10);
  z += q < 0.15 ? 0.4 : q < 0.5 ? 0.1 : q < 1 ? -0.6 : -1.6 - 0.8 * Math.min(q - 1, 3);
  if (q >= 1 && (f.valueBand === 'high' || f.valueBand === 'vip')) z += 0.9;

  // Allowances against usage: extra data sells to those who run out of what they hold.
  if (role === 'pass' || role === 'data_monthly') {
    const shortfall = f.avgDataGb3m - f.heldDataGb;
    const size = item.dataGb === null ? 0 : Math.min(item.dataGb, 200);
    if (shortfall > 0) z += 1.4 * Math.min(1, shortfall / Math.max(size, 1)) + (size >= shortfall ? 0.4 : 0);
    else z -= 0.8;
    if (f.dataTrend > 1.3) z += 0.5;
    if (role === 'pass' && f.planType === 'prepaid') z += 0.7;
    if (f.ageIndex <= YOUNG_MAX_AGE_INDEX) z += 0.3;
  }
  if (role === 'prepaid_plan' || role === 'postpaid_plan' || role === 'home') {
    if (item.dataGb !== null) {
      const r = f.avgDataGb3m / Math.min(item.dataGb, 1000);
      z += r > 0.5 && r < 1.2 ? 0.8 : r >= 1.5 ? 0.3 : r < 0.15 ? -0.6 : 0;
    }
    if (role === 'prepaid_plan' && f.planType === 'postpaid') z -= 3;
    // Prepaid to postpaid migration: only settled, spending prepaid subscribers consider it.
    if (role === 'postpaid_plan' && f.planType === 'prepaid') z += f.tenureMonths > 24 && f.avgSpend3m > 80 ? -0.3 : -2.5;
    if (role === 'home') z += f.ageIndex >= 2 && f.ageIndex <= 4 ? 0.6 : -0.4;
  }
  if (role === 'device') {
    const months = f.deviceMonths ?? 18;
    z += months < 12 ? -1.8 : months > 24 ? 0.9 : 0;
    if (f.planType === 'postpaid') z += 0.5;
    const brand = item.brand?.toLowerCase() ?? '';
    if (brand === 'apple') z += f.deviceOs === 'ios' ? 0.9 : -0.9;
    else if (brand && f.deviceOs === 'android') z += 0.3;
    if (f.deviceType === 'feature_phone' && item.monthly < 80) z += 1.0;
  }
  if (role === 'roaming') {
    z += f.roamingPurchases12m > 0 ? 2.6 : 0;
    if (f.valueBand === 'high' || f.valueBand === 'vip') z += 0.4;
    if (f.expat) z += 0.3;
  }
  if (role === 'intl_voice') z += f.expat ? 2.0 : -1.2;
  if (role === 'voice') z += f.avgVoice3m > 600 && f.heldVoice < f.avgVoice3m ? 1.0 : -0.3;
  if (role === 'sms') z += f.ageIndex >= 4 ? 0.6 : f.ageIndex === 0 ? -0.6 : 0;
  if (role === 'service') {
    if (item.entertainment && f.ageIndex <= YOUNG_MAX_AGE_INDEX) z += 0.8;
    if (f.deviceOs === 'ios') z += 0.2;
  }

  // A recurring product already held is not bought again.
  if (f.held.has(item.index) && !item.repeatable) z -= 4;
  // Repeat buyers: strong, saturating.
  const n = f.purchases90d.get(item.index) ?? 0;
  if (n > 0) z += 0.9 + 0.4 * Math.min(n, 4);
  if (f.tenureMonths < 3) z += 0.3;
  if (item.segments.some((s) => f.segments.includes(s))) z += 0.35;
  if (f.status === 'suspended') z -= 1.5;
  return z;
}

export const purchaseProbability = (f: SyntheticFeatures, item: CatalogItem) => clamp(sigmoid(purchaseLogit(f, item)), 1e-5, 0.95);

/**
 * Campaign response within the response window. Control subscribers respond at the organic rate
 * (they would have bought the offer anyway); a contact adds `uplift`, which depends on who is
 * contacted: large for young, data-heavy prepaid subscribers offered data, about zero for most,
 * negative for older high-value postpaid subscribers who resent the contact.
 */
export function responseProbabilities(f: SyntheticFeatures, offer: CatalogItem | null, windowDays: number): { pControl: number; pTreated: number; uplift: number } {
  const p30 = offer ? purchaseProbability(f, offer) : 0.01;
  const pControl = clamp(1 - Math.pow(1 - p30, windowDays / 30), 5e-4, 0.9);
  const uplift = clamp(trueUplift(f, offer), -0.6 * pControl, 0.95 - pControl);
  return { pControl, pTreated: pControl + uplift, uplift };
}

/** The uplift a contact causes, before bounding to keep probabilities inside (0, 1). */
export function trueUplift(f: SyntheticFeatures, offer: CatalogItem | null): number {
  if (f.status === 'churned') return 0;
  const dataOffer = offer !== null && (offer.role === 'pass' || offer.role === 'data_monthly' || (offer.dataGb ?? 0) > 0);
  const strength = dataOffer ? 1 : 0.5;
  const young = f.ageIndex <= YOUNG_MAX_AGE_INDEX;
  const heavy = f.avgDataGb3m >= DATA_HEAVY_GB;
  if (f.planType === 'prepaid' && young && heavy) return 0.12 * strength;
  if (f.planType === 'prepaid' && young) return 0.04 * strength;
  if (f.planType === 'postpaid' && f.ageIndex >= 3 && (f.valueBand === 'high' || f.valueBand === 'vip')) return -0.02;
  if (f.planType === 'postpaid' && f.tenureMonths < 12) return 0.03 * strength;
  return 0.004;
}

/** Log-odds that a bill due in the window is still unpaid 30 days after its due date. */
export function defaultLogit(f: SyntheticFeatures, bill: { amount: number; instalment: boolean }): number {
  let z = -4.1;
  const late = f.lateBills12m;
  z += late === 0 ? 0 : late === 1 ? 0.7 : late <= 3 ? 1.4 : 2.2;
  z += f.avgDaysLate12m > 20 ? 0.9 : f.avgDaysLate12m > 7 ? 0.4 : 0;
  if (f.overdueBills > 0) z += 1.3;
  z += f.tenureMonths < 6 ? 0.8 : f.tenureMonths < 24 ? 0.3 : f.tenureMonths > 60 ? -0.5 : 0;
  if (f.planType === 'prepaid' || bill.instalment) z += 0.6;
  // Bill shock: far above what the subscriber usually spends.
  if (bill.amount / Math.max(f.avgSpend3m, 1) > 1.5) z += 0.6;
  if (f.ageIndex === 0 && late >= 1) z += 0.5;
  z += f.valueBand === 'vip' ? -0.7 : f.valueBand === 'high' ? -0.3 : 0;
  if (f.customerValue < 60) z += 0.3;
  if (f.status === 'suspended') z += 1.2;
  if (f.status === 'churned') z += 2.2;
  return z;
}

export const defaultProbability = (f: SyntheticFeatures, bill: { amount: number; instalment: boolean }) => clamp(sigmoid(defaultLogit(f, bill)), 1e-4, 0.99);
