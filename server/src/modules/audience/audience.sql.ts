import { and, eq, inArray, isNotNull, isNull, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { ValueBand } from '@lyra/contracts';
import {
  campaignContacts, campaignContactsLedger, campaignMembers, campaigns, customerBills, customerHoldings, customerPayments, customers, customerUsage, mlModelVersions, mlScores, mlScoringRuns, products,
} from '../../db/schema/index.js';

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

/**
 * The product columns the subscriber-side rules read: by default the `products` table's; a query
 * about one known product may pass its values instead (`productColumnsOf`).
 */
export interface ProductColumns {
  /** `productSellableNow` of the product. */
  sellableNow: SQLWrapper;
  currency: SQLWrapper;
  targetSegments: SQLWrapper;
  minCustomerValue: SQLWrapper;
  maxCustomerValue: SQLWrapper;
}
const productsTable: ProductColumns = {
  sellableNow: productSellableNow, currency: products.currency, targetSegments: products.targetSegments,
  minCustomerValue: products.minCustomerValue, maxCustomerValue: products.maxCustomerValue,
};

/** One product's columns as `productColumnValuesSql` reads them. */
export interface ProductColumnValues {
  sellableNow: boolean;
  currency: string;
  targetSegments: string[];
  /** Decimal text, or null: unbounded. */
  minCustomerValue: string | null;
  maxCustomerValue: string | null;
}

/** The select list reading a product's `ProductColumnValues` (as sellable_now, currency, target_segments, min_customer_value, max_customer_value). */
export const productColumnValuesSql = sql`${productSellableNow} as sellable_now, ${products.currency} as currency, ${products.targetSegments} as target_segments,
  ${products.minCustomerValue}::text as min_customer_value, ${products.maxCustomerValue}::text as max_customer_value`;

export function productColumnValuesOf(row: Record<string, unknown>): ProductColumnValues {
  const decimal = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    sellableNow: row.sellable_now === true, currency: String(row.currency), targetSegments: (row.target_segments as string[] | null) ?? [],
    minCustomerValue: decimal(row.min_customer_value), maxCustomerValue: decimal(row.max_customer_value),
  };
}

/**
 * One product's columns as values read just before (`productColumnValuesSql`): a statement over
 * many subscribers tests them against one product without joining it to every row, and the planner
 * folds what they settle (no segment targeted, an open value range) out of the per-row test.
 */
export function productColumnsOf(v: ProductColumnValues): ProductColumns {
  return {
    sellableNow: sql`${v.sellableNow}::boolean`, currency: sql`${v.currency}::text`, targetSegments: sql`${sql.param(v.targetSegments)}::text[]`,
    minCustomerValue: sql`${v.minCustomerValue}::numeric`, maxCustomerValue: sql`${v.maxCustomerValue}::numeric`,
  };
}

/** Open to a subscriber holding these segments (a `text[]` column or expression). */
export const productOpenToSegments = (segments: SQLWrapper, product: ProductColumns = productsTable): SQL =>
  sql`(cardinality(${product.targetSegments}) = 0 or ${product.targetSegments} && ${segments})`;

/** The customer value (decimal text, or a numeric column) lies in the product's value range; open ends are unbounded. */
export const productWithinCustomerValue = (value: string | SQLWrapper, product: ProductColumns = productsTable): SQL =>
  sql`(${product.minCustomerValue} is null or ${product.minCustomerValue} <= ${value}::numeric)
      and (${product.maxCustomerValue} is null or ${product.maxCustomerValue} >= ${value}::numeric)`;

/**
 * The product can be offered to the subscriber now: sellable now, in the subscriber's currency,
 * open to one of its segments, and its value range holds the subscriber's value (what the
 * recommendations offer: features.repository `offerableProductIds`). Batch scoring applies its JS
 * twin, `sellableToRule` (sellable-to.ts), which must change with it (sellable-to.test.ts compares them).
 * `product`: the `products` table's columns, or one product's (`productColumnsOf`).
 */
export const productSellableTo = (subscriber: SubscriberColumns = customers, product: ProductColumns = productsTable): SQL =>
  sql`(${product.sellableNow} and ${product.currency} = ${subscriber.currency}
      and ${productOpenToSegments(subscriber.segments, product)} and ${productWithinCustomerValue(subscriber.customerValue, product)})`;

// -------------------------------------------------------------------------------------------------
// Scores

/**
 * The id of model M's latest active scoring run: the newest succeeded run of the version active now
 * (null when none). A run over one segment scored only that segment: its scores are the latest.
 * A run whose scores were deleted (MlRepository.deleteOldScores: a version activated again after
 * newer runs of others) is not one: the version has no scores until it is scored again.
 */
export const latestActiveScoringRun = (model: string): SQL => sql`(
  select r.id from ${mlScoringRuns} r
  where r.model_version_id = (select v.id from ${mlModelVersions} v where v.model_name = ${model} and v.is_active)
    and r.status = 'succeeded' and r.scores_deleted_at is null
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
  return scoreTest(model, [sql`> ${min}::float8`], scope).where;
}

// -------------------------------------------------------------------------------------------------
// More subscriber pieces: profile, holdings, usage, bills, contacts (campaign audiences)

/** Active lines: the only subscribers a campaign may contact. */
export const subscriberActive: SQL = eq(customers.status, 'active');

/**
 * How many subscribers `subscriberActive` selects, from the counts the customers table's triggers
 * keep per statement (migration 0018): a read of a few rows, not a count over the whole base.
 */
export const activeSubscriberCount: SQL = sql`(select coalesce(sum(n), 0)::int from customer_status_counts where status = 'active')`;

/** Holds every one of the segments. */
export const subscriberInAllSegments = (segments: readonly string[]): SQL => sql`${customers.segments} @> ${sql.param([...segments])}::text[]`;

/** Holds none of the segments. */
export const subscriberInNoSegment = (segments: readonly string[]): SQL => sql`not (${subscriberInAnySegment(segments)})`;

/** On one of these plans (prepaid, postpaid). */
export const subscriberOnPlan = (planTypes: readonly string[]): SQL => inArray(customers.planType, [...planTypes]);

/** In one of these regions (a subscriber without a region is in none). */
export const subscriberInRegion = (regions: readonly string[]): SQL => inArray(customers.region, [...regions]);

/** Device type and / or OS among these (case as the operator's extract spells them). */
export function subscriberDevice(types: readonly string[] | undefined, os: readonly string[] | undefined): SQL {
  return and(types && inArray(customers.deviceType, [...types]), os && inArray(customers.deviceOs, [...os])) ?? sql`true`;
}

/**
 * Whole months since activation at least `min` / at most `max`: activated on or before today minus
 * `min` months, and after today minus `max + 1` months (month arithmetic clamps to the month's end,
 * as PostgreSQL's `date - interval` does). Sargable on activation_date.
 */
export const subscriberTenureAtLeast = (min: number): SQL =>
  sql`${customers.activationDate} <= (current_date - make_interval(months => ${min}::int))::date`;
export const subscriberTenureAtMost = (max: number): SQL =>
  sql`${customers.activationDate} > (current_date - make_interval(months => ${max + 1}::int))::date`;

/** Which products a holding rule means: one product, every product of a type, or every member of an offer group. */
export type ProductSelector = { productId: string } | { productType: string } | { offerGroupId: string };

function productsSelected(selector: ProductSelector): SQL {
  if ('productId' in selector) return sql`${selector.productId}::uuid`;
  if ('productType' in selector) return sql`select ${products.id} from ${products} where ${products.productType} = ${selector.productType}`;
  return sql`select ${products.id} from ${products} where ${products.offerGroupId} = ${selector.offerGroupId}::uuid`;
}

/** Holds now (started, not ended) one of the selected products. */
export const subscriberHolds = (selector: ProductSelector): SQL => sql`exists (
  select 1 from ${customerHoldings} h
  where h.customer_id = ${customers.id} and h.product_id in (${productsSelected(selector)})
    and h.started_at <= now() and (h.ended_at is null or h.ended_at > now()))`;

/** The usage columns a rule may range over. */
export const USAGE_COLUMNS = {
  data_gb: customerUsage.dataGb,
  voice_minutes: customerUsage.voiceMinutes,
  sms: customerUsage.sms,
  spend: customerUsage.spend,
  topup_amount: customerUsage.topupAmount,
} as const;
export type UsageMetric = keyof typeof USAGE_COLUMNS;

/**
 * The subscriber's total (or monthly average) of a usage column over the last `months` complete
 * calendar months, as numeric (a missing month counts as zero): correlated on the usage primary
 * key (customer_id, month), so it reads only this subscriber's rows.
 */
export function subscriberUsage(metric: UsageMetric, months: number, aggregate: 'total' | 'monthly_average'): SQL {
  const column = sql.raw(`u.${USAGE_COLUMNS[metric].name}`);
  const total = sql`coalesce((select sum(${column}::numeric) from ${customerUsage} u
    where u.customer_id = ${customers.id}
      and u.month >= (date_trunc('month', current_date) - make_interval(months => ${months}::int))::date
      and u.month < date_trunc('month', current_date)::date), 0)`;
  return aggregate === 'total' ? total : sql`(${total} / ${months}::numeric)`;
}

/** A numeric expression within [min, max] (decimal text; open ends unbounded). */
export function numericWithin(value: SQL, min: string | undefined, max: string | undefined): SQL {
  return and(min !== undefined ? sql`${value} >= ${min}::numeric` : undefined, max !== undefined ? sql`${value} <= ${max}::numeric` : undefined) ?? sql`true`;
}

/**
 * How many of the subscriber's bills due in the last `months` months (before today) were not fully
 * paid by their due date: paid late or still unpaid.
 */
export const subscriberLateBills = (months: number): SQL => sql`(select count(*) from ${customerBills} b
  where b.customer_id = ${customers.id}
    and b.due_date >= (current_date - make_interval(months => ${months}::int))::date and b.due_date < current_date
    and coalesce((select sum(p.amount) from ${customerPayments} p where p.bill_id = b.id and p.paid_date <= b.due_date), 0) < b.amount)`;

/**
 * Contacted by any campaign in the last `days` days: in the imported history (treated, not held
 * out), or in Lyra's own contacts ledger (a row is a contact planned or made; failed deliveries
 * did not reach the subscriber). `except`: the campaign asking, whose own contacts (written by its
 * launch) must not shut its own audience when the launch resumes or its audience is read again.
 */
export const subscriberContactedWithin = (days: number, except?: string): SQL => sql`(exists (
  select 1 from ${campaignContacts} cc
  where cc.customer_id = ${customers.id} and cc."group" = 'treated' and cc.contacted_at >= now() - make_interval(days => ${days}::int)
    ${except === undefined ? sql`` : sql`and cc.campaign_id <> ${except}::text`})
  or exists (
  select 1 from ${campaignContactsLedger} cl
  where cl.customer_id = ${customers.id} and cl.state <> 'failed' and cl.created_at >= now() - make_interval(days => ${days}::int)
    ${except === undefined ? sql`` : sql`and cl.campaign_id <> ${except}::uuid`}))`;

/**
 * Above an offer's maximum default risk (`cap`, a float8 expression; no cap, nobody is): the
 * subscriber's latest active payment_default_risk score exceeds it. Probed per subscriber through
 * the (run, customer) index, so a page of a launch costs its own rows only. `subscriber`: the
 * subscriber's id column (the `customers` table's by default). Its JS twin is in `sellableToRule`.
 */
export const subscriberOverRiskCap = (cap: SQL, subscriber: SQLWrapper = customers.id): SQL => sql`(${cap} is not null and exists (
  select 1 from ${mlScores} rs where rs.run_id = ${latestActiveScoringRun('payment_default_risk')}
    and rs.customer_id = ${subscriber} and rs.score > ${cap}))`;

/** A member (treated or control) of a running campaign's snapshot, other than `except`. */
export const subscriberInRunningCampaign = (except?: string): SQL => sql`exists (
  select 1 from ${campaignMembers} cm join ${campaigns} k on k.id = cm.campaign_id
  where cm.customer_id = ${customers.id} and k.status = 'running' ${except === undefined ? sql`` : sql`and k.id <> ${except}::uuid`})`;

/** One of these subscriber ids (an explicit list such as a do-not-contact list). */
export const subscriberIdIn = (ids: readonly string[]): SQL => sql`${customers.id} = any(${sql.param([...ids])}::text[])`;

// -------------------------------------------------------------------------------------------------
// Scores: at least / at most / top share, and the score itself

/** The score rows of the scope's product (see ScoreScope), as a condition on a product id column. */
function scoreProduct(scope: ScoreScope, column: SQLWrapper = mlScores.productId): SQL {
  return scope.product === undefined
    ? sql``
    : scope.product === null
      ? sql`and ${column} is null`
      : typeof scope.product === 'string'
        ? sql`and ${column} = ${scope.product}::uuid`
        : sql`and ${column} = ${scope.product}`;
}

/**
 * A comparison of the subscriber's latest active score, in the two forms a query may test it by,
 * which select the same subscribers. Which is cheaper depends on how many subscribers reach the
 * test against how many scores pass it: hashing a set of 450,000 ids costs about what 75,000
 * probes of the index do.
 */
export interface ScoreTest {
  /** `id in (<set>)`: the scores passing the comparison, read once (a hashed set, or a semi-join). */
  where: SQL;
  /** The same test by one look-up of the (run, customer) index per subscriber tested: true, or null when none passes. */
  probe: SQL;
  /** The scores passing the comparison (`customer_id` of each), for an estimate of their number. */
  set: SQL;
  /**
   * `where` for the subscribers of one slice of ids only (`within`: a condition on an id column):
   * the set keeps that slice's scores, so a query split by subscriber id hashes each score once.
   */
  whereWithin(within: (id: SQLWrapper) => SQL): SQL;
}

/** `comparisons`: each applied to the score (`> x`, `<= y`...), all of them holding. */
function scoreTest(model: string, comparisons: SQL[], scope: ScoreScope, column: 'score' | 'uplift' = 'score'): ScoreTest {
  const value = column === 'score' ? mlScores.score : mlScores.uplift;
  const set = sql`select ${mlScores.customerId} from ${mlScores}
    where ${mlScores.runId} = ${latestActiveScoringRun(model)} ${scoreProduct(scope)} ${sql.join(comparisons.map((c) => sql` and ${value} ${c}`), sql``)}`;
  // A scalar sub-select with a limit: never turned into a hashed set, whatever the planner expects.
  const probe = sql`(select true from ${mlScores} s where s.run_id = ${latestActiveScoringRun(model)}
    and s.customer_id = ${scope.subscriber ?? customers.id} ${scoreProduct(scope, sql`s.product_id`)}
    ${sql.join(comparisons.map((c) => sql` and s.${sql.raw(column)} ${c}`), sql``)} limit 1)`;
  const subscriber = scope.subscriber ?? customers.id;
  return { where: sql`${subscriber} in (${set})`, probe, set, whereWithin: (within) => sql`${subscriber} in (${set} and ${within(mlScores.customerId)})` };
}

/** The latest active score of model M is above `above` and, unless null, at most `atMost`. */
export const scoreWithin = (model: string, above: number, atMost: number | null, scope: ScoreScope = {}): ScoreTest =>
  scoreTest(model, atMost === null ? [sql`> ${above}::float8`] : [sql`> ${above}::float8`, sql`<= ${atMost}::float8`], scope);

/** The latest active score of model M is at least / at most x (a subscriber without one qualifies for neither). */
export const scoreAtLeast = (model: string, min: number, scope: ScoreScope = {}): ScoreTest => scoreTest(model, [sql`>= ${min}::float8`], scope);
export const scoreAtMost = (model: string, max: number, scope: ScoreScope = {}): ScoreTest => scoreTest(model, [sql`<= ${max}::float8`], scope);
/** The latest active uplift (campaign_response's T-learner) is at least x. */
export const upliftAtLeast = (min: number, scope: ScoreScope = {}): ScoreTest => scoreTest('campaign_response', [sql`>= ${min}::float8`], scope, 'uplift');

/**
 * Among the subscribers the latest active run of M scored (for the product in scope), in the best
 * `percent` %: ranked by score, ties by subscriber id, the first ceil(n × percent / 100).
 */
export function subscriberScoreInTopPercent(model: string, percent: number, scope: ScoreScope = {}): SQL {
  return sql`${scope.subscriber ?? customers.id} in (
    select ranked.customer_id from (
      select ${mlScores.customerId} as customer_id,
             row_number() over (order by ${mlScores.score} desc, ${mlScores.customerId}) as rank, count(*) over () as n
      from ${mlScores} where ${mlScores.runId} = ${latestActiveScoringRun(model)} ${scoreProduct(scope)}) ranked
    where ranked.rank <= ceil(ranked.n * ${percent}::numeric / 100))`;
}

/** The subscriber's latest active score of M (for the product in scope), null without one. */
export function subscriberScore(model: string, scope: ScoreScope = {}, column: 'score' | 'uplift' = 'score'): SQL<number | null> {
  const value = sql.raw(column);
  return sql<number | null>`(select max(s.${value}) from ${mlScores} s
    where s.run_id = ${latestActiveScoringRun(model)} and s.customer_id = ${scope.subscriber ?? customers.id}
      ${scoreProduct(scope, sql`s.product_id`)})`;
}

/**
 * Whether M's scores are usable: the active version, its latest succeeded run, and whether that run
 * is stale (finished before the newest training of the model finished, i.e. a newer version has
 * been trained since). One row; every column null when the model has no active version.
 */
export const scoreFreshness = (model: string): SQL => sql`select
    (select v.id from ${mlModelVersions} v where v.model_name = ${model} and v.is_active) as active_version_id,
    ${latestActiveScoringRun(model)} as run_id,
    (select r.finished_at from ${mlScoringRuns} r where r.id = ${latestActiveScoringRun(model)}) as run_finished_at,
    (select max(v.finished_at) from ${mlModelVersions} v where v.model_name = ${model} and v.status = 'ready') as trained_at`;
