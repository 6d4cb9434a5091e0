import { z } from 'zod';
import { DecimalString, NonNegativeDecimalString, PG_INT_MAX } from './common.js';
import { PlanType, RecordId, ValueBand } from './customers.js';

/**
 * A campaign's audience: rules over subscriber data and model scores, combined with and/or groups,
 * then exclusions, then an optional ranking cut. The top-level rules are AND-ed in order, and the
 * preview's funnel counts what remains after each of them; a group nests with `match` all/any.
 *
 * The base population is the active subscribers (status `active`): suspended and churned lines are
 * never contacted, whatever the rules say.
 *
 * Do-not-contact: subscribers carry no flag in the operator's extract, so the list is the segment
 * `do_not_contact` (kept by the operator's CRM like any other segment, and excluded unless a
 * definition explicitly turns `exclusions.do_not_contact` off), plus any subscriber ids a definition
 * lists in `exclusions.subscriber_ids` (a STOP received before the next import).
 */

export const DO_NOT_CONTACT_SEGMENT = 'do_not_contact';
/** Nesting depth of groups (the top level is depth 1) and rules in a whole definition. */
export const AUDIENCE_MAX_DEPTH = 4;
export const AUDIENCE_MAX_RULES = 40;
export const AUDIENCE_MAX_EXCLUDED_IDS = 10_000;

const Segment = z.string().trim().min(1).max(64);
const Label = z.string().trim().min(1).max(100);
const list = <T extends z.ZodTypeAny>(item: T, max = 50) => z.array(item).min(1).max(max);
const Score = z.number().min(0).max(1);
const Months = z.number().int().min(1).max(36);

/** At least one end of a range, and min ≤ max when both are given (the error names `max`). */
function range<S extends z.ZodRawShape>(shape: S, lessOrEqual: (a: never, b: never) => boolean) {
  return z.strictObject(shape).superRefine((v, ctx) => {
    const r = v as { min?: unknown; max?: unknown };
    if (r.min === undefined && r.max === undefined) ctx.addIssue({ code: 'custom', path: ['min'], message: 'give min, max or both' });
    else if (r.min !== undefined && r.max !== undefined && !lessOrEqual(r.min as never, r.max as never)) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'must not be less than min' });
    }
  });
}
const numLe = (a: number, b: number) => a <= b;
const decLe = (a: string, b: string) => Number(a) <= Number(b);

export const SegmentsRule = z.strictObject({
  kind: z.literal('segments'),
  /** any: holds one of them; all: holds every one; none: holds none of them. */
  match: z.enum(['any', 'all', 'none']),
  segments: list(Segment),
});
export const ValueBandRule = z.strictObject({ kind: z.literal('value_band'), bands: list(ValueBand, 4) });
export const CustomerValueRule = range({ kind: z.literal('customer_value'), min: DecimalString.optional(), max: DecimalString.optional() }, decLe);
export const PlanTypeRule = z.strictObject({ kind: z.literal('plan_type'), plan_types: list(PlanType, 2) });
export const RegionRule = z.strictObject({ kind: z.literal('region'), regions: list(Label, 100) });
/** Whole months since activation. */
export const TenureRule = range({ kind: z.literal('tenure_months'), min: z.number().int().min(0).max(1200).optional(), max: z.number().int().min(0).max(1200).optional() }, numLe);
export const DeviceRule = z.strictObject({
  kind: z.literal('device'),
  device_types: list(Label).optional(),
  device_os: list(Label).optional(),
}).refine((v) => v.device_types !== undefined || v.device_os !== undefined, { path: ['device_types'], message: 'give device_types, device_os or both' });
/** Holds now (started, not ended) a product, any product of a type, or any member of an offer group. */
export const HoldingRule = z.strictObject({
  kind: z.literal('holding'),
  holds: z.boolean(),
  product_id: z.string().uuid().optional(),
  product_type: Label.optional(),
  offer_group_id: z.string().uuid().optional(),
}).superRefine((v, ctx) => {
  const given = [v.product_id, v.product_type, v.offer_group_id].filter((x) => x !== undefined).length;
  if (given !== 1) ctx.addIssue({ code: 'custom', path: ['product_id'], message: 'give exactly one of product_id, product_type, offer_group_id' });
});
export const USAGE_METRICS = ['data_gb', 'voice_minutes', 'sms', 'spend', 'topup_amount'] as const;
/**
 * Usage over the last `months` complete calendar months (the current month is partial and left
 * out); a month without a usage row counts as zero. `monthly_average` = total / months.
 */
export const UsageRule = range({
  kind: z.literal('usage'),
  metric: z.enum(USAGE_METRICS),
  months: Months,
  aggregate: z.enum(['total', 'monthly_average']).default('monthly_average'),
  min: NonNegativeDecimalString.optional(),
  max: NonNegativeDecimalString.optional(),
}, decLe);
/**
 * Bills due in the last `months` months (up to yesterday) that were not fully paid by their due
 * date (paid late, or still unpaid): their count between min and max (`max: 0` = always on time).
 */
export const LateBillsRule = range({
  kind: z.literal('late_bills'),
  months: Months,
  min: z.number().int().min(0).max(1000).optional(),
  max: z.number().int().min(0).max(1000).optional(),
}, numLe);
/**
 * Propensity to buy the offered product (the campaign's offers; a subscriber qualifies through any
 * of them) or the product named: score ≥ min, or in the top `top_percent` % of the subscribers the
 * latest active run scored for that product (propensity rows exist for each subscriber's top
 * products only, so a subscriber without a row for the product does not qualify).
 */
export const PropensityRule = z.strictObject({
  kind: z.literal('propensity'),
  product_id: z.string().uuid().optional(),
  min: Score.optional(),
  top_percent: z.number().gt(0).max(100).optional(),
}).refine((v) => (v.min === undefined) !== (v.top_percent === undefined), { path: ['min'], message: 'give exactly one of min, top_percent' });
/** Latest active payment_default_risk score ≤ max (a subscriber without a score does not qualify: unknown risk). */
export const DefaultRiskRule = z.strictObject({ kind: z.literal('default_risk'), max: Score });
/** Latest active campaign_response score ≥ min. */
export const ResponseRule = z.strictObject({ kind: z.literal('response'), min: Score });
/** Latest active campaign_response uplift (the response a contact adds) ≥ min. */
export const UpliftRule = z.strictObject({ kind: z.literal('uplift'), min: z.number().min(-1).max(1) });

const RULES = [
  SegmentsRule, ValueBandRule, CustomerValueRule, PlanTypeRule, RegionRule, TenureRule, DeviceRule, HoldingRule, UsageRule,
  LateBillsRule, PropensityRule, DefaultRiskRule, ResponseRule, UpliftRule,
] as const;
export const AudienceRule = z.discriminatedUnion('kind', RULES);
export type AudienceRule = z.infer<typeof AudienceRule>;
export type AudienceRuleKind = AudienceRule['kind'];

export interface AudienceGroup {
  kind: 'group';
  match: 'all' | 'any';
  rules: AudienceNode[];
}
export type AudienceNode = AudienceRule | AudienceGroup;

const GroupObject = z.strictObject({
  kind: z.literal('group'),
  match: z.enum(['all', 'any']),
  get rules(): z.ZodArray<z.ZodType<AudienceNode>> {
    return z.array(AudienceNode).min(1).max(AUDIENCE_MAX_RULES);
  },
});
export const AudienceGroup: z.ZodType<AudienceGroup> = GroupObject;
/** One discriminated union of rules and groups: an unknown or misspelt kind is refused at `<path>.kind`. */
export const AudienceNode: z.ZodType<AudienceNode> = z.discriminatedUnion('kind', [GroupObject, ...RULES]);

export const AudienceExclusions = z.strictObject({
  /** Leave out the `do_not_contact` segment (on unless turned off explicitly). */
  do_not_contact: z.boolean().default(true),
  subscriber_ids: z.array(RecordId).max(AUDIENCE_MAX_EXCLUDED_IDS).optional(),
  /** Leave out subscribers any campaign contacted (treated, not control) in the last N days. */
  contacted_within_days: z.number().int().min(1).max(365).optional(),
  /** Leave out members of other running campaigns (applied once campaigns keep members). */
  in_running_campaigns: z.boolean().default(false),
});
export type AudienceExclusions = z.infer<typeof AudienceExclusions>;

/** Keep the best `top` subscribers by the ranking score (ties by subscriber id; unscored last). */
export const AudienceCut = z.strictObject({ by: z.enum(['uplift', 'response']), top: z.number().int().min(1).max(100_000_000) });

function depthAndCount(nodes: readonly AudienceNode[], depth: number): { depth: number; rules: number } {
  let max = depth;
  let rules = 0;
  for (const n of nodes) {
    if (n.kind === 'group') {
      const inner = depthAndCount(n.rules, depth + 1);
      max = Math.max(max, inner.depth);
      rules += inner.rules;
    } else rules += 1;
  }
  return { depth: max, rules };
}

export const AudienceDefinition = z.strictObject({
  /** AND-ed in order: the preview's funnel is the count after each. Empty: every active subscriber. */
  rules: z.array(AudienceNode).max(AUDIENCE_MAX_RULES).default([]),
  exclusions: AudienceExclusions.default({ do_not_contact: true, in_running_campaigns: false }),
  cut: AudienceCut.optional(),
}).superRefine((v, ctx) => {
  const { depth, rules } = depthAndCount(v.rules, 1);
  if (depth > AUDIENCE_MAX_DEPTH) ctx.addIssue({ code: 'custom', path: ['rules'], message: `groups nest at most ${AUDIENCE_MAX_DEPTH} deep` });
  if (rules > AUDIENCE_MAX_RULES) ctx.addIssue({ code: 'custom', path: ['rules'], message: `at most ${AUDIENCE_MAX_RULES} rules in all` });
});
export type AudienceDefinition = z.infer<typeof AudienceDefinition>;
export type AudienceDefinitionInput = z.input<typeof AudienceDefinition>;

export const AudienceOffer = z.strictObject({
  product_id: z.string().uuid(),
  /** Subscribers whose latest active payment_default_risk score is above it are left out of this offer. */
  max_default_risk: Score.optional(),
});
export type AudienceOffer = z.infer<typeof AudienceOffer>;

export const AudienceBudget = z.strictObject({
  amount: NonNegativeDecimalString.optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as SAR').optional(),
  contacts: z.number().int().min(0).max(PG_INT_MAX).optional(),
});

export const AudiencePreviewRequest = z.strictObject({
  audience: AudienceDefinition,
  offers: z.array(AudienceOffer).min(1).max(10),
  /** As a campaign's: 0 to 0.5. */
  control_share: z.number().min(0).max(0.5).default(0.1),
  budget: AudienceBudget.optional(),
  cost_per_contact: NonNegativeDecimalString.optional(),
});
export type AudiencePreviewRequest = z.infer<typeof AudiencePreviewRequest>;
export type AudiencePreviewRequestInput = z.input<typeof AudiencePreviewRequest>;

export const AUDIENCE_MODELS = ['propensity_to_buy', 'payment_default_risk', 'campaign_response'] as const;

export const AudiencePreview = z.object({
  /** What remains after each top-level rule, then each exclusion, then the cut (`step` is its path). */
  funnel: z.array(z.object({ step: z.string(), label: z.string(), remaining: z.number().int() })),
  size: z.number().int(),
  treated: z.number().int(),
  control: z.number().int(),
  offers: z.array(z.object({
    product_id: z.string(),
    /** Audience members the product is sellable to now (and within the risk cap). */
    eligible: z.number().int(),
    eligible_treated: z.number().int(),
    /** Members it is sellable to whose default risk is above the offer's cap. */
    excluded_by_default_risk: z.number().int(),
  })),
  sample: z.array(z.object({
    customer_id: z.string(),
    group: z.enum(['control', 'treated']),
    scores: z.object({
      propensity: z.record(z.string(), z.number()),
      payment_default_risk: z.number().nullable(),
      campaign_response: z.number().nullable(),
      uplift: z.number().nullable(),
    }),
    reasons: z.array(z.string()),
  })),
  overlap: z.array(z.object({ campaign_id: z.string(), name: z.string(), members: z.number().int() })),
  expected: z.object({
    responders: z.number().nullable(),
    incremental_responders: z.number().nullable(),
    reason: z.string().nullable(),
  }),
  cost: z.object({
    contacts: z.number().int(),
    per_contact: z.string().nullable(),
    total: z.string().nullable(),
    currency: z.string().nullable(),
    budget_amount: z.string().nullable(),
    budget_contacts: z.number().int().nullable(),
    within_budget: z.boolean().nullable(),
  }),
  warnings: z.array(z.object({ code: z.enum(['score_stale', 'score_missing', 'not_applied']), model: z.string().nullable(), message: z.string() })),
});
export type AudiencePreview = z.infer<typeof AudiencePreview>;

/** A stored campaign's preview: its own definition, offers, control share, salt and budget; the cost per contact is the caller's. */
export const CampaignPreviewBody = z.strictObject({ cost_per_contact: NonNegativeDecimalString.optional() });
export type CampaignPreviewBody = z.infer<typeof CampaignPreviewBody>;
