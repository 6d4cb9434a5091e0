import type { AvailableCatalog } from '../features/available-catalog.js';
import { customerRow, modelParts, type CustomerFacts, type ProductInfo } from '../features/features.js';
import type { LoadedModel } from './loaded-model.js';

export interface ProductScore {
  product: ProductInfo;
  propensity: number;
}

/** Every available product the subscriber does not hold, scored, highest first (ties by id). */
export async function scoreAvailableProducts(catalog: Pick<AvailableCatalog, 'for'>, model: LoadedModel, f: CustomerFacts): Promise<ProductScore[]> {
  return rankProducts(model, f, await catalog.for(f));
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
  let scores: ReadonlyMap<string, number> = known ?? new Map<string, number>();
  if (missing.length > 0) {
    const base = customerRow(f, model.pre);
    const fresh = model.scoreMany(missing.map((c) => modelParts(f, model.pre, { set: 'propensity', product: c }, base)));
    const all = new Map(known);
    missing.forEach((c, i) => all.set(c.id, fresh[i]!));
    scores = all;
  }
  return candidates.map((c) => ({ product: c, propensity: scores.get(c.id)! })).sort(byPropensity);
}

/** Highest propensity first, ties by product id. */
export const byPropensity = (a: ProductScore, b: ProductScore): number => b.propensity - a.propensity || (a.product.id < b.product.id ? -1 : 1);

/** P(buys at least one) = 1 - prod(1 - p_j), reading the products' purchases as independent. */
export const anyPurchase = (scores: ProductScore[]) => 1 - scores.reduce((none, s) => none * (1 - s.propensity), 1);

/**
 * rankProducts' first `k` and anyPurchase of them all, for candidates whose scores are known
 * (`scores[i]` is candidates[i]'s), without sorting every candidate: batch scoring keeps 5 of ~250.
 * The same products in the same order, and the same any-product score to the bit (its factors are
 * taken highest first, as anyPurchase takes a ranking's: equal scores are equal factors).
 */
export function topProducts(candidates: readonly ProductInfo[], scores: ArrayLike<number>, k: number): { top: ProductScore[]; any: number } {
  const top: ProductScore[] = [];
  for (let i = 0; k > 0 && i < candidates.length; i++) {
    const s = { product: candidates[i]!, propensity: scores[i]! };
    if (top.length === k && byPropensity(s, top[k - 1]!) >= 0) continue;
    let at = Math.min(top.length, k - 1);
    while (at > 0 && byPropensity(s, top[at - 1]!) < 0) at--;
    if (top.length === k) top.pop();
    top.splice(at, 0, s);
  }
  const ascending = Float64Array.from({ length: candidates.length }, (_, i) => scores[i]!).sort();
  let none = 1;
  for (let i = ascending.length - 1; i >= 0; i--) none *= 1 - ascending[i]!;
  return { top, any: 1 - none };
}
