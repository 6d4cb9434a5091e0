import type { MlMetrics } from '@lyra/contracts';
import { featureLabel } from './ml-format';

const FONT = { fontFamily: 'Inter, Segoe UI, Helvetica Neue, Arial, sans-serif', color: '#6b7186' };
const PRIMARY = '#5b4fe0';
const ACCENT = '#1fa4b5';
const MUTED = '#b4b9c8';
const SPLIT = { lineStyle: { color: '#eef0f5' } };
const round = (n: number, d = 3) => Number(n.toFixed(d));

/** Rounds up to one significant digit (0.0123 -> 0.02, 0.287 -> 0.3) so rare-event plots zoom in with clean ticks. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(x));
  return Math.min(1, Number((Math.ceil(x / step - 1e-9) * step).toPrecision(1)));
}

const valueAxis = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'value',
  name,
  nameLocation: 'middle',
  nameGap: 30,
  nameTextStyle: FONT,
  axisLabel: FONT,
  splitLine: SPLIT,
  ...extra,
});
const unitAxis = (name: string) => valueAxis(name, { min: 0, max: 1 });
const base = { textStyle: FONT, grid: { left: 48, right: 16, top: 36, bottom: 44 }, legend: { top: 0, right: 0, textStyle: FONT, itemWidth: 14 } };
const diagonal = (name: string) => ({ name, type: 'line', data: [[0, 0], [1, 1]], symbol: 'none', lineStyle: { color: MUTED, type: 'dashed', width: 1 }, tooltip: { show: false } });

/** ROC: true positive rate against false positive rate, with the chance diagonal. */
export function rocOption(metrics: Pick<MlMetrics, 'roc' | 'auc'>) {
  const points = [...metrics.roc].sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr).map((p) => [round(p.fpr), round(p.tpr)]);
  return {
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => String(v) },
    xAxis: unitAxis('False positive rate'),
    yAxis: unitAxis('True positive rate'),
    series: [
      { name: `Model (AUC ${metrics.auc == null ? '—' : metrics.auc.toFixed(3)})`, type: 'line', data: points, symbol: 'none', smooth: false, lineStyle: { color: PRIMARY, width: 2 }, itemStyle: { color: PRIMARY }, areaStyle: { color: 'rgba(91,79,224,0.08)' } },
      diagonal('Random'),
    ],
  };
}

/** Lift per decile (bars) and cumulative gain (line, right axis). Decile 1 holds the highest scores. */
export function liftOption(metrics: Pick<MlMetrics, 'lift'>) {
  const rows = [...metrics.lift].sort((a, b) => a.decile - b.decile);
  return {
    ...base,
    grid: { ...base.grid, right: 48 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', name: 'Decile (highest scores first)', nameLocation: 'middle', nameGap: 30, nameTextStyle: FONT, data: rows.map((r) => String(r.decile)), axisLabel: FONT, axisTick: { show: false } },
    yAxis: [valueAxis('Lift', { nameGap: 32 }), valueAxis('', { min: 0, max: 1, position: 'right', splitLine: { show: false }, axisLabel: { ...FONT, formatter: (v: number) => `${Math.round(v * 100)}%` } })],
    series: [
      { name: 'Lift', type: 'bar', barWidth: '55%', data: rows.map((r) => (r.lift == null ? null : round(r.lift, 2))), itemStyle: { color: PRIMARY, borderRadius: [4, 4, 0, 0] } },
      { name: 'Cumulative gain', type: 'line', yAxisIndex: 1, data: rows.map((r) => (r.cumulative_gain == null ? null : round(r.cumulative_gain))), itemStyle: { color: ACCENT }, lineStyle: { color: ACCENT, width: 2 } },
    ],
  };
}

/** Calibration: observed rate against mean predicted probability per bin; perfect calibration is the diagonal. */
export function calibrationOption(metrics: Pick<MlMetrics, 'calibration'>) {
  const rows = [...metrics.calibration].sort((a, b) => a.mean_predicted - b.mean_predicted);
  const top = niceCeil(Math.min(1, Math.max(0.001, ...rows.flatMap((r) => [r.mean_predicted, r.observed_rate])) * 1.15));
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (p: { value: number[] }) => `predicted ${p.value[0]}<br/>observed ${p.value[1]}` },
    xAxis: valueAxis('Mean predicted probability', { min: 0, max: top }),
    yAxis: valueAxis('Observed rate', { min: 0, max: top }),
    series: [
      { name: 'Model', type: 'line', data: rows.map((r) => [round(r.mean_predicted), round(r.observed_rate)]), symbol: 'circle', symbolSize: 8, lineStyle: { color: PRIMARY, width: 2 }, itemStyle: { color: PRIMARY } },
      { ...diagonal('Perfectly calibrated'), data: [[0, 0], [top, top]] },
    ],
  };
}

/** Feature importance as horizontal bars, strongest on top. */
export function importanceOption(metrics: Pick<MlMetrics, 'feature_importance'>, limit = 12) {
  const rows = [...metrics.feature_importance].sort((a, b) => b.share - a.share).slice(0, limit);
  return {
    textStyle: FONT,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => `${v}%` },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', axisLabel: { ...FONT, formatter: '{value}%' }, splitLine: SPLIT },
    yAxis: { type: 'category', inverse: true, data: rows.map((r) => featureLabel(r.feature)), axisTick: { show: false }, axisLabel: { ...FONT, color: '#1d2033' }, axisLine: { lineStyle: { color: '#e6e8f0' } } },
    series: [{ name: 'Share of importance', type: 'bar', barWidth: 14, data: rows.map((r) => round(r.share * 100, 1)), itemStyle: { color: ACCENT, borderRadius: [0, 4, 4, 0] }, label: { show: true, position: 'right', formatter: '{c}%', ...FONT } }],
  };
}

/** Height for the importance chart so every bar gets room. */
export const importanceHeight = (metrics: Pick<MlMetrics, 'feature_importance'>, limit = 12) => Math.max(160, Math.min(limit, metrics.feature_importance.length) * 26 + 24);

/** campaign_response: observed vs predicted uplift per decile. */
export function upliftOption(metrics: Pick<MlMetrics, 'uplift_deciles'>) {
  const rows = [...(metrics.uplift_deciles ?? [])].sort((a, b) => a.decile - b.decile);
  const pct = (v: number | null) => (v == null ? null : round(v * 100, 2));
  return {
    ...base,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number | null) => (v == null ? '—' : `${v} pp`) },
    xAxis: { type: 'category', name: 'Decile (highest predicted uplift first)', nameLocation: 'middle', nameGap: 30, nameTextStyle: FONT, data: rows.map((r) => String(r.decile)), axisLabel: FONT, axisTick: { show: false } },
    yAxis: valueAxis('Uplift (pp)', { nameGap: 36 }),
    series: [
      { name: 'Observed uplift', type: 'bar', barWidth: '45%', data: rows.map((r) => pct(r.observed_uplift)), itemStyle: { color: PRIMARY, borderRadius: [4, 4, 0, 0] } },
      { name: 'Predicted uplift', type: 'line', data: rows.map((r) => pct(r.mean_predicted_uplift)), itemStyle: { color: ACCENT }, lineStyle: { color: ACCENT, width: 2 } },
    ],
  };
}

/** The Qini curve: incremental responders against the fraction of the base targeted. */
export function qiniOption(metrics: Pick<MlMetrics, 'qini'>) {
  const curve = [...(metrics.qini?.curve ?? [])].sort((a, b) => a.fraction - b.fraction);
  const last = curve[curve.length - 1];
  return {
    ...base,
    tooltip: { trigger: 'axis' },
    xAxis: valueAxis('Fraction targeted', { min: 0, max: 1 }),
    yAxis: valueAxis('Incremental responders', { nameGap: 40 }),
    series: [
      { name: 'Model', type: 'line', data: curve.map((p) => [round(p.fraction), round(p.incremental, 2)]), symbol: 'none', lineStyle: { color: PRIMARY, width: 2 }, itemStyle: { color: PRIMARY } },
      { ...diagonal('Random targeting'), data: [[0, 0], [1, last ? round(last.incremental, 2) : 0]] },
    ],
  };
}
