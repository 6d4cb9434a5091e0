import { sql } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from './client.js';

/**
 * Fresh planner statistics for `table` after a write of `written` rows, when they are stale: never
 * taken, or the write was `staleShare` of the rows they counted, or the table has grown by that
 * share since. Autovacuum would get there in its own time (PGlite has none); a query planned before
 * it takes a table of a million rows for the empty one it was (sequential scans where one index
 * look-up would do, nested loops, unhashed sets). Returns whether it analyzed. `table` is a name
 * from the caller's code, never from input.
 */
export async function analyzeIfStale(db: DbOrTx, table: string, written: number, staleShare: number): Promise<boolean> {
  const [state] = rowsOf<{ stale: boolean }>(
    await db.execute(sql`
      select c.reltuples < 0 or c.relpages = 0 or ${written}::float8 >= ${staleShare}::float8 * c.reltuples
        or pg_relation_size(c.oid) >= (1 + ${staleShare}::float8) * c.relpages * current_setting('block_size')::float8 as stale
      from pg_class c where c.oid = ${table}::regclass`),
  );
  if (state && !state.stale) return false;
  await db.execute(sql.raw(`analyze "${table.replace(/"/g, '""')}"`));
  return true;
}
