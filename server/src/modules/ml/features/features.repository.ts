import { and, asc, inArray, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type DbOrTx } from '../../../db/client.js';
import { TtlCache } from '../../../lib/versioned-cache.js';
import { campaignContacts, customerBills, customerPayments, customerPurchases, customers, customerUsage, mlScores, products } from '../../../db/schema/index.js';
import { latestActiveScoringRun, productOnSale, productSellableNow, productSellableTo, subscriberInSegment, subscriberOverRiskCap } from '../../audience/audience.sql.js';
import type { OfferTaker, SellableProduct } from '../../audience/sellable-to.js';
import type { BillFact, CustomerFacts, HeldFact, ProductInfo, PurchaseFact } from './features.js';

/**
 * The feature and label SQL. Every feature query takes the snapshot day S and reads only rows dated
 * strictly before S (the subscriber facts: the `ml_customer_facts` function of migration 0006); label
 * queries read only [S, S + window). The two never share a predicate, so a feature cannot see the
 * label window (features.test.ts checks it by deleting every row dated on or after S and comparing).
 */

/** Scorable on day S: active before S and not churned (optionally in a segment). */
const scorable = (asOf: string, segment: string | null): SQL =>
  and(sql`${customers.activationDate} < ${asOf}::date`, sql`${customers.status} <> 'churned'`, segment ? subscriberInSegment(segment) : undefined)!;

/** A page of scorable subscribers: by id after `after`, at most `upTo` (a partition's range; null: unbounded). */
interface ScorablePage {
  after: string | null;
  upTo?: string | null;
  limit: number;
  segment: string | null;
}
const scorablePage = (asOf: string, page: ScorablePage): SQL => {
  const where: SQL[] = [scorable(asOf, page.segment)];
  if (page.after !== null) where.push(sql`${customers.id} > ${page.after}`);
  if (page.upTo != null) where.push(sql`${customers.id} <= ${page.upTo}`);
  return and(...where)!;
};

/**
 * Subscribers as the availability rule reads them (`sellableToRule`): currency, segments, exact
 * value, and their highest score in the latest active default-risk run (what `subscriberOverRiskCap`
 * tests a cap against).
 */
const takerSelect = sql`
  select ${customers.id} as id, ${customers.currency} as currency, ${customers.segments} as segments, ${customers.customerValue}::text as customer_value,
    (select max(rs.score) from ${mlScores} rs where rs.run_id = ${latestActiveScoringRun('payment_default_risk')} and rs.customer_id = ${customers.id}) as default_risk
  from ${customers}`;
type TakerRow = { id: string; currency: string; segments: (string | null)[]; customer_value: string; default_risk: number | null };
const toTaker = (r: TakerRow): OfferTaker => ({
  id: r.id, currency: r.currency, segments: r.segments, customerValue: r.customer_value, defaultRisk: r.default_risk === null ? null : Number(r.default_risk),
});

/** Midnight UTC of a day, whatever the session's time zone. */
const startOf = (day: string) => sql`((${day}::date)::timestamp at time zone 'UTC')`;

const productColumns = {
  id: products.id, productType: products.productType, category: products.category, price: products.price, currency: products.currency,
  recurring: products.recurring, billingCycle: products.billingCycle, features: products.features, targetSegments: products.targetSegments,
  minCustomerValue: products.minCustomerValue, maxCustomerValue: products.maxCustomerValue,
};
type ProductSelect = Pick<typeof products.$inferSelect, keyof typeof productColumns>;

export function toProductInfo(r: ProductSelect): ProductInfo {
  return {
    id: r.id,
    productType: r.productType,
    category: r.category,
    price: r.price === null ? null : Number(r.price),
    currency: r.currency,
    recurring: r.recurring,
    billingCycle: r.billingCycle,
    features: r.features,
    targetSegments: r.targetSegments,
    minCustomerValue: r.minCustomerValue === null ? null : Number(r.minCustomerValue),
    maxCustomerValue: r.maxCustomerValue === null ? null : Number(r.maxCustomerValue),
  };
}

interface FactsRow {
  id: string;
  plan_type: string;
  value_band: string;
  customer_value: number | null;
  status: string;
  segments: string[];
  region: string | null;
  age_band: string | null;
  device_type: string | null;
  device_os: string | null;
  activation_date: string;
  currency: string;
  usage_months_6m: number | null;
  data1m: number | null;
  data3m: number | null;
  data_prev3m: number | null;
  data6m: number | null;
  voice1m: number | null;
  voice3m: number | null;
  voice_prev3m: number | null;
  sms3m: number | null;
  spend1m: number | null;
  spend3m: number | null;
  spend_prev3m: number | null;
  spend6m: number | null;
  topups3m: number | null;
  topup_amount3m: number | null;
  held: { id: string; t: string; f: Record<string, unknown> }[] | null;
  device_date: string | null;
  purchases: { id: string; t: string; c: string; d: number; p: number }[] | null;
  purchases_total: number | null;
  days_since_purchase: number | null;
  contacts180: number | null;
  responses180: number | null;
  contacts_total: number | null;
  responses_total: number | null;
  days_since_contact: number | null;
  bills12: number | null;
  late12: number | null;
  avg_late12: number | null;
  max_late12: number | null;
  overdue: number | null;
  overdue_amount: number | null;
  unpaid_share12: number | null;
  avg_bill3: number | null;
}

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toFacts(r: FactsRow, asOf: string): CustomerFacts {
  return {
    id: r.id,
    asOf,
    planType: r.plan_type,
    valueBand: r.value_band,
    customerValue: n(r.customer_value),
    status: r.status,
    segments: r.segments ?? [],
    region: r.region,
    ageBand: r.age_band,
    deviceType: r.device_type,
    deviceOs: r.device_os,
    activationDate: r.activation_date,
    currency: r.currency,
    usageMonths6m: r.usage_months_6m ?? 0,
    data1m: n(r.data1m),
    data3m: n(r.data3m),
    dataPrev3m: n(r.data_prev3m),
    data6m: n(r.data6m),
    voice1m: n(r.voice1m),
    voice3m: n(r.voice3m),
    voicePrev3m: n(r.voice_prev3m),
    sms3m: n(r.sms3m),
    spend1m: n(r.spend1m),
    spend3m: n(r.spend3m),
    spendPrev3m: n(r.spend_prev3m),
    spend6m: n(r.spend6m),
    topups3m: n(r.topups3m),
    topupAmount3m: n(r.topup_amount3m),
    held: (r.held ?? []).map((h): HeldFact => ({ productId: h.id, productType: h.t, features: h.f ?? {} })),
    lastDeviceDate: r.device_date,
    purchases: (r.purchases ?? []).map((p): PurchaseFact => ({ productId: p.id, productType: p.t, category: p.c, daysAgo: p.d, price: Number(p.p) })),
    purchasesTotal: r.purchases_total ?? 0,
    daysSincePurchase: n(r.days_since_purchase),
    contacts180d: r.contacts180 ?? 0,
    responses180d: r.responses180 ?? 0,
    contactsTotal: r.contacts_total ?? 0,
    responsesTotal: r.responses_total ?? 0,
    daysSinceContact: n(r.days_since_contact),
    bills12m: r.bills12 ?? 0,
    lateBills12m: r.late12 ?? 0,
    avgDaysLate12m: n(r.avg_late12),
    maxDaysLate12m: n(r.max_late12),
    overdueBills: r.overdue ?? 0,
    overdueAmount: n(r.overdue_amount),
    unpaidShare12m: n(r.unpaid_share12),
    avgBillAmount3: n(r.avg_bill3),
  };
}

export interface ResponseLabelRow {
  id: string;
  customer_id: string;
  campaign_id: string;
  product_id: string | null;
  group: string;
  channel: string | null;
  label: boolean;
}

export interface DefaultLabelRow {
  id: string;
  customer_id: string;
  bill_date: string;
  due_date: string;
  amount: number;
  label: boolean;
}

export interface DataHorizons {
  lastUsageMonth: string | null;
  lastPurchaseDay: string | null;
  lastContactDay: string | null;
  lastResponseDay: string | null;
  lastPaymentDay: string | null;
}

/** How long the newest usage month is trusted before it is read again (usage is loaded monthly). */
const USAGE_END_TTL_MS = 5 * 60_000;

export function createFeaturesRepository(db: DbOrTx) {
  const usageEnds = new TtlCache<string>(USAGE_END_TTL_MS);
  /**
   * The month usage features count back from: S's month, or the month after the newest usage
   * loaded before it when the usage feed lags behind (an extract a month or two old). "Last month's
   * data" then means the newest month there is, as it did when the model was trained, instead of a
   * month that is missing for every subscriber. Never reads a month at or after S.
   */
  async function usageEndFor(asOf: string): Promise<string> {
    const key = asOf.slice(0, 7);
    const hit = usageEnds.get(key);
    if (hit) return hit;
    const [r] = rowsOf<{ end: string }>(
      await db.execute(sql`
        select coalesce((max(month) + interval '1 month')::date, date_trunc('month', ${asOf}::date)::date)::text as "end"
        from ${customerUsage} where month < date_trunc('month', ${asOf}::date)`),
    );
    usageEnds.set(key, r!.end);
    return r!.end;
  }

  return {
    /** Feature inputs of these subscribers as of S (unknown ids are left out), ordered by id. */
    async customerFacts(ids: string[], asOf: string): Promise<CustomerFacts[]> {
      if (ids.length === 0) return [];
      // One statement, defined with its reasons in migration 0006 (a function, so its plan is made once per session).
      const rows = rowsOf<{ facts: FactsRow }>(
        await db.execute(sql`select ml_customer_facts as facts from ml_customer_facts(${sql.param(ids)}::text[], ${asOf}::date, ${await usageEndFor(asOf)}::date)`),
      );
      return rows.map((r) => toFacts(r.facts, asOf));
    },

    /**
     * Subscribers active before S, ordered by id. With `limit`, a seeded sample of that size (the
     * order of md5(seed || id) is random-looking but repeatable).
     */
    async customerIdsBefore(asOf: string, opts: { limit?: number; seed?: number; sampleOrder?: boolean } = {}): Promise<string[]> {
      const q = db.select({ id: customers.id }).from(customers).where(sql`${customers.activationDate} < ${asOf}::date`);
      const rows = opts.limit !== undefined
        ? await q.orderBy(sql`md5(${String(opts.seed ?? 0)} || ${customers.id})`).limit(opts.limit)
        : await q.orderBy(asc(customers.id));
      const ids = rows.map((r) => r.id);
      // In sample order, any prefix is itself a seeded sample (disjoint from what follows it).
      return opts.sampleOrder ? ids : ids.sort();
    },

    /**
     * A page of scorable subscribers (active before S, not churned; optionally in a segment), by id
     * after `after`, and at most `upTo` (a partition's range; null: unbounded).
     */
    async scorableIdsAfter(asOf: string, page: ScorablePage): Promise<string[]> {
      const rows = await db.select({ id: customers.id }).from(customers).where(scorablePage(asOf, page)).orderBy(asc(customers.id)).limit(page.limit);
      return rows.map((r) => r.id);
    },

    /**
     * scorableIdsAfter's page as offerTakers reads its subscribers, in one statement (a propensity
     * scoring page reads both).
     */
    async scorableTakersAfter(asOf: string, page: ScorablePage): Promise<OfferTaker[]> {
      const rows = rowsOf<TakerRow>(await db.execute(sql`${takerSelect} where ${scorablePage(asOf, page)} order by ${customers.id} limit ${page.limit}::int`));
      return rows.map(toTaker);
    },

    async countScorable(asOf: string, opts: { segment: string | null }): Promise<number> {
      const [r] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${customers} where ${scorable(asOf, opts.segment)}`));
      return r?.n ?? 0;
    },

    /**
     * The scorable subscribers cut into id ranges of `size` (the last one may be shorter): each
     * range's last id and its count, in id order; one pass over the ids (the primary key).
     */
    async scorableRanges(asOf: string, opts: { segment: string | null; size: number }): Promise<{ lastId: string; subscribers: number }[]> {
      const rows = rowsOf<{ id: string; rn: number; n: number }>(
        await db.execute(sql`
          select id, rn::int as rn, n::int as n from (
            select ${customers.id} as id, row_number() over (order by ${customers.id}) as rn, count(*) over () as n
            from ${customers} where ${scorable(asOf, opts.segment)}) s
          where rn % ${opts.size}::int = 0 or rn = n
          order by id`),
      );
      return rows.map((r, i) => ({ lastId: r.id, subscribers: Number(r.rn) - (i === 0 ? 0 : Number(rows[i - 1]!.rn)) }));
    },

    /**
     * Per subscriber, the products that may be offered to them now: the one availability rule
     * (sellable now, their currency, segments and value range: `productSellableTo`) and the
     * product's default-risk cap against their latest active default-risk score, where they have
     * one (`subscriberOverRiskCap`), as the campaign launch applies them. Held products are left in
     * (the caller knows the holdings as of its snapshot day). Subscribers without any are absent.
     */
    async offerableProductIds(ids: string[]): Promise<Map<string, string[]>> {
      if (ids.length === 0) return new Map();
      // One comma-joined string per subscriber (uuids hold no comma): a split is far cheaper for the
      // API thread than parsing a text array of hundreds of elements, and a scoring page reads ~25,000.
      const rows = rowsOf<{ customer_id: string; product_ids: string }>(
        await db.execute(sql`
          select ${customers.id} as customer_id, string_agg(${products.id}::text, ',' order by ${products.id}) as product_ids
          from ${customers} join ${products} on ${productSellableTo()}
          where ${customers.id} = any(${sql.param(ids)}::text[])
            and not ${subscriberOverRiskCap(sql`${products.maxDefaultRisk}::float8`)}
          group by ${customers.id}`),
      );
      return new Map(rows.map((r) => [r.customer_id, r.product_ids.split(',')]));
    },

    /**
     * The products sellable now (`productSellableNow`) with the columns the subscriber side of the
     * availability rule reads (`sellableToRule`), by id: what batch scoring prunes its pairs against.
     */
    async sellableNowForRule(): Promise<SellableProduct[]> {
      const rows = rowsOf<{ id: string; currency: string; target_segments: (string | null)[]; min_customer_value: string | null; max_customer_value: string | null; max_default_risk: number | null }>(
        await db.execute(sql`
          select ${products.id}::text as id, ${products.currency} as currency, ${products.targetSegments} as target_segments,
            ${products.minCustomerValue}::text as min_customer_value, ${products.maxCustomerValue}::text as max_customer_value,
            ${products.maxDefaultRisk}::float8 as max_default_risk
          from ${products} where ${productSellableNow} order by ${products.id}`),
      );
      return rows.map((r) => ({
        id: r.id, currency: r.currency, targetSegments: r.target_segments, minCustomerValue: r.min_customer_value, maxCustomerValue: r.max_customer_value,
        maxDefaultRisk: r.max_default_risk === null ? null : Number(r.max_default_risk),
      }));
    },

    /** These subscribers as the availability rule reads them (takerSelect), by id; unknown ids are left out. */
    async offerTakers(ids: string[]): Promise<OfferTaker[]> {
      if (ids.length === 0) return [];
      const rows = rowsOf<TakerRow>(await db.execute(sql`${takerSelect} where ${customers.id} = any(${sql.param(ids)}::text[]) order by ${customers.id}`));
      return rows.map(toTaker);
    },

    /** How many of the subscribers active before S hold each segment (to fit the segment features). */
    async segmentCounts(asOf: string): Promise<{ subscribers: number; counts: Map<string, number> }> {
      const [rows, total] = await Promise.all([
        db.execute(sql`
          select s as segment, count(*)::int as n from ${customers}, unnest(${customers.segments}) as s
          where ${customers.activationDate} < ${asOf}::date group by s`),
        this.countCustomersBefore(asOf),
      ]);
      return { subscribers: total, counts: new Map(rowsOf<{ segment: string; n: number }>(rows).map((r) => [r.segment, r.n])) };
    },

    async countCustomersBefore(asOf: string): Promise<number> {
      const [r] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${customers} where ${customers.activationDate} < ${asOf}::date`));
      return r?.n ?? 0;
    },

    /** Propensity candidates: the catalog on sale (active, priced, not retired), in a stable order. */
    async sellableProducts(): Promise<ProductInfo[]> {
      const rows = await db.select(productColumns).from(products).where(productOnSale).orderBy(asc(products.id));
      return rows.map(toProductInfo);
    },

    async productsByIds(ids: string[]): Promise<ProductInfo[]> {
      if (ids.length === 0) return [];
      const rows = await db.select(productColumns).from(products).where(inArray(products.id, ids));
      return rows.map(toProductInfo);
    },

    /** Display fields of products (recommendations). */
    async productNames(ids: string[]): Promise<{ id: string; externalProductId: string; name: string; price: string | null }[]> {
      if (ids.length === 0) return [];
      return db
        .select({ id: products.id, externalProductId: products.externalProductId, name: products.name, price: products.price })
        .from(products)
        .where(inArray(products.id, ids));
    },

    /** Label: `customer|product` pairs bought in [from, to). */
    async purchasesBetween(ids: string[], from: string, to: string): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = rowsOf<{ k: string }>(
        await db.execute(sql`
          select distinct customer_id || '|' || product_id::text as k from ${customerPurchases}
          where customer_id = any(${sql.param(ids)}::text[]) and purchased_at >= ${startOf(from)} and purchased_at < ${startOf(to)}`),
      );
      return new Set(rows.map((r) => r.k));
    },

    /**
     * Label: campaign contacts made in [from, to) and whether the subscriber responded within
     * `responseDays` of the contact (a response without a time counts: the record says so).
     */
    async contactsBetween(from: string, to: string, responseDays: number, opts: { limit?: number; seed?: number } = {}): Promise<ResponseLabelRow[]> {
      const rows = rowsOf<ResponseLabelRow>(
        await db.execute(sql`
          select id, customer_id, campaign_id, product_id::text as product_id, "group", channel,
            (responded and coalesce(responded_at < contacted_at + make_interval(days => ${responseDays}::int), true)) as label
          from ${campaignContacts}
          where contacted_at >= ${startOf(from)} and contacted_at < ${startOf(to)}
          order by ${opts.limit !== undefined ? sql`md5(${String(opts.seed ?? 0)} || id)` : sql`id`}
          ${opts.limit !== undefined ? sql`limit ${opts.limit}` : sql``}`),
      );
      return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    /** Label: bills due in [from, to) and whether less than their amount was paid by due date + `graceDays`. */
    async billsDueBetween(from: string, to: string, graceDays: number, opts: { limit?: number; seed?: number } = {}): Promise<DefaultLabelRow[]> {
      const rows = rowsOf<DefaultLabelRow>(
        await db.execute(sql`
          select b.id, b.customer_id, b.bill_date::text as bill_date, b.due_date::text as due_date, b.amount::float8 as amount,
            coalesce((select sum(cp.amount) from ${customerPayments} cp
              where cp.bill_id = b.id and cp.paid_date <= b.due_date + ${graceDays}::int), 0) < b.amount as label
          from ${customerBills} b
          where b.due_date >= ${from}::date and b.due_date < ${to}::date
          order by ${opts.limit !== undefined ? sql`md5(${String(opts.seed ?? 0)} || b.id)` : sql`b.id`}
          ${opts.limit !== undefined ? sql`limit ${opts.limit}` : sql``}`),
      );
      return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    /**
     * The bill a subscriber's default risk is scored for on day S: the newest bill issued before S
     * that was not settled by S, else the newest bill (the next one is likely alike); null without bills.
     */
    async currentBills(ids: string[], asOf: string): Promise<Map<string, BillFact>> {
      if (ids.length === 0) return new Map();
      const rows = rowsOf<{ customer_id: string; id: string; bill_date: string; due_date: string; amount: number }>(
        await db.execute(sql`
          select distinct on (b.customer_id) b.customer_id, b.id, b.bill_date::text as bill_date, b.due_date::text as due_date, b.amount::float8 as amount
          from ${customerBills} b
          where b.customer_id = any(${sql.param(ids)}::text[]) and b.bill_date < ${asOf}::date
          order by b.customer_id,
            (coalesce((select sum(cp.amount) from ${customerPayments} cp where cp.bill_id = b.id and cp.paid_date < ${asOf}::date), 0) >= b.amount),
            b.bill_date desc, b.id desc`),
      );
      return new Map(rows.map((r) => [r.customer_id, { id: r.id, amount: Number(r.amount), billDate: r.bill_date, dueDate: r.due_date }]));
    },

    /** The product and channel a campaign offers: the most frequent among its contacts; null when the campaign is unknown. */
    async campaignOffer(campaignId: string): Promise<{ productId: string | null; channel: string | null } | null> {
      const rows = rowsOf<{ product_id: string | null; channel: string | null }>(
        await db.execute(sql`
          select
            (select product_id::text from ${campaignContacts} where campaign_id = ${campaignId} and product_id is not null
              group by product_id order by count(*) desc, product_id limit 1) as product_id,
            (select channel from ${campaignContacts} where campaign_id = ${campaignId} and channel is not null
              group by channel order by count(*) desc, channel limit 1) as channel
          where exists (select 1 from ${campaignContacts} where campaign_id = ${campaignId})`),
      );
      const r = rows[0];
      return r ? { productId: r.product_id, channel: r.channel } : null;
    },

    /** The campaign that contacted subscribers last with a product offer; null when there is none. */
    async latestOfferCampaign(): Promise<string | null> {
      const rows = rowsOf<{ campaign_id: string }>(
        await db.execute(sql`
          select campaign_id from ${campaignContacts} where product_id is not null
          order by contacted_at desc, campaign_id limit 1`),
      );
      return rows[0]?.campaign_id ?? null;
    },

    /** The newest day of each kind of data: where label windows can end. */
    async horizons(): Promise<DataHorizons> {
      const [r] = rowsOf<DataHorizons>(
        await db.execute(sql`
          select
            (select max(month)::text from ${customerUsage}) as "lastUsageMonth",
            (select (max(purchased_at) at time zone 'UTC')::date::text from ${customerPurchases}) as "lastPurchaseDay",
            (select (max(contacted_at) at time zone 'UTC')::date::text from ${campaignContacts}) as "lastContactDay",
            (select (max(responded_at) at time zone 'UTC')::date::text from ${campaignContacts}) as "lastResponseDay",
            (select max(paid_date)::text from ${customerPayments}) as "lastPaymentDay"`),
      );
      return r!;
    },
  };
}
export type FeaturesRepository = ReturnType<typeof createFeaturesRepository>;
