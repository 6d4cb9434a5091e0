/**
 * Batch scoring of one page of subscribers by one version: the score rows to store (with reasons)
 * and the counts per PSI bin of the page's PSI sample. Pure computation on facts read beforehand, so
 * it runs in the batch scoring worker thread (score-batch.worker.ts) while the API thread reads the
 * next page.
 */
import { psiBinOf } from '@lyra/ml';
import type { Row } from '@lyra/ml';
import { customerRow, modelRow, type BillFact, type CustomerFacts, type OfferFact, type ProductInfo } from '../features/features.js';
import type { NewScoreRow } from '../ml.repository.js';
import { sellableToRule, type OfferTaker, type SellableProduct } from '../../audience/sellable-to.js';
import type { LoadedModel } from './loaded-model.js';
import { toStoredReasons, type StoredReason } from './stored-reasons.js';
import { anyPurchase, rankProducts, topProducts, type ProductScore } from './product-ranking.js';

/** Nice value of the batch scoring thread (0 normal, 19 lowest): scoring yields the CPU to the API's requests. */
export const SCORING_NICE = 10;

/** Product scores stored per subscriber besides the any-product score. */
export const TOP_PRODUCTS = 5;

/** What stays the same for a whole run. */
export interface BatchRun {
  runId: string;
  scoredAt: string;
  campaignId: string | null;
  /** propensity: every product on sale (the PSI sample's pool, as in training); the candidates are among them. */
  sellable: ProductInfo[];
  /** propensity: the products sellable now, as the availability rule reads them (read with the run's partition). */
  offerable: SellableProduct[];
  /** campaign_response: the offer scored. */
  offer: OfferFact | null;
  /** Cut points of the version's training scores (the PSI's bins); null when it has none. */
  psiCuts: number[] | null;
  /** propensity: the share of subscribers in the PSI sample (see inPsiSample). */
  psiSampleRate: number;
}

export interface BatchPage {
  facts: CustomerFacts[];
  /** payment_default_risk: each subscriber's current bill, if any. */
  bills: Map<string, BillFact> | null;
  /** propensity: the page's subscribers as the availability rule reads them (their candidates are the products it lets through). */
  takers: OfferTaker[] | null;
}

export interface BatchResult {
  rows: NewScoreRow[];
  /** Per PSI bin, the page's sample scores in it (empty without cut points). */
  psiCounts: Float64Array;
  /** Where the page's time went in the worker, ms per stage (a partition reports their sums). */
  stages: BatchStages;
}

/** ms per stage of scoring pages: building feature rows, the trees' scores, ranking, TreeSHAP reasons. */
export interface BatchStages {
  rows: number;
  predict: number;
  rank: number;
  reasons: number;
}
export const noStages = (): BatchStages => ({ rows: 0, predict: 0, rank: 0, reasons: 0 });

/**
 * Whether a subscriber is in a run's propensity PSI sample: a seeded hash of the id (FNV-1a) below
 * the rate, so the sample is the same whichever partition or instance scores the subscriber.
 */
export function inPsiSample(id: string, rate: number): boolean {
  if (rate >= 1) return true;
  let h = 0x811c9dc5 ^ 0x5eed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4_294_967_296 < rate;
}

const productIndexes = new WeakMap<ProductInfo[], Map<string, ProductInfo>>();
const rules = new WeakMap<SellableProduct[], ReturnType<typeof sellableToRule>>();
function ruleOf(products: SellableProduct[]): ReturnType<typeof sellableToRule> {
  let rule = rules.get(products);
  if (!rule) rules.set(products, (rule = sellableToRule(products)));
  return rule;
}
function indexOf(products: ProductInfo[]): Map<string, ProductInfo> {
  let index = productIndexes.get(products);
  if (!index) productIndexes.set(products, (index = new Map(products.map((p) => [p.id, p]))));
  return index;
}

export function scoreBatch(model: LoadedModel, run: BatchRun, page: BatchPage): BatchResult {
  const rows: NewScoreRow[] = [];
  const stages = noStages();
  const cuts = run.psiCuts;
  const psiCounts = new Float64Array(cuts ? cuts.length + 1 : 0);
  const count = (p: number) => {
    if (cuts) psiCounts[psiBinOf(cuts, p)]!++;
  };
  const common = { modelName: model.name, modelVersionId: model.id, version: model.version, scoredAt: run.scoredAt, runId: run.runId };
  if (model.name === 'propensity_to_buy') {
    scorePropensity(model, run, page, rows, count, stages);
    return { rows, psiCounts, stages };
  }
  // One row per subscriber: feature rows and scores are timed together, reasons apart.
  const t0 = performance.now();
  if (model.name === 'campaign_response') {
    const offer = run.offer;
    if (!offer) throw new Error('a campaign_response run scores an offer, and none was given');
    for (const f of page.facts) {
      const row = modelRow(f, model.pre, { set: 'response', offer });
      const p = model.score(row);
      count(p);
      const t = performance.now();
      const reasons = toStoredReasons(model.reasons(row));
      stages.reasons += performance.now() - t;
      rows.push({ ...common, customerId: f.id, productId: offer.product?.id ?? null, campaignId: run.campaignId, score: p, uplift: model.upliftOf(row), reasons });
    }
  } else {
    for (const f of page.facts) {
      const bill = page.bills?.get(f.id) ?? null;
      const row = modelRow(f, model.pre, { set: 'default', bill });
      const p = model.score(row);
      // Subscribers without a bill are scored but are not the population the model learnt from.
      if (bill) count(p);
      const t = performance.now();
      const reasons = toStoredReasons(model.reasons(row));
      stages.reasons += performance.now() - t;
      rows.push({ ...common, customerId: f.id, productId: null, campaignId: null, score: p, reasons });
    }
  }
  stages.predict = performance.now() - t0 - stages.reasons;
  return { rows, psiCounts, stages };
}

/**
 * Propensity: each subscriber's candidates (the products that may be offered to them, minus those
 * they hold) get feature rows, all of the page's pairs in one set of typed columns scored in one
 * pass over the trees; TreeSHAP reasons only for the stored top offers.
 *
 * The PSI compares like with like: training's reference scores are evaluation subscribers against
 * every product on sale in their currency (training-set.ts), not the candidates, so the subscribers
 * of a bounded seeded sample (inPsiSample) are scored against that whole pool too and counted; their
 * candidates' scores are taken from it. Scoring everybody against the pool would cost the pruning.
 */
function scorePropensity(model: LoadedModel, run: BatchRun, page: BatchPage, rows: NewScoreRow[], count: (p: number) => void, stages: BatchStages): void {
  const t0 = performance.now();
  const byId = indexOf(run.sellable);
  const offerableTo = ruleOf(run.offerable);
  const takers = new Map((page.takers ?? []).map((t) => [t.id, t]));
  const pre = model.pre;
  type Plan = { f: CustomerFacts; base: ReturnType<typeof customerRow>; candidates: ProductInfo[]; scored: ProductInfo[]; sampled: boolean; start: number };
  const plans: Plan[] = [];
  let pairs = 0;
  for (const f of page.facts) {
    const held = new Set(f.held.map((h) => h.productId));
    const candidates: ProductInfo[] = [];
    const taker = takers.get(f.id);
    for (const { id } of taker ? offerableTo(taker) : []) {
      const p = byId.get(id);
      if (p && !held.has(id)) candidates.push(p);
    }
    const sampled = run.psiCuts !== null && inPsiSample(f.id, run.psiSampleRate);
    const scored = sampled ? run.sellable.filter((p) => p.currency === f.currency) : candidates;
    plans.push({ f, base: customerRow(f, pre), candidates, scored, sampled, start: pairs });
    pairs += scored.length;
  }
  const b = model.rowsBuilder(pairs);
  // Column-wise: a subscriber's features are filled down their columns once for all their pairs, each product's own once per product.
  for (const plan of plans) model.addProductPairs(b, plan.f, plan.base, plan.scored);
  const t1 = performance.now();
  const scores = model.scoreRows(b);
  const t2 = performance.now();
  stages.rows += t1 - t0;
  stages.predict += t2 - t1;

  const common = { modelName: model.name, modelVersionId: model.id, version: model.version, scoredAt: run.scoredAt, runId: run.runId, campaignId: null };
  const ranking: { f: CustomerFacts; any: number; top: ProductScore[] }[] = [];
  const explained: Row[] = [];
  for (const { f, base, candidates, scored, sampled, start } of plans) {
    let ranked: { any: number; top: ProductScore[] };
    if (sampled) {
      const known = new Map<string, number>();
      for (let i = 0; i < scored.length; i++) {
        const p = scores[start + i]!;
        known.set(scored[i]!.id, p);
        count(p);
      }
      // Sorted only: every candidate's score is known.
      const all = rankProducts(model, f, candidates, known);
      ranked = { any: anyPurchase(all), top: all.slice(0, TOP_PRODUCTS) };
    } else {
      // The candidates were scored themselves, in order (held products already left out): rankProducts' top offers without its look-ups or a sort of them all.
      ranked = topProducts(candidates, scores.subarray(start, start + candidates.length), TOP_PRODUCTS);
    }
    const { top } = ranked;
    ranking.push({ f, any: ranked.any, top });
    for (const s of top) explained.push(modelRow(f, pre, { set: 'propensity', product: s.product }, base));
  }
  const t3 = performance.now();
  // The page's stored top offers explained together: the trees are walked once for many rows (see treeShapRows).
  const reasons: StoredReason[][] = model.reasonsOfRows(explained).map(toStoredReasons);
  const t4 = performance.now();
  let at = 0;
  for (const { f, any, top } of ranking) {
    // The any-product row carries the top offer's reasons.
    rows.push({ ...common, customerId: f.id, productId: null, score: any, reasons: top.length > 0 ? reasons[at]! : [] });
    for (const s of top) rows.push({ ...common, customerId: f.id, productId: s.product.id, score: s.propensity, reasons: reasons[at++]! });
  }
  stages.reasons += t4 - t3;
  stages.rank += t3 - t2 + (performance.now() - t4);
}
