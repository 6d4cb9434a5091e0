/**
 * Single predictions with the active version of each model, answering the seed API's keys (both
 * the names and their aliases). Features are computed for the one subscriber as of today from data
 * before today, by the same definition training used; the loaded model comes from the cache.
 */
import type { CampaignResponsePrediction, DefaultRiskPrediction, MlModelName, PropensityPrediction } from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import { VersionedCache } from '../../lib/versioned-cache.js';
import type { ProductsRepository } from '../products/products.repository.js';
import { customerRow, modelParts, modelRow, type CustomerFacts, type OfferFact, type ProductInfo } from './features/features.js';
import { toProductInfo, type FeaturesRepository } from './features/features.repository.js';
import type { MlRepository } from './ml.repository.js';
import type { LoadedModel, ModelCache } from './ml.scoring.js';

export interface PredictDeps {
  registry: Pick<MlRepository, 'activeRef'>;
  features: Pick<FeaturesRepository, 'customerFacts' | 'productsByIds' | 'campaignOffer' | 'currentBills'>;
  catalog: AvailableCatalog;
  models: ModelCache;
  clock?: () => Date;
}

const todayOf = (now: Date) => now.toISOString().slice(0, 10);

/** The yes/no answer is right with this probability (the probabilities are calibrated). */
const confidenceOf = (p: number, yes: boolean) => (yes ? p : 1 - p);

export async function activeModel(deps: Pick<PredictDeps, 'registry' | 'models'>, name: MlModelName): Promise<LoadedModel> {
  const ref = await deps.registry.activeRef(name);
  if (!ref) throw AppError.conflict(`No active version of ${name}: train one (POST /api/loyalty/v1/ml/models/${name}/train/) and activate it`, 'no_active_model');
  return deps.models.get(ref.id);
}

async function subscriber(deps: Pick<PredictDeps, 'features'>, customerId: string, asOf: string): Promise<CustomerFacts> {
  const [facts] = await deps.features.customerFacts([customerId], asOf);
  if (!facts) throw AppError.notFound('Customer');
  return facts;
}

async function product(deps: Pick<PredictDeps, 'features'> & Partial<Pick<PredictDeps, 'catalog'>>, productId: string): Promise<ProductInfo> {
  // An available product comes from the cached catalog; any other (inactive, retired) from the database.
  const cached = deps.catalog && (await deps.catalog.byId(productId));
  if (cached) return cached;
  const [p] = await deps.features.productsByIds([productId]);
  if (!p) throw AppError.notFound('Product');
  return p;
}

/**
 * The catalog a subscriber may be offered: the products repository's `available` list (active,
 * available, priced, inside validFor), cached per catalog version and minute, narrowed per
 * subscriber by the same targeting rules the available-products API applies (segments, value range)
 * and to the subscriber's currency.
 */
export function createAvailableCatalog(products: Pick<ProductsRepository, 'available' | 'catalogVersion'>) {
  const cache = new VersionedCache<ProductInfo[]>(4);
  async function all(): Promise<ProductInfo[]> {
    const version = `${await products.catalogVersion()}@${new Date().toISOString().slice(0, 16)}`;
    return cache.getOrCompute('available', version, async () => {
      const out: ProductInfo[] = [];
      for (let offset = 0; ; offset += 500) {
        const { results: rows } = await products.available({ ordering: 'price', limit: 500, offset });
        out.push(...rows.map(toProductInfo));
        if (rows.length < 500) return out;
      }
    });
  }
  // The same list object is returned until the catalog changes, so its index lives as long as it does.
  const indexes = new WeakMap<ProductInfo[], Map<string, ProductInfo>>();
  return {
    all,
    async byId(id: string): Promise<ProductInfo | undefined> {
      const list = await all();
      let index = indexes.get(list);
      if (!index) indexes.set(list, (index = new Map(list.map((p) => [p.id, p]))));
      return index.get(id);
    },
    async for(f: CustomerFacts): Promise<ProductInfo[]> {
      return availableTo(await all(), f);
    },
  };
}

/** The products of an available list the subscriber may be offered: their currency, segments and value range. */
export function availableTo(available: readonly ProductInfo[], f: CustomerFacts): ProductInfo[] {
  const segments = new Set(f.segments);
  const value = f.customerValue;
  return available.filter(
    (p) =>
      p.currency === f.currency &&
      (p.targetSegments.length === 0 || p.targetSegments.some((s) => segments.has(s))) &&
      (value === null || ((p.minCustomerValue === null || p.minCustomerValue <= value) && (p.maxCustomerValue === null || p.maxCustomerValue >= value))),
  );
}
export type AvailableCatalog = ReturnType<typeof createAvailableCatalog>;

export interface ProductScore {
  product: ProductInfo;
  propensity: number;
}

/** Every available product the subscriber does not hold, scored, highest first (ties by id). */
export async function scoreAvailableProducts(deps: Pick<PredictDeps, 'catalog'>, model: LoadedModel, f: CustomerFacts): Promise<ProductScore[]> {
  return rankProducts(model, f, await deps.catalog.for(f));
}

/**
 * The products of `offerable` the subscriber does not hold, scored, highest first (ties by id).
 * `known` holds this subscriber's scores already computed by the same model (by product id), which
 * are reused rather than computed again.
 */
export function rankProducts(model: LoadedModel, f: CustomerFacts, offerable: readonly ProductInfo[], known?: ReadonlyMap<string, number>): ProductScore[] {
  const held = new Set(f.held.map((h) => h.productId));
  const candidates = offerable.filter((p) => !held.has(p.id));
  const missing = known ? candidates.filter((c) => !known.has(c.id)) : candidates;
  const base = customerRow(f, model.pre);
  const fresh = model.scoreMany(missing.map((c) => modelParts(f, model.pre, { set: 'propensity', product: c }, base)));
  const scores = new Map(known);
  missing.forEach((c, i) => scores.set(c.id, fresh[i]!));
  return candidates.map((c) => ({ product: c, propensity: scores.get(c.id)! })).sort((a, b) => b.propensity - a.propensity || (a.product.id < b.product.id ? -1 : 1));
}

/** P(buys at least one) = 1 - prod(1 - p_j), reading the products' purchases as independent. */
export const anyPurchase = (scores: ProductScore[]) => 1 - scores.reduce((none, s) => none * (1 - s.propensity), 1);

/**
 * With a product: P(the subscriber buys it in the next 30 days). Without: P(buys any available
 * product they do not hold), with the reasons of the most likely product.
 */
export async function predictPropensityToBuy(deps: PredictDeps, customerId: string, productId?: string): Promise<PropensityPrediction> {
  const model = await activeModel(deps, 'propensity_to_buy');
  const now = deps.clock?.() ?? new Date();
  const f = await subscriber(deps, customerId, todayOf(now));
  let p: number;
  let reasons: PropensityPrediction['reasons'];
  let t = model.thresholds;
  if (productId) {
    const row = modelRow(f, model.pre, { set: 'propensity', product: await product(deps, productId) });
    p = model.score(row);
    reasons = model.reasons(row);
  } else {
    const scores = await scoreAvailableProducts(deps, model, f);
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
    scored_at: now.toISOString(),
    reasons,
  };
}

/** The offer of a campaign (its most offered product and channel) or of a product; none: the generic response. */
export async function offerFor(deps: Pick<PredictDeps, 'features'> & Partial<Pick<PredictDeps, 'catalog'>>, campaignId?: string, productId?: string): Promise<OfferFact> {
  let channel: string | null = null;
  let pid = productId ?? null;
  if (campaignId) {
    const offer = await deps.features.campaignOffer(campaignId);
    if (!offer) throw AppError.notFound('Campaign');
    channel = offer.channel;
    pid ??= offer.productId;
  }
  return { product: pid ? await product(deps, pid) : null, channel, contacted: 1 };
}

export async function predictCampaignResponse(deps: PredictDeps, customerId: string, campaignId?: string, productId?: string): Promise<CampaignResponsePrediction> {
  const model = await activeModel(deps, 'campaign_response');
  const now = deps.clock?.() ?? new Date();
  const f = await subscriber(deps, customerId, todayOf(now));
  const row = modelRow(f, model.pre, { set: 'response', offer: await offerFor(deps, campaignId, productId) });
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
    scored_at: now.toISOString(),
    reasons: model.reasons(row),
  };
}

/** P(the subscriber's current bill is still unpaid 30 days after its due date). */
export async function predictPaymentDefaultRisk(deps: PredictDeps, customerId: string): Promise<DefaultRiskPrediction> {
  const model = await activeModel(deps, 'payment_default_risk');
  const now = deps.clock?.() ?? new Date();
  const today = todayOf(now);
  const f = await subscriber(deps, customerId, today);
  const bill = (await deps.features.currentBills([customerId], today)).get(customerId) ?? null;
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
    scored_at: now.toISOString(),
    reasons: model.reasons(row),
  };
}
