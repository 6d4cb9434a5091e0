import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProductInfo } from '../features/features.js';
import { anyPurchase, byPropensity, topProducts } from './product-ranking.js';

const product = (id: string): ProductInfo => ({
  id, productType: 'addon', category: 'data', price: 10, currency: 'EUR', recurring: true, billingCycle: 'monthly',
  features: {}, targetSegments: [], minCustomerValue: null, maxCustomerValue: null,
});

describe('topProducts', () => {
  it('keeps the ranking\'s first k in its order and the same any-product score to the bit', () => {
    // Few distinct scores, so ties (broken by product id) are common; ids unique. Mostly small ones,
    // as propensities are: the product of the (1 - p) keeps bits that an order of factors changes.
    const score = fc.oneof(fc.constantFrom(0, 0.01, 0.25, 1), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }));
    const candidates = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), score), { selector: ([id]) => id, maxLength: 60 });
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 8 }), (pairs, k) => {
        const products = pairs.map(([id]) => product(id));
        const scores = Float64Array.from(pairs, ([, p]) => p);
        const ranked = products.map((p, i) => ({ product: p, propensity: scores[i]! })).sort(byPropensity);
        const got = topProducts(products, scores, k);
        expect(got.top.map((s) => [s.product.id, s.propensity])).toEqual(ranked.slice(0, k).map((s) => [s.product.id, s.propensity]));
        expect(Object.is(got.any, anyPurchase(ranked))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
