import { and, asc, count, eq, inArray, isNotNull, isNull, max, sql, type SQL } from 'drizzle-orm';
import type { AvailableProductsQuery, ProductListQuery } from '@lyra/contracts';
import { rowsOf, type Database, type DbOrTx } from '../../db/client.js';
import { externalSystems, products } from '../../db/schema/index.js';
import { orderingColumn } from '../../db/ordering.js';
import { containsText } from '../../db/text-search.js';
import { paged, sqlExecutorOf } from '../../db/unit-of-work.js';
import { productOpenToSegment, productSellableNow, productTargetsSegment, productWithinCustomerValue } from '../audience/audience.sql.js';
import { windowContainsNow } from './availability.js';
import { standsForItsOffer } from './offer-groups.repository.js';

export type ProductRow = typeof products.$inferSelect;
export interface SystemInfo {
  name: string;
  syncFrequency: string;
  lastFullSyncAt: string | null;
}
export type NewProductRow = typeof products.$inferInsert;

// Small named query pieces, composed by the list/stats/available queries below.
const isRetired = isNotNull(products.retiredAt);
const isActiveNotRetired = and(eq(products.isActive, true), isNull(products.retiredAt));
const statusExpr = sql<string>`case when ${products.retiredAt} is not null then 'retired' when ${products.isActive} then 'active' else 'inactive' end`;

// lower(name) and lower(external id): what their trigram indexes hold (migration 0016: on the bare columns the
// planner took them for equality look-ups).
const matchesSearch = (s: string) => containsText([sql`lower(${products.name})`, sql`lower(${products.externalProductId})`, products.description], s);

const ORDER_COLUMNS = {
  name: products.name,
  price: products.price,
  created_at: products.createdAt,
  updated_at: products.updatedAt,
  product_type: products.productType,
  category: products.category,
  last_synced: products.lastSynced,
  external_product_id: products.externalProductId,
} as const;

function orderBy(ordering: string): SQL[] {
  const { column: col, descending } = orderingColumn(ordering, ORDER_COLUMNS, products.name);
  // id breaks ties so offset pages never repeat or skip rows.
  return [descending ? sql`${col} desc nulls last` : sql`${col} asc nulls last`, asc(products.id)];
}

export type ProductFilters = Omit<ProductListQuery, 'ordering' | 'limit' | 'offset'>;

function listConditions(f: ProductFilters): SQL | undefined {
  const where: (SQL | undefined)[] = [];
  if (f.product_type) where.push(eq(products.productType, f.product_type));
  if (f.category) where.push(sql`lower(${products.category}) = lower(${f.category})`);
  if (f.external_system) where.push(eq(products.externalSystem, f.external_system));
  if (f.external_system_id) where.push(eq(products.externalSystemId, f.external_system_id));
  if (f.is_active !== undefined) where.push(eq(products.isActive, f.is_active));
  if (f.is_available !== undefined) where.push(f.is_available ? productSellableNow : sql`not ${productSellableNow}`);
  if (f.status === 'retired') where.push(isRetired);
  if (f.status === 'active') where.push(isActiveNotRetired);
  if (f.status === 'inactive') where.push(and(eq(products.isActive, false), isNull(products.retiredAt)));
  if (f.segment) where.push(productTargetsSegment(f.segment));
  if (f.customer_value) where.push(productWithinCustomerValue(f.customer_value));
  if (f.min_price) where.push(sql`${products.price} >= ${f.min_price}::numeric`);
  if (f.max_price) where.push(sql`${products.price} <= ${f.max_price}::numeric`);
  if (f.currency) where.push(eq(products.currency, f.currency.toUpperCase()));
  if (f.search?.trim()) where.push(matchesSearch(f.search.trim()));
  // Collapsed: one row per offer group (its master), records of no group as they are.
  if (f.collapse_groups) where.push(standsForItsOffer);
  const defined = where.filter((w): w is SQL => w !== undefined);
  return defined.length ? and(...defined) : undefined;
}

/**
 * Bound to the database or to a unit of work's transaction. `executeSql` is the database's raw
 * driver call, for the catalog version read on every cached answer (the query builder costs more
 * than that query); bound to a transaction, the handle runs it.
 */
export function createProductsRepository(db: DbOrTx, executeSql: Database['executeSql'] = sqlExecutorOf(db).executeSql) {
  return {
    /** Bumped by a statement trigger on every products change (migration 0001). */
    async catalogVersion(): Promise<string> {
      const { rows } = await executeSql('select version::text as version from catalog_state where id = 1', []);
      return String(rows[0]?.version ?? '0');
    },

    /** Bumped explicitly when something shown with products changed without a product row changing (a sync's confirmation time). */
    async bumpCatalogVersion(): Promise<void> {
      await executeSql('update catalog_state set version = version + 1 where id = 1', []);
    },

    /**
     * Flips the stored validity-window flag of every product (or of one) whose window opened or
     * closed since the flag was last set (retired products aside), and records each flip as a
     * catalog change, in one statement: a flag never changes without its change row.
     */
    async refreshValidityWindows(productId?: string): Promise<{ opened: number; closed: number }> {
      const result = await db.execute(sql`
        with flipped as (
          update ${products} set in_validity_window = not in_validity_window, updated_at = now()
          where retired_at is null
            and in_validity_window <> ${windowContainsNow}
            ${productId ? sql`and id = ${productId}` : sql``}
          returning id, external_system_id, in_validity_window, valid_from, valid_to
        ), recorded as (
          insert into catalog_changes (product_id, external_system_id, change_type, before, after)
          select id, external_system_id,
                 case when in_validity_window then 'window_opened' else 'window_closed' end,
                 jsonb_build_object('in_validity_window', not in_validity_window),
                 jsonb_build_object('in_validity_window', in_validity_window, 'valid_from', valid_from, 'valid_to', valid_to)
          from flipped
          returning change_type
        )
        select count(*) filter (where change_type = 'window_opened')::int as opened,
               count(*) filter (where change_type = 'window_closed')::int as closed
        from recorded`);
      const [row] = rowsOf<{ opened: number; closed: number }>(result);
      return { opened: Number(row?.opened ?? 0), closed: Number(row?.closed ?? 0) };
    },

    /** Per external system: its name, its frequency and when a complete full sync last confirmed its catalog. */
    async systemsInfo(): Promise<Map<string, SystemInfo>> {
      const rows = await db
        .select({ id: externalSystems.id, name: externalSystems.name, syncFrequency: externalSystems.syncFrequency, lastFullSyncAt: externalSystems.lastFullSyncAt })
        .from(externalSystems);
      return new Map(rows.map((r) => [r.id, r]));
    },

    list(q: ProductListQuery): Promise<{ count: number; results: ProductRow[] }> {
      const cond = listConditions(q);
      return paged(
        db.select().from(products).where(cond).orderBy(...orderBy(q.ordering)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(products).where(cond),
      );
    },

    /**
     * Rows in pages for exports, so a large catalog streams in bounded memory: offset pages in the
     * export's order (id breaks ties, so no row repeats or goes missing while nothing writes).
     */
    async *iterate(filters: ProductFilters, ordering: string, batch = 1000): AsyncGenerator<ProductRow[]> {
      const cond = listConditions(filters);
      for (let offset = 0; ; offset += batch) {
        const rows = await db.select().from(products).where(cond).orderBy(...orderBy(ordering)).limit(batch).offset(offset);
        if (rows.length) yield rows;
        if (rows.length < batch) return;
      }
    },

    available(q: AvailableProductsQuery): Promise<{ count: number; results: ProductRow[] }> {
      const where: SQL[] = [productSellableNow];
      if (q.segment) where.push(productOpenToSegment(q.segment));
      if (q.customer_value) where.push(productWithinCustomerValue(q.customer_value));
      if (q.product_type) where.push(eq(products.productType, q.product_type));
      if (q.search?.trim()) where.push(matchesSearch(q.search.trim()));
      const cond = and(...where);
      return paged(
        db.select().from(products).where(cond).orderBy(...orderBy(q.ordering)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(products).where(cond),
      );
    },

    async stats() {
      const [byType, bySystem, sources, byStatus, [totals]] = await Promise.all([
        db.select({ key: products.productType, n: count() }).from(products).groupBy(products.productType),
        db.select({ key: products.externalSystem, n: count() }).from(products).groupBy(products.externalSystem),
        // Per connected system (the name is null once a system is removed), and per type for rows of no system.
        db
          .select({ type: products.externalSystem, systemId: products.externalSystemId, name: externalSystems.name, n: count() })
          .from(products)
          .leftJoin(externalSystems, eq(externalSystems.id, products.externalSystemId))
          .groupBy(products.externalSystem, products.externalSystemId, externalSystems.name),
        db.select({ key: statusExpr, n: count() }).from(products).groupBy(statusExpr),
        db
          .select({
            total: count(),
            available: sql<number>`count(*) filter (where ${productSellableNow})`.mapWith(Number),
            lastSynced: max(products.lastSynced),
          })
          .from(products),
      ]);
      const asRecord = (rows: { key: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.n]));
      return {
        byType: asRecord(byType),
        bySystem: asRecord(bySystem),
        sources,
        byStatus: asRecord(byStatus),
        total: totals?.total ?? 0,
        available: totals?.available ?? 0,
        lastSynced: totals?.lastSynced ?? null,
      };
    },

    async findById(id: string, opts: { forUpdate?: boolean } = {}): Promise<ProductRow | undefined> {
      const q = db.select().from(products).where(eq(products.id, id)).limit(1);
      const [row] = opts.forUpdate ? await q.for('update') : await q;
      return row;
    },

    /**
     * Products of no connected system (manual ones) with these external ids: the rows unique by
     * (type, external id), looked up through that partial index (synced products are keyed by system).
     */
    async findUnattachedByExternalIds(systemType: string, externalIds: string[]): Promise<ProductRow[]> {
      if (externalIds.length === 0) return [];
      return db
        .select()
        .from(products)
        .where(and(eq(products.externalSystem, systemType), isNull(products.externalSystemId), inArray(products.externalProductId, externalIds)));
    },

    async insert(values: NewProductRow): Promise<ProductRow> {
      const [row] = await db.insert(products).values(values).returning();
      return row!;
    },

    async insertMany(values: NewProductRow[]): Promise<ProductRow[]> {
      if (values.length === 0) return [];
      return db.insert(products).values(values).returning();
    },

    async update(id: string, values: Partial<NewProductRow>): Promise<ProductRow | undefined> {
      const [row] = await db.update(products).set({ ...values, updatedAt: sql`now()` }).where(eq(products.id, id)).returning();
      return row;
    },

    async remove(id: string): Promise<boolean> {
      const rows = await db.delete(products).where(eq(products.id, id)).returning({ id: products.id });
      return rows.length > 0;
    },
  };
}
export type ProductsRepository = ReturnType<typeof createProductsRepository>;

