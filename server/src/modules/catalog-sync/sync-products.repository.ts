import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { copyRows, withStagedRows, type CopyValue, type StagingColumn } from '../../db/bulk-copy.js';
import type { DbOrTx } from '../../db/client.js';
import { products } from '../../db/schema/index.js';
import { analyzeIfStale } from '../../db/statistics.js';
import type { NewProductRow } from '../products/products.repository.js';

export interface SyncedProductState {
  id: string;
  externalProductId: string;
  contentHash: string | null;
  retiredAt: string | null;
  price: string | null;
  currency: string;
  name: string;
}

/** Source-owned columns a sync writes. Lyra-owned columns (targeting, override, notes) are absent on purpose. */
export type SourceColumns = Pick<NewProductRow,
  'name' | 'description' | 'productType' | 'category' | 'price' | 'currency' | 'recurring' | 'billingCycle' | 'features' |
  'attributes' | 'isActive' | 'sourceIsAvailable' | 'validFrom' | 'validTo' | 'sourceVersion' | 'sourceUpdatedAt' | 'contentHash'>;

const stateColumns = {
  id: products.id,
  externalProductId: products.externalProductId,
  contentHash: products.contentHash,
  retiredAt: products.retiredAt,
  price: products.price,
  currency: products.currency,
  name: products.name,
};

/** What retiring a product writes (never a delete): unavailable, lifecycle Retired with the reason, retired_at set. */
export const retiredColumns = (reason: string) => ({
  sourceIsAvailable: false,
  retiredAt: sql`now()`,
  attributes: sql`${products.attributes} || jsonb_build_object('lifecycle_status', 'Retired', 'retired_reason', ${reason}::text)`,
  updatedAt: sql`now()`,
});

/** A source record to write: its id in the system, its source columns, when it was synced. */
export type SourceWrite = SourceColumns & { externalProductId: string; lastSynced: string };

/** The staging table of a source write: every column a sync writes, in the products table's names and types. */
const sourceStaging: { column: StagingColumn; value: (w: SourceWrite) => CopyValue }[] = [
  { column: { name: 'external_product_id', type: 'text' }, value: (w) => w.externalProductId },
  { column: { name: 'name', type: 'text' }, value: (w) => w.name },
  { column: { name: 'description', type: 'text' }, value: (w) => w.description ?? '' },
  { column: { name: 'product_type', type: 'text' }, value: (w) => w.productType },
  { column: { name: 'category', type: 'text' }, value: (w) => w.category ?? '' },
  { column: { name: 'price', type: 'numeric' }, value: (w) => w.price },
  { column: { name: 'currency', type: 'text' }, value: (w) => w.currency },
  { column: { name: 'recurring', type: 'boolean' }, value: (w) => w.recurring ?? false },
  { column: { name: 'billing_cycle', type: 'text' }, value: (w) => w.billingCycle ?? 'one_time' },
  { column: { name: 'features', type: 'jsonb' }, value: (w) => w.features ?? {} },
  { column: { name: 'attributes', type: 'jsonb' }, value: (w) => w.attributes ?? {} },
  { column: { name: 'is_active', type: 'boolean' }, value: (w) => w.isActive ?? true },
  { column: { name: 'source_is_available', type: 'boolean' }, value: (w) => w.sourceIsAvailable ?? true },
  { column: { name: 'valid_from', type: 'timestamptz' }, value: (w) => w.validFrom },
  { column: { name: 'valid_to', type: 'timestamptz' }, value: (w) => w.validTo },
  { column: { name: 'source_version', type: 'text' }, value: (w) => w.sourceVersion },
  { column: { name: 'source_updated_at', type: 'timestamptz' }, value: (w) => w.sourceUpdatedAt },
  { column: { name: 'content_hash', type: 'text' }, value: (w) => w.contentHash },
  { column: { name: 'last_synced', type: 'timestamptz' }, value: (w) => w.lastSynced },
];
const stagedNames = sourceStaging.map((s) => s.column.name);
/** A new product's row as COPYed into products: its system (type and id), then the staged columns. */
const newProductColumns: StagingColumn[] = [{ name: 'external_system', type: 'text' }, { name: 'external_system_id', type: 'uuid' }, ...sourceStaging.map((s) => s.column)];
/** Columns an update of a known record sets from the source; its identity and Lyra-owned columns stay. */
const updatedNames = stagedNames.filter((n) => n !== 'external_product_id');

/** Bound to the database or to a unit of work's transaction. */
export function createSyncProductsRepository(db: DbOrTx) {
  return {
    /**
     * The stored state of these source ids in one connected system. Keyed by the system, not its
     * type: another system of the same type may hold the same ids, and they are other products.
     */
    async findStates(systemId: string, externalIds: string[]): Promise<SyncedProductState[]> {
      if (externalIds.length === 0) return [];
      return db.select(stateColumns).from(products).where(and(eq(products.externalSystemId, systemId), inArray(products.externalProductId, externalIds)));
    },

    /**
     * Writes source records of one system in one statement: COPY into a staging table, then new
     * ids inserted and known ones updated (source columns only, un-retired, `updated_at` bumped).
     * Lyra-owned columns (targeting, override, notes, offer group) are never in the update.
     */
    async upsertSource(system: { id: string; systemType: string }, writes: SourceWrite[]): Promise<void> {
      if (writes.length === 0) return;
      const staging = { name: 'sync_source_stage', columns: sourceStaging.map((s) => s.column) };
      await withStagedRows(db, staging, writes.map((w) => sourceStaging.map((s) => s.value(w))), async (tx, table) => {
        await tx.execute(sql`
          insert into products (external_system, external_system_id, ${sql.raw(stagedNames.join(', '))})
          select ${system.systemType}::text, ${system.id}::uuid, ${sql.raw(stagedNames.map((n) => `s.${n}`).join(', '))}
          from ${sql.raw(table)} s
          on conflict (external_system_id, external_product_id) where external_system_id is not null do update set
            ${sql.raw(updatedNames.map((n) => `${n} = excluded.${n}`).join(', '))}, retired_at = null, updated_at = now()`);
      });
    },

    /**
     * Writes source records the system does not hold yet (as `findStates` showed in this
     * transaction) by one COPY straight into products: no staging table, no conflict check, the
     * plain bulk load. A row of the same identity written meanwhile by someone else fails the
     * whole COPY on the unique key (the caller then writes item by item); Lyra-owned columns take
     * their defaults.
     */
    async insertSource(system: { id: string; systemType: string }, writes: SourceWrite[]): Promise<void> {
      if (writes.length === 0) return;
      await copyRows(db, 'products', newProductColumns, writes.map((w) => [system.systemType, system.id, ...sourceStaging.map((s) => s.value(w))]));
    },

    /**
     * Fresh planner statistics of products after a batch of `written` rows, when the table has
     * doubled since they were taken (or never had any): a first sync of a large catalog would
     * otherwise plan each batch's look-up of its source ids for the empty table it started from (a
     * sequential scan of every product, growing with each batch). Doubling, not autovacuum's tenth:
     * the plan only needs the table's order of size, and a sync of 100,000 new products then
     * analyzes about seven times.
     */
    async refreshStatistics(written: number): Promise<boolean> {
      return analyzeIfStale(db, 'products', written, 1);
    },

    /** Products of the system that are not retired: the population a full snapshot is compared with. */
    async liveExternalIds(systemId: string): Promise<{ id: string; externalProductId: string }[]> {
      return db
        .select({ id: products.id, externalProductId: products.externalProductId })
        .from(products)
        .where(and(eq(products.externalSystemId, systemId), isNull(products.retiredAt)));
    },

    /** How many products of the system are not retired. */
    async countLive(systemId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(products)
        .where(and(eq(products.externalSystemId, systemId), isNull(products.retiredAt)));
      return row?.n ?? 0;
    },

    /** Retires (never deletes): unavailable, lifecycle Retired, retired_at set. Returns what changed. */
    async retire(ids: string[], reason: string): Promise<SyncedProductState[]> {
      if (ids.length === 0) return [];
      return db
        .update(products)
        .set(retiredColumns(reason))
        .where(and(inArray(products.id, ids), isNull(products.retiredAt)))
        .returning(stateColumns);
    },
  };
}
export type SyncProductsRepository = ReturnType<typeof createSyncProductsRepository>;
