import { asc, count, eq, sql, type SQL } from 'drizzle-orm';
import type { SegmentListQuery } from '@lyra/contracts';
import { rowsOf, type DbOrTx } from '../../db/client.js';
import { campaigns, customers, products, segments } from '../../db/schema/index.js';
import { containsText } from '../../db/text-search.js';
import { paged } from '../../db/unit-of-work.js';

export type SegmentRow = typeof segments.$inferSelect;
export type SegmentWithCounts = SegmentRow & { memberCount: number; productCount: number };

// The counts use the GIN indexes on the arrays, so they match the name as the list spells it:
// the list is seeded from the data's own spellings (syncFromData), so the two agree.
// Spelt out qualified: a column in a select list renders unqualified, and "name" alone would be the subscriber's.
const listedName = sql.raw('"segments"."name"');
const memberCount = sql<number>`(select count(*)::int from ${customers} c where c.segments @> array[${listedName}])`.mapWith(Number);
const productCount = sql<number>`(select count(*)::int from ${products} p where p.target_segments @> array[${listedName}])`.mapWith(Number);
const withCounts = { id: segments.id, name: segments.name, description: segments.description, createdAt: segments.createdAt, updatedAt: segments.updatedAt, memberCount, productCount };
const sameName = (name: string): SQL => sql`lower(${segments.name}) = lower(${name})`;

/** A campaign audience with a segments rule naming the segment, at any depth of its rule tree. */
const audienceNames = (name: string): SQL =>
  sql`exists (select 1 from jsonb_path_query(${campaigns.audience}, 'strict $.**.segments[*]') s where lower(s #>> '{}') = lower(${name}))`;

/** Bound to the database or to a unit of work's transaction. */
export function createSegmentsRepository(db: DbOrTx) {
  /** Inserts the names `used` (a query of one column `s`) lacks from the list: one spelling per name, case-insensitively. */
  async function addMissing(used: SQL): Promise<number> {
    const result = await db.execute(sql`
      with used as (
        select distinct on (lower(btrim(s))) btrim(s) as name
        from (${used}) u
        where btrim(s) <> ''
        order by lower(btrim(s)), btrim(s)
      ), added as (
        insert into ${segments} (name) select name from used on conflict do nothing returning 1
      )
      select count(*)::int as n from added`);
    return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  }

  return {
    list(q: SegmentListQuery): Promise<{ count: number; results: SegmentWithCounts[] }> {
      const cond = q.search?.trim() ? containsText([segments.name, segments.description], q.search.trim()) : undefined;
      return paged(
        db.select(withCounts).from(segments).where(cond).orderBy(asc(sql`lower(${segments.name})`), asc(segments.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(segments).where(cond),
      );
    },

    async findById(id: string, opts: { forUpdate?: boolean } = {}): Promise<SegmentWithCounts | undefined> {
      const q = db.select(withCounts).from(segments).where(eq(segments.id, id)).limit(1);
      const [row] = opts.forUpdate ? await q.for('update', { of: segments }) : await q;
      return row;
    },

    async findByName(name: string): Promise<SegmentRow | undefined> {
      const [row] = await db.select().from(segments).where(sameName(name)).limit(1);
      return row;
    },

    /** Every name in the list (a few hundred at most), for validation and suggestions. */
    async names(): Promise<string[]> {
      const rows = await db.select({ name: segments.name }).from(segments).orderBy(asc(segments.name));
      return rows.map((r) => r.name);
    },

    /** Campaigns whose audience names the segment, by name (for a 409 that says who uses it). */
    async campaignsUsing(name: string): Promise<{ id: string; name: string }[]> {
      return db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(audienceNames(name)).orderBy(asc(campaigns.name)).limit(20);
    },

    async insert(values: { name: string; description: string }): Promise<SegmentRow> {
      const [row] = await db.insert(segments).values(values).returning();
      return row!;
    },

    async update(id: string, values: Partial<{ name: string; description: string }>): Promise<void> {
      await db.update(segments).set({ ...values, updatedAt: sql`now()` }).where(eq(segments.id, id));
    },

    async remove(id: string): Promise<void> {
      await db.delete(segments).where(eq(segments.id, id));
    },

    /**
     * Adds every segment the subscriber data and the catalog use that the list lacks, in one
     * idempotent statement: at start-up and after syncs, so data from the source systems never
     * fails for a name nobody has entered yet.
     */
    async syncFromData(): Promise<number> {
      return addMissing(sql`select unnest(segments) as s from ${customers} union all select unnest(target_segments) from ${products}`);
    },

    /** The same for the names a customers import brought (its subscribers' segments): no scan of the base. */
    async addFromData(names: readonly string[]): Promise<number> {
      if (names.length === 0) return 0;
      return addMissing(sql`select unnest(${sql.param([...names])}::text[]) as s`);
    },
  };
}
export type SegmentsRepository = ReturnType<typeof createSegmentsRepository>;
