import { describe, expect, it } from 'vitest';
import { cutPointRows, pickHeadlineScores, aucQuality, featureLabel, formatMetric, formatPercent, levelHint, levelTag, progressPercent, progressText, reasonBars, scoringProgress, stabilityOf } from './ml-format';

describe('metric formatting', () => {
  it('formats metrics at three decimals and blanks missing values', () => {
    expect(formatMetric(0.81234)).toBe('0.812');
    expect(formatMetric(null)).toBe('—');
    expect(formatMetric(Number.NaN)).toBe('—');
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(0.000432)).toBe('0.043%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(0.9996)).toBe('99.96%');
    expect(formatPercent(0.995)).toBe('99.5%');
    expect(formatPercent(0.99999)).toBe('99.999%');
    expect(formatPercent(0.9999999)).toBe('>99.99%');
    expect(formatPercent(1)).toBe('100.0%');
  });

  it('describes AUC quality', () => {
    expect(aucQuality(0.85)?.label).toBe('Strong');
    expect(aucQuality(0.72)?.label).toBe('Good');
    expect(aucQuality(0.61)?.label).toBe('Fair');
    expect(aucQuality(0.52)?.type).toBe('danger');
    expect(aucQuality(null)).toBeNull();
  });

  it('applies the documented PSI bands', () => {
    expect(stabilityOf(0.05)).toBe('stable');
    expect(stabilityOf(0.1)).toBe('watch');
    expect(stabilityOf(0.25)).toBe('watch');
    expect(stabilityOf(0.26)).toBe('retrain');
    expect(stabilityOf(null)).toBeNull();
  });

  it('shows training progress', () => {
    expect(progressText({ stage: 'boosting', iteration: 40, total: 200 })).toBe('Boosting 40 / 200');
    expect(progressText({ stage: 'loading_features', iteration: 0, total: 0 })).toBe('Loading features');
    expect(progressPercent({ iteration: 40, total: 200 })).toBe(20);
    expect(progressPercent({ iteration: 5, total: 0 })).toBe(0);
    expect(progressPercent({ iteration: 300, total: 200 })).toBe(100);
  });
});

describe('score levels', () => {
  it('colours risk the other way round from propensity', () => {
    expect(levelTag('payment_default_risk', 'high')).toEqual({ label: 'High risk', type: 'danger' });
    expect(levelTag('propensity_to_buy', 'high')).toEqual({ label: 'High', type: 'success' });
    expect(levelTag('payment_default_risk', 'low').type).toBe('success');
    expect(levelTag('campaign_response', 'medium').type).toBe('warning');
  });

  it('says a level is relative to the scores of the version, not a fixed probability', () => {
    expect(levelHint('propensity_to_buy', 'high')).toBe('High: among the top 10% of subscriber–product scores when this version was trained.');
    expect(levelHint('propensity_to_buy', 'low', { anyProduct: true })).toBe("Low: below the top 30% of subscribers' chances of buying any product when this version was trained.");
    expect(levelHint('payment_default_risk', 'medium')).toContain('Medium risk: between the top 10% and the top 30%');
  });

  it('keeps the strongest reasons with bars relative to the strongest', () => {
    const bars = reasonBars(
      [
        { feature: 'tenure_months', contribution: 0.1, direction: 'increases', value: 24 },
        { feature: 'late_bills_12m', contribution: -0.4, direction: 'decreases', value: 0 },
        { feature: 'avg_spend_3m', contribution: 0.2, direction: 'increases', value: 12.34567 },
      ],
      2,
    );
    expect(bars.map((b) => [b.feature, b.width, b.direction])).toEqual([
      ['late_bills_12m', 100, 'decreases'],
      ['avg_spend_3m', 50, 'increases'],
    ]);
    expect(bars[1]!.value).toBe('12.346');
    expect(bars[0]!.label).toBe('Late bills 12m');
    expect(featureLabel('device_os')).toBe('Device os');
    expect(reasonBars([])).toEqual([]);
  });
});

describe('headline scores', () => {
  it('shows one score per model: "any product" first, else the highest', () => {
    const s = (model: string, product_id: string | null, score: number) => ({ model, product_id, campaign_id: null, score });
    const picked = pickHeadlineScores([s('payment_default_risk', null, 0.1), s('propensity_to_buy', 'p1', 0.2), s('propensity_to_buy', 'p2', 0.7), s('propensity_to_buy', null, 0.4)]);
    expect(picked.map((p) => [p.score.model, p.score.score, p.others])).toEqual([['propensity_to_buy', 0.4, 2], ['payment_default_risk', 0.1, 0]]);
    expect(pickHeadlineScores([s('propensity_to_buy', 'p1', 0.2), s('propensity_to_buy', 'p2', 0.7)])[0]!.score.score).toBe(0.7);
  });
});

describe('cut points', () => {
  const thresholds = { decision: 0.031, high: 0.012, medium: 0.004 };
  it('lists the yes/no cut and the level cut points of a version', () => {
    expect(cutPointRows('payment_default_risk', { thresholds })).toEqual([
      {
        title: 'Per subscriber',
        items: [
          { label: 'will_default = true', value: '≥ 3.1%', hint: expect.any(String) },
          { label: 'High risk', value: '≥ 1.2%', hint: expect.any(String) },
          { label: 'Medium risk', value: '≥ 0.40%', hint: expect.any(String) },
        ],
      },
    ]);
  });

  it('adds the any-product answer of propensity with its mean beside the share that bought', () => {
    const any = { auc: 0.81, gini: 0.62, ks: 0.5, log_loss: 0.5, brier: 0.17, rows: 2000, positives: 580, mean_predicted: 0.297, thresholds: { decision: 0.3, high: 0.6, medium: 0.4 } };
    const rows = cutPointRows('propensity_to_buy', { thresholds, any_product: any });
    expect(rows.map((r) => r.title)).toEqual(['Per subscriber and product', 'Any product, per subscriber']);
    expect(rows[1]!.items.map((i) => [i.label, i.value])).toEqual([
      ['Subscribers', '2,000'],
      ['Bought within 30 days', '29.0%'],
      ['Mean predicted', '29.7%'],
      ['AUC', '0.810'],
      ['will_buy = true', '≥ 30.0%'],
      ['High', '≥ 60.0%'],
      ['Medium', '≥ 40.0%'],
    ]);
  });
});

describe('scoring progress', () => {
  it('says queued, then subscribers scored of the total and the partitions done when there are several', () => {
    const run = { status: 'running' as const, total: 30_000, scored: 12_400, partitions_total: 3, partitions_done: 1 };
    expect(scoringProgress({ ...run, status: 'queued', total: 0, scored: 0, partitions_total: 0, partitions_done: 0 })).toBe('Queued');
    expect(scoringProgress({ ...run, total: 0, partitions_total: 0 })).toBe('Scoring…');
    expect(scoringProgress(run)).toBe('Scoring 12,400 / 30,000 · 1/3 parts');
    expect(scoringProgress({ ...run, total: 900, scored: 100, partitions_total: 1, partitions_done: 0 })).toBe('Scoring 100 / 900');
  });
});
