import { roleMay, type Permission, type Role } from '@lyra/contracts';

/**
 * What the console offers, each read from the permission the server checks for it (the table is
 * the contracts' own). The console only hides what would be refused so people are not offered
 * buttons that fail; the server enforces the rules.
 */
const CONSOLE_PERMISSIONS = {
  manageProducts: 'products:write',
  editTargeting: 'products:target',
  importProducts: 'products:write',
  manageUsers: 'users:manage',
  viewAudit: 'audit:read',
  /** External systems (connections, secrets, schedules). */
  manageSystems: 'systems:manage',
  /** Start and cancel catalog syncs. */
  runSync: 'sync:run',
  /** Sync history and run details: every role. */
  viewSyncRuns: 'sync:read',
  /** Train and activate model versions, start batch scoring (admin, analyst). */
  manageMl: 'ml:manage',
  /** Build, edit, submit, launch, pause and end campaigns (admin, marketer). */
  writeCampaigns: 'campaigns:write',
  /** Approve or send back what someone else submitted (admin, campaign approver). */
  approveCampaigns: 'campaigns:approve',
} as const satisfies Record<string, Permission>;

export type Permissions = Record<keyof typeof CONSOLE_PERMISSIONS, boolean>;

export function permissionsFor(role: Role | null | undefined): Permissions {
  const entries = Object.entries(CONSOLE_PERMISSIONS).map(([name, permission]) => [name, roleMay(role, permission)]);
  return Object.fromEntries(entries) as Permissions;
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  marketer: 'Marketer',
  analyst: 'Analyst',
  viewer: 'Viewer',
  campaign_approver: 'Campaign approver',
};
