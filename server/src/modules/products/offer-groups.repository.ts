import { asc, eq, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../db/client.js';
import { paged } from '../../db/unit-of-work.js';
import { externalSystems, offerGroups, products } from '../../db/schema/index.js';

export type OfferGroupRow = typeof offerGroups.$inferSelect;
export type GroupRule = 'shared_code' | 'name_price_cycle' | 'manual';
export type GroupDecision = 'auto' | 'confirmed' | 'manual_link' | 'manual_split';

/** Default master order: the BSS (Xiva) record, else the CRM's, else billing's, else a manual one. */
export const SOURCE_PRIORITY = sql`case ${products.externalSystem} when 'xiva' then 0 when 'crm' then 1 when 'billing' then 2 else 3 end`;

/** Confidence of each automatic rule (a name+price+cycle key shared by several records of one system is less sure). */
export const MATCH_CONFIDENCE = { sharedCode: 1, namePriceCycle: 0.8, namePriceCycleAmbiguous: 0.5 } as const;

/**
 * The code a record shares with the other systems: a Xiva record's own TMF id; for the CRM and
 * billing, the TMF id their record names (CRM ProductCode -> attributes.product_code, billing
 * metadata -> attributes.tmf_id / xiva_id / metadata.*).
 */
const sharedCode = sql`case when p.external_system = 'xiva' then p.external_product_id
  else nullif(btrim(coalesce(p.attributes->>'tmf_id', p.attributes->>'xiva_id', p.attributes->'metadata'->>'tmf_id',
                             p.attributes->'metadata'->>'xiva_id', p.attributes->>'product_code')), '') end`;
/** Name (case, spaces and punctuation ignored) + price + currency + billing cycle. */
const nameKey = sql`regexp_replace(lower(p.name), '[^[:alnum:]]+', '', 'g') || '|' || coalesce(trim_scale(p.price)::text, '-') || '|' || p.currency || '|' || p.billing_cycle`;

/**
 * SQL piece for product queries: the row stands for its offer (no group, or the group's master; when the
 * master is gone, e.g. deleted, the first member in the default order until the next matching fixes it).
 */
export const standsForItsOffer = sql`(${products.offerGroupId} is null or ${products.id} = coalesce(
  (select g.master_product_id from offer_groups g join products gm on gm.id = g.master_product_id and gm.offer_group_id = g.id
    where g.id = ${products.offerGroupId}),
  (select m.id from products m where m.offer_group_id = ${products.offerGroupId}
    order by case m.external_system when 'xiva' then 0 when 'crm' then 1 when 'billing' then 2 else 3 end, m.external_product_id, m.id limit 1)))`;

export interface GroupMemberRow {
  id: string;
  offerGroupId: string;
  externalSystem: string;
  externalSystemId: string | null;
  externalSystemName: string | null;
  externalProductId: string;
  name: string;
  price: string | null;
  currency: string;
  billingCycle: string;
  isActive: boolean;
  retiredAt: string | null;
  groupRule: string | null;
  groupConfidence: string | null;
  groupDecision: string | null;
}

export interface MatchResult {
  grouped: number;
  groups: number;
  byRule: Record<string, number>;
}

/**
 * Bound to the database or to a unit of work's transaction. `lock` and `tidy` belong inside a
 * transaction (the lock is held until it ends); `matchAll` opens its own (a savepoint when bound
 * to one), so a matching is never half applied.
 */
export function createOfferGroupsRepository(db: DbOrTx) {
  /** One grouping change at a time (matching, confirm, master, split, link), across instances. */
  async function lock(tx: DbOrTx): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(7301010, 1)`);
  }

  /** Points every group at a master that is one of its members: the admin's pick, else the default order. */
  async function tidy(tx: DbOrTx): Promise<void> {
    // A group left with no members goes; so does one left with a single automatic member.
    await tx.execute(sql`
      update ${products} p set offer_group_id = null, group_rule = null, group_confidence = null, group_decision = null
      where p.group_decision = 'auto' and p.offer_group_id in (
        select offer_group_id from ${products} where offer_group_id is not null group by offer_group_id having count(*) = 1)`);
    await tx.execute(sql`delete from ${offerGroups} g where not exists (select 1 from ${products} p where p.offer_group_id = g.id)`);
    await tx.execute(sql`
      update ${offerGroups} g set master_product_id = best.id, master_chosen = case when best.id = g.master_product_id then g.master_chosen else false end, updated_at = now()
      from (
        select distinct on (p.offer_group_id) p.offer_group_id, p.id
        from ${products} p where p.offer_group_id is not null
        order by p.offer_group_id, case p.external_system when 'xiva' then 0 when 'crm' then 1 when 'billing' then 2 else 3 end, (p.retired_at is not null), p.external_product_id, p.id
      ) best
      where best.offer_group_id = g.id
        and (g.master_product_id is null
             or not g.master_chosen and g.master_product_id <> best.id
             or not exists (select 1 from ${products} m where m.id = g.master_product_id and m.offer_group_id = g.id))`);
  }

  return {
    lock: () => lock(db),
    tidy: () => tidy(db),

    /**
     * Groups the records of one offer across systems, set-based, in one transaction:
     * 1. records naming the same shared code (a Xiva TMF id), from at least two systems: rule shared_code, confidence 1;
     * 2. the rest by normalised name + price + currency + billing cycle, from at least two systems: rule name_price_cycle.
     * Several records of one system with one key are paired in id order (one per system per group).
     * Only records whose decision is null or 'auto' move: confirmed and manual decisions survive every run.
     * Records a person confirmed where a rule put them anchor their group: a new record of the same offer
     * joins it. Records linked or split off by hand neither move nor attract others (a person said
     * where they belong, whatever their name or code says).
     * An existing group keeps its id when its (best-ranked) member stays in it.
     */
    async matchAll(): Promise<MatchResult> {
      return db.transaction(async (tx) => {
        await lock(tx);
        await tx.execute(sql`create temp table if not exists offer_match (
          id uuid primary key, ck text not null, rule text not null, conf numeric not null, prio int not null,
          old_gid uuid, anchor_gid uuid, gid uuid) on commit drop`);
        await tx.execute(sql`delete from offer_match`);
        await tx.execute(sql`
          insert into offer_match (id, ck, rule, conf, prio, old_gid, anchor_gid)
          with cand as (
            select p.id, coalesce(p.external_system_id::text, p.external_system) as sys, p.external_product_id as xid,
                   ${sharedCode} as code, ${nameKey} as nk,
                   case p.external_system when 'xiva' then 0 when 'crm' then 1 when 'billing' then 2 else 3 end as prio,
                   p.offer_group_id as old_gid,
                   case when p.group_decision = 'confirmed' then p.offer_group_id end as anchor_gid
            from ${products} p
            where p.group_decision is null or p.group_decision = 'auto'
               or (p.group_decision = 'confirmed' and p.group_rule in ('shared_code', 'name_price_cycle') and p.offer_group_id is not null)
          ),
          code_multi as (select code from cand where code is not null group by code having count(distinct sys) >= 2),
          by_code as (
            select f.id, 'c:' || f.code || '#' || row_number() over (partition by f.code, f.sys order by f.anchor_gid is null, f.xid, f.id) as ck,
                   'shared_code' as rule, ${MATCH_CONFIDENCE.sharedCode}::numeric as conf
            from cand f join code_multi using (code)
          ),
          code_clusters as (select ck from by_code group by ck having count(*) >= 2),
          coded as (select b.* from by_code b join code_clusters using (ck)),
          rest as (select f.* from cand f where not exists (select 1 from coded c where c.id = f.id)),
          name_multi as (
            select nk, max(n) as per_system from (select nk, sys, count(*) as n from rest group by nk, sys) x
            group by nk having count(*) >= 2
          ),
          by_name as (
            select r.id, 'n:' || r.nk || '#' || row_number() over (partition by r.nk, r.sys order by r.anchor_gid is null, r.xid, r.id) as ck,
                   'name_price_cycle' as rule,
                   case when m.per_system = 1 then ${MATCH_CONFIDENCE.namePriceCycle}::numeric else ${MATCH_CONFIDENCE.namePriceCycleAmbiguous}::numeric end as conf
            from rest r join name_multi m using (nk)
          ),
          named as (select b.* from by_name b where b.ck in (select ck from by_name group by ck having count(*) >= 2)),
          assigned as (select * from coded union all select * from named)
          select a.id, a.ck, a.rule, a.conf, f.prio, f.old_gid, f.anchor_gid from assigned a join cand f using (id)`);
        // A cluster with an anchor goes to the anchor's group (the best-ranked anchor's, if several);
        // otherwise it keeps the group of its best-ranked member that had one, unless an earlier cluster took it
        // (a group a person linked a record into thus keeps its automatic members too).
        await tx.execute(sql`
          with anchored as (
            select distinct on (ck) ck, anchor_gid from offer_match where anchor_gid is not null order by ck, prio, id
          ),
          prior as (
            select distinct on (ck) ck, old_gid from offer_match m
            where anchor_gid is null and old_gid is not null
              and not exists (select 1 from anchored a where a.ck = m.ck)
            order by ck, prio, id
          ),
          kept as (select distinct on (old_gid) old_gid, ck from prior order by old_gid, ck),
          gids as (
            select c.ck, coalesce(a.anchor_gid, k.old_gid, gen_random_uuid()) as gid
            from (select distinct ck from offer_match) c
            left join anchored a using (ck)
            left join kept k using (ck)
          )
          update offer_match m set gid = g.gid from gids g where g.ck = m.ck`);
        // Clusters of anchors only change nothing; the others need their group to exist.
        await tx.execute(sql`delete from offer_match m where m.ck in (select ck from offer_match group by ck having bool_and(anchor_gid is not null))`);
        await tx.execute(sql`insert into ${offerGroups} (id) select distinct gid from offer_match on conflict (id) do nothing`);
        await tx.execute(sql`
          update ${products} p set offer_group_id = m.gid, group_rule = m.rule, group_confidence = m.conf, group_decision = 'auto'
          from offer_match m
          where p.id = m.id and m.anchor_gid is null and (p.group_decision is null or p.group_decision = 'auto')
            and (p.offer_group_id is distinct from m.gid or p.group_rule is distinct from m.rule
                 or p.group_confidence is distinct from m.conf or p.group_decision is distinct from 'auto')`);
        // Automatic records that match nothing any more leave their group.
        await tx.execute(sql`
          update ${products} p set offer_group_id = null, group_rule = null, group_confidence = null, group_decision = null
          where (p.group_decision is null or p.group_decision = 'auto') and p.offer_group_id is not null
            and not exists (select 1 from offer_match m where m.id = p.id)`);
        await tidy(tx);
        const counts = rowsOf<{ rule: string; n: number; groups: number }>(await tx.execute(sql`
          select rule, count(*)::int as n, count(distinct gid)::int as groups from offer_match where anchor_gid is null group by rule`));
        return {
          grouped: counts.reduce((s, r) => s + Number(r.n), 0),
          groups: counts.reduce((s, r) => s + Number(r.groups), 0),
          byRule: Object.fromEntries(counts.map((r) => [r.rule, Number(r.n)])),
        };
      });
    },

    async findGroup(id: string, opts: { forUpdate?: boolean } = {}): Promise<OfferGroupRow | undefined> {
      const q = db.select().from(offerGroups).where(eq(offerGroups.id, id)).limit(1);
      const [row] = opts.forUpdate ? await q.for('update') : await q;
      return row;
    },

    listGroups(limit: number, offset: number): Promise<{ count: number; results: OfferGroupRow[] }> {
      return paged(
        db.select().from(offerGroups).orderBy(asc(offerGroups.createdAt), asc(offerGroups.id)).limit(limit).offset(offset),
        db.select({ n: sql<number>`count(*)::int`.mapWith(Number) }).from(offerGroups),
      );
    },

    async groupsByIds(ids: string[]): Promise<OfferGroupRow[]> {
      if (ids.length === 0) return [];
      return db.select().from(offerGroups).where(inArray(offerGroups.id, ids));
    },

    /** Members of these groups with their system's name, master-order first. */
    async members(groupIds: string[]): Promise<GroupMemberRow[]> {
      if (groupIds.length === 0) return [];
      return db
        .select({
          id: products.id,
          offerGroupId: sql<string>`${products.offerGroupId}`,
          externalSystem: products.externalSystem,
          externalSystemId: products.externalSystemId,
          externalSystemName: externalSystems.name,
          externalProductId: products.externalProductId,
          name: products.name,
          price: products.price,
          currency: products.currency,
          billingCycle: products.billingCycle,
          isActive: products.isActive,
          retiredAt: products.retiredAt,
          groupRule: products.groupRule,
          groupConfidence: products.groupConfidence,
          groupDecision: products.groupDecision,
        })
        .from(products)
        .leftJoin(externalSystems, eq(externalSystems.id, products.externalSystemId))
        .where(inArray(products.offerGroupId, groupIds))
        .orderBy(SOURCE_PRIORITY, asc(products.externalProductId), asc(products.id));
    },

    async createGroup(masterProductId: string): Promise<OfferGroupRow> {
      const [row] = await db.insert(offerGroups).values({ masterProductId, masterChosen: false }).returning();
      return row!;
    },

    async setMaster(groupId: string, productId: string): Promise<void> {
      await db.update(offerGroups).set({ masterProductId: productId, masterChosen: true, updatedAt: sql`now()` }).where(eq(offerGroups.id, groupId));
    },

    /** Puts products in a group by a person's decision (link, split), or confirms a group's members where they are. */
    async assign(productIds: string[], groupId: string, rule: GroupRule | null, decision: GroupDecision): Promise<void> {
      if (productIds.length === 0) return;
      const set: Partial<typeof products.$inferInsert> = { offerGroupId: groupId, groupDecision: decision };
      if (rule) Object.assign(set, { groupRule: rule, groupConfidence: '1' });
      await db.update(products).set(set).where(inArray(products.id, productIds));
    },

    async confirm(groupId: string): Promise<void> {
      await db.update(products).set({ groupDecision: 'confirmed' }).where(eq(products.offerGroupId, groupId));
      await db.update(offerGroups).set({ updatedAt: sql`now()` }).where(eq(offerGroups.id, groupId));
    },

    /**
     * The ids that count as "this product" for purchases: every member of its offer group (a purchase
     * recorded under the CRM or billing id of an offer counts for the offer), or just itself.
     */
    async groupMemberIds(productId: string): Promise<string[]> {
      const rows = rowsOf<{ id: string }>(await db.execute(sql`
        select p.id from ${products} p
        where p.id = ${productId}
           or p.offer_group_id = (select offer_group_id from ${products} where id = ${productId} and offer_group_id is not null)
        order by p.id`));
      return rows.map((r) => r.id);
    },
  };
}
export type OfferGroupsRepository = ReturnType<typeof createOfferGroupsRepository>;

/**
 * SQL piece: "this product id belongs to the offer of product X" (X itself or any member of its
 * group), for queries over purchases, holdings or campaign contacts, e.g.
 * `where ${sameOfferAs(customerPurchases.productId, id)}`.
 */
export function sameOfferAs(productIdColumn: SQLWrapper, productId: string): SQL {
  return sql`${productIdColumn} in (
    select m.id from ${products} m
    where m.id = ${productId}
       or m.offer_group_id = (select g.offer_group_id from ${products} g where g.id = ${productId} and g.offer_group_id is not null))`;
}
