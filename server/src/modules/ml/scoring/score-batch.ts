/**
 * Batch scoring of one page of subscribers by one version: the score rows to store (with reasons)
 * and the scores that feed the run's PSI. Pure computation on facts read beforehand, so it runs in
 * the batch scoring worker thread (score-batch.worker.ts) while the API thread reads the next page.
 */
import { customerRow, modelParts, modelRow, type BillFact, type CustomerFacts, type OfferFact, type ProductInfo } from '../features/features.js';
import { availableTo } from '../features/targeting.js';
import type { NewScoreRow } from '../ml.repository.js';
import type { LoadedModel } from './loaded-model.js';
import { anyPurchase, rankProducts } from './product-ranking.js';

/** Product scores stored per subscriber besides the any-product score. */
export const TOP_PRODUCTS = 5;

/** What stays the same for a whole run. */
export interface BatchRun {
  runId: string;
  scoredAt: string;
  campaignId: string | null;
  /** propensity: every sellable product (the PSI's population, as in training). */
  sellable: ProductInfo[];
  /** propensity: the available catalog at the start of the run (the ranking's candidates). */
  available: ProductInfo[];
  /** campaign_response: the offer scored. */
  offer: OfferFact | null;
}

export interface BatchPage {
  facts: CustomerFacts[];
  /** payment_default_risk: each subscriber's current bill, if any. */
  bills: Map<string, BillFact> | null;
}

export interface BatchResult {
  rows: NewScoreRow[];
  psiScores: Float64Array;
}

type Reasons = Record<string, unknown>[];

export function scoreBatch(model: LoadedModel, run: BatchRun, page: BatchPage): BatchResult {
  const rows: NewScoreRow[] = [];
  const psiScores: number[] = [];
  const common = { modelName: model.name, modelVersionId: model.id, version: model.version, scoredAt: run.scoredAt, runId: run.runId };
  if (model.name === 'propensity_to_buy') {
    for (const f of page.facts) {
      // The PSI compares like with like: all sellable products, as in training.
      const base = customerRow(f, model.pre);
      const pool = run.sellable.filter((p) => p.currency === f.currency);
      const pooled = model.scoreMany(pool.map((product) => modelParts(f, model.pre, { set: 'propensity', product }, base)));
      for (const p of pooled) psiScores.push(p);
      // The ranking reuses these scores: the products a subscriber may be offered are sellable ones.
      const ranked = rankProducts(model, f, availableTo(run.available, f), new Map(pool.map((p, i) => [p.id, pooled[i]!])));
      const top = ranked.slice(0, TOP_PRODUCTS);
      const reasonsOf = (p: ProductInfo) => model.reasons(modelRow(f, model.pre, { set: 'propensity', product: p }, base)) as unknown as Reasons;
      const topReasons = top[0] ? reasonsOf(top[0].product) : [];
      rows.push({ ...common, customerId: f.id, productId: null, campaignId: null, score: anyPurchase(ranked), reasons: topReasons });
      top.forEach((s, i) => rows.push({ ...common, customerId: f.id, productId: s.product.id, campaignId: null, score: s.propensity, reasons: i === 0 ? topReasons : reasonsOf(s.product) }));
    }
  } else if (model.name === 'campaign_response') {
    const offer = run.offer;
    if (!offer) throw new Error('a campaign_response run scores an offer, and none was given');
    for (const f of page.facts) {
      const row = modelRow(f, model.pre, { set: 'response', offer });
      const p = model.score(row);
      psiScores.push(p);
      rows.push({ ...common, customerId: f.id, productId: offer.product?.id ?? null, campaignId: run.campaignId, score: p, uplift: model.upliftOf(row), reasons: model.reasons(row) as unknown as Reasons });
    }
  } else {
    for (const f of page.facts) {
      const bill = page.bills?.get(f.id) ?? null;
      const row = modelRow(f, model.pre, { set: 'default', bill });
      const p = model.score(row);
      // Subscribers without a bill are scored but are not the population the model learnt from.
      if (bill) psiScores.push(p);
      rows.push({ ...common, customerId: f.id, productId: null, campaignId: null, score: p, reasons: model.reasons(row) as unknown as Reasons });
    }
  }
  return { rows, psiScores: Float64Array.from(psiScores) };
}
