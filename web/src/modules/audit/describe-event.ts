import type { AuditEntry } from '@lyra/contracts';
import { diffJson } from './json-diff';

const VERBS: Record<AuditEntry['action'], string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  login: 'signed in',
  logout: 'signed out',
  activate: 'activated',
  sync: 'synced',
  import: 'imported',
  confirm: 'confirmed',
  set_master: 'chose the master of',
  split: 'split a product into',
  link: 'linked a product into',
  submit: 'submitted for approval',
  approve: 'approved',
  reject: 'rejected',
  launch: 'launched',
  pause: 'paused',
  resume: 'resumed',
  complete: 'completed',
  cancel: 'cancelled',
  acknowledge: 'acknowledged the catalog changes of',
  attribute_responses: 'counted purchases as responses to',
};

const nameIn = (v: unknown): string | null => {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const name = r.name ?? r.email ?? r.external_product_id;
  return typeof name === 'string' && name ? name : null;
};

/** "Administrator updated product “Daily Data 1GB”" in parts, so views can style actor, verb and subject. */
export function describeEvent(e: Pick<AuditEntry, 'action' | 'entity_type' | 'before' | 'after' | 'actor_email'>) {
  const actor = e.actor_email && e.actor_email !== 'system' ? e.actor_email : 'System';
  const verb = VERBS[e.action] ?? e.action;
  const entity = e.entity_type.replace(/_/g, ' ');
  if (e.action === 'login' || e.action === 'logout') return { actor, verb, entity, name: null as string | null, subject: null as string | null };
  const name = nameIn(e.after) ?? nameIn(e.before);
  return { actor, verb, entity, name, subject: name ? `${entity} “${name}”` : entity };
}

/** Top-level fields an update touched, for a one-line summary ("price, target_segments"). */
export function changedFields(e: Pick<AuditEntry, 'action' | 'before' | 'after'>, ignore: readonly string[] = ['updated_at']): string[] {
  if (e.action !== 'update') return [];
  const top = diffJson(e.before ?? null, e.after ?? null).map((r) => r.path.split('.')[0]!);
  return [...new Set(top)].filter((f) => !ignore.includes(f) && f !== '(value)');
}
