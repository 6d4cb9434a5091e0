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
  /** External systems (connections, secrets, schedules): `systems:read` / `systems:manage`. */
  manageSystems: boolean;
  /** Start and cancel catalog syncs: `sync:run`. */
  runSync: boolean;
  /** Sync history and run details: `sync:read`, every role. */
  viewSyncRuns: boolean;
  /** Train and activate model versions, start batch scoring: `ml:manage` (admin, analyst). */
  manageMl: boolean;
}

export function permissionsFor(role: Role | null | undefined): Permissions {
  const admin = role === 'admin';
  return {
    manageProducts: admin,
    editTargeting: admin || role === 'marketer',
    importProducts: admin,
    manageUsers: admin,
    viewAudit: admin,
    manageSystems: admin,
    runSync: admin,
    viewSyncRuns: role != null,
    manageMl: admin || role === 'analyst',
  };
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  marketer: 'Marketer',
  analyst: 'Analyst',
  viewer: 'Viewer',
};
