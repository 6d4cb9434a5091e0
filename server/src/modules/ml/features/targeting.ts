import type { CustomerFacts, ProductInfo } from './features.js';

/**
 * The products of an available list the subscriber may be offered: their currency, segments and
 * value range. Plain code on rows in memory (no database), so the batch scoring worker thread
 * applies it without loading the database layer.
 */
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
