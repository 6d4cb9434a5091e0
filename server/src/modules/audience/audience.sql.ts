import { and, eq, inArray, isNotNull, isNull, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { ValueBand } from '@lyra/contracts';
import { customers, mlModelVersions, mlScores, mlScoringRuns, products } from '../../db/schema/index.js';

/**
 * Who may be offered what: the targeting rules that products, customers, ML and campaigns all apply,
 * as named SQL pieces over the `customers`, `products` and `ml_scores` tables. A feature composes
 * them into its own queries (`where(and(subscriberInSegment('youth'), subscriberScoreAbove(...)))`),
 * so a rule changes in one place and every screen, model and audience follows.
 *
 * Pieces that relate a product to a subscriber take the subscriber's columns (by default the
 * `customers` table's), so a query may join an aliased table or a derived row instead.
 */

/** The subscriber columns the product-side rules read. */
export interface SubscriberColumns {
  id: SQLWrapper;
  segments: SQLWrapper;
  customerValue: SQLWrapper;
  currency: SQLWrapper;
}

// -------------------------------------------------------------------------------------------------
// Subscribers

/** Holds the segment (`@>` keeps the GIN index on segments usable). */
export const subscriberInSegment = (segment: string): SQL => sql`${customers.segments} @> array[${segment}]::text[]`;

/** Holds at least one of the segments. */
export const subscriberInAnySegment = (segments: readonly string[]): SQL => sql`${customers.segments} && ${sql.param([...segments])}::text[]`;

/** In one of these value bands. */
export const subscriberInValueBand = (...bands: [ValueBand, ...ValueBand[]]): SQL =>
  bands.length === 1 ? eq(customers.valueBand, bands[0]) : inArray(customers.valueBand, bands);

/** Customer value at least / at most an amount (decimal text, compared as numeric). */
export const subscriberValueAtLeast = (min: string): SQL => sql`${customers.customerValue} >= ${min}::numeric`;
export const subscriberValueAtMost = (max: string): SQL => sql`${customers.customerValue} <= ${max}::numeric`;

// -------------------------------------------------------------------------------------------------
// Products

/**
 * Active, priced and not retired: what subscribers can hold and buy at all, whatever its availability
 * today (the synthetic generator's catalog, the propensity model's candidates).
 */
export const productOnSale: SQL = and(eq(products.isActive, true), isNull(products.retiredAt), isNotNull(products.price))!;

/**
 * Can be offered now: not retired, active, available (Lyra's override when a marketer set one, the
 * source's flag otherwise), priced, and inside its validity window. The stored window flag is kept
 * current by `refreshValidityWindows`; `unavailableReason` (products/availability.ts) is the same
 * rule for a row in hand and must change with it.
 */
export const productSellableNow = sql<boolean>`(${products.retiredAt} is null and ${products.isActive} and coalesce(${products.availabilityOverride}, ${products.sourceIsAvailable}) and ${products.price} is not null and ${products.inValidityWindow})`;

/** Targets the segment explicitly. */
export const productTargetsSegment = (segment: string): SQL => sql`${products.targetSegments} @> array[${segment}]::text[]`;

/** Open to a subscriber of the segment: targets no segment at all, or this one. */
export const productOpenToSegment = (segment: string): SQL => sql`(cardinality(${products.targetSegments}) = 0 or ${productTargetsSegment(segment)})`;

/** Open to a subscriber holding these segments (a `text[]` column or expression). */
export const productOpenToSegments = (segments: SQLWrapper): SQL =>
  sql`(cardinality(${products.targetSegments}) = 0 or ${products.targetSegments} && ${segments})`;

/** The customer value (decimal text, or a numeric column) lies in the product's value range; open ends are unbounded. */
export const productWithinCustomerValue = (value: string | SQLWrapper): SQL =>
  sql`(${products.minCustomerValue} is null or ${products.minCustomerValue} <= ${value}::numeric)
      and (${products.maxCustomerValue} is null or ${products.maxCustomerValue} >= ${value}::numeric)`;

/**
 * The product can be offered to the subscriber now: sellable now, in the subscriber's currency,
 * open to one of its segments, and its value range holds the subscriber's value (what the
 * recommendations and batch scoring offer, predict.ts `availableTo`, for a row in hand).
 */
export const productSellableTo = (subscriber: SubscriberColumns = customers): SQL =>
  sql`(${productSellableNow} and ${products.currency} = ${subscriber.currency}
      and ${productOpenToSegments(subscriber.segments)} and ${productWithinCustomerValue(subscriber.customerValue)})`;

// -------------------------------------------------------------------------------------------------
// Scores

/**
 * The id of model M's latest active scoring run: the newest succeeded run of the version active now
 * (null when none). A run over one segment scored only that segment: its scores are the latest.
 */
export const latestActiveScoringRun = (model: string): SQL => sql`(
  select r.id from ${mlScoringRuns} r
  where r.model_version_id = (select v.id from ${mlModelVersions} v where v.model_name = ${model} and v.is_active)
    and r.status = 'succeeded'
  order by r.finished_at desc, r.id desc limit 1)`;

export interface ScoreScope {
  /**
   * Which of the subscriber's score rows: omitted, any row of the run (models that score a
   * subscriber once: churn, default risk, the campaign's offer); null, the row without a product
   * (propensity: buying anything); a product id or a product column, that product's row.
   */
  product?: string | SQLWrapper | null;
  /** The subscriber's id column; the `customers` table's by default. */
  subscriber?: SQLWrapper;
}

/**
 * The subscriber's latest active score of model M is above `min` (strictly). Read from the run's side
 * (run, product, score: index `ml_scores_run_score_idx`), so an audience over a whole base is one
 * range scan of the run rather than a look-up per subscriber.
 */
export function subscriberScoreAbove(model: string, min: number, scope: ScoreScope = {}): SQL {
  const product = scope.product === undefined
    ? sql``
    : scope.product === null
      ? sql`and ${mlScores.productId} is null`
      : typeof scope.product === 'string'
        ? sql`and ${mlScores.productId} = ${scope.product}::uuid`
        : sql`and ${mlScores.productId} = ${scope.product}`;
  return sql`${scope.subscriber ?? customers.id} in (
    select ${mlScores.customerId} from ${mlScores}
    where ${mlScores.runId} = ${latestActiveScoringRun(model)} ${product} and ${mlScores.score} > ${min}::float8)`;
}
