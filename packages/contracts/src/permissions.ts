import { ROLES, type Role } from './auth.js';

/**
 * What each role may do: the one table the server enforces (each route names one permission) and
 * the console reads to hide what would be refused.
 */
export const PERMISSIONS = {
  'session:self': ROLES,
  'products:read': ROLES,
  'products:write': ['admin'],
  /** Lyra-owned product fields (targeting, availability override, notes). */
  'products:target': ['admin', 'marketer'],
  /** Offer groups: confirm, choose the master, split and link records. */
  'offer_groups:manage': ['admin'],
  'users:manage': ['admin'],
  'audit:read': ['admin'],
  'systems:read': ['admin'],
  'systems:manage': ['admin'],
  'sync:read': ROLES,
  'sync:run': ['admin'],
  'customers:read': ROLES,
  'customers:write': ['admin'],
  'ml:read': ROLES,
  'ml:manage': ['admin', 'analyst'],
  'ml:predict': ['admin', 'analyst', 'marketer'],
  'campaigns:read': ROLES,
  'campaigns:write': ['admin', 'marketer'],
  /** Maker-checker: approving (or rejecting) what someone else submitted. */
  'campaigns:approve': ['admin', 'campaign_approver'],
  'segments:manage': ['admin', 'marketer'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Whether a role may do something; nobody signed in may do nothing. */
export function roleMay(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
