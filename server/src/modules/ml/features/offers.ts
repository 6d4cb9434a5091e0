import { AppError } from '../../../lib/errors.js';
import type { AvailableCatalog } from './available-catalog.js';
import type { OfferFact, ProductInfo } from './features.js';
import type { FeaturesRepository } from './features.repository.js';

export interface OfferSources {
  features: Pick<FeaturesRepository, 'productsByIds' | 'campaignOffer'>;
  catalog?: AvailableCatalog;
}

/** A product by id (404 when unknown). */
export async function productById(deps: OfferSources, productId: string): Promise<ProductInfo> {
  // An available product comes from the cached catalog; any other (inactive, retired) from the database.
  const cached = deps.catalog && (await deps.catalog.byId(productId));
  if (cached) return cached;
  const [p] = await deps.features.productsByIds([productId]);
  if (!p) throw AppError.notFound('Product');
  return p;
}

/** The offer of a campaign (its most offered product and channel) or of a product; none: the generic response. */
export async function offerFor(deps: OfferSources, campaignId?: string, productId?: string): Promise<OfferFact> {
  let channel: string | null = null;
  let pid = productId ?? null;
  if (campaignId) {
    const offer = await deps.features.campaignOffer(campaignId);
    if (!offer) throw AppError.notFound('Campaign');
    channel = offer.channel;
    pid ??= offer.productId;
  }
  return { product: pid ? await productById(deps, pid) : null, channel, contacted: 1 };
}
