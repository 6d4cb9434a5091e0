import { and, asc, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { CampaignListQuery } from '@lyra/contracts';
import type { DbOrTx } from '../../db/client.js';
import { campaignOffers, campaigns, campaignVersions, catalogChanges, products, users } from '../../db/schema/index.js';
import { containsText } from '../../db/text-search.js';
import { paged } from '../../db/unit-of-work.js';
import { standsForItsOffer } from '../products/offer-groups.repository.js';

export type CampaignRow = typeof campaigns.$inferSelect;
export type NewCampaignRow = typeof campaigns.$inferInsert;
export type CampaignOfferRow = typeof campaignOffers.$inferSelect;
export type CampaignVersionRow = typeof campaignVersions.$inferSelect;
export type CatalogChangeRow = typeof catalogChanges.$inferSelect;
export interface OfferWithName extends CampaignOfferRow {
  productName: string | null;
}

const needsAttention = sql`(jsonb_array_length(${campaigns.attention}) > 0 or ${campaigns.pausedReason} is not null or ${campaigns.pendingVersion} is not null)`;

function listConditions(q: CampaignListQuery): SQL | undefined {
  const where: SQL[] = [];
  if (q.status) where.push(eq(campaigns.status, q.status));
  if (q.objective) where.push(eq(campaigns.objective, q.objective));
  if (q.search?.trim()) where.push(containsText([campaigns.name, campaigns.description], q.search.trim()));
  if (q.needs_attention !== undefined) where.push(q.needs_attention ? needsAttention : sql`not ${needsAttention}`);
  return where.length ? and(...where) : undefined;
}

/** Bound to the database or to a unit of work's transaction. */
export function createCampaignsRepository(db: DbOrTx) {
  return {
    list(q: CampaignListQuery): Promise<{ count: number; results: CampaignRow[] }> {
      const cond = listConditions(q);
      return paged(
        db.select().from(campaigns).where(cond).orderBy(desc(campaigns.createdAt), asc(campaigns.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(campaigns).where(cond),
      );
    },

    async findById(id: string, opts: { forUpdate?: boolean } = {}): Promise<CampaignRow | undefined> {
      const q = db.select().from(campaigns).where(eq(campaigns.id, id)).limit(1);
      const [row] = opts.forUpdate ? await q.for('update') : await q;
      return row;
    },

    /** The offers of these campaigns, in order, with their product's name. */
    async offersOf(campaignIds: string[]): Promise<OfferWithName[]> {
      if (campaignIds.length === 0) return [];
      return db
        .select({
          campaignId: campaignOffers.campaignId, position: campaignOffers.position, productId: campaignOffers.productId,
          channel: campaignOffers.channel, message: campaignOffers.message, productName: products.name,
        })
        .from(campaignOffers)
        .leftJoin(products, eq(products.id, campaignOffers.productId))
        .where(inArray(campaignOffers.campaignId, campaignIds))
        .orderBy(asc(campaignOffers.campaignId), asc(campaignOffers.position));
    },

    async userExists(id: string): Promise<boolean> {
      const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1);
      return row !== undefined;
    },

    /**
     * The product and the record that stands for its offer: itself when it belongs to no offer
     * group, else the group's master (the one record a campaign offers for the whole group).
     */
    async offerProduct(productId: string): Promise<{ id: string; name: string; retiredAt: string | null; masterId: string } | undefined> {
      const [row] = await db.select({ id: products.id, name: products.name, retiredAt: products.retiredAt, groupId: products.offerGroupId })
        .from(products).where(eq(products.id, productId)).limit(1);
      if (!row) return undefined;
      const { groupId, ...product } = row;
      if (!groupId) return { ...product, masterId: product.id };
      const [master] = await db.select({ id: products.id }).from(products).where(and(eq(products.offerGroupId, groupId), standsForItsOffer)).limit(1);
      return { ...product, masterId: master?.id ?? product.id };
    },

    async insert(values: NewCampaignRow): Promise<CampaignRow> {
      const [row] = await db.insert(campaigns).values(values).returning();
      return row!;
    },

    async update(id: string, values: Partial<NewCampaignRow>): Promise<CampaignRow> {
      const [row] = await db.update(campaigns).set({ ...values, updatedAt: sql`now()` }).where(eq(campaigns.id, id)).returning();
      return row!;
    },

    async replaceOffers(campaignId: string, offers: { productId: string; channel: string; message: string }[]): Promise<void> {
      await db.delete(campaignOffers).where(eq(campaignOffers.campaignId, campaignId));
      if (offers.length) await db.insert(campaignOffers).values(offers.map((o, i) => ({ campaignId, position: i + 1, ...o })));
    },

    async insertVersion(values: typeof campaignVersions.$inferInsert): Promise<void> {
      await db.insert(campaignVersions).values(values);
    },

    async approveVersion(campaignId: string, version: number, approvedBy: string): Promise<void> {
      await db.update(campaignVersions).set({ approvedBy, approvedAt: sql`now()` })
        .where(and(eq(campaignVersions.campaignId, campaignId), eq(campaignVersions.version, version)));
    },

    async findVersion(campaignId: string, version: number): Promise<CampaignVersionRow | undefined> {
      const [row] = await db.select().from(campaignVersions)
        .where(and(eq(campaignVersions.campaignId, campaignId), eq(campaignVersions.version, version))).limit(1);
      return row;
    },

    async lastVersion(campaignId: string): Promise<number> {
      const [row] = await db.select({ n: sql<number>`coalesce(max(${campaignVersions.version}), 0)::int`.mapWith(Number) })
        .from(campaignVersions).where(eq(campaignVersions.campaignId, campaignId));
      return row?.n ?? 0;
    },

    versions(campaignId: string): Promise<CampaignVersionRow[]> {
      return db.select().from(campaignVersions).where(eq(campaignVersions.campaignId, campaignId)).orderBy(desc(campaignVersions.version));
    },

    /** Campaigns offering a product (any status): who a product's deletion would break. */
    campaignsOffering(productId: string): Promise<{ id: string; name: string; status: string }[]> {
      return db
        .selectDistinct({ id: campaigns.id, name: campaigns.name, status: campaigns.status })
        .from(campaignOffers)
        .innerJoin(campaigns, eq(campaigns.id, campaignOffers.campaignId))
        .where(eq(campaignOffers.productId, productId))
        .orderBy(campaigns.name, campaigns.id);
    },

    /**
     * Catalog changes no campaign has looked at yet, oldest first, locked so that a second instance
     * reacting at the same time skips them rather than pausing a campaign twice.
     */
    unprocessedChanges(limit: number): Promise<CatalogChangeRow[]> {
      return db.select().from(catalogChanges).where(isNull(catalogChanges.processedAt))
        .orderBy(asc(catalogChanges.createdAt), asc(catalogChanges.id)).limit(limit).for('update', { skipLocked: true });
    },

    async markProcessed(ids: string[]): Promise<void> {
      if (ids.length) await db.update(catalogChanges).set({ processedAt: sql`now()` }).where(inArray(catalogChanges.id, ids));
    },

    /** Campaigns in these statuses offering any of these products, locked for the status change. */
    offeringAny(productIds: string[], statuses: readonly string[]): Promise<{ campaign: CampaignRow; productId: string; productName: string | null }[]> {
      if (productIds.length === 0) return Promise.resolve([]);
      return db
        .select({ campaign: campaigns, productId: campaignOffers.productId, productName: products.name })
        .from(campaignOffers)
        .innerJoin(campaigns, eq(campaigns.id, campaignOffers.campaignId))
        .leftJoin(products, eq(products.id, campaignOffers.productId))
        .where(and(inArray(campaignOffers.productId, productIds), inArray(campaigns.status, [...statuses])))
        .orderBy(asc(campaigns.id))
        .for('update', { of: campaigns });
    },
  };
}
export type CampaignsRepository = ReturnType<typeof createCampaignsRepository>;
