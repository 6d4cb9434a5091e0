import type { CampaignReport } from '@lyra/contracts';

const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };
export const GROUP_COLORS = { treated: '#4f6bed', control: '#9aa3b5' } as const;

const pct = (v: number | null) => (v == null ? null : Math.round(v * 10000) / 100);

/**
 * The results chart: the cumulative response rate of treated and control by UTC day since launch
 * (the gap between the lines is the uplift building up). Rates in percent, days as the report gives them.
 */
export function dailyRateOption(daily: CampaignReport['daily']) {
  const series = (name: string, color: string, values: (number | null)[]) => ({
    name,
    type: 'line',
    smooth: false,
    showSymbol: daily.length < 40,
    symbolSize: 6,
    connectNulls: true,
    lineStyle: { width: 2.5, color },
    itemStyle: { color },
    data: values,
  });
  return {
    aria: { enabled: true },
    textStyle: FONT,
    tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v == null ? '—' : `${v.toFixed(2)}%`) },
    legend: { top: 0, icon: 'circle', itemWidth: 9, textStyle: FONT },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: daily.map((d) => d.day), axisLabel: FONT, axisLine: { lineStyle: { color: '#e6e8f0' } } },
    yAxis: { type: 'value', axisLabel: { ...FONT, formatter: '{value}%' }, splitLine: { lineStyle: { color: '#eef0f5' } } },
    series: [
      series('Treated', GROUP_COLORS.treated, daily.map((d) => pct(d.treated_rate))),
      series('Control', GROUP_COLORS.control, daily.map((d) => pct(d.control_rate))),
    ],
  };
}

/**
 * Where the uplift and its 95% interval sit on a scale that always shows zero: left/width in percent
 * of the bar, for the interval strip under the headline number.
 */
export function intervalStrip(u: { estimate: number; lower: number; upper: number }): { zero: number; left: number; width: number; point: number } {
  const lo = Math.min(0, u.lower);
  const hi = Math.max(0, u.upper);
  const pad = (hi - lo) * 0.1 || 0.01;
  const min = lo - pad;
  const span = hi + pad - min;
  const at = (x: number) => ((x - min) / span) * 100;
  return { zero: at(0), left: at(u.lower), width: at(u.upper) - at(u.lower), point: at(u.estimate) };
}
