/**
 * Single predictions with the active version of each model, answering the seed API's keys (both
 * the names and their aliases), and what the subscriber pages read: the latest batch scores and the
 * recommended products. Features are computed for the one subscriber as of today from data before
 * today, by the same definition training used; the loaded model comes from the registry's cache.
 */
import type {
  CampaignResponsePrediction, CustomerScoreList, DefaultRiskPrediction, MlPrediction, MlPredictRequest, PropensityPrediction, RecommendedProductList,
} from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import { todayUtc } from '../../lib/time.js';
import { TtlCache } from '../../lib/versioned-cache.js';
import type { CustomersRepository } from '../customers/customers.repository.js';
import type { AvailableCatalog } from './features/available-catalog.js';
import { customerRow, modelRow, type CustomerFacts } from './features/features.js';
import type { FeaturesRepository } from './features/features.repository.js';
import { offerFor, productById, type OfferSources } from './features/offers.js';
import { toCustomerScore } from './ml.mapper.js';
import type { MlRepository } from './ml.repository.js';
import type { RegistryService } from './registry.service.js';
import { anyPurchase, scoreAvailableProducts } from './scoring/product-ranking.js';

const OFFER_TTL_MS = 60_000;

export interface PredictionsServiceDeps {
  registry: Pick<RegistryService, 'activeModel'>;
  features: Pick<FeaturesRepository, 'customerFacts' | 'productsByIds' | 'campaignOffer' | 'currentBills' | 'productNames'>;
  catalog: AvailableCatalog;
  customers: Pick<CustomersRepository, 'findById'>;
  ml: Pick<MlRepository, 'latestScores'>;
  clock?: () => Date;
}

/** The yes/no answer is right with this probability (the probabilities are calibrated). */
const confidenceOf = (p: number, yes: boolean) => (yes ? p : 1 - p);

export function createPredictionsService(deps: PredictionsServiceDeps) {
  const { registry, features, catalog } = deps;
  const now = deps.clock ?? (() => new Date());
  // A campaign's offer (its most offered product and channel) is read once a minute, not per prediction.
  const offers = new TtlCache<{ productId: string | null; channel: string | null }>(OFFER_TTL_MS);
  const sources: OfferSources = {
    catalog,
    features: {
      productsByIds: (ids) => features.productsByIds(ids),
      async campaignOffer(id) {
        const hit = offers.get(id);
        if (hit) return hit;
        const offer = await features.campaignOffer(id);
        if (offer) offers.set(id, offer);
        return offer;
      },
    },
  };

  async function subscriber(customerId: string, asOf: string): Promise<CustomerFacts> {
    const [facts] = await features.customerFacts([customerId], asOf);
    if (!facts) throw AppError.notFound('Customer');
    return facts;
  }

  /**
   * With a product: P(the subscriber buys it in the next 30 days). Without: P(buys any available
   * product they do not hold), with the reasons of the most likely product.
   */
  async function propensityToBuy(customerId: string, productId?: string): Promise<PropensityPrediction> {
    const model = await registry.activeModel('propensity_to_buy');
    const at = now();
    const f = await subscriber(customerId, todayUtc(at));
    let p: number;
    let reasons: PropensityPrediction['reasons'];
    let t = model.thresholds;
    if (productId) {
      const row = modelRow(f, model.pre, { set: 'propensity', product: await productById(sources, productId) });
      p = model.score(row);
      reasons = model.reasons(row);
    } else {
      const scores = await scoreAvailableProducts(catalog, model, f);
      p = anyPurchase(scores);
      reasons = scores[0] ? model.reasons(modelRow(f, model.pre, { set: 'propensity', product: scores[0].product })) : [];
      t = model.anyThresholds ?? t;
    }
    const willBuy = p >= t.decision;
    return {
      propensity: p,
      propensity_score: p,
      will_buy: willBuy,
      propensity_level: model.level(p, t),
      confidence: confidenceOf(p, willBuy),
      model_version: model.version,
      scored_at: at.toISOString(),
      reasons,
    };
  }

  async function campaignResponse(customerId: string, campaignId?: string, productId?: string): Promise<CampaignResponsePrediction> {
    const model = await registry.activeModel('campaign_response');
    const at = now();
    const f = await subscriber(customerId, todayUtc(at));
    const row = modelRow(f, model.pre, { set: 'response', offer: await offerFor(sources, campaignId, productId) });
    const p = model.score(row);
    const yes = p >= model.thresholds.decision;
    const uplift = model.upliftOf(row);
    return {
      will_respond: yes,
      response_prediction: yes,
      response_probability: p,
      ...(uplift !== null && { uplift }),
      confidence: confidenceOf(p, yes),
      model_version: model.version,
      scored_at: at.toISOString(),
      reasons: model.reasons(row),
    };
  }

  /** P(the subscriber's current bill is still unpaid 30 days after its due date). */
  async function paymentDefaultRisk(customerId: string): Promise<DefaultRiskPrediction> {
    const model = await registry.activeModel('payment_default_risk');
    const at = now();
    const today = todayUtc(at);
    const f = await subscriber(customerId, today);
    const bill = (await features.currentBills([customerId], today)).get(customerId) ?? null;
    const row = modelRow(f, model.pre, { set: 'default', bill });
    const p = model.score(row);
    const yes = p >= model.thresholds.decision;
    return {
      default_risk: p,
      default_risk_score: p,
      risk_level: model.level(p),
      will_default: yes,
      confidence: confidenceOf(p, yes),
      model_version: model.version,
      scored_at: at.toISOString(),
      reasons: model.reasons(row),
    };
  }

  return {
    predict(req: MlPredictRequest): Promise<MlPrediction> {
      switch (req.model) {
        case 'propensity_to_buy':
          return propensityToBuy(req.customer_id, req.product_id);
        case 'campaign_response':
          return campaignResponse(req.customer_id, req.campaign_id, req.product_id);
        case 'payment_default_risk':
          return paymentDefaultRisk(req.customer_id);
      }
    },

    async customerScores(customerId: string): Promise<CustomerScoreList> {
      if (!(await deps.customers.findById(customerId))) throw AppError.notFound('Customer');
      const rows = await deps.ml.latestScores(customerId);
      return { count: rows.length, results: rows.map(toCustomerScore) };
    },

    async recommendedProducts(customerId: string, limit: number): Promise<RecommendedProductList> {
      const model = await registry.activeModel('propensity_to_buy');
      const at = now();
      const [f] = await features.customerFacts([customerId], todayUtc(at));
      if (!f) throw AppError.notFound('Customer');
      const ranked = (await scoreAvailableProducts(catalog, model, f)).slice(0, limit);
      const base = customerRow(f, model.pre);
      const names = new Map((await features.productNames(ranked.map((r) => r.product.id))).map((p) => [p.id, p]));
      const results = ranked.map((r) => {
        const n = names.get(r.product.id);
        return {
          product_id: r.product.id,
          external_product_id: n?.externalProductId ?? '',
          name: n?.name ?? '',
          product_type: r.product.productType,
          category: r.product.category,
          price: n?.price ?? null,
          currency: r.product.currency,
          propensity: r.propensity,
          propensity_level: model.level(r.propensity),
          reasons: model.reasons(modelRow(f, model.pre, { set: 'propensity', product: r.product }, base)),
        };
      });
      return { customer_id: customerId, model_version: model.version, scored_at: at.toISOString(), count: results.length, results };
    },
  };
}
export type PredictionsService = ReturnType<typeof createPredictionsService>;
