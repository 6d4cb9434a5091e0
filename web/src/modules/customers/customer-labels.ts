import type { Bill, CustomerStatus, PlanType, ValueBand } from '@lyra/contracts';

type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary';

export const STATUS_LABELS: Record<CustomerStatus, string> = { active: 'Active', suspended: 'Suspended', churned: 'Churned' };
export const STATUS_TAG: Record<CustomerStatus, TagType> = { active: 'success', suspended: 'warning', churned: 'info' };
export const PLAN_LABELS: Record<PlanType, string> = { prepaid: 'Prepaid', postpaid: 'Postpaid' };
export const BAND_LABELS: Record<ValueBand, string> = { low: 'Low', medium: 'Medium', high: 'High', vip: 'VIP' };
export const BAND_TAG: Record<ValueBand, TagType> = { low: 'info', medium: 'primary', high: 'success', vip: 'warning' };

/** One tag per bill: unpaid/overdue beats late, late beats paid. */
export function billTag(bill: Pick<Bill, 'status' | 'paid_late' | 'overdue' | 'days_late'>): { label: string; type: TagType } {
  if (bill.overdue) return { label: `Overdue ${bill.days_late} d`, type: 'danger' };
  if (bill.status === 'unpaid') return { label: 'Unpaid', type: 'warning' };
  if (bill.status === 'partially_paid') return { label: 'Partly paid', type: 'warning' };
  if (bill.paid_late) return { label: `Paid late (${bill.days_late} d)`, type: 'warning' };
  return { label: 'Paid', type: 'success' };
}

/** "3 years 2 months", "5 months". */
export function formatTenure(months: number): string {
  if (!Number.isFinite(months) || months < 0) return '—';
  const y = Math.floor(months / 12);
  const m = months % 12;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (y === 0) return part(m, 'month');
  return m === 0 ? part(y, 'year') : `${part(y, 'year')} ${part(m, 'month')}`;
}

/** "2026-10-01" -> "Oct 2026". */
export function formatMonth(month: string, locale = 'en-US'): string {
  const d = new Date(`${month.slice(0, 7)}-01T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return month;
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}
