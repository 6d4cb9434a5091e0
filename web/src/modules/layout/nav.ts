import type { Permissions } from '../auth/permissions';
import { CONSOLE_MODULES } from '../console-modules';
import { NAV_SECTIONS, type NavItem, type NavSection } from './console-module';

export type { NavItem };

export interface NavGroup {
  title: NavSection;
  items: NavItem[];
}

/** The modules' entries, by sidebar section. */
export const NAV: NavGroup[] = NAV_SECTIONS.map((title) => ({
  title,
  items: CONSOLE_MODULES.flatMap((m) => m.nav ?? []).filter((item) => item.section === title),
}));

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
