import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Db, type DbOrTx, type SqlResult } from './client.js';

/**
 * The one seam through which a service groups writes: `transaction(fn)` hands its callback the
 * repositories bound to that transaction, so services never hold a database handle and never see
 * a `tx` argument. Repositories are built by their factory on either the database or a transaction.
 */
export interface UnitOfWork<R> {
  transaction<T>(fn: (repos: R) => Promise<T>): Promise<T>;
}

export function createUnitOfWork<R>(db: Db, bind: (handle: DbOrTx) => R): UnitOfWork<R> {
  return { transaction: (fn) => db.transaction((tx) => fn(bind(tx))) };
}

/**
 * Positional-parameter SQL (`$1`, `$2` ...) through a Drizzle handle, for libraries that speak
 * `executeSql(text, values)`: pg-boss sends a job with it inside the caller's transaction, so the
 * job commits (or rolls back) with the row it works on.
 */
export function sqlExecutorOf(handle: DbOrTx): { executeSql(text: string, values?: unknown[]): Promise<SqlResult> } {
  return {
    async executeSql(text, values = []) {
      const parts = text.split(/\$(\d+)\b/);
      const chunks: SQL[] = parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${sql.param(values[Number(part) - 1])}`));
      return { rows: rowsOf<Record<string, unknown>>(await handle.execute(sql.join(chunks))) };
    },
  };
}

/** One page of a list and the total it is cut from, read together (the list screens' answer). */
export async function paged<T>(rows: Promise<T[]>, total: Promise<{ n: number }[]>): Promise<{ count: number; results: T[] }> {
  const [results, [counted]] = await Promise.all([rows, total]);
  return { count: Number(counted?.n ?? 0), results };
}
