import type { Bill, CampaignContact, Customer, Holding, Payment, Purchase, UsageMonth } from '@lyra/contracts';
import { currencyExponent } from '@lyra/contracts';
import { compareDecimal, normalizeAmount } from '../../lib/money.js';
import { todayUtc, toIso } from '../../lib/time.js';
import type { BillRow, CustomerRow, UsageRow } from './customers.repository.js';

const DAY_MS = 86_400_000;

/** Whole months from `from` to `to` (dates); a month counts once its day-of-month is reached. */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const months = (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
  return Math.max(0, months);
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/** A stored amount at its currency's minor units ("49" -> "49.00"); unknown currencies pass unchanged. */
export function money(value: string, currency: string): string {
  return currencyExponent(currency) === undefined ? value : normalizeAmount(value, currency);
}

export function toCustomer(r: CustomerRow, today = todayUtc()): Customer {
  return {
    id: r.id,
    msisdn: r.msisdn,
    name: r.name,
    status: r.status as Customer['status'],
    segments: r.segments,
    value_band: r.valueBand as Customer['value_band'],
    customer_value: money(r.customerValue, r.currency),
    currency: r.currency,
    plan_type: r.planType as Customer['plan_type'],
    activation_date: r.activationDate,
    tenure_months: monthsBetween(r.activationDate, today),
    region: r.region,
    age_band: r.ageBand,
    device_type: r.deviceType,
    device_os: r.deviceOs,
    created_at: toIso(r.createdAt),
    updated_at: toIso(r.updatedAt),
  };
}

interface ProductBriefRow {
  productId: string;
  productName: string;
  productType: string;
  productExternalId: string;
  productSystem: string;
}

const brief = (r: ProductBriefRow) => ({
  product_id: r.productId,
  product_name: r.productName,
  product_type: r.productType as Holding['product_type'],
  product_external_id: r.productExternalId,
  product_system: r.productSystem,
});

export function toHolding(r: ProductBriefRow & { id: string; startedAt: string; endedAt: string | null }, now = Date.now()): Holding {
  const started = toIso(r.startedAt);
  const ended = toIso(r.endedAt);
  return {
    id: r.id,
    ...brief(r),
    started_at: started,
    ended_at: ended,
    active: Date.parse(started) <= now && (ended == null || Date.parse(ended) > now),
  };
}

export function toUsage(r: UsageRow, currency: string): UsageMonth {
  return {
    month: r.month.slice(0, 7),
    data_gb: r.dataGb,
    voice_minutes: r.voiceMinutes,
    sms: r.sms,
    spend: money(r.spend, currency),
    topup_count: r.topupCount,
    topup_amount: money(r.topupAmount, currency),
  };
}

export function toBill(r: BillRow, payments: Payment[], today = todayUtc()): Bill {
  const settled = r.settled_date;
  const open = settled == null;
  const overdue = open && r.due_date < today;
  return {
    id: r.id,
    bill_date: r.bill_date,
    due_date: r.due_date,
    amount: money(r.amount, r.currency),
    currency: r.currency,
    paid_amount: money(r.paid_amount, r.currency),
    outstanding: money(r.outstanding, r.currency),
    status: !open ? 'paid' : compareDecimal(r.paid_amount, '0') > 0 ? 'partially_paid' : 'unpaid',
    settled_date: settled,
    paid_late: settled != null && settled > r.due_date,
    overdue,
    days_late: settled != null ? Math.max(0, daysBetween(r.due_date, settled)) : overdue ? daysBetween(r.due_date, today) : 0,
    payments,
  };
}

export function toPayment(r: { id: string; paidDate: string; amount: string; method: string | null }, currency: string): Payment {
  return { id: r.id, paid_date: r.paidDate, amount: money(r.amount, currency), method: r.method };
}

export function toPurchase(r: ProductBriefRow & { id: string; purchasedAt: string; price: string; channel: string }, currency: string): Purchase {
  return { id: r.id, ...brief(r), purchased_at: toIso(r.purchasedAt), price: money(r.price, currency), channel: r.channel };
}

export function toContact(r: {
  id: string; campaignId: string; group: string; contactedAt: string; channel: string | null; responded: boolean; respondedAt: string | null;
  productId: string | null; productName: string | null; productType: string | null;
}): CampaignContact {
  return {
    id: r.id,
    campaign_id: r.campaignId,
    product_id: r.productId,
    product_name: r.productName,
    product_type: r.productType as CampaignContact['product_type'],
    group: r.group as CampaignContact['group'],
    contacted_at: toIso(r.contactedAt),
    channel: r.channel,
    responded: r.responded,
    responded_at: toIso(r.respondedAt),
  };
}
