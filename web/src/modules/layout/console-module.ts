import type { RouteRecordRaw } from 'vue-router';
import type { Permissions } from '../auth/permissions';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** The permission a user needs; without it the route redirects to the dashboard. */
    permission?: keyof Permissions;
    title?: string;
  }
}

/** The sidebar's sections, in order; `null` is the untitled one at the top. */
export const NAV_SECTIONS = [null, 'Admin', 'Insights'] as const;
export type NavSection = (typeof NAV_SECTIONS)[number];

export interface NavItem {
  label: string;
  to: string;
  icon: 'campaigns' | 'dashboard' | 'catalog' | 'systems' | 'sync' | 'users' | 'audit' | 'customers' | 'ml';
  section: NavSection;
  permission?: keyof Permissions;
}

/**
 * What a feature module adds to the console: its pages and its sidebar entries. The router and
 * the sidebar only put the modules' declarations together, so a new module touches neither.
 */
export interface ConsoleModule {
  /** Pages inside the console's layout (sidebar and top bar), paths relative to `/`. */
  pages?: RouteRecordRaw[];
  /** Pages shown on their own, outside the layout (sign-in). */
  standalone?: RouteRecordRaw[];
  nav?: NavItem[];
}
