import type { AudienceNode, AudienceRuleKind, CampaignAction, CampaignChannel, CampaignObjective, CampaignStatus } from '@lyra/contracts';
import type { TagType } from '../products/product-labels';

export const STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Awaiting approval',
  scheduled: 'Scheduled',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  cancelled: 'Cancelled',
};
export const STATUS_TAGS: Record<CampaignStatus, TagType> = {
  draft: 'info',
  pending_approval: 'warning',
  scheduled: 'primary',
  running: 'success',
  paused: 'danger',
  completed: 'info',
  cancelled: 'info',
};

export const OBJECTIVE_LABELS: Record<CampaignObjective, string> = {
  acquisition: 'Acquisition',
  upsell: 'Upsell',
  cross_sell: 'Cross-sell',
  retention: 'Retention',
  win_back: 'Win-back',
};

export const CHANNEL_LABELS: Record<CampaignChannel, string> = { sms: 'SMS', email: 'E-mail', webhook: 'Webhook', csv_export: 'CSV export' };

export const ACTION_LABELS: Record<CampaignAction, string> = {
  submit: 'Submit for approval',
  approve: 'Approve',
  reject: 'Send back',
  launch: 'Launch',
  pause: 'Pause',
  resume: 'Resume',
  complete: 'Complete',
  cancel: 'Cancel campaign',
};

export const RULE_KIND_LABELS: Record<AudienceRuleKind | 'group', string> = {
  segments: 'Segments',
  value_band: 'Value band',
  customer_value: 'Customer value',
  plan_type: 'Plan type',
  region: 'Region',
  tenure_months: 'Tenure',
  device: 'Device',
  holding: 'Holds a product',
  usage: 'Usage or spend',
  late_bills: 'Late bills',
  propensity: 'Propensity to buy',
  default_risk: 'Payment default risk',
  response: 'Campaign response score',
  uplift: 'Uplift score',
  group: 'Group of rules',
};

const USAGE_LABELS: Record<string, string> = { data_gb: 'data (GB)', voice_minutes: 'voice minutes', sms: 'SMS', spend: 'spend', topup_amount: 'top-ups' };

const between = (min: string | number | undefined, max: string | number | undefined, unit = ''): string => {
  const u = unit ? ` ${unit}` : '';
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}${u}`;
  if (min !== undefined) return `at least ${min}${u}`;
  return `at most ${max ?? ''}${u}`;
};
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/**
 * One rule as a sentence a marketer reads ("Holds none of: do_not_disturb"); `productName` turns a
 * product id into its name where the caller knows it.
 */
export function describeRule(node: AudienceNode, productName: (id: string) => string = (id) => id.slice(0, 8)): string {
  switch (node.kind) {
    case 'group':
      return `${node.match === 'all' ? 'All' : 'Any'} of ${node.rules.length} rule${node.rules.length === 1 ? '' : 's'}`;
    case 'segments':
      return `In ${node.match === 'all' ? 'every one' : node.match === 'any' ? 'any' : 'none'} of the segments ${node.segments.join(', ')}`;
    case 'value_band':
      return `Value band ${node.bands.join(' or ')}`;
    case 'customer_value':
      return `Customer value ${between(node.min, node.max)}`;
    case 'plan_type':
      return `Plan ${node.plan_types.join(' or ')}`;
    case 'region':
      return `Region ${node.regions.join(', ')}`;
    case 'tenure_months':
      return `Tenure ${between(node.min, node.max, 'months')}`;
    case 'device': {
      const parts = [node.device_types?.join(' or '), node.device_os?.join(' or ')].filter(Boolean);
      return `Device ${parts.join(', ')}`;
    }
    case 'holding': {
      const what = node.product_id ? productName(node.product_id) : node.product_type ? `any ${node.product_type} product` : 'an offer of the group';
      return `${node.holds ? 'Holds' : 'Does not hold'} ${what}`;
    }
    case 'usage':
      return `${node.aggregate === 'total' ? 'Total' : 'Monthly average'} ${USAGE_LABELS[node.metric] ?? node.metric} over ${node.months} months ${between(node.min, node.max)}`;
    case 'late_bills':
      return `Late bills in ${node.months} months ${between(node.min, node.max)}`;
    case 'propensity': {
      const product = node.product_id ? productName(node.product_id) : 'the offered product';
      return node.top_percent !== undefined ? `Top ${node.top_percent}% propensity for ${product}` : `Propensity for ${product} ≥ ${node.min ?? ''}`;
    }
    case 'default_risk':
      return `Payment default risk ≤ ${pct(node.max)}`;
    case 'response':
      return `Response score ≥ ${pct(node.min)}`;
    case 'uplift':
      return `Uplift ≥ ${pct(node.min)}`;
  }
}

/** A rate or share as a percentage with one decimal; "—" when unknown. */
export function percent(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** An uplift in percentage points, signed ("+2.4 pp"). */
export function points(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const v = value * 100;
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(digits)} pp`;
}

export const count = (n: number | null | undefined): string => (n == null ? '—' : n.toLocaleString('en-US'));

/** The rule tree as indented lines for reading (groups say all/any, their rules one level in). */
export function ruleLines(nodes: readonly AudienceNode[], productName?: (id: string) => string, depth = 0): { depth: number; text: string }[] {
  return nodes.flatMap((n) => [{ depth, text: describeRule(n, productName) }, ...(n.kind === 'group' ? ruleLines(n.rules, productName, depth + 1) : [])]);
}
