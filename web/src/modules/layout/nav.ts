import type { Permissions } from '../auth/permissions';

export interface NavItem {
  label: string;
  to: string;
  icon: 'dashboard' | 'catalog' | 'systems' | 'sync' | 'users' | 'audit' | 'customers' | 'ml';
  permission?: keyof Permissions;
}

export interface NavGroup {
  title: string | null;
  items: NavItem[];
}

export const NAV: NavGroup[] = [
  { title: null, items: [{ label: 'Dashboard', to: '/admin', icon: 'dashboard' }] },
  {
    title: 'Admin',
    items: [
      { label: 'Product Catalog', to: '/admin/products', icon: 'catalog' },
      { label: 'External systems', to: '/admin/external-systems', icon: 'systems', permission: 'manageSystems' },
      { label: 'Sync history', to: '/admin/sync-runs', icon: 'sync', permission: 'viewSyncRuns' },
      { label: 'Users', to: '/admin/users', icon: 'users', permission: 'manageUsers' },
      { label: 'Audit log', to: '/admin/audit-log', icon: 'audit', permission: 'viewAudit' },
    ],
  },
  {
    title: 'Insights',
    items: [
      { label: 'Customers', to: '/customers', icon: 'customers' },
      { label: 'ML models', to: '/ml', icon: 'ml' },
    ],
  },
];

/** Only links the user's role can open: a link that lands on "forbidden" is worse than none. */
export function visibleNav(can: Permissions): NavGroup[] {
  return NAV.map((g) => ({ ...g, items: g.items.filter((i) => !i.permission || can[i.permission]) })).filter((g) => g.items.length > 0);
}

/** The nav entry to highlight: the longest prefix match, so /admin/products/123 lights up "Product Catalog". */
export function activeNav(path: string, groups: NavGroup[] = NAV): string | null {
  let best: string | null = null;
  for (const item of groups.flatMap((g) => g.items)) {
    const match = path === item.to || path.startsWith(`${item.to}/`);
    if (match && (!best || item.to.length > best.length)) best = item.to;
  }
  return best;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  const letters = parts.length === 1 ? parts[0]!.slice(0, 2) : `${parts[0]![0]}${parts[parts.length - 1]![0]}`;
  return letters.toUpperCase();
}
