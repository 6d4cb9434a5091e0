import { compareDecimal } from '../../lib/money.js';

/**
 * The subscriber side of the one availability rule, for rows in hand: `productSellableTo` and
 * `subscriberOverRiskCap` (audience.sql.ts) evaluated in JS, with PostgreSQL's semantics (exact
 * numeric comparison, `&&` on segments, float8 ordering with NaN highest). Batch scoring prunes a
 * page's 100 × ~500 pairs with it in its worker thread instead of asking the database for every
 * pair (bench scale: ~13 ms of PostgreSQL CPU and ~5 ms of the API thread per page, for what is a
 * few comparisons per pair once the inputs are read). Its products are those sellable now
 * (`productSellableNow`, applied in SQL when they are read); `sellable-to.test.ts` checks this
 * twin against the SQL on random catalogs and subscribers, so the two cannot drift apart.
 */

/** A product sellable now, with the columns the subscriber side of the rule reads. */
export interface SellableProduct {
  id: string;
  currency: string;
  targetSegments: (string | null)[];
  /** Decimal text (numeric), or null: unbounded. */
  minCustomerValue: string | null;
  maxCustomerValue: string | null;
  /** The product's default-risk cap as float8 (`max_default_risk::float8`), or null: no cap. */
  maxDefaultRisk: number | null;
}

/** A subscriber as the rule reads them. */
export interface OfferTaker {
  id: string;
  currency: string;
  segments: (string | null)[];
  /** Decimal text (numeric). */
  customerValue: string;
  /** The highest score of their rows in the latest active default-risk run; null without one. */
  defaultRisk: number | null;
}

/** PostgreSQL's numeric order: -Infinity < finite values < Infinity < NaN (numeric NaN equals itself). */
const NUMERIC_SPECIAL: Record<string, number> = { '-Infinity': -1, Infinity: 1, NaN: 2 };
function compareNumeric(a: string, b: string): number {
  const x = NUMERIC_SPECIAL[a] ?? 0;
  const y = NUMERIC_SPECIAL[b] ?? 0;
  return x !== 0 || y !== 0 ? x - y : compareDecimal(a, b);
}

/** PostgreSQL's float8 `a > b`: NaN is greater than every other value and equal to itself. */
const float8Greater = (a: number, b: number): boolean => (Number.isNaN(a) ? !Number.isNaN(b) : !Number.isNaN(b) && a > b);

/**
 * The rule over a fixed list of products, prepared once: each subscriber's offerable products (in
 * the list's order). The products' value bounds are ranked once, so a subscriber's value is placed
 * among them by a binary search and each pair compares integers.
 */
export function sellableToRule(products: readonly SellableProduct[]): (taker: OfferTaker) => SellableProduct[] {
  const bounds = [...new Set(products.flatMap((p) => [p.minCustomerValue, p.maxCustomerValue]).filter((v): v is string => v !== null))].sort(compareNumeric);
  const rankOf = new Map<string, number>();
  bounds.forEach((b, i) => rankOf.set(b, i > 0 && compareNumeric(bounds[i - 1]!, b) === 0 ? rankOf.get(bounds[i - 1]!)! : i));
  const prepared = products.map((p) => ({
    p,
    min: p.minCustomerValue === null ? -1 : rankOf.get(p.minCustomerValue)!,
    max: p.maxCustomerValue === null ? -1 : rankOf.get(p.maxCustomerValue)!,
    segments: p.targetSegments.filter((s): s is string => s !== null),
  }));
  /** How many bounds are below the value: strictly below, or at or below it with `orEqual`. */
  const place = (value: string, orEqual: boolean): number => {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareNumeric(bounds[mid]!, value);
      if (c < 0 || (orEqual && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (t) => {
    // min <= value: min's rank is among the bounds at or below the value; max >= value: not among those strictly below.
    const atOrBelow = place(t.customerValue, true);
    const below = place(t.customerValue, false);
    const held = new Set(t.segments.filter((s) => s !== null));
    const out: SellableProduct[] = [];
    for (const { p, min, max, segments } of prepared) {
      if (p.currency !== t.currency) continue;
      if (p.targetSegments.length > 0 && !segments.some((s) => held.has(s))) continue;
      if (min >= 0 && !(min < atOrBelow)) continue;
      if (max >= 0 && !(max >= below)) continue;
      if (p.maxDefaultRisk !== null && t.defaultRisk !== null && float8Greater(t.defaultRisk, p.maxDefaultRisk)) continue;
      out.push(p);
    }
    return out;
  };
}
