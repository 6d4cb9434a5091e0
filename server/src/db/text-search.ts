import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/**
 * Any of the columns contains the text, case-insensitively. `%`, `_` and `\` in the text match
 * themselves (a search for "5_GB" is not a pattern). Searched columns carry trigram indexes, which
 * serve `ilike '%...%'`.
 */
export function containsText(columns: readonly SQLWrapper[], text: string): SQL {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${sql.join(columns.map((c) => sql`${c} ilike ${pattern}`), sql` or `)})`;
}
