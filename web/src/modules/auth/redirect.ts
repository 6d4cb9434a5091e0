export const DEFAULT_AFTER_LOGIN = '/admin';

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
