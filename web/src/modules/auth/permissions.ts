import type { Role } from '@lyra/contracts';

/**
 * What each role may do in the console. The server enforces the same rules; the console
 * only hides what would be refused so people are not offered buttons that fail.
 */
export interface Permissions {
  manageProducts: boolean;
  editTargeting: boolean;
  importProducts: boolean;
  manageUsers: boolean;
  viewAudit: boolean;
}

export function permissionsFor(role: Role | null | undefined): Permissions {
  const admin = role === 'admin';
  return {
    manageProducts: admin,
    editTargeting: admin || role === 'marketer',
    importProducts: admin,
    manageUsers: admin,
    viewAudit: admin,
  };
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  marketer: 'Marketer',
  analyst: 'Analyst',
  viewer: 'Viewer',
};
