import type { ProductStats } from '@lyra/contracts';
import { PRODUCT_TYPE_COLORS, PRODUCT_TYPE_LABELS, SYSTEM_COLORS, SYSTEM_LABELS, labelOf } from '../products/product-labels';

const FALLBACK = '#8a94a6';
export const DONUT_CENTER_X = 36;
const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };

/** Non-empty buckets, biggest first: an empty slice or bar only adds noise. */
export function buckets(record: Record<string, number>): [string, number][] {
  return Object.entries(record)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function byTypeOption(stats: ProductStats) {
  const data = buckets(stats.by_type).map(([key, value]) => ({
    name: labelOf(PRODUCT_TYPE_LABELS, key),
    value,
    itemStyle: { color: (PRODUCT_TYPE_COLORS as Record<string, string>)[key] ?? FALLBACK },
  }));
  return {
    textStyle: FONT,
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { orient: 'vertical', right: 8, top: 'middle', icon: 'circle', itemWidth: 9, textStyle: FONT },
    series: [
      {
        type: 'pie',
        radius: ['52%', '78%'],
        // The total is drawn in the hole by the component (HTML), centred on this point.
        center: [`${DONUT_CENTER_X}%`, '50%'],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        label: { show: false },
        emphasis: { scale: true, scaleSize: 4 },
        labelLine: { show: false },
        data,
      },
    ],
  };
}

export function bySystemOption(stats: ProductStats) {
  const rows = buckets(stats.by_system);
  return {
    textStyle: FONT,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 44, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', splitLine: { lineStyle: { color: '#eef0f5' } }, axisLabel: FONT, minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: rows.map(([key]) => labelOf(SYSTEM_LABELS, key)),
      axisTick: { show: false },
      axisLine: { lineStyle: { color: '#e6e8f0' } },
      axisLabel: { ...FONT, color: '#1d2033' },
    },
    series: [
      {
        type: 'bar',
        barWidth: 18,
        data: rows.map(([key, value]) => ({ value, itemStyle: { color: (SYSTEM_COLORS as Record<string, string>)[key] ?? FALLBACK, borderRadius: [0, 6, 6, 0] } })),
        label: { show: true, position: 'right', color: '#1d2033', fontWeight: 600 },
      },
    ],
  };
}

export function greeting(now: Date): string {
  const h = now.getHours();
  return h < 12 ? 'Good morning' : h < 18 ? 'Good afternoon' : 'Good evening';
}
