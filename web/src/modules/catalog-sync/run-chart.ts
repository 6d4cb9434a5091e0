import type { SyncRun } from '@lyra/contracts';
import { SYSTEM_TYPE_LABELS, COUNT_COLORS, COUNT_LABELS, type CountKey } from './sync-labels';

const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };
/** Unchanged items dwarf everything else and say nothing about what a run did; the chart shows changes. */
const CHART_COUNTS: CountKey[] = ['created', 'updated', 'retired', 'skipped', 'failed'];
export const CHART_MAX_RUNS = 30;

const shortTime = (iso: string, timeZone: string | undefined, seconds: boolean) =>
  new Intl.DateTimeFormat('en-US', {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' as const } : {}),
    hourCycle: 'h23',
    timeZone,
  }).format(new Date(iso));

/** Axis labels to the minute, or to the second when several runs started in the same minute. */
function timeLabels(isos: string[], timeZone?: string): string[] {
  const minutes = isos.map((iso) => shortTime(iso, timeZone, false));
  return new Set(minutes).size === minutes.length ? minutes : isos.map((iso) => shortTime(iso, timeZone, true));
}

/**
 * Recent finished runs, oldest on the left: stacked bars of what each run changed and a line of
 * how long it took (right axis, seconds). Active runs are left out until they have a duration.
 */
export function runsChartOption(runs: SyncRun[], timeZone?: string) {
  const done = runs.filter((r) => r.finished_at && r.duration_ms != null).slice(0, CHART_MAX_RUNS).reverse();
  const labels = timeLabels(done.map((r) => r.started_at ?? r.created_at), timeZone);
  const systems = done.map((r) => r.external_system_name ?? SYSTEM_TYPE_LABELS[r.system_type]);
  return {
    textStyle: FONT,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      // The system name leads each tooltip: bars from different systems sit side by side.
      formatter: (params: { dataIndex: number; seriesName: string; value: number; marker: string }[]) => {
        const i = params[0]?.dataIndex ?? 0;
        const lines = params.filter((p) => p.value > 0 || p.seriesName === 'Duration (s)').map((p) => `${p.marker}${p.seriesName}: <b>${p.value}</b>`);
        return [`<b>${systems[i] ?? ''}</b> · ${labels[i] ?? ''}`, ...lines].join('<br/>');
      },
    },
    legend: { top: 0, left: 0, icon: 'circle', itemWidth: 9, textStyle: FONT },
    grid: { left: 8, right: 8, top: 48, bottom: 4, containLabel: true },
    xAxis: { type: 'category', data: labels, axisTick: { show: false }, axisLine: { lineStyle: { color: '#e6e8f0' } }, axisLabel: { ...FONT, fontSize: 11 } },
    yAxis: [
      { type: 'value', name: 'items', minInterval: 1, nameTextStyle: FONT, splitLine: { lineStyle: { color: '#eef0f5' } }, axisLabel: FONT },
      { type: 'value', name: 's', nameTextStyle: FONT, splitLine: { show: false }, axisLabel: FONT },
    ],
    series: [
      ...CHART_COUNTS.map((key) => ({
        name: COUNT_LABELS[key],
        type: 'bar' as const,
        stack: 'counts',
        barMaxWidth: 26,
        itemStyle: { color: COUNT_COLORS[key] },
        data: done.map((r) => r.counts[key]),
      })),
      {
        name: 'Duration (s)',
        type: 'line' as const,
        yAxisIndex: 1,
        smooth: true,
        symbolSize: 6,
        itemStyle: { color: '#1fa4b5' },
        lineStyle: { width: 2 },
        data: done.map((r) => Math.round((r.duration_ms ?? 0) / 100) / 10),
      },
    ],
  };
}
