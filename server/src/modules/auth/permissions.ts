import type { Role } from '@lyra/contracts';

const ALL: readonly Role[] = ['admin', 'marketer', 'analyst', 'viewer'];

/** What each role may do. Routes name one permission; `public` routes need no token. */
export const PERMISSIONS = {
  'session:self': ALL,
  'products:read': ALL,
  'products:write': ['admin'],
  /** Lyra-owned product fields (targeting, availability override, notes). */
  'products:target': ['admin', 'marketer'],
  /** Offer groups: confirm, choose the master, split and link records. */
  'offer_groups:manage': ['admin'],
  'users:manage': ['admin'],
  'audit:read': ['admin'],
  'systems:read': ['admin'],
  'systems:manage': ['admin'],
  'sync:read': ALL,
  'sync:run': ['admin'],
  'customers:read': ALL,
  'customers:write': ['admin'],
  'ml:read': ALL,
  'ml:manage': ['admin', 'analyst'],
  'ml:predict': ['admin', 'analyst', 'marketer'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;
export type RouteAccess = 'public' | Permission;

export function roleMay(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  requestId: string | null;
}

/** The actor recorded for work nobody clicked: schedules, start-up seeding. */
export const SYSTEM_ACTOR: Actor = { id: '00000000-0000-0000-0000-000000000000', email: 'system', name: 'Lyra', role: 'admin', requestId: null };
