import type { OfferGroup, OfferGroupMember } from '@lyra/contracts';

export type GroupField = OfferGroup['disagreements'][number]['field'];

/** Fields on which the group's members disagree, to highlight in the members table. */
export function disagreeingFields(group: Pick<OfferGroup, 'disagreements'> | null | undefined): Set<GroupField> {
  return new Set((group?.disagreements ?? []).map((d) => d.field));
}

/** "Shared code (100%)", "Name, price and cycle (80%)", "Linked by hand"… for a member row. */
export function howGrouped(m: Pick<OfferGroupMember, 'group_rule' | 'group_decision' | 'group_confidence'>): string {
  if (m.group_decision === 'manual_split') return 'Split off by hand';
  if (m.group_decision === 'manual_link') return 'Linked by hand';
  const rule = m.group_rule === 'shared_code' ? 'Shared code' : m.group_rule === 'name_price_cycle' ? 'Name, price and cycle' : m.group_rule === 'manual' ? 'By hand' : 'Not matched';
  const pct = m.group_confidence == null ? '' : ` (${Math.round(m.group_confidence * 100)}%)`;
  return `${rule}${pct}${m.group_decision === 'confirmed' ? ' · confirmed' : ''}`;
}

/** One line for a disagreement: "price: Xiva BSS 49.00, Billing 45.00". */
export function describeDisagreement(d: OfferGroup['disagreements'][number], members: OfferGroupMember[], nameOf: (m: OfferGroupMember) => string): string {
  const parts = d.values.map((v) => {
    const m = members.find((x) => x.product_id === v.product_id);
    return `${m ? nameOf(m) : '?'} ${v.value ?? '—'}`;
  });
  return `${d.field.replace(/_/g, ' ')}: ${parts.join(', ')}`;
}
