import type { AudiencePreview, Campaign, CampaignListItem } from '@lyra/contracts';

const ID = '0b6f1c9e-5d1e-4a57-9f39-2f7e0c1a9a01';
const USER = '5e7a2f11-3a7c-4f0e-8d8e-7b8f6b6a1c22';

/** A contract-valid campaign for tests; override what a test cares about. */
export function makeCampaign(over: Partial<Campaign> = {}): Campaign {
  return {
    id: ID,
    name: 'Data upsell',
    description: '',
    objective: 'upsell',
    owner_id: USER,
    status: 'draft',
    version: 1,
    pending_version: null,
    starts_at: null,
    ends_at: null,
    response_window_days: 30,
    control_share: 0.1,
    contact_cap: 1,
    budget_amount: null,
    budget_currency: null,
    budget_contacts: null,
    audience_size: null,
    launched_at: null,
    launch_state: null,
    launch_total: null,
    launch_done: 0,
    launch_error: null,
    submitted_by: null,
    submitted_at: null,
    approved_by: null,
    approved_at: null,
    paused_reason: null,
    attention: [],
    allowed_actions: ['submit', 'cancel'],
    created_at: '2026-12-01T08:00:00.000Z',
    updated_at: '2026-12-01T08:00:00.000Z',
    audience: { rules: [], exclusions: { do_not_contact: true, in_running_campaigns: false } },
    offers: [],
    ...over,
  };
}

export function makeListItem(over: Partial<CampaignListItem> = {}): CampaignListItem {
  const { audience: _a, offers: _o, ...rest } = makeCampaign();
  return { ...rest, uplift: null, offers: [], ...over };
}

export function makePreview(over: Partial<AudiencePreview> = {}): AudiencePreview {
  return {
    funnel: [
      { step: 'base', label: 'active subscribers', remaining: 1000 },
      { step: 'rules.0', label: 'in segment youth', remaining: 400 },
    ],
    size: 400,
    treated: 360,
    control: 40,
    offers: [],
    sample: [],
    overlap: [],
    expected: { responders: null, incremental_responders: null, reason: null },
    cost: { contacts: 360, per_contact: null, total: null, currency: null, budget_amount: null, budget_contacts: null, within_budget: null },
    warnings: [],
    ...over,
  };
}
