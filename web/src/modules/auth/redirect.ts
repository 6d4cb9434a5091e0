import type { Role } from '@lyra/contracts';

/** Where sign-in lands without a `next`: the root, which sends each role to its own landing page. */
export const DEFAULT_AFTER_LOGIN = '/';

/**
 * Each role's landing page: marketers and campaign approvers work on campaigns (running ones with
 * their results, what needs them, drafts); everyone else starts on the dashboard.
 */
export function landingPath(role: Role | null | undefined): string {
  return role === 'marketer' || role === 'campaign_approver' ? '/campaigns' : '/admin';
}

/**
 * Only same-origin paths are followed after login, so a crafted `?next=https://evil`
 * or `//evil` link cannot bounce a user off-site.
 */
export function safeNext(next: unknown): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return DEFAULT_AFTER_LOGIN;
  }
  if (value === '/login' || value.startsWith('/login?')) return DEFAULT_AFTER_LOGIN;
  return value;
}
