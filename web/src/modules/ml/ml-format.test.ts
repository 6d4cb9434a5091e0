import { describe, expect, it } from 'vitest';
import { pickHeadlineScores, aucQuality, featureLabel, formatMetric, formatPercent, levelHint, levelTag, progressPercent, progressText, reasonBars, stabilityOf } from './ml-format';

describe('metric formatting', () => {
  it('formats metrics at three decimals and blanks missing values', () => {
    expect(formatMetric(0.81234)).toBe('0.812');
    expect(formatMetric(null)).toBe('—');
    expect(formatMetric(Number.NaN)).toBe('—');
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(0.000432)).toBe('0.043%');
    expect(formatPercent(0)).toBe('0.0%');
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
