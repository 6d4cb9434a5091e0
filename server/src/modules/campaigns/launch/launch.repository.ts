import { sql, type SQL } from 'drizzle-orm';
import { copyRows } from '../../../db/bulk-copy.js';
import { rowsOf, type DbOrTx } from '../../../db/client.js';
import { campaignContacts, campaignContactsLedger, campaignMembers, customers, products } from '../../../db/schema/index.js';
import { productSellableTo, subscriberOverRiskCap } from '../../audience/audience.sql.js';
import { controlPositionSql } from '../control-group.js';

/** A range of subscriber ids, `(after, upTo]` (after null: from the first). */
export interface IdRange {
  after: string | null;
  upTo: string;
}

/** One offer of the campaign as the contacts phase reads it. */
export interface LaunchOffer {
  position: number;
  productId: string;
}

/** What decides the treated members' contacts: offers, the per-subscriber cap, and the budget's boundary. */
export interface ContactRules {
  campaignId: string;
  salt: string;
  offers: readonly LaunchOffer[];
  contactCap: number;
  /** The last contact the contacts budget allows, in budget order; null when the budget allows every contact. */
  budgetBoundary: BudgetKey | null;
}

/** A contact's place in budget order: (hash place of the subscriber, subscriber id, offer position). */
export interface BudgetKey {
  place: number;
  customerId: string;
  position: number;
}

/** A snapshot member of a page, one row per offer it may get (position null: it may get none). */
export interface MemberOfferRow {
  customerId: string;
  group: 'treated' | 'control';
  name: string;
  msisdn: string;
  position: number | null;
  /** A treated member's contact with this offer: eligible, within the contact cap and within the budget. */
  contact: boolean;
}

export interface LedgerInsert {
  customerId: string;
  productId: string;
  channel: string;
  message: string;
}

export interface ContactInsert {
  customerId: string;
  group: 'treated' | 'control';
  productId: string | null;
  channel: string | null;
}

export interface TargetRow {
  contactId: string;
  customerId: string;
  msisdn: string | null;
  productId: string;
  productName: string | null;
  channel: string;
  message: string;
  state: string;
}

/**
 * A page's members carry the subscriber columns the availability rule reads (see
 * `audienceMembersSql`): looking each up again by id would let the planner pick the trigram index
 * on customers.id, whose posting lists at a million subscribers make every look-up a long scan.
 */
const memberColumns = { id: sql`m.customer_id`, segments: sql`m.segments`, customerValue: sql`m.customer_value`, currency: sql`m.currency` };

const LEDGER_COLUMNS = [
  { name: 'campaign_id', type: 'uuid' }, { name: 'customer_id', type: 'text' }, { name: 'product_id', type: 'uuid' },
  { name: 'channel', type: 'text' }, { name: 'rendered_message', type: 'text' },
] as const;

const inRange = (column: SQL, range: IdRange): SQL =>
  range.after === null ? sql`${column} <= ${range.upTo}::text` : sql`${column} > ${range.after}::text and ${column} <= ${range.upTo}::text`;

/**
 * The launch's reads and writes: the snapshot in pages of subscriber ids, then the treated members'
 * contacts (ledger) and the contact history the campaign_response model learns from. Every write
 * is `on conflict do nothing` on a key that names the row (campaign + subscriber [+ product]), so a
 * page done twice (a retry, a second worker) adds nothing.
 */
export function createLaunchRepository(db: DbOrTx) {
  const rows = async <T>(query: SQL): Promise<T[]> => rowsOf<T>(await db.execute(query));

  /**
   * The treated and control members of a page with each offer they may get: the offer's product is
   * sellable to them now (the one availability rule) and their default risk is within its cap (the
   * preview's per-offer counts, the same rules). `nth` numbers a member's eligible offers in the
   * campaign's order (the contact cap keeps the first ones); `place` orders contacts for the budget.
   */
  const eligiblePairs = (rules: ContactRules, source: SQL, where: SQL, withPlace: boolean): SQL => {
    const offers = sql.join(rules.offers.map((o) => sql`(${o.position}::int, ${o.productId}::uuid)`), sql`, `);
    return sql`select m.customer_id, o.position,
        row_number() over (partition by m.customer_id order by o.position) as nth
        ${withPlace ? sql`, ${controlPositionSql(`${rules.salt}:budget`, sql`m.customer_id`)} as place` : sql``}
      from (${source}) m
      join ${customers} on ${customers.id} = m.customer_id
      cross join (values ${offers}) as o(position, product_id)
      join ${products} on ${products.id} = o.product_id and ${productSellableTo()}
      where ${where} and not ${subscriberOverRiskCap(sql`${products.maxDefaultRisk}::float8`)}`;
  };

  /** The snapshot as a source of (customer_id, "group"). */
  const snapshotOf = (campaignId: string): SQL => sql`select customer_id, "group" from ${campaignMembers} where campaign_id = ${campaignId}::uuid`;

  /** Members of `source` with each offer they may get and whether a treated one gets it. */
  const membersWithOffers = (rules: ContactRules, source: SQL, range: IdRange | null): SQL => sql`
    with a as (select customer_id, "group" from (${source}) s ${range === null ? sql`` : sql`where ${inRange(sql`s.customer_id`, range)}`})
    select a.customer_id, a."group", ${customers.name} as name, ${customers.msisdn} as msisdn, p.position,
      (a."group" = 'treated' and p.nth <= ${rules.contactCap}::int and ${withinBudget(rules.budgetBoundary)}) as contact
    from a
    join ${customers} on ${customers.id} = a.customer_id
    left join (${eligiblePairs(rules, sql`select * from a`, sql`true`, rules.budgetBoundary !== null)}) p on p.customer_id = a.customer_id
    order by a.customer_id, p.position`;

  const memberOfferRows = async (query: SQL): Promise<MemberOfferRow[]> => {
    const found = await rows<{ customer_id: string; group: 'treated' | 'control'; name: string; msisdn: string; position: number | null; contact: boolean | null }>(query);
    return found.map((r) => ({
      customerId: r.customer_id, group: r.group, name: r.name, msisdn: r.msisdn,
      position: r.position === null ? null : Number(r.position), contact: r.contact === true,
    }));
  };

  const withinBudget = (boundary: BudgetKey | null): SQL =>
    boundary === null ? sql`true` : sql`(p.place, p.customer_id, p.position) <= (${boundary.place}::float8, ${boundary.customerId}::text, ${boundary.position}::int)`;

  return {
    /** For this transaction only: room for the score sets the audience's rules probe (see the preview's). */
    async roomForScoreSets(): Promise<void> {
      await db.execute(sql`set local work_mem = '128MB'`);
    },

    /** The later of two subscriber ids in the database's order (the one `order by` and `>` use); null is before all. */
    async furthest(a: string | null, b: string | null): Promise<string | null> {
      if (a === null || b === null) return a ?? b;
      const [row] = await rows<{ id: string }>(sql`select greatest(${a}::text, ${b}::text) as id`);
      return row!.id;
    },

    async countSubscribers(upTo?: string): Promise<number> {
      const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from ${customers} ${upTo === undefined ? sql`` : sql`where ${customers.id} <= ${upTo}::text`}`);
      return Number(row?.n ?? 0);
    },

    /** The next page of subscriber ids after `after`: its last id and size (null when none is left). */
    async nextSubscriberPage(after: string | null, size: number): Promise<{ upTo: string; size: number } | null> {
      const [row] = await rows<{ up_to: string | null; n: number }>(sql`select max(s.id) as up_to, count(*)::int as n
        from (select ${customers.id} as id from ${customers} ${after === null ? sql`` : sql`where ${customers.id} > ${after}::text`}
              order by ${customers.id} limit ${size}::int) s`);
      return row?.up_to == null ? null : { upTo: row.up_to, size: Number(row.n) };
    },

    /**
     * The snapshot's last subscriber: pages are frozen in id order, each in one transaction, so
     * every subscriber up to it has been decided (resume after it).
     */
    async snapshotCursor(campaignId: string): Promise<string | null> {
      const [row] = await rows<{ last: string | null }>(sql`select max(customer_id) as last from ${campaignMembers} where campaign_id = ${campaignId}::uuid`);
      return row?.last ?? null;
    },

    /**
     * Freezes the audience members in the range (all of `members` without one): set-based, the
     * group computed in SQL by the same hash as `assignGroup`. Answers how many were added.
     */
    async freeze(campaignId: string, members: SQL, range: IdRange | null): Promise<number> {
      const [row] = await rows<{ n: number }>(sql`with added as (
          insert into ${campaignMembers} (campaign_id, customer_id, "group")
          select ${campaignId}::uuid, m.customer_id, m."group" from (${members}) m ${range === null ? sql`` : sql`where ${inRange(sql`m.customer_id`, range)}`}
          on conflict do nothing returning 1)
        select count(*)::int as n from added`);
      return Number(row?.n ?? 0);
    },

    async snapshotSize(campaignId: string): Promise<number> {
      const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from ${campaignMembers} where campaign_id = ${campaignId}::uuid`);
      return Number(row?.n ?? 0);
    },

    /** The next page of snapshot members after `after`. */
    async nextMemberPage(campaignId: string, after: string | null, size: number): Promise<{ upTo: string; size: number } | null> {
      const [row] = await rows<{ up_to: string | null; n: number }>(sql`select max(s.customer_id) as up_to, count(*)::int as n
        from (select customer_id from ${campaignMembers} where campaign_id = ${campaignId}::uuid
              ${after === null ? sql`` : sql`and customer_id > ${after}::text`} order by customer_id limit ${size}::int) s`);
      return row?.up_to == null ? null : { upTo: row.up_to, size: Number(row.n) };
    },

    /**
     * Where the contacts phase resumes: every member up to the last one with a contact-history row
     * was done in a committed page (pages are written in id order), so at most a page is redone.
     */
    async contactsCursor(campaignId: string): Promise<string | null> {
      const [row] = await rows<{ last: string | null }>(sql`select max(customer_id) as last from ${campaignContacts} where campaign_id = ${campaignId}::text`);
      return row?.last ?? null;
    },

    /**
     * The last contact the budget allows: treated members' contacts within the cap, in budget order
     * (a hash of salt and subscriber: a fair spread over the audience that a retry repeats), the
     * `budget`-th one. Null when there are no more contacts than the budget.
     */
    async budgetBoundary(rules: Omit<ContactRules, 'budgetBoundary'>, budget: number, source: SQL | null): Promise<BudgetKey | null> {
      const [row] = await rows<{ place: number; customer_id: string; position: number }>(sql`select p.place, p.customer_id, p.position
        from (${eligiblePairs({ ...rules, budgetBoundary: null }, source ?? snapshotOf(rules.campaignId), sql`m."group" = 'treated'`, true)}) p
        where p.nth <= ${rules.contactCap}::int
        order by p.place, p.customer_id, p.position offset ${budget - 1}::int limit 1`);
      return row ? { place: Number(row.place), customerId: row.customer_id, position: Number(row.position) } : null;
    },

    /** The snapshot's members in a range with the offers each may get (see `eligiblePairs`). */
    memberOffers: (rules: ContactRules, range: IdRange): Promise<MemberOfferRow[]> => memberOfferRows(membersWithOffers(rules, snapshotOf(rules.campaignId), range)),

    /**
     * One page of a launch in one statement: the audience's members in the range (read once) go
     * into the snapshot, dated when contacted or held out; the contact history gets a row for each
     * control member (the first offer they could have got) and each contacted treated member (their
     * first contact's offer); the answer is the contacts of the treated members this statement
     * added (none when the page was done before), whose messages the caller renders and copies into
     * the ledger. Set-based, `on conflict do nothing` throughout.
     */
    async freezePage(rules: Omit<ContactRules, 'offers'> & { offers: readonly (LaunchOffer & { channel: string })[] }, audience: SQL, range: IdRange, contactedAt: string): Promise<MemberOfferRow[]> {
      const offers = sql.join(rules.offers.map((o) => sql`(${o.position}::int, ${o.productId}::uuid, ${o.channel}::text)`), sql`, `);
      const at = sql`${contactedAt}::timestamptz`;
      const found = await rows<{ customer_id: string; name: string; msisdn: string; position: number }>(sql`
        with a as (select customer_id, "group", name, msisdn, currency, segments, customer_value from (${audience}) s where ${inRange(sql`s.customer_id`, range)}),
        p as (select m.customer_id, m."group", m.name, m.msisdn, o.position, o.product_id, o.channel,
            row_number() over (partition by m.customer_id order by o.position) as nth
            ${rules.budgetBoundary !== null ? sql`, ${controlPositionSql(`${rules.salt}:budget`, sql`m.customer_id`)} as place` : sql``}
          from a m
          cross join (values ${offers}) as o(position, product_id, channel)
          join ${products} on ${products.id} = o.product_id and ${productSellableTo(memberColumns)}
          where not ${subscriberOverRiskCap(sql`${products.maxDefaultRisk}::float8`, sql`m.customer_id`)}),
        c as (select p.*, (p."group" = 'treated' and p.nth <= ${rules.contactCap}::int and ${withinBudget(rules.budgetBoundary)}) as contact from p),
        f as (select distinct on (customer_id) customer_id, product_id, channel from c where "group" = 'control' or contact order by customer_id, position),
        added as (insert into ${campaignMembers} (campaign_id, customer_id, "group", contacted_at)
          select ${rules.campaignId}::uuid, a.customer_id, a."group", case when a."group" = 'control' or f.customer_id is not null then ${at} end
          from a left join f on f.customer_id = a.customer_id
          on conflict do nothing returning customer_id),
        history as (insert into ${campaignContacts} (id, campaign_id, customer_id, product_id, "group", contacted_at, channel)
          select ${rules.campaignId}::text || ':' || a.customer_id, ${rules.campaignId}::text, a.customer_id, f.product_id, a."group", ${at}, f.channel
          from a left join f on f.customer_id = a.customer_id where a."group" = 'control' or f.customer_id is not null
          on conflict (id) do nothing returning 1)
        select c.customer_id, c.name, c.msisdn, c.position from c
        where c.contact and c.customer_id in (select customer_id from added) order by c.customer_id, c.position`);
      return found.map((r) => ({ customerId: r.customer_id, group: 'treated', name: r.name, msisdn: r.msisdn, position: Number(r.position), contact: true }));
    },

    /**
     * Contacts of members frozen in this very transaction (`freezePage` answers only those) into the
     * ledger by COPY: none of them can have a ledger row yet, as a member's contacts are written in
     * the transaction that adds it. The unique key still stands guard: a duplicate fails the page.
     */
    async copyLedger(campaignId: string, contacts: readonly LedgerInsert[]): Promise<void> {
      if (contacts.length === 0) return;
      await copyRows(db, 'campaign_contacts_ledger', LEDGER_COLUMNS, contacts.map((c) => [campaignId, c.customerId, c.productId, c.channel, c.message]));
    },

    /** Contacts into the ledger; one per (campaign, subscriber, product) whatever was written before. */
    async insertLedger(campaignId: string, contacts: readonly LedgerInsert[]): Promise<number> {
      if (contacts.length === 0) return 0;
      const [row] = await rows<{ n: number }>(sql`with added as (
          insert into ${campaignContactsLedger} (campaign_id, customer_id, product_id, channel, rendered_message)
          select ${campaignId}::uuid, c.customer_id, c.product_id, c.channel, c.message
          from unnest(${sql.param(contacts.map((c) => c.customerId))}::text[], ${sql.param(contacts.map((c) => c.productId))}::uuid[],
                      ${sql.param(contacts.map((c) => c.channel))}::text[], ${sql.param(contacts.map((c) => c.message))}::text[])
               as c(customer_id, product_id, channel, message)
          on conflict (campaign_id, customer_id, product_id) do nothing returning 1)
        select count(*)::int as n from added`);
      return Number(row?.n ?? 0);
    },

    /**
     * The contact history (`campaign_contacts`) the campaign_response model and the response
     * attribution read: one row per contacted treated member and per control member, its id
     * `campaign:subscriber` so a retry writes nothing twice.
     */
    async insertContacts(campaignId: string, contactedAt: string, contacts: readonly ContactInsert[]): Promise<void> {
      if (contacts.length === 0) return;
      await db.execute(sql`insert into ${campaignContacts} (id, campaign_id, customer_id, product_id, "group", contacted_at, channel)
        select ${campaignId}::text || ':' || c.customer_id, ${campaignId}::text, c.customer_id, c.product_id, c.grp, ${contactedAt}::timestamptz, c.channel
        from unnest(${sql.param(contacts.map((c) => c.customerId))}::text[], ${sql.param(contacts.map((c) => c.productId))}::uuid[],
                    ${sql.param(contacts.map((c) => c.group))}::text[], ${sql.param(contacts.map((c) => c.channel))}::text[])
             as c(customer_id, product_id, grp, channel)
        on conflict (id) do nothing`);
    },

    /** Dates already frozen members' contact (the cut's snapshot is frozen before its contacts are written). */
    async dateMembers(campaignId: string, contactedAt: string, customerIds: readonly string[]): Promise<void> {
      if (customerIds.length === 0) return;
      await db.execute(sql`update ${campaignMembers} m set contacted_at = ${contactedAt}::timestamptz
        from unnest(${sql.param([...customerIds])}::text[]) as c(customer_id)
        where m.campaign_id = ${campaignId}::uuid and m.customer_id = c.customer_id and m.contacted_at is null`);
    },

    /** The target list in subscriber order, a page at a time (keyset on the contact's subscriber and product). */
    async targets(campaignId: string, after: { customerId: string; productId: string } | null, limit: number): Promise<TargetRow[]> {
      const found = await rows<{ id: string; customer_id: string; msisdn: string | null; product_id: string; product_name: string | null; channel: string; rendered_message: string; state: string }>(sql`
        select l.id, l.customer_id, c.msisdn, l.product_id, p.name as product_name, l.channel, l.rendered_message, l.state
        from ${campaignContactsLedger} l
        left join ${customers} c on c.id = l.customer_id
        left join ${products} p on p.id = l.product_id
        where l.campaign_id = ${campaignId}::uuid
          ${after === null ? sql`` : sql`and (l.customer_id, l.product_id) > (${after.customerId}::text, ${after.productId}::uuid)`}
        order by l.customer_id, l.product_id limit ${limit}::int`);
      return found.map((r) => ({
        contactId: r.id, customerId: r.customer_id, msisdn: r.msisdn, productId: r.product_id, productName: r.product_name,
        channel: r.channel, message: r.rendered_message, state: r.state,
      }));
    },

    /** The offered products as a message renders them. */
    async offerProducts(ids: readonly string[]): Promise<Map<string, { name: string; price: string | null; currency: string; billingCycle: string; features: Record<string, unknown> }>> {
      if (ids.length === 0) return new Map();
      const found = await rows<{ id: string; name: string; price: string | null; currency: string; billing_cycle: string; features: Record<string, unknown> }>(sql`
        select id, name, price::text as price, currency, billing_cycle, features from ${products} where id = any(${sql.param([...ids])}::uuid[])`);
      return new Map(found.map((r) => [r.id, { name: r.name, price: r.price, currency: r.currency, billingCycle: r.billing_cycle, features: r.features }]));
    },
  };
}
export type LaunchRepository = ReturnType<typeof createLaunchRepository>;
