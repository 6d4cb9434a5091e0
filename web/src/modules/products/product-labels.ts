import type { BillingCycle, ExternalSystemKind, Product, ProductStatus, ProductType, UnavailableReason } from '@lyra/contracts';

/** Element Plus tag colours. */
export type TagType = 'primary' | 'success' | 'info' | 'warning' | 'danger';

export const PRODUCT_TYPE_LABELS: Record<ProductType, string> = {
  voice: 'Voice',
  data: 'Data',
  sms: 'SMS',
  bundle: 'Bundle',
  device: 'Device',
  service: 'Service',
  addon: 'Add-on',
};

export const SYSTEM_LABELS: Record<ExternalSystemKind, string> = {
  xiva: 'Xiva BSS',
  crm: 'CRM',
  billing: 'Billing',
  manual: 'Manual',
};

/**
 * The system a product comes from, as people know it: the connected system's name (several
 * systems may share a type), else the type's label; a product whose system was removed says so.
 */
export function systemNameOf(p: Pick<Product, 'external_system' | 'external_system_id' | 'external_system_name'>): string {
  if (p.external_system_name) return p.external_system_name;
  const type = labelOf(SYSTEM_LABELS, p.external_system);
  return p.external_system_id ? `${type} (removed system)` : type;
}

export const BILLING_CYCLE_LABELS: Record<BillingCycle, string> = {
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  quarterly: 'Quarterly',
  yearly: 'Yearly',
  one_time: 'One-time',
};

/** Why a product cannot be offered now (the availability rule's first failing part). */
export const UNAVAILABLE_REASON_LABELS: Record<UnavailableReason, string> = {
  retired: 'retired',
  inactive: 'inactive',
  withdrawn_in_lyra: 'withdrawn in Lyra (availability override)',
  unavailable_at_source: 'not available in the source system',
  no_price: 'has no price',
  not_yet_valid: 'its validity period has not begun',
  validity_ended: 'its validity period has ended',
};
export const STATUS_LABELS: Record<ProductStatus, string> = { active: 'Active', inactive: 'Inactive', retired: 'Retired' };
export const STATUS_TAGS: Record<ProductStatus, TagType> = { active: 'success', inactive: 'warning', retired: 'info' };
export const SYSTEM_TAGS: Record<ExternalSystemKind, TagType> = { xiva: 'primary', crm: 'success', billing: 'warning', manual: 'info' };

/** One colour per product type, shared by tags and charts so the two read together. */
export const PRODUCT_TYPE_COLORS: Record<ProductType, string> = {
  voice: '#5b4fe0',
  data: '#1fa4b5',
  sms: '#f59f3a',
  bundle: '#e05a8a',
  device: '#4c8df6',
  service: '#3bb273',
  addon: '#9a6bd8',
};

export const SYSTEM_COLORS: Record<ExternalSystemKind, string> = {
  xiva: '#5b4fe0',
  crm: '#3bb273',
  billing: '#f59f3a',
  manual: '#8a94a6',
};

/** Labels for keys we know; unknown keys (a newer server) still show, humanised. */
export function labelOf<K extends string>(labels: Record<K, string>, key: string): string {
  return (labels as Record<string, string>)[key] ?? key.replace(/_/g, ' ');
}
