import { PERMISSIONS, roleMay, type Permission, type Role } from '@lyra/contracts';

// The table lives in the contracts, where the console reads it too; these names stay for the server's own imports.
export { PERMISSIONS, roleMay, type Permission };

/** Routes name one permission; `public` routes need no token. */
export type RouteAccess = 'public' | Permission;

export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  requestId: string | null;
}

/** The actor recorded for work nobody clicked: schedules, start-up seeding. */
export const SYSTEM_ACTOR: Actor = { id: '00000000-0000-0000-0000-000000000000', email: 'system', name: 'Lyra', role: 'admin', requestId: null };
