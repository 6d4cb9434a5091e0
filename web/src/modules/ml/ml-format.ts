import type { Level, MlMetrics, MlModelName, MlScoringRun, MlStability, MlVersionStatus } from '@lyra/contracts';

type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary';

export const MODEL_LABELS: Record<MlModelName, string> = {
  propensity_to_buy: 'Propensity to buy',
  campaign_response: 'Campaign response',
  payment_default_risk: 'Payment default risk',
};

export const MODEL_BLURBS: Record<MlModelName, string> = {
  propensity_to_buy: 'Which subscribers are likely to buy which catalog product.',
  campaign_response: 'Who responds to a campaign offer, and the uplift of contacting them.',
  payment_default_risk: 'Who is likely to pay bills late or not at all.',
};

export const modelLabel = (name: string): string => (MODEL_LABELS as Record<string, string>)[name] ?? name;

/** 0.8123 -> "0.812"; null/NaN -> "—". AUC, Gini, KS, log loss and Brier are all read at three decimals. */
export function formatMetric(value: number | null | undefined, digits = 3): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/** 0.1234 -> "12.3%". */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return '—';
  // Rare events (purchase propensities of a fraction of a percent) keep two significant digits.
  if (value !== 0 && Math.abs(value) < 0.01) return `${(value * 100).toPrecision(2)}%`;
  // Near-certainties likewise: 0.9996 is not "100.0%".
  if (value < 1 && value > 0.99) {
    for (let d = digits; d <= 4; d++) if ((value * 100).toFixed(d) !== (100).toFixed(d)) return `${(value * 100).toFixed(d)}%`;
    return '>99.99%';
  }
  return `${(value * 100).toFixed(digits)}%`;
}

/** How good an AUC is, in words a marketer can act on. */
export function aucQuality(auc: number | null | undefined): { label: string; type: TagType } | null {
  if (auc == null || !Number.isFinite(auc)) return null;
  if (auc >= 0.8) return { label: 'Strong', type: 'success' };
  if (auc >= 0.7) return { label: 'Good', type: 'primary' };
  if (auc >= 0.6) return { label: 'Fair', type: 'warning' };
  return { label: 'Weak', type: 'danger' };
}

export const STATUS_TAGS: Record<MlVersionStatus, { label: string; type: TagType }> = {
  training: { label: 'Training', type: 'warning' },
  ready: { label: 'Ready', type: 'success' },
  failed: { label: 'Failed', type: 'danger' },
};

export const STABILITY_TAGS: Record<MlStability, { label: string; type: TagType; hint: string }> = {
  stable: { label: 'Stable', type: 'success', hint: 'PSI below 0.1: the scored population looks like the training data.' },
  watch: { label: 'Watch', type: 'warning', hint: 'PSI 0.1 – 0.25: the population is drifting; keep an eye on it.' },
  retrain: { label: 'Retrain', type: 'danger', hint: 'PSI above 0.25: the population has shifted; train a new version.' },
};

/** The documented PSI rule: < 0.1 stable, 0.1 – 0.25 watch, > 0.25 retrain. */
export function stabilityOf(psi: number | null | undefined): MlStability | null {
  if (psi == null || !Number.isFinite(psi)) return null;
  if (psi < 0.1) return 'stable';
  if (psi <= 0.25) return 'watch';
  return 'retrain';
}

/** "Building trees 40 / 200 (20%)"; the stage alone when there is no count. */
export function progressText(p: { stage: string; iteration: number; total: number }): string {
  const stage = p.stage ? p.stage[0]!.toUpperCase() + p.stage.slice(1).replace(/[_-]+/g, ' ') : 'Working';
  if (p.total > 0) return `${stage} ${p.iteration} / ${p.total}`;
  return stage;
}

/** Whole percent 0–100 for a progress bar; 0 until the worker reports a total. */
export function progressPercent(p: { iteration: number; total: number }): number {
  if (!(p.total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.round((p.iteration / p.total) * 100)));
}

/** A high default risk is bad news; a high propensity or response is good news. */
export function levelTag(model: MlModelName, level: Level): { label: string; type: TagType } {
  const risk = model === 'payment_default_risk';
  const label = `${level[0]!.toUpperCase()}${level.slice(1)}${risk ? ' risk' : ''}`;
  if (level === 'medium') return { label, type: 'warning' };
  if (level === 'high') return { label, type: risk ? 'danger' : 'success' };
  return { label, type: risk ? 'success' : 'info' };
}

/**
 * What a level means: levels are cut points of the scores the version gave its training snapshot
 * (top 10% high, next 20% medium), so a small probability can be "high" for a rare event and a large one "low" where
 * most subscribers score higher still. Shown beside the tag so nobody reads it as a fixed percentage.
 */
export function levelHint(model: MlModelName, level: Level, opts: { anyProduct?: boolean } = {}): string {
  const population =
    model === 'propensity_to_buy'
      ? opts.anyProduct
        ? "subscribers' chances of buying any product"
        : 'subscriber–product scores'
      : model === 'campaign_response'
        ? 'subscribers\' response scores'
        : 'subscribers\' default risk scores';
  const where = level === 'high' ? 'among the top 10%' : level === 'medium' ? 'between the top 10% and the top 30%' : 'below the top 30%';
  return `${levelTag(model, level).label}: ${where} of ${population} when this version was trained.`;
}

/** The yes/no field each model answers with. */
const DECISION_FIELDS: Record<MlModelName, string> = {
  propensity_to_buy: 'will_buy',
  campaign_response: 'will_respond',
  payment_default_risk: 'will_default',
};

export interface CutPointRow {
  title: string;
  items: { label: string; value: string; hint: string }[];
}

/**
 * How a version turns probabilities into answers: the yes/no cut and the level cut points, and for
 * propensity the same per subscriber for "any product" with how its mean compares with what happened.
 */
export function cutPointRows(model: MlModelName, m: Pick<MlMetrics, 'thresholds' | 'any_product'>): CutPointRow[] {
  const cuts = (t: MlMetrics['thresholds'], field: string) => [
    { label: `${field} = true`, value: `≥ ${formatPercent(t.decision)}`, hint: 'The probability with the best F1 score on the held-out rows.' },
    { label: levelTag(model, 'high').label, value: `≥ ${formatPercent(t.high)}`, hint: 'Top 10% of the scores when this version was trained.' },
    { label: levelTag(model, 'medium').label, value: `≥ ${formatPercent(t.medium)}`, hint: 'The next 20% of the scores.' },
  ];
  const rows: CutPointRow[] = [{ title: model === 'propensity_to_buy' ? 'Per subscriber and product' : 'Per subscriber', items: cuts(m.thresholds, DECISION_FIELDS[model]) }];
  const any = m.any_product;
  if (model === 'propensity_to_buy' && any) {
    rows.push({
      title: 'Any product, per subscriber',
      items: [
        { label: 'Subscribers', value: any.rows.toLocaleString('en-US'), hint: 'Evaluation subscribers, every available product scored.' },
        { label: 'Bought within 30 days', value: formatPercent(any.rows ? any.positives / any.rows : null), hint: 'Share of those subscribers who bought at least one product in the label window.' },
        ...(any.mean_predicted !== undefined ? [{ label: 'Mean predicted', value: formatPercent(any.mean_predicted), hint: '1 − Π(1 − p) over the products, averaged: close to the share that bought when calibrated.' }] : []),
        { label: 'AUC', value: formatMetric(any.auc), hint: 'How well P(buys any) ranks the subscribers who bought anything.' },
        ...cuts(any.thresholds, 'will_buy'),
      ],
    });
  }
  return rows;
}

export interface ReasonBar {
  feature: string;
  label: string;
  contribution: number;
  direction: 'increases' | 'decreases';
  value: string;
  /** Width of the bar, 0–100, relative to the strongest reason shown. */
  width: number;
}

/** Top reasons by absolute contribution, with bar widths relative to the strongest one. */
export function reasonBars(
  reasons: { feature: string; contribution: number; direction: 'increases' | 'decreases'; value: number | string | null }[],
  limit = 5,
): ReasonBar[] {
  const top = [...reasons].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, limit);
  const max = Math.max(...top.map((r) => Math.abs(r.contribution)), 0);
  return top.map((r) => ({
    feature: r.feature,
    label: featureLabel(r.feature),
    contribution: r.contribution,
    direction: r.direction,
    value: r.value == null ? '—' : typeof r.value === 'number' ? String(Number(r.value.toFixed(3))) : r.value,
    width: max > 0 ? Math.max(4, Math.round((Math.abs(r.contribution) / max) * 100)) : 0,
  }));
}

/** `avg_spend_3m` -> "Avg spend 3m". */
export function featureLabel(feature: string): string {
  const s = feature.replace(/[_-]+/g, ' ').trim();
  return s ? s[0]!.toUpperCase() + s.slice(1) : feature;
}

/** "Quick train": fewer trees on a sample, for a first look in minutes rather than a full run. */
export const QUICK_TRAIN_PARAMS = { n_trees: 60, max_rows: 150_000, early_stopping_rounds: 15 } as const;

/**
 * One headline score per model: propensity_to_buy stores one score per product (and `product_id: null`
 * for "any product"); the card shows the "any product" score, else the highest, and counts the rest.
 */
export function pickHeadlineScores<T extends { model: string; product_id: string | null; campaign_id: string | null; score: number }>(
  scores: T[],
): { score: T; others: number }[] {
  const byModel = new Map<string, T[]>();
  for (const s of scores) byModel.set(s.model, [...(byModel.get(s.model) ?? []), s]);
  const order = ['propensity_to_buy', 'campaign_response', 'payment_default_risk'];
  return [...byModel.entries()]
    .sort(([a], [b]) => (order.indexOf(a) + 99) % 99 - (order.indexOf(b) + 99) % 99)
    .map(([, list]) => {
      const general = list.find((s) => s.product_id == null && s.campaign_id == null);
      const best = general ?? [...list].sort((a, b) => b.score - a.score)[0]!;
      return { score: best, others: list.length - 1 };
    });
}

/**
 * A scoring run under way: "Queued", then subscribers scored of the total and, when the run is
 * shared out in more than one partition, the partitions done ("Scoring 12,400 / 30,000 · 1/3 parts").
 */
export function scoringProgress(r: Pick<MlScoringRun, 'status' | 'total' | 'scored' | 'partitions_total' | 'partitions_done'>): string {
  if (r.status === 'queued') return 'Queued';
  if (!r.total) return 'Scoring…';
  const parts = r.partitions_total > 1 ? ` · ${r.partitions_done}/${r.partitions_total} parts` : '';
  return `Scoring ${r.scored.toLocaleString('en-US')} / ${r.total.toLocaleString('en-US')}${parts}`;
}
