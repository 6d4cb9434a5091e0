import type {
  AudienceDefinition, AudienceNode, AudiencePreviewRequestInput, AudienceRuleKind, Campaign, CampaignChannel, CampaignCreateInput, CampaignObjective,
  Product,
} from '@lyra/contracts';

/** One offer being built: the product (with its details for the card), its channel and message, and an optional risk cap for the preview. */
export interface OfferDraft {
  product_id: string;
  product: Product | null;
  channel: CampaignChannel;
  message: string;
}

export interface CampaignForm {
  name: string;
  description: string;
  objective: CampaignObjective | '';
  starts_at: string | null;
  ends_at: string | null;
  response_window_days: number;
  audience: {
    rules: AudienceNode[];
    exclusions: { do_not_contact: boolean; contacted_within_days: number | null; in_running_campaigns: boolean };
    cut: { by: 'uplift' | 'response'; top: number } | null;
  };
  offers: OfferDraft[];
  /** 0 to 0.5, as the API takes it. */
  control_share: number;
  contact_cap: number;
  budget_amount: string;
  budget_currency: string;
  budget_contacts: number | null;
  /** What one contact costs (SMS price): only for the preview's cost against the budget, not stored. */
  cost_per_contact: string;
}

export const STEPS = ['Basics', 'Audience', 'Offers', 'Message', 'Control & budget', 'Review'] as const;
export type StepIndex = 0 | 1 | 2 | 3 | 4 | 5;

export const DEFAULT_MESSAGE = 'Hi {first_name}, get {offer_name} for {price} {currency}. Reply YES to activate.';

export function emptyForm(): CampaignForm {
  return {
    name: '',
    description: '',
    objective: '',
    starts_at: null,
    ends_at: null,
    response_window_days: 30,
    audience: { rules: [], exclusions: { do_not_contact: true, contacted_within_days: null, in_running_campaigns: false }, cut: null },
    offers: [],
    control_share: 0.1,
    contact_cap: 1,
    budget_amount: '',
    budget_currency: '',
    budget_contacts: null,
    cost_per_contact: '',
  };
}

/** A new rule of a kind with values that already pass the contract, for the person to adjust. */
export function newRule(kind: AudienceRuleKind | 'group'): AudienceNode {
  switch (kind) {
    case 'group':
      return { kind: 'group', match: 'any', rules: [] };
    case 'segments':
      return { kind: 'segments', match: 'any', segments: [] };
    case 'value_band':
      return { kind: 'value_band', bands: ['high'] };
    case 'customer_value':
      return { kind: 'customer_value', min: '100' };
    case 'plan_type':
      return { kind: 'plan_type', plan_types: ['prepaid'] };
    case 'region':
      return { kind: 'region', regions: [] };
    case 'tenure_months':
      return { kind: 'tenure_months', min: 6 };
    case 'device':
      return { kind: 'device', device_os: ['Android'] };
    case 'holding':
      return { kind: 'holding', holds: false, product_type: 'data' };
    case 'usage':
      return { kind: 'usage', metric: 'data_gb', months: 3, aggregate: 'monthly_average', min: '5' };
    case 'late_bills':
      return { kind: 'late_bills', months: 6, max: 0 };
    case 'propensity':
      return { kind: 'propensity', min: 0.3 };
    case 'default_risk':
      return { kind: 'default_risk', max: 0.2 };
    case 'response':
      return { kind: 'response', min: 0.1 };
    case 'uplift':
      return { kind: 'uplift', min: 0 };
  }
}

/**
 * The rule tree as the API takes it: optional ends left empty in the editor (null, '') are left
 * out, so "min only" stays min only.
 */
function cleanNode(node: AudienceNode): AudienceNode {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === null || value === '' || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0 && key !== 'rules' && key !== 'segments' && key !== 'regions') continue;
    out[key] = key === 'rules' ? (value as AudienceNode[]).map(cleanNode) : value;
  }
  return out as unknown as AudienceNode;
}

export function audienceOf(form: CampaignForm): AudienceDefinition {
  const ex = form.audience.exclusions;
  return {
    rules: form.audience.rules.map(cleanNode),
    exclusions: {
      do_not_contact: ex.do_not_contact,
      in_running_campaigns: ex.in_running_campaigns,
      ...(ex.contacted_within_days ? { contacted_within_days: ex.contacted_within_days } : {}),
    },
    ...(form.audience.cut ? { cut: form.audience.cut } : {}),
  };
}

/** The create (and PATCH) body: the whole definition, so an edit says exactly what the builder shows. */
export function toBody(form: CampaignForm): CampaignCreateInput & { objective: CampaignObjective } {
  const amount = form.budget_amount.trim();
  return {
    name: form.name,
    description: form.description,
    objective: form.objective as CampaignObjective,
    starts_at: form.starts_at,
    ends_at: form.ends_at,
    response_window_days: form.response_window_days,
    control_share: form.control_share,
    contact_cap: form.contact_cap,
    budget_amount: amount || null,
    budget_currency: amount ? form.budget_currency || null : null,
    budget_contacts: form.budget_contacts,
    audience: audienceOf(form),
    offers: form.offers.map((o) => ({ product_id: o.product_id, channel: o.channel, message: o.message })),
  };
}

/**
 * The live preview's request. The preview needs an offer; before any is picked, `standIn` (any
 * sellable product) lets the funnel count the rules, and rules about "the offered product" are
 * counted for it until real offers exist (the builder says so).
 */
export function previewRequest(form: CampaignForm, standIn: string | null): AudiencePreviewRequestInput | null {
  const ids = form.offers.map((o) => o.product_id);
  const offers = ids.length ? ids : standIn ? [standIn] : [];
  if (!offers.length) return null;
  const amount = form.budget_amount.trim();
  const budget = {
    ...(amount ? { amount } : {}),
    ...(amount && form.budget_currency ? { currency: form.budget_currency } : {}),
    ...(form.budget_contacts ? { contacts: form.budget_contacts } : {}),
  };
  return {
    audience: audienceOf(form),
    offers: offers.map((product_id) => ({ product_id })),
    control_share: form.control_share,
    ...(Object.keys(budget).length ? { budget } : {}),
    ...(form.cost_per_contact.trim() ? { cost_per_contact: form.cost_per_contact.trim() } : {}),
  };
}

/** A stored campaign in the builder (editing uses the same builder). */
export function formOf(c: Campaign): CampaignForm {
  const audience = (c.audience ?? {}) as Partial<AudienceDefinition>;
  const ex: Partial<AudienceDefinition['exclusions']> = audience.exclusions ?? {};
  return {
    name: c.name,
    description: c.description,
    objective: c.objective,
    starts_at: c.starts_at,
    ends_at: c.ends_at,
    response_window_days: c.response_window_days,
    audience: {
      rules: structuredClone(audience.rules ?? []),
      exclusions: {
        do_not_contact: ex.do_not_contact ?? true,
        contacted_within_days: ex.contacted_within_days ?? null,
        in_running_campaigns: ex.in_running_campaigns ?? false,
      },
      cut: audience.cut ? { ...audience.cut } : null,
    },
    offers: c.offers.map((o) => ({ product_id: o.product_id, product: o.product, channel: o.channel, message: o.message })),
    control_share: c.control_share,
    contact_cap: c.contact_cap,
    budget_amount: c.budget_amount ?? '',
    budget_currency: c.budget_currency ?? '',
    budget_contacts: c.budget_contacts,
    cost_per_contact: '',
  };
}

/** Which step shows a field the server refused (`offers.1.message` → Message), so the builder can go there. */
export function stepOfField(field: string): StepIndex {
  const head = field.split('.')[0] ?? '';
  if (head === 'audience') return 1;
  if (head === 'offers') return /^offers\.\d+\.(message|channel)/.test(field) ? 3 : 2;
  if (['control_share', 'contact_cap', 'budget_amount', 'budget_currency', 'budget_contacts'].includes(head)) return 4;
  return 0;
}

/** The builder's own checks before it moves on from a step (the server checks everything again). */
export function checkStep(form: CampaignForm, step: StepIndex): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  const add = (field: string, msg: string) => (errors[field] ??= []).push(msg);
  if (step === 0) {
    if (!form.name.trim()) add('name', 'Name is required');
    if (!form.objective) add('objective', 'Choose an objective');
    if (form.starts_at && form.ends_at && Date.parse(form.starts_at) >= Date.parse(form.ends_at)) add('ends_at', 'must be after the start');
  }
  if (step === 2 && form.offers.length === 0) add('offers', 'Pick at least one product to offer');
  if (step === 3) form.offers.forEach((o, i) => !o.message.trim() && add(`offers.${i}.message`, 'Write the message'));
  if (step === 4 && form.budget_amount.trim() && !form.budget_currency) add('budget_currency', 'is required with a budget amount');
  return errors;
}

/**
 * The segment a product must target to be offered to this whole audience: a top-level segments
 * rule that every member passes through (match all, or any with a single name). The picker asks
 * for products available in it.
 */
export function requiredSegment(rules: readonly AudienceNode[]): string | undefined {
  for (const r of rules) {
    if (r.kind === 'segments' && r.segments.length && (r.match === 'all' || r.segments.length === 1) && r.match !== 'none') return r.segments[0];
  }
  return undefined;
}
