export type DiffKind = 'added' | 'removed' | 'changed';

export interface DiffRow {
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stable comparison that ignores key order, so `{a,b}` vs `{b,a}` is not reported as a change. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

/**
 * The fields an audit entry changed, as dotted paths. Objects are walked; arrays and scalars are
 * compared whole (a list of segments reads better as "before → after" than as index-by-index noise).
 */
export function diffJson(before: unknown, after: unknown, prefix = ''): DiffRow[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const path = prefix ? `${prefix}.${key}` : key;
      const inBefore = Object.hasOwn(before, key);
      const inAfter = Object.hasOwn(after, key);
      if (!inBefore) return [{ path, kind: 'added' as const, after: after[key] }];
      if (!inAfter) return [{ path, kind: 'removed' as const, before: before[key] }];
      return diffJson(before[key], after[key], path);
    });
  }
  if (same(before, after)) return [];
  const path = prefix || '(value)';
  if (before === undefined || before === null) return after === undefined || after === null ? [] : [{ path, kind: 'added', after }];
  if (after === undefined || after === null) return [{ path, kind: 'removed', before }];
  return [{ path, kind: 'changed', before, after }];
}

/** Short one-line rendering for a diff cell. */
export function showValue(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
}
