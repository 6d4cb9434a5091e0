import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../../db/client.js';

/**
 * Responses and results of launched campaigns, set-based.
 *
 * A snapshot member responds with their first purchase of an offered product, or of any product in
 * that offer's group, dated in [contacted_at, contacted_at + response window): contacted_at is the
 * contact for treated members and the launch for control members, so both groups are measured alike.
 * A treated member the launch could not contact (no offer sellable to them) is measured from the
 * launch like the control group: the groups stay comparable (intention to treat), since the control
 * group holds such subscribers too.
 */

/** Campaigns whose members can respond: launched, and not cancelled. */
export const MEASURED_STATUSES = ['running', 'paused', 'completed'] as const;
const measured = sql`c.status in ('running', 'paused', 'completed') and c.launched_at is not null`;

/** (campaign_id, product_id): every product that counts as a response to a campaign's offers. */
const offeredProducts = (campaignFilter: SQL) => sql`
  select distinct o.campaign_id, coalesce(g.id, p.id) as product_id, o.position
  from campaign_offers o
  join campaigns c on c.id = o.campaign_id
  join products p on p.id = o.product_id
  left join products g on p.offer_group_id is not null and g.offer_group_id = p.offer_group_id
  where ${measured} and ${campaignFilter}`;

const forCampaign = (campaignId: string | undefined) => (campaignId === undefined ? sql`true` : sql`c.id = ${campaignId}::uuid`);

const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface GroupCountsRow {
  campaignId: string;
  group: 'treated' | 'control';
  members: number;
  responders: number;
}

export interface RevenueRow {
  group: 'treated' | 'control';
  currency: string;
  members: number;
  revenue: string;
}

export function createResultsRepository(db: DbOrTx) {
  const rows = async <T>(query: SQL): Promise<T[]> => rowsOf<T>(await db.execute(query));

  return {
    /**
     * Sets the response of every member of a measured campaign who has none yet and whose first
     * qualifying purchase exists (a purchase imported after the window closed still counts when it is
     * dated inside it), then marks the matching campaign_contacts rows (`campaign:customer`) as
     * responded so the campaign_response model learns from Lyra's own campaigns. Idempotent: a set
     * response is never changed. Returns the members who got a response.
     */
    async attribute(campaignId?: string): Promise<{ members: number; contacts: number }> {
      const filter = forCampaign(campaignId);
      const members = await rows<{ n: number }>(sql`
        with offered as (${offeredProducts(filter)}),
        first_response as (
          select distinct on (m.campaign_id, m.customer_id) m.campaign_id, m.customer_id, cp.purchased_at, cp.product_id, cp.price
          from campaign_members m
          join campaigns c on c.id = m.campaign_id
          join offered o on o.campaign_id = m.campaign_id
          join customer_purchases cp on cp.customer_id = m.customer_id and cp.product_id = o.product_id
            and cp.purchased_at >= coalesce(m.contacted_at, c.launched_at)
            and cp.purchased_at < coalesce(m.contacted_at, c.launched_at) + make_interval(days => c.response_window_days)
          where m.responded_at is null and ${measured} and ${filter}
          order by m.campaign_id, m.customer_id, cp.purchased_at, cp.id
        ),
        updated as (
          update campaign_members m
          set responded_at = f.purchased_at, response_product_id = f.product_id, response_revenue = f.price
          from first_response f
          where m.campaign_id = f.campaign_id and m.customer_id = f.customer_id and m.responded_at is null
          returning 1
        )
        select count(*)::int as n from updated`);
      // Separate from the members' update: a contact row the launch writes after a member already
      // responded is marked on the next run.
      const contacts = await rows<{ n: number }>(sql`
        with updated as (
          update campaign_contacts cc
          set responded = true, responded_at = m.responded_at, updated_at = now()
          from campaign_members m
          join campaigns c on c.id = m.campaign_id
          where m.responded_at is not null and ${filter}
            and cc.id = m.campaign_id::text || ':' || m.customer_id
            and cc.campaign_id = m.campaign_id::text
            and (not cc.responded or cc.responded_at is null)
          returning 1
        )
        select count(*)::int as n from updated`);
      return { members: Number(members[0]?.n ?? 0), contacts: Number(contacts[0]?.n ?? 0) };
    },

    /**
     * Measured campaigns with a member still without response; with `closedWithinDays`, only those
     * whose last window closed at most that many days ago (or is open).
     */
    async campaignsToAttribute(opts: { closedWithinDays?: number } = {}): Promise<string[]> {
      const recent = opts.closedWithinDays === undefined
        ? sql`true`
        : sql`(select max(m.contacted_at) from campaign_members m where m.campaign_id = c.id)
            + make_interval(days => c.response_window_days + ${opts.closedWithinDays}::int) > now()`;
      const found = await rows<{ id: string }>(sql`
        select c.id from campaigns c where ${measured} and ${recent}
        and exists (select 1 from campaign_members m where m.campaign_id = c.id and m.responded_at is null)
        order by c.launched_at, c.id`);
      return found.map((r) => r.id);
    },

    /** Members and responders per campaign and group, in one grouped query (the campaign list). */
    async groupCounts(campaignIds: string[]): Promise<GroupCountsRow[]> {
      if (campaignIds.length === 0) return [];
      const ids = sql.join(campaignIds.map((id) => sql`${id}::uuid`), sql`, `);
      const found = await rows<{ campaign_id: string; group: 'treated' | 'control'; members: number; responders: number }>(sql`
        select campaign_id, "group", count(*)::int as members, count(responded_at)::int as responders
        from campaign_members where campaign_id in (${ids})
        group by campaign_id, "group"`);
      return found.map((r) => ({ campaignId: r.campaign_id, group: r.group, members: Number(r.members), responders: Number(r.responders) }));
    },

    /** Per group and subscriber currency: members and the revenue of their responses (numeric text). */
    async revenue(campaignId: string): Promise<RevenueRow[]> {
      const found = await rows<{ group: 'treated' | 'control'; currency: string; members: number; revenue: string }>(sql`
        select m."group", cu.currency, count(*)::int as members, coalesce(sum(m.response_revenue), 0)::text as revenue
        from campaign_members m join customers cu on cu.id = m.customer_id
        where m.campaign_id = ${campaignId}::uuid
        group by m."group", cu.currency order by cu.currency, m."group"`);
      return found.map((r) => ({ ...r, members: Number(r.members) }));
    },

    /** Responders per UTC day of response and group (the chart accumulates them). */
    async responsesByDay(campaignId: string): Promise<{ day: string; group: 'treated' | 'control'; responders: number }[]> {
      const found = await rows<{ day: string; group: 'treated' | 'control'; responders: number }>(sql`
        select to_char(m.responded_at at time zone 'UTC', 'YYYY-MM-DD') as day, m."group", count(*)::int as responders
        from campaign_members m where m.campaign_id = ${campaignId}::uuid and m.responded_at is not null
        group by 1, 2 order by 1`);
      return found.map((r) => ({ ...r, responders: Number(r.responders) }));
    },

    /** The last member's window start (treated contacts may come after the launch). */
    async lastWindowStart(campaignId: string): Promise<string | null> {
      const [row] = await rows<{ at: string | null }>(sql`
        select ${iso(sql`max(contacted_at)`)} as at from campaign_members where campaign_id = ${campaignId}::uuid`);
      return row?.at ?? null;
    },

    /** Contacts in the campaign's ledger, per offered product. */
    async contactsByProduct(campaignId: string): Promise<Map<string, number>> {
      const found = await rows<{ product_id: string; n: number }>(sql`
        select product_id, count(*)::int as n from campaign_contacts_ledger where campaign_id = ${campaignId}::uuid group by product_id`);
      return new Map(found.map((r) => [r.product_id, Number(r.n)]));
    },

    /** Per offer, group and currency: responders whose response was a product of that offer (or its group) and their revenue. */
    async responsesByOffer(campaignId: string): Promise<{ productId: string; group: 'treated' | 'control'; currency: string; responders: number; revenue: string }[]> {
      const found = await rows<{ product_id: string; group: 'treated' | 'control'; currency: string; responders: number; revenue: string }>(sql`
        with offered as (
          select distinct o.product_id as offer_id, coalesce(g.id, p.id) as product_id
          from campaign_offers o
          join products p on p.id = o.product_id
          left join products g on p.offer_group_id is not null and g.offer_group_id = p.offer_group_id
          where o.campaign_id = ${campaignId}::uuid
        )
        select o.offer_id as product_id, m."group", cu.currency, count(*)::int as responders, coalesce(sum(m.response_revenue), 0)::text as revenue
        from campaign_members m
        join offered o on o.product_id = m.response_product_id
        join customers cu on cu.id = m.customer_id
        where m.campaign_id = ${campaignId}::uuid and m.responded_at is not null
        group by 1, 2, 3`);
      return found.map((r) => ({ productId: r.product_id, group: r.group, currency: r.currency, responders: Number(r.responders), revenue: r.revenue }));
    },
  };
}
export type ResultsRepository = ReturnType<typeof createResultsRepository>;
