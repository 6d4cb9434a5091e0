import { z } from 'zod';
import { NonNegativeDecimalString } from './common.js';

/**
 * What a launched campaign achieved. A snapshot member responds with their first purchase of an
 * offered product (or of any member of its offer group) within the response window: from the
 * contact for treated members, from the launch for control members. Uplift = rate(treated) −
 * rate(control), with Newcombe's hybrid score 95% interval; money as decimal strings.
 */

const Interval = z.object({ lower: z.number(), upper: z.number() });

/** Measured uplift as the campaign list shows it: null until both groups have members. */
export const MeasuredUplift = z.object({
  /** rate(treated) − rate(control), a proportion (0.02 = two points). */
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
  treated: z.object({ members: z.number().int(), responders: z.number().int() }),
  control: z.object({ members: z.number().int(), responders: z.number().int() }),
});
export type MeasuredUplift = z.infer<typeof MeasuredUplift>;

export const CampaignResultGroup = z.object({
  members: z.number().int(),
  responders: z.number().int(),
  /** responders / members; null without members. */
  rate: z.number().nullable(),
  /** The rate's 95% Wilson interval. */
  interval: Interval.nullable(),
});
export type CampaignResultGroup = z.infer<typeof CampaignResultGroup>;

/** Revenue of responses (their purchase prices) in one currency. */
export const CampaignRevenue = z.object({
  currency: z.string(),
  treated: z.string(),
  control: z.string(),
  /** Revenue per member of each group (rounded to the currency's minor unit). */
  treated_per_member: z.string().nullable(),
  control_per_member: z.string().nullable(),
  /** (treated per member − control per member) × treated members; null without both groups. */
  incremental: z.string().nullable(),
});
export type CampaignRevenue = z.infer<typeof CampaignRevenue>;

/**
 * not_launched: nothing to measure until launch (the console shows "no results until launch");
 * launching: the snapshot is being written, counts are partial; open: responses still count;
 * closed: every member's window has ended (purchases imported late but dated inside it still count).
 */
export const CampaignResultsState = z.enum(['not_launched', 'launching', 'open', 'closed']);
export type CampaignResultsState = z.infer<typeof CampaignResultsState>;

export const CampaignReport = z.object({
  campaign_id: z.string().uuid(),
  state: CampaignResultsState,
  launched_at: z.string().nullable(),
  response_window_days: z.number().int(),
  /** Responses count until this instant (the last member's window start + the window); null before launch. */
  window_closes_at: z.string().nullable(),
  treated: CampaignResultGroup,
  control: CampaignResultGroup,
  uplift: z.object({
    estimate: z.number(),
    lower: z.number(),
    upper: z.number(),
    confidence: z.literal(0.95),
    method: z.literal('newcombe_hybrid_score'),
  }).nullable(),
  /** Why there is no uplift (not launched, no control group...), instead of showing 0. */
  uplift_unavailable: z.object({ reason: z.string(), message: z.string() }).nullable(),
  /** uplift × treated members, with the interval scaled alike. */
  incremental_responders: z.object({ estimate: z.number(), lower: z.number(), upper: z.number() }).nullable(),
  /** One entry per currency the responders' purchases were in. */
  revenue: z.array(CampaignRevenue),
  cost: z.object({
    /** Contacts in the campaign's ledger (one per treated subscriber and offer). */
    contacts: z.number().int(),
    per_contact: z.string().nullable(),
    total: z.string().nullable(),
    currency: z.string().nullable(),
    budget_amount: z.string().nullable(),
    budget_contacts: z.number().int().nullable(),
    /** contacts / budget_contacts; null without a contact budget. */
    budget_contacts_used: z.number().nullable(),
    within_budget: z.boolean().nullable(),
  }),
  offers: z.array(z.object({
    position: z.number().int(),
    product_id: z.string().uuid(),
    product_name: z.string().nullable(),
    contacts: z.number().int(),
    /** Members whose response was a purchase of this offer (or a member of its offer group). */
    treated_responders: z.number().int(),
    control_responders: z.number().int(),
    revenue: z.array(z.object({ currency: z.string(), treated: z.string(), control: z.string() })),
  })),
  /** By UTC day from the launch day: responders so far and their rate, per group (the chart). */
  daily: z.array(z.object({
    day: z.string(),
    treated_responders: z.number().int(),
    treated_rate: z.number().nullable(),
    control_responders: z.number().int(),
    control_rate: z.number().nullable(),
  })),
  generated_at: z.string(),
});
export type CampaignReport = z.infer<typeof CampaignReport>;

export const CampaignReportQuery = z.strictObject({
  /** What one contact costs (the campaign stores none): the cost and the money budget check use it. */
  cost_per_contact: NonNegativeDecimalString.optional(),
});
export type CampaignReportQuery = z.infer<typeof CampaignReportQuery>;
