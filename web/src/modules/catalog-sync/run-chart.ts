import { SYSTEM_TYPES, type SyncRun } from '@lyra/contracts';
import { formatDuration, formatTime } from '../../lib/format';
import { readableRunError } from './run-summary';
import { MODE_LABELS, SYSTEM_TYPE_LABELS, TRIGGER_LABELS, statusLabel } from './sync-labels';

const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };
export const CHART_MAX_RUNS = 30;
/** One colour per system line, in legend order; red is kept for failed runs. */
const PALETTE = ['#5b4fe0', '#2f9e62', '#e08a1e', '#1fa4b5', '#c2407a', '#56607a', '#8f6ad8', '#7a9a1e'];
const FAILED = '#e5484d';
const PARTIAL = '#d29a00';

export const CHART_METRICS = ['changed', 'read', 'duration'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];
export const CHART_METRIC_LABELS: Record<ChartMetric, string> = { changed: 'Items changed', read: 'Items read', duration: 'Duration' };

/** Created + updated + retired: what a run did to the catalog (unchanged items say nothing). */
export const changedItems = (r: SyncRun): number => r.counts.created + r.counts.updated + r.counts.retired;

function metricValue(r: SyncRun, metric: ChartMetric): number {
  if (metric === 'duration') return Math.round((r.duration_ms ?? 0) / 100) / 10;
  return metric === 'read' ? r.progress.items_read : changedItems(r);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** When a run happened on the chart: when it started, or was queued if it never started. */
const runTime = (r: SyncRun): number => Date.parse(r.started_at ?? r.created_at);

export interface ChartSystem {
  id: string;
  name: string;
  color: string;
  runs: SyncRun[];
}

/**
 * The finished runs grouped per system (a line each), in system-type order, oldest run first.
 * Two systems with the same name are told apart by their type.
 */
export function chartSystems(runs: SyncRun[]): ChartSystem[] {
  const done = runs.filter((r) => r.finished_at && Number.isFinite(runTime(r))).slice(0, CHART_MAX_RUNS);
  const bySystem = new Map<string, SyncRun[]>();
  for (const r of done) bySystem.set(r.external_system_id, [...(bySystem.get(r.external_system_id) ?? []), r]);
  const order = SYSTEM_TYPES as readonly string[];
  const groups = [...bySystem.values()]
    .map((list) => list.sort((a, b) => runTime(a) - runTime(b)))
    .sort((a, b) => order.indexOf(a[0]!.system_type) - order.indexOf(b[0]!.system_type) || nameOf(a[0]!).localeCompare(nameOf(b[0]!)));
  const names = groups.map((list) => nameOf(list[0]!));
  return groups.map((list, i) => {
    const first = list[0]!;
    const name = names.indexOf(names[i]!) !== i || names.lastIndexOf(names[i]!) !== i ? `${names[i]} (${SYSTEM_TYPE_LABELS[first.system_type]})` : names[i]!;
    return { id: first.external_system_id, name, color: PALETTE[i % PALETTE.length]!, runs: list };
  });
}

function nameOf(r: SyncRun): string {
  return r.external_system_name ?? SYSTEM_TYPE_LABELS[r.system_type];
}

/** A point's look says how its run ended: ▲ failed, ◆ partly succeeded, ○ cancelled, ● succeeded. */
function point(r: SyncRun, metric: ChartMetric) {
  const value: [number, number] = [runTime(r), metricValue(r, metric)];
  switch (r.status) {
    case 'failed':
      return { value, symbol: 'triangle', symbolSize: 12, itemStyle: { color: FAILED, borderColor: '#fff', borderWidth: 1 } };
    case 'partially_succeeded':
      return { value, symbol: 'diamond', symbolSize: 12, itemStyle: { borderColor: PARTIAL, borderWidth: 2 } };
    case 'cancelled':
      return { value, symbol: 'emptyCircle', symbolSize: 9 };
    default:
      return { value, symbol: 'circle', symbolSize: 8 };
  }
}

function tooltipHtml(r: SyncRun, system: ChartSystem, marker: string): string {
  const c = r.counts;
  const lines = [
    `${marker}<b>${escapeHtml(system.name)}</b>`,
    `${escapeHtml(formatTime(r.started_at ?? r.created_at, { seconds: true }))} · ${MODE_LABELS[r.mode ?? r.requested_mode]} · ${TRIGGER_LABELS[r.trigger]}`,
    `<b>${escapeHtml(statusLabel(r.status))}</b> in ${escapeHtml(formatDuration(r.duration_ms))}`,
    `Read ${r.progress.items_read.toLocaleString('en-US')} · created ${c.created} · updated ${c.updated} · retired ${c.retired}${c.skipped + c.failed ? ` · errors ${c.skipped + c.failed}` : ''}`,
  ];
  const reason = readableRunError(r.error);
  if (reason && r.status !== 'succeeded') lines.push(`<span style="color:${r.status === 'failed' ? FAILED : '#8a6100'}">${escapeHtml(reason.length > 140 ? `${reason.slice(0, 139)}…` : reason)}</span>`);
  return `<div style="max-width:360px;white-space:normal;line-height:1.5">${lines.join('<br/>')}</div>`;
}

/**
 * Recent finished runs on a real time axis (UTC), one line per system with a legend naming the
 * systems, so runs of different systems are never joined and gaps in time look like gaps.
 * `runAt` maps a clicked point back to its run.
 */
export function runsChart(runs: SyncRun[], metric: ChartMetric = 'changed') {
  const systems = chartSystems(runs);
  const times = systems.flatMap((s) => s.runs.map(runTime));
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  // A little air either side, so a lone run or the newest one is not drawn on the frame.
  const pad = Math.max(60_000, span * 0.04);
  const runAt = (seriesIndex: number, dataIndex: number): SyncRun | null => systems[seriesIndex]?.runs[dataIndex] ?? null;

  const option = {
    useUTC: true,
    aria: { enabled: true, decal: { show: false } },
    textStyle: FONT,
    color: systems.map((s) => s.color),
    tooltip: {
      trigger: 'item' as const,
      confine: true,
      formatter: (p: { seriesIndex: number; dataIndex: number; marker: string }) => {
        const r = runAt(p.seriesIndex, p.dataIndex);
        return r ? tooltipHtml(r, systems[p.seriesIndex]!, p.marker) : '';
      },
    },
    legend: { top: 0, left: 0, icon: 'roundRect', itemWidth: 14, itemHeight: 8, textStyle: { ...FONT, fontSize: 12.5 }, data: systems.map((s) => s.name) },
    grid: { left: 8, right: 16, top: 56, bottom: 4, containLabel: true },
    xAxis: {
      type: 'time' as const,
      min: times.length ? Math.min(...times) - pad : undefined,
      max: times.length ? Math.max(...times) + pad : undefined,
      axisTick: { show: false },
      axisLine: { lineStyle: { color: '#e6e8f0' } },
      splitLine: { show: false },
      // The console's one time style (2026-12-03, 06:31), in UTC like every time on the page.
      axisLabel: {
        ...FONT,
        fontSize: 11,
        hideOverlap: true,
        formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}', millisecond: '{HH}:{mm}:{ss}' },
      },
    },
    yAxis: {
      type: 'value' as const,
      name: metric === 'duration' ? 'seconds' : 'items',
      minInterval: metric === 'duration' ? 0 : 1,
      nameTextStyle: { ...FONT, align: 'left' as const },
      splitLine: { lineStyle: { color: '#eef0f5' } },
      axisLabel: FONT,
    },
    series: systems.map((s) => ({
      id: s.id,
      name: s.name,
      type: 'line' as const,
      showSymbol: true,
      showAllSymbol: true,
      lineStyle: { width: 2, color: s.color },
      itemStyle: { color: s.color },
      emphasis: { focus: 'series' as const },
      cursor: 'pointer',
      data: s.runs.map((r) => point(r, metric)),
    })),
  };
  return { option, systems, runAt };
}
