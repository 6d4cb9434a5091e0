import { describe, expect, it } from 'vitest';
import { dailyRateOption, intervalStrip } from './report-chart';

describe('report chart', () => {
  it('draws the cumulative rate of each group in percent by day', () => {
    const o = dailyRateOption([
      { day: '2026-12-01', treated_responders: 5, treated_rate: 0.05, control_responders: 1, control_rate: 0.01 },
      { day: '2026-12-02', treated_responders: 9, treated_rate: 0.09, control_responders: 2, control_rate: null },
    ]);
    expect(o.xAxis.data).toEqual(['2026-12-01', '2026-12-02']);
    expect(o.series.map((s) => [s.name, s.data])).toEqual([['Treated', [5, 9]], ['Control', [1, null]]]);
  });

  it('places the interval on a scale that shows zero', () => {
    const s = intervalStrip({ estimate: 0.02, lower: 0.01, upper: 0.03 });
    expect(s.zero).toBeLessThan(s.left);
    expect(s.point).toBeGreaterThan(s.left);
    expect(s.point).toBeLessThan(s.left + s.width);
    const crossing = intervalStrip({ estimate: 0.001, lower: -0.01, upper: 0.012 });
    expect(crossing.left).toBeLessThan(crossing.zero);
    expect(crossing.left + crossing.width).toBeGreaterThan(crossing.zero);
  });
});
