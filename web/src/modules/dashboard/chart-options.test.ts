import { describe, expect, it } from 'vitest';
import type { ProductStats } from '@lyra/contracts';
import { buckets, bySystemOption, byTypeOption, greeting } from './chart-options';

const stats: ProductStats = {
  total: 10,
  active: 9,
  available: 8,
  retired: 1,
  by_type: { data: 4, sms: 0, bundle: 6 },
  by_system: { manual: 3, xiva: 7 },
  sources: [
    { external_system: 'xiva', external_system_id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', external_system_name: 'Xiva BSS', count: 7 },
    { external_system: 'manual', external_system_id: null, external_system_name: null, count: 3 },
  ],
  by_status: { active: 9, retired: 1 },
  last_synced: null,
};

describe('chart options', () => {
  it('drops empty buckets and sorts biggest first', () => {
    expect(buckets(stats.by_type)).toEqual([
      ['bundle', 6],
      ['data', 4],
    ]);
  });

  it('labels and colours product types consistently', () => {
    const data = byTypeOption(stats).series[0]!.data;
    expect(data.map((d) => d.name)).toEqual(['Bundle', 'Data']);
    expect(data[1]!.itemStyle.color).toBe('#1fa4b5');
  });

  it('draws one bar per system', () => {
    const option = bySystemOption(stats);
    expect(option.yAxis.data).toEqual(['Xiva BSS', 'Manual']);
    expect(option.series[0]!.data.map((d) => d.value)).toEqual([7, 3]);
  });

  it('greets by time of day', () => {
    expect(greeting(new Date(2026, 0, 1, 9))).toBe('Good morning');
    expect(greeting(new Date(2026, 0, 1, 14))).toBe('Good afternoon');
    expect(greeting(new Date(2026, 0, 1, 20))).toBe('Good evening');
  });
});
