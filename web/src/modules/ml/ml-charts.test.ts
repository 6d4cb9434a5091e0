import { describe, expect, it } from 'vitest';
import type { MlMetrics } from '@lyra/contracts';
import { niceCeil, calibrationOption, importanceHeight, importanceOption, liftOption, qiniOption, rocOption, upliftOption } from './ml-charts';

type Series = { name: string; data: unknown[] };
const series = (o: { series: unknown }) => o.series as Series[];

describe('ML chart options', () => {
  it('sorts ROC points by false positive rate and adds the chance line', () => {
    const o = rocOption({ auc: 0.8123, roc: [{ fpr: 1, tpr: 1, threshold: 0 }, { fpr: 0, tpr: 0, threshold: null }, { fpr: 0.2, tpr: 0.6, threshold: 0.5 }] });
    expect(series(o)[0]!.data).toEqual([[0, 0], [0.2, 0.6], [1, 1]]);
    expect(series(o)[0]!.name).toBe('Model (AUC 0.812)');
    expect(series(o)[1]!.data).toEqual([[0, 0], [1, 1]]);
  });

  it('draws lift per decile and cumulative gain in decile order', () => {
    const row = (decile: number, lift: number | null, gain: number | null) => ({ decile, rows: 10, positives: 1, min_score: 0, max_score: 1, mean_score: 0.5, rate: 0.1, lift, cumulative_gain: gain, cumulative_lift: null });
    const o = liftOption({ lift: [row(2, 1.5, 0.5), row(1, 2.5, 0.3), row(3, null, null)] });
    expect((o.xAxis as { data: string[] }).data).toEqual(['1', '2', '3']);
    expect(series(o)[0]!.data).toEqual([2.5, 1.5, null]);
    expect(series(o)[1]!.data).toEqual([0.3, 0.5, null]);
  });

  it('plots calibration bins as predicted vs observed with a matching diagonal', () => {
    const o = calibrationOption({ calibration: [{ bin: 1, rows: 5, mean_predicted: 0.2, observed_rate: 0.25, lower: 0.1, upper: 0.3 }, { bin: 0, rows: 5, mean_predicted: 0.05, observed_rate: 0.04, lower: 0, upper: 0.08 }] });
    expect(series(o)[0]!.data).toEqual([[0.05, 0.04], [0.2, 0.25]]);
    expect(series(o)[1]!.data).toEqual([[0, 0], [0.3, 0.3]]);
    expect(niceCeil(0.0123)).toBe(0.02);
    expect(niceCeil(0.0009)).toBe(0.0009);
    expect(niceCeil(1.4)).toBe(1);
  });

  it('ranks feature importance as percentages and sizes the chart', () => {
    const m: Pick<MlMetrics, 'feature_importance'> = { feature_importance: [{ feature: 'a_b', importance: 1, share: 0.25, splits: 3 }, { feature: 'c', importance: 3, share: 0.75, splits: 9 }] };
    const o = importanceOption(m);
    expect((o.yAxis as { data: string[] }).data).toEqual(['C', 'A b']);
    expect(series(o)[0]!.data).toEqual([75, 25]);
    expect(importanceHeight(m)).toBe(160);
  });

  it('draws uplift in percentage points and the Qini curve', () => {
    const u = upliftOption({ uplift_deciles: [{ decile: 1, rows: 10, treated: 5, control: 5, treated_rate: 0.3, control_rate: 0.1, observed_uplift: 0.2, mean_predicted_uplift: 0.15 }] });
    expect(series(u)[0]!.data).toEqual([20]);
    expect(series(u)[1]!.data).toEqual([15]);
    expect(upliftOption({}).series[0]!.data).toEqual([]);
    const q = qiniOption({ qini: { qini: 0.1, qini_normalized: 0.3, curve: [{ fraction: 1, incremental: 12 }, { fraction: 0, incremental: 0 }] } });
    expect(series(q)[0]!.data).toEqual([[0, 0], [1, 12]]);
    expect(series(q)[1]!.data).toEqual([[0, 0], [1, 12]]);
  });
});
