import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { products } from '../../db/schema/index.js';
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

    async insertMany(rows: NewProductRow[]): Promise<void> {
      if (rows.length) await db.insert(products).values(rows);
    },

    /** Writes source columns (and un-retires); never touches Lyra-owned columns. */
    async updateSource(id: string, values: SourceColumns & { lastSynced: string }): Promise<void> {
      await db
        .update(products)
        .set({ ...values, retiredAt: null, updatedAt: sql`now()` })
        .where(eq(products.id, id));
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
