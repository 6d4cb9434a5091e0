import { and, not, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { DO_NOT_CONTACT_SEGMENT, type AudienceDefinition, type AudienceNode, type AudienceRule } from '@lyra/contracts';
import { customers, mlScores } from '../../../db/schema/index.js';
import {
  activeSubscriberCount, latestActiveScoringRun, numericWithin, subscriberActive, subscriberContactedWithin, subscriberDevice, subscriberHolds, subscriberIdIn,
  subscriberInAllSegments, subscriberInAnySegment, subscriberInRunningCampaign, subscriberInNoSegment, subscriberInRegion, subscriberInSegment, subscriberInValueBand,
  subscriberLateBills, subscriberOnPlan, scoreAtLeast, scoreAtMost, subscriberScoreInTopPercent, subscriberTenureAtLeast,
  subscriberTenureAtMost, upliftAtLeast, subscriberUsage, subscriberValueAtLeast, subscriberValueAtMost, type ProductSelector, type ScoreTest,
} from '../../audience/audience.sql.js';
import { assignGroupSql, controlDigestSql } from '../control-group.js';

/**
 * An audience definition compiled to conditions over the `customers` table, built only from the
 * audience layer's named pieces: every value a marketer typed travels as a bound parameter, never
 * as SQL text. The same compilation serves the preview (counts, funnel) and launch (the snapshot
 * reads `audienceMembersSql`), so what a marketer previews is what a launch freezes.
 */

export interface AudienceContext {
  /** The campaign's offered products: a propensity rule without a product means "for one of these". */
  offerProductIds: readonly string[];
  /** The campaign being previewed or launched: never excluded as "another running campaign". */
  campaignId?: string;
}

/** One step of the funnel: a condition AND-ed to the previous ones. */
export interface AudienceStep {
  /** Path in the definition (`rules.2`, `exclusions.do_not_contact`), or `base`. */
  step: string;
  label: string;
  where: SQL;
  /**
   * The subscribers it selects are found through an index (a segment rule: any or all of a list,
   * the segments' GIN index) rather than by testing every subscriber.
   */
  indexed?: true;
  /** How many subscribers it selects, counted apart from the funnel's scan (the base: `activeSubscriberCount`). */
  count?: SQL;
  /** The step is one comparison of a score: the funnel may test it by probes rather than by a hashed set (`ScoreTest`). */
  score?: ScoreTest;
}

/** A leaf rule anywhere in the definition, for the reasons a sample subscriber qualifies. */
export interface AudienceLeaf {
  path: string;
  label: string;
  where: SQL;
  /** A rule at the top level: a funnel step of its own, so it holds for every member of the audience. */
  wholeStep: boolean;
}

export interface CompiledAudience {
  steps: AudienceStep[];
  leaves: AudienceLeaf[];
  /** Every step together: the audience before the cut. */
  where: SQL;
  cut: { by: 'uplift' | 'response'; top: number; label: string } | null;
  /** What the compilation could not apply (with why), for the preview's warnings. */
  notApplied: string[];
  /** Models whose scores the rules read. */
  models: Set<string>;
  /**
   * The lowest maximum of the top-level default-risk rules (null without one): every member's latest
   * active payment_default_risk score is at most this, so an offer's risk cap at or above it excludes
   * nobody, and one below it need only look at the scores between the two.
   */
  defaultRiskAtMost: number | null;
}

const joinList = (xs: readonly string[]) => xs.join(', ');

/** A rule that is one comparison of a score: its condition, and the test it comes from. */
const scoreOnly = (test: ScoreTest) => ({ where: test.where, score: test });

/** A rule's condition, its wording, the models it reads, and the score test it is (when one). */
function compileRule(rule: AudienceRule, ctx: AudienceContext, models: Set<string>): { where: SQL; label: string; score?: ScoreTest } {
  switch (rule.kind) {
    case 'segments': {
      const where = rule.match === 'any' ? (rule.segments.length === 1 ? subscriberInSegment(rule.segments[0]!) : subscriberInAnySegment(rule.segments))
        : rule.match === 'all' ? subscriberInAllSegments(rule.segments) : subscriberInNoSegment(rule.segments);
      return { where, label: `segments ${rule.match === 'none' ? 'none' : rule.match} of ${joinList(rule.segments)}` };
    }
    case 'value_band': {
      const [first, ...rest] = rule.bands;
      return { where: subscriberInValueBand(first!, ...rest), label: `value band ${joinList(rule.bands)}` };
    }
    case 'customer_value':
      return {
        where: and(rule.min !== undefined ? subscriberValueAtLeast(rule.min) : undefined, rule.max !== undefined ? subscriberValueAtMost(rule.max) : undefined)!,
        label: `customer value ${rangeText(rule.min, rule.max)}`,
      };
    case 'plan_type':
      return { where: subscriberOnPlan(rule.plan_types), label: `plan ${joinList(rule.plan_types)}` };
    case 'region':
      return { where: subscriberInRegion(rule.regions), label: `region ${joinList(rule.regions)}` };
    case 'tenure_months':
      return {
        where: and(rule.min !== undefined ? subscriberTenureAtLeast(rule.min) : undefined, rule.max !== undefined ? subscriberTenureAtMost(rule.max) : undefined)!,
        label: `tenure ${rangeText(rule.min, rule.max)} months`,
      };
    case 'device':
      return {
        where: subscriberDevice(rule.device_types, rule.device_os),
        label: `device ${[rule.device_types && `type ${joinList(rule.device_types)}`, rule.device_os && `OS ${joinList(rule.device_os)}`].filter(Boolean).join(', ')}`,
      };
    case 'holding': {
      const selector: ProductSelector = rule.product_id !== undefined ? { productId: rule.product_id }
        : rule.product_type !== undefined ? { productType: rule.product_type } : { offerGroupId: rule.offer_group_id! };
      const what = rule.product_id !== undefined ? `product ${rule.product_id}` : rule.product_type !== undefined ? `a ${rule.product_type} product` : `offer group ${rule.offer_group_id}`;
      const holds = subscriberHolds(selector);
      return { where: rule.holds ? holds : not(holds), label: `${rule.holds ? 'holds' : 'does not hold'} ${what}` };
    }
    case 'usage':
      return {
        where: numericWithin(subscriberUsage(rule.metric, rule.months, rule.aggregate), rule.min, rule.max),
        label: `${rule.metric} ${rule.aggregate === 'total' ? 'total' : 'monthly average'} over ${rule.months} months ${rangeText(rule.min, rule.max)}`,
      };
    case 'late_bills': {
      const count = subscriberLateBills(rule.months);
      return {
        where: and(rule.min !== undefined ? sql`${count} >= ${rule.min}::int` : undefined, rule.max !== undefined ? sql`${count} <= ${rule.max}::int` : undefined)!,
        label: `late bills in ${rule.months} months ${rangeText(rule.min, rule.max)}`,
      };
    }
    case 'propensity': {
      models.add('propensity_to_buy');
      const productIds = rule.product_id !== undefined ? [rule.product_id] : ctx.offerProductIds;
      const one = (product: string) => rule.min !== undefined
        ? scoreAtLeast('propensity_to_buy', rule.min, { product }).where
        : subscriberScoreInTopPercent('propensity_to_buy', rule.top_percent!, { product });
      // No offer yet (an audience drafted before its offers): nobody qualifies, rather than everybody.
      const where = productIds.length === 0 ? sql`false` : or(...productIds.map(one))!;
      const target = rule.product_id !== undefined ? `product ${rule.product_id}` : 'an offered product';
      const label = `propensity for ${target} ${rule.min !== undefined ? `≥ ${rule.min}` : `in the top ${rule.top_percent}%`}`;
      if (productIds.length === 1 && rule.min !== undefined) return { ...scoreOnly(scoreAtLeast('propensity_to_buy', rule.min, { product: productIds[0]! })), label };
      return { where, label };
    }
    case 'default_risk':
      models.add('payment_default_risk');
      // One row per subscriber, without a product: the run's range of the (run, product, score) index.
      return { ...scoreOnly(scoreAtMost('payment_default_risk', rule.max, { product: null })), label: `payment default risk ≤ ${rule.max}` };
    case 'response':
      models.add('campaign_response');
      return { ...scoreOnly(scoreAtLeast('campaign_response', rule.min)), label: `campaign response ≥ ${rule.min}` };
    case 'uplift':
      models.add('campaign_response');
      return { ...scoreOnly(upliftAtLeast(rule.min)), label: `uplift ≥ ${rule.min}` };
  }
}

function rangeText(min: string | number | undefined, max: string | number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  return min !== undefined ? `≥ ${min}` : `≤ ${max}`;
}

function compileNode(node: AudienceNode, path: string, ctx: AudienceContext, models: Set<string>, leaves: AudienceLeaf[]): { where: SQL; label: string; score?: ScoreTest } {
  if (node.kind !== 'group') {
    const compiled = compileRule(node, ctx, models);
    leaves.push({ path, where: compiled.where, label: compiled.label, wholeStep: /^rules\.\d+$/.test(path) });
    return compiled;
  }
  const parts = node.rules.map((r, i) => compileNode(r, `${path}.rules.${i}`, ctx, models, leaves));
  const where = (node.match === 'all' ? and : or)(...parts.map((p) => p.where))!;
  return { where: sql`(${where})`, label: `${node.match} of (${parts.map((p) => p.label).join('; ')})` };
}

export function compileAudience(def: AudienceDefinition, ctx: AudienceContext): CompiledAudience {
  const models = new Set<string>();
  const leaves: AudienceLeaf[] = [];
  const notApplied: string[] = [];
  const steps: AudienceStep[] = [{ step: 'base', label: 'active subscribers', where: subscriberActive, count: activeSubscriberCount }];
  def.rules.forEach((node, i) => steps.push({
    step: `rules.${i}`, ...compileNode(node, `rules.${i}`, ctx, models, leaves), ...(node.kind === 'segments' && node.match !== 'none' && { indexed: true as const }),
  }));
  const ex = def.exclusions;
  if (ex.do_not_contact) steps.push({ step: 'exclusions.do_not_contact', label: `not in the ${DO_NOT_CONTACT_SEGMENT} segment`, where: not(subscriberInSegment(DO_NOT_CONTACT_SEGMENT)) });
  if (ex.subscriber_ids !== undefined && ex.subscriber_ids.length > 0) {
    steps.push({ step: 'exclusions.subscriber_ids', label: `not one of ${ex.subscriber_ids.length} excluded subscribers`, where: not(subscriberIdIn(ex.subscriber_ids)) });
  }
  if (ex.contacted_within_days !== undefined) {
    steps.push({ step: 'exclusions.contacted_within_days', label: `not contacted in the last ${ex.contacted_within_days} days`, where: not(subscriberContactedWithin(ex.contacted_within_days, ctx.campaignId)) });
  }
  if (ex.in_running_campaigns) {
    steps.push({ step: 'exclusions.in_running_campaigns', label: 'not in another running campaign', where: not(subscriberInRunningCampaign(ctx.campaignId)) });
  }
  if (def.cut) models.add('campaign_response');
  const riskMaxima = def.rules.flatMap((node) => (node.kind === 'default_risk' ? [node.max] : []));
  return {
    steps,
    leaves,
    where: and(...steps.map((s) => s.where))!,
    cut: def.cut ? { ...def.cut, label: `the best ${def.cut.top} by ${def.cut.by}` } : null,
    notApplied,
    models,
    defaultRiskAtMost: riskMaxima.length === 0 ? null : Math.min(...riskMaxima),
  };
}

/**
 * The cut over the rows that passed every step: the ranking by each subscriber's score in the latest
 * active campaign_response run (one row per subscriber), best first, ties by id.
 */
function cutSql(cut: NonNullable<CompiledAudience['cut']>, subscriberId: SQLWrapper): { join: SQL; orderAndLimit: SQL } {
  const value = cut.by === 'uplift' ? mlScores.uplift : mlScores.score;
  return {
    join: sql`left join (select ${mlScores.customerId} as customer_id, max(${value}) as rank_value from ${mlScores}
      where ${mlScores.runId} = ${latestActiveScoringRun('campaign_response')} group by ${mlScores.customerId}) ranking
      on ranking.customer_id = ${subscriberId}`,
    orderAndLimit: sql`order by ranking.rank_value desc nulls last, ${subscriberId} limit ${cut.top}::bigint`,
  };
}

/**
 * The final audience as a subquery `(customer_id, "group", name, msisdn, currency, segments,
 * customer_value)`: the compiled rules, the cut, and the deterministic control assignment of (salt,
 * subscriber), with the subscriber columns a launch page reads (the offers' availability, the
 * message's placeholders), so it never looks a member up again by id. Launch inserts from it (a
 * page's id range pushed down into the scan); the preview reads `audienceMembersOfPassedSql`.
 */
export function audienceMembersSql(compiled: CompiledAudience, opts: { salt: string; controlShare: number }): SQL {
  const group = assignGroupSql(opts.salt, customers.id, opts.controlShare);
  const columns = sql`${customers.id} as customer_id, ${group} as "group", ${customers.name} as name, ${customers.msisdn} as msisdn,
    ${customers.currency} as currency, ${customers.segments} as segments, ${customers.customerValue} as customer_value`;
  if (!compiled.cut) return sql`select ${columns} from ${customers} where ${compiled.where}`;
  const cut = cutSql(compiled.cut, customers.id);
  return sql`select ${columns} from ${customers} ${cut.join} where ${compiled.where} ${cut.orderAndLimit}`;
}

/**
 * The same members, chosen from rows already evaluated (`rows`: a relation with `id` and `passed`,
 * the number of steps each row passed), each with its control digest (`controlDigestSql`, from
 * which the preview reads the group and the sample order): the preview evaluates the rules once for
 * its funnel and its members. `carry`: columns of `rows` passed through beside them.
 */
export function audienceMembersOfPassedSql(compiled: CompiledAudience, opts: { salt: string }, rows: SQL, carry: readonly string[] = []): SQL {
  const id = sql`r.id`;
  const carried = sql.join(carry.map((c) => sql`, r.${sql.identifier(c)}`), sql``);
  const kept = sql`select ${id} as id, ${controlDigestSql(opts.salt, id)} as digest ${carried} from ${rows} r`;
  const passedAll = sql`r.passed = ${sql.raw(String(compiled.steps.length))}`;
  if (!compiled.cut) return sql`${kept} where ${passedAll}`;
  const cut = cutSql(compiled.cut, id);
  return sql`${kept} ${cut.join} where ${passedAll} ${cut.orderAndLimit}`;
}
