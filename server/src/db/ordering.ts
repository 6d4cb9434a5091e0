import type { AnyColumn } from 'drizzle-orm';

/**
 * What a list's `ordering` parameter (`name`, `-price`) asks for: the column it names, or
 * `fallback` for a name the list does not sort by, and whether a leading `-` reversed it.
 * Each list keeps its own null placement and id tie-breaker.
 */
export function orderingColumn(ordering: string, columns: Readonly<Record<string, AnyColumn>>, fallback: AnyColumn): { column: AnyColumn; descending: boolean } {
  const descending = ordering.startsWith('-');
  return { column: columns[descending ? ordering.slice(1) : ordering] ?? fallback, descending };
}
