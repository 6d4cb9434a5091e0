import { describe, expect, it } from 'vitest';
import type { UsageMonth } from '@lyra/contracts';
import { parseCustomerQuery, toCustomerApiQuery, toCustomerRouteQuery, withCustomerFilters } from './customer-query';
import { billTag, formatMonth, formatTenure } from './customer-labels';
import { usageOption } from './usage-chart';

describe('customer list query', () => {
  it('reads known filters from the URL and drops junk', () => {
    const s = parseCustomerQuery({ search: ' 9665 ', status: 'active', plan_type: 'weird', value_band: 'vip', segment: 'youth', page: '3', page_size: '7' });
    expect(s).toEqual({ filters: { search: ' 9665 ', status: 'active', value_band: 'vip', segment: 'youth' }, page: 3, pageSize: 20 });
  });

  it('writes only non-defaults back to the URL and pages the API', () => {
    const s = { filters: { search: ' ali ', plan_type: 'prepaid' as const }, page: 2, pageSize: 50 };
    expect(toCustomerRouteQuery(s)).toEqual({ search: ' ali ', plan_type: 'prepaid', page: '2', page_size: '50' });
    expect(toCustomerApiQuery(s)).toEqual({ search: 'ali', plan_type: 'prepaid', limit: 50, offset: 50 });
    expect(toCustomerRouteQuery({ filters: {}, page: 1, pageSize: 20 })).toEqual({});
  });

  it('returns to page 1 when a filter changes and clears empty ones', () => {
    const s = withCustomerFilters({ filters: { status: 'active', segment: 'x' }, page: 4, pageSize: 20 }, { segment: '', value_band: 'high' });
    expect(s).toEqual({ filters: { status: 'active', value_band: 'high' }, page: 1, pageSize: 20 });
  });
});

describe('customer labels', () => {
  const bill = { status: 'paid' as const, paid_late: false, overdue: false, days_late: 0 };
  it('tags bills paid, late, unpaid and overdue', () => {
    expect(billTag(bill)).toEqual({ label: 'Paid', type: 'success' });
    expect(billTag({ ...bill, paid_late: true, days_late: 4 })).toEqual({ label: 'Paid late (4 d)', type: 'warning' });
    expect(billTag({ ...bill, status: 'unpaid' })).toEqual({ label: 'Unpaid', type: 'warning' });
    expect(billTag({ ...bill, status: 'partially_paid', overdue: true, days_late: 12 })).toEqual({ label: 'Overdue 12 d', type: 'danger' });
  });

  it('formats tenure and months', () => {
    expect(formatTenure(5)).toBe('5 months');
    expect(formatTenure(12)).toBe('1 year');
    expect(formatTenure(27)).toBe('2 years 3 months');
    expect(formatMonth('2026-03-01')).toBe('Mar 2026');
  });
});

describe('usage chart', () => {
  it('plots months oldest first with spend and data', () => {
    const m = (month: string, spend: string, data_gb: number): UsageMonth => ({ month, spend, data_gb, voice_minutes: 10, sms: 1, topup_count: 0, topup_amount: '0' });
    const o = usageOption([m('2026-02-01', '55.50', 3.456), m('2026-01-01', '40', 2)], 'SAR');
    expect(o.xAxis.data).toEqual(['Jan 2026', 'Feb 2026']);
    expect(o.series[0]!.data).toEqual([40, 55.5]);
    expect(o.series[1]!.data).toEqual([2, 3.46]);
    expect(o.yAxis[0]!.name).toBe('Spend (SAR)');
  });
});
