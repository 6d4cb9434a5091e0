import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { IsoDateTime, NonNegativeDecimalString, Pagination, PG_INT_MAX } from './common.js';
import { AudienceDefinition, type AudienceNode } from './campaign-audience.js';
import { MessageTemplate } from './campaign-message.js';
import { MeasuredUplift } from './campaign-results.js';
import { CurrencyCode, Product } from './products.js';

/**
 * Campaigns and the managed segment list. The status machine itself (which action leads where)
 * is the server's `campaigns/lifecycle.ts`; these are the names both sides spell.
 */

export const CAMPAIGN_OBJECTIVES = ['acquisition', 'upsell', 'cross_sell', 'retention', 'win_back'] as const;
export const CampaignObjective = z.enum(CAMPAIGN_OBJECTIVES);
export type CampaignObjective = z.infer<typeof CampaignObjective>;

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export const CampaignStatus = z.enum(CAMPAIGN_STATUSES);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const CAMPAIGN_ACTIONS = ['submit', 'approve', 'reject', 'launch', 'pause', 'resume', 'complete', 'cancel'] as const;
export const CampaignAction = z.enum(CAMPAIGN_ACTIONS);
export type CampaignAction = z.infer<typeof CampaignAction>;

/** How an offer reaches the subscriber; `csv_export` hands the target list to an execution system outside Lyra. */
export const CAMPAIGN_CHANNELS = ['sms', 'email', 'webhook', 'csv_export'] as const;
export const CampaignChannel = z.enum(CAMPAIGN_CHANNELS);
export type CampaignChannel = z.infer<typeof CampaignChannel>;

// ---------------------------------------------------------------------------------------------
// Segments

/** A segment's name as subscriber data and product targeting spell it ("youth", "high_value"). */
export const SegmentName = z.string().trim().min(1, 'is required').max(64);

/**
 * The closest known names to a written one, best first, for "unknown segment, did you mean ...":
 * case-insensitive, within a third of the name's length (at least 2 edits), at most three.
 */
export function suggestSegments(written: string, known: readonly string[]): string[] {
  const key = written.trim().toLowerCase();
  const limit = Math.max(2, Math.floor(key.length / 3));
  return known
    .map((name) => ({ name, d: distance(key, name.toLowerCase()) }))
    .filter((c) => c.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((c) => c.name);
}

export const Segment = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  /** Subscribers whose `segments` hold this name (case-insensitively). */
  member_count: z.number().int(),
  /** Catalog products targeting it. */
  product_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Segment = z.infer<typeof Segment>;

export const SegmentCreate = z.object({ name: SegmentName, description: z.string().trim().max(1000).default('') }).strict();
export type SegmentCreate = z.infer<typeof SegmentCreate>;
export const SegmentPatch = z.object({ name: SegmentName, description: z.string().trim().max(1000) }).partial().strict();
export type SegmentPatch = z.infer<typeof SegmentPatch>;

export const SegmentListQuery = z.object({ search: z.string().max(64).optional(), ...Pagination() }).strict();
export type SegmentListQuery = z.infer<typeof SegmentListQuery>;
export const SegmentList = z.object({ count: z.number().int(), results: z.array(Segment) });
export type SegmentList = z.infer<typeof SegmentList>;

// ---------------------------------------------------------------------------------------------
// Campaigns

/** The audience a campaign stores: the rule tree the preview and the launch read (`campaign-audience.ts`). */
export const CampaignAudience = AudienceDefinition;
export type CampaignAudience = AudienceDefinition;

/**
 * Every segment name an audience uses, with the field it sits at (`audience.rules.0.rules.1.segments`),
 * so a refusal names the rule a person wrote.
 */
export function audienceSegmentNames(audience: AudienceDefinition, base = 'audience'): { field: string; names: string[] }[] {
  const out: { field: string; names: string[] }[] = [];
  const walk = (nodes: readonly AudienceNode[], path: string) => {
    nodes.forEach((n, i) => {
      if (n.kind === 'group') walk(n.rules, `${path}.${i}.rules`);
      else if (n.kind === 'segments') out.push({ field: `${path}.${i}.segments`, names: n.segments });
    });
  };
  walk(audience.rules, `${base}.rules`);
  return out;
}

export const CampaignOfferInput = z
  .object({
    product_id: z.string().uuid(),
    channel: CampaignChannel,
    message: MessageTemplate,
  })
  .strict();
export type CampaignOfferInput = z.infer<typeof CampaignOfferInput>;

/** Field rules without defaults: PATCH applies only what was sent. */
const campaignFieldShape = {
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().trim().max(5000),
  objective: CampaignObjective,
  /** The user who answers for the campaign; the creator unless said. */
  owner_id: z.string().uuid(),
  starts_at: IsoDateTime.nullable(),
  ends_at: IsoDateTime.nullable(),
  /** Days after a contact in which a purchase of the offer counts as a response. */
  response_window_days: z.number().int().min(1).max(365),
  /** Share of the audience held out as control, 0 to 0.5 (more than half held out measures nothing useful). */
  control_share: z.number().min(0).max(0.5),
  /** Contacts per subscriber over the campaign's life. */
  contact_cap: z.number().int().min(1).max(100),
  budget_amount: NonNegativeDecimalString.nullable(),
  budget_currency: CurrencyCode.nullable(),
  budget_contacts: z.number().int().min(1).max(PG_INT_MAX).nullable(),
  audience: CampaignAudience,
  offers: z.array(CampaignOfferInput).max(10),
};

const datesOrdered = (v: { starts_at?: string | null | undefined; ends_at?: string | null | undefined }) =>
  v.starts_at == null || v.ends_at == null || Date.parse(v.starts_at) < Date.parse(v.ends_at);
const datesIssue = { message: 'must be after starts_at', path: ['ends_at'] };
const budgetHasCurrency = (v: { budget_amount?: string | null | undefined; budget_currency?: string | null | undefined }) =>
  v.budget_amount === undefined || v.budget_amount === null || v.budget_currency != null;
const budgetIssue = { message: 'is required with budget_amount', path: ['budget_currency'] };
const offersDistinct = (v: { offers?: { product_id: string }[] | undefined }) => new Set((v.offers ?? []).map((o) => o.product_id)).size === (v.offers ?? []).length;
const offersIssue = { message: 'offer the same product once', path: ['offers'] };

export const CampaignCreate = z
  .object({
    ...campaignFieldShape,
    owner_id: campaignFieldShape.owner_id.optional(),
    description: campaignFieldShape.description.default(''),
    starts_at: campaignFieldShape.starts_at.default(null),
    ends_at: campaignFieldShape.ends_at.default(null),
    response_window_days: campaignFieldShape.response_window_days.default(30),
    control_share: campaignFieldShape.control_share.default(0.1),
    contact_cap: campaignFieldShape.contact_cap.default(1),
    budget_amount: campaignFieldShape.budget_amount.default(null),
    budget_currency: campaignFieldShape.budget_currency.default(null),
    budget_contacts: campaignFieldShape.budget_contacts.default(null),
    audience: campaignFieldShape.audience.prefault({}),
    offers: campaignFieldShape.offers.default([]),
  })
  .strict()
  .refine(datesOrdered, datesIssue)
  .refine(budgetHasCurrency, budgetIssue)
  .refine(offersDistinct, offersIssue);
export type CampaignCreate = z.infer<typeof CampaignCreate>;
export type CampaignCreateInput = z.input<typeof CampaignCreate>;

export const CampaignPatch = z
  .object(campaignFieldShape)
  .partial()
  .strict()
  .refine(datesOrdered, datesIssue)
  .refine(budgetHasCurrency, budgetIssue)
  .refine(offersDistinct, offersIssue);
export type CampaignPatch = z.infer<typeof CampaignPatch>;

/** Why a person pauses, or nothing. */
export const CampaignActionBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();
export type CampaignActionBody = z.infer<typeof CampaignActionBody>;

export const CampaignOffer = z.object({
  position: z.number().int(),
  product_id: z.string().uuid(),
  channel: CampaignChannel,
  message: z.string(),
  /** The catalog product as the products API answers it (name, type, price, cycle, allowances, source). */
  product: Product.nullable(),
});
export type CampaignOffer = z.infer<typeof CampaignOffer>;

/** Something the owner must look at: an offered product's price changed in its source system. */
export const CampaignAttention = z.object({
  kind: z.enum(['price_changed']),
  product_id: z.string().uuid(),
  before: z.unknown(),
  after: z.unknown(),
  at: z.string(),
});
export type CampaignAttention = z.infer<typeof CampaignAttention>;

/**
 * A launch's phase: `queued` (the job is waiting), `snapshot` (freezing the audience with its
 * control group, and each treated member's contacts and messages with it), `contacts` (a cut
 * audience, frozen whole first, has its contacts written in this phase), `done` (the campaign is
 * running), `failed` (see launch_error; the campaign stays scheduled and may be launched again).
 */
export const LAUNCH_STATES = ['queued', 'snapshot', 'contacts', 'done', 'failed'] as const;
export const LaunchState = z.enum(LAUNCH_STATES);
export type LaunchState = z.infer<typeof LaunchState>;

/** The target list's columns (CSV for an execution system outside Lyra). */
export const CAMPAIGN_TARGET_CSV_COLUMNS = ['contact_id', 'customer_id', 'msisdn', 'product_id', 'product_name', 'channel', 'message', 'state'] as const;

const campaignAnswerShape = {
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  objective: CampaignObjective,
  owner_id: z.string().uuid().nullable(),
  status: CampaignStatus,
  /** The approved (or, before approval, the edited) definition's version. */
  version: z.number().int(),
  /** A running or paused campaign's edit waiting for approval. */
  pending_version: z.number().int().nullable(),
  starts_at: z.string().nullable(),
  ends_at: z.string().nullable(),
  response_window_days: z.number().int(),
  control_share: z.number(),
  contact_cap: z.number().int(),
  budget_amount: z.string().nullable(),
  budget_currency: z.string().nullable(),
  budget_contacts: z.number().int().nullable(),
  /** Subscribers in the launched snapshot; null before launch. */
  audience_size: z.number().int().nullable(),
  /** When the launch froze the audience (the contacts' time); null before launch. */
  launched_at: z.string().nullable(),
  /** The launch job's phase (see LaunchState); null before launch. */
  launch_state: LaunchState.nullable(),
  /** Progress of the phase: subscribers checked of all subscribers (snapshot), members whose contacts are written of all members (contacts); the audience size once done. */
  launch_total: z.number().int().nullable(),
  launch_done: z.number().int(),
  /** Why the last launch failed; launch again to retry (same groups, no duplicate contact). */
  launch_error: z.string().nullable(),
  submitted_by: z.string().uuid().nullable(),
  submitted_at: z.string().nullable(),
  approved_by: z.string().uuid().nullable(),
  approved_at: z.string().nullable(),
  paused_reason: z.string().nullable(),
  attention: z.array(CampaignAttention),
  /** What the status allows (the console's buttons; the caller's permissions decide which it may press). */
  allowed_actions: z.array(CampaignAction),
  created_at: z.string(),
  updated_at: z.string(),
};

export const Campaign = z.object({
  ...campaignAnswerShape,
  audience: z.unknown(),
  offers: z.array(CampaignOffer),
});
export type Campaign = z.infer<typeof Campaign>;

export const CampaignListItem = z.object({
  ...campaignAnswerShape,
  /** Measured uplift with its 95% interval once launched with both groups; null before. */
  uplift: MeasuredUplift.nullable(),
  offers: z.array(z.object({ position: z.number().int(), product_id: z.string().uuid(), product_name: z.string().nullable(), channel: CampaignChannel })),
});
export type CampaignListItem = z.infer<typeof CampaignListItem>;

export const CampaignListQuery = z
  .object({
    status: CampaignStatus.optional(),
    objective: CampaignObjective.optional(),
    search: z.string().max(200).optional(),
    needs_attention: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional(),
    ...Pagination(),
  })
  .strict();
export type CampaignListQuery = z.infer<typeof CampaignListQuery>;
export const CampaignList = z.object({ count: z.number().int(), results: z.array(CampaignListItem) });
export type CampaignList = z.infer<typeof CampaignList>;

export const CampaignVersion = z.object({
  version: z.number().int(),
  /** The whole definition as it was saved (fields of CampaignCreate). */
  definition: z.unknown(),
  created_by: z.string().uuid().nullable(),
  created_at: z.string(),
  approved_by: z.string().uuid().nullable(),
  approved_at: z.string().nullable(),
  /** live: the definition the campaign runs or will run; pending: an edit waiting for approval; superseded: older. */
  state: z.enum(['live', 'pending', 'superseded']),
});
export type CampaignVersion = z.infer<typeof CampaignVersion>;
export const CampaignVersionList = z.object({ count: z.number().int(), results: z.array(CampaignVersion) });
export type CampaignVersionList = z.infer<typeof CampaignVersionList>;

export const CampaignVersionParam = z.object({ id: z.string().uuid(), version: z.coerce.number().int().min(1).max(PG_INT_MAX) }).strict();
