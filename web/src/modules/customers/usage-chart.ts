import type { UsageMonth } from '@lyra/contracts';
import { formatMonth } from './customer-labels';

const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };

/** Spend (bars, left axis) and data use (line, right axis) per month, oldest first. The API answers newest first. */
export function usageOption(months: UsageMonth[], currency: string) {
  const rows = [...months].sort((a, b) => a.month.localeCompare(b.month));
  return {
    textStyle: FONT,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, left: 'center', textStyle: FONT, itemWidth: 14 },
    grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: rows.map((r) => formatMonth(r.month)), axisLabel: FONT, axisTick: { show: false }, axisLine: { lineStyle: { color: '#e6e8f0' } } },
    yAxis: [
      { type: 'value', name: `Spend (${currency})`, nameTextStyle: FONT, axisLabel: FONT, splitLine: { lineStyle: { color: '#eef0f5' } } },
      { type: 'value', name: 'Data (GB)', nameTextStyle: FONT, axisLabel: FONT, splitLine: { show: false } },
    ],
    series: [
      { name: 'Spend', type: 'bar', barMaxWidth: 26, data: rows.map((r) => Number(r.spend)), itemStyle: { color: '#5b4fe0', borderRadius: [4, 4, 0, 0] } },
      { name: 'Data (GB)', type: 'line', yAxisIndex: 1, smooth: true, data: rows.map((r) => Number(r.data_gb.toFixed(2))), itemStyle: { color: '#1fa4b5' }, lineStyle: { color: '#1fa4b5', width: 2 } },
    ],
  };
}
