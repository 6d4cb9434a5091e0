import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type {
  BillImportRow, ContactImportRow, CustomerImportRow, CustomerImportTable, CustomerListQuery, CustomerSubListQuery, PaymentImportRow, UsageImportRow,
} from '@lyra/contracts';
import { copyRows, withStagedRows, type CopyValue } from '../../db/bulk-copy.js';
import { rowsOf, type DbOrTx } from '../../db/client.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import {
  campaignContacts, customerBills, customerHoldings, customerPayments, customerPurchases, customers, customerUsage, externalSystems, products,
} from '../../db/schema/index.js';
import { orderingColumn } from '../../db/ordering.js';
import { containsText } from '../../db/text-search.js';
import { paged } from '../../db/unit-of-work.js';
import { analyzeIfStale } from '../../db/statistics.js';
import { productOnSale, subscriberInSegment, subscriberInValueBand, subscriberValueAtLeast, subscriberValueAtMost } from '../audience/audience.sql.js';

export type CustomerRow = typeof customers.$inferSelect;
export type UsageRow = typeof customerUsage.$inferSelect;

/** Import rows after their catalog references were resolved to Lyra product ids. */
export type HoldingWrite = { id: string; customer_id: string; product_id: string; started_at: string; ended_at: string | null };
export type PurchaseWrite = { id: string; customer_id: string; product_id: string; purchased_at: string; price: string; channel: string };
export type ContactWrite = Omit<ContactImportRow, 'product_external_id' | 'product_system'>;

export interface UpsertCounts {
  created: number;
  updated: number;
}

// ---------------------------------------------------------------------------------------------
// Small named query pieces

// lower(id) and lower(msisdn): what their trigram indexes hold (see the schema).
const matchesSearch = (s: string) => containsText([sql`lower(${customers.id})`, sql`lower(${customers.msisdn})`, customers.name], s);

const ORDER_COLUMNS = {
  id: customers.id,
  name: customers.name,
  msisdn: customers.msisdn,
  customer_value: customers.customerValue,
  activation_date: customers.activationDate,
  created_at: customers.createdAt,
  updated_at: customers.updatedAt,
} as const;

function orderBy(ordering: string): SQL[] {
  const { column: col, descending } = orderingColumn(ordering, ORDER_COLUMNS, customers.id);
  // id breaks ties so offset pages never repeat or skip rows.
  return [descending ? desc(col) : asc(col), asc(customers.id)];
}

function listConditions(q: CustomerListQuery): SQL | undefined {
  const where: (SQL | undefined)[] = [];
  if (q.search?.trim()) where.push(matchesSearch(q.search.trim()));
  if (q.segment) where.push(subscriberInSegment(q.segment));
  if (q.status) where.push(eq(customers.status, q.status));
  if (q.value_band) where.push(subscriberInValueBand(q.value_band));
  if (q.plan_type) where.push(eq(customers.planType, q.plan_type));
  if (q.region) where.push(sql`lower(${customers.region}) = lower(${q.region})`);
  if (q.min_value) where.push(subscriberValueAtLeast(q.min_value));
  if (q.max_value) where.push(subscriberValueAtMost(q.max_value));
  const defined = where.filter((w): w is SQL => w !== undefined);
  return defined.length ? and(...defined) : undefined;
}

const productBrief = {
  productId: products.id,
  productName: products.name,
  productType: products.productType,
  productExternalId: products.externalProductId,
  productSystem: products.externalSystem,
};

/** Running payment totals per bill: the day they first cover the amount is the settlement day. */
const billWithPayments = (customerId: string, paidBy: string | null) => sql`
  select b.id, b.bill_date, b.due_date, b.amount::text as amount, b.currency,
    coalesce(p.paid, 0)::text as paid_amount,
    greatest(b.amount - coalesce(p.paid, 0), 0)::text as outstanding,
    case when b.amount <= 0 then b.bill_date else p.settled end as settled_date
  from ${customerBills} b
  left join lateral (
    select max(x.cum) as paid, min(x.paid_date) filter (where x.cum >= b.amount) as settled
    from (
      select cp.paid_date, sum(cp.amount) over (order by cp.paid_date, cp.id) as cum
      from ${customerPayments} cp
      where cp.bill_id = b.id ${paidBy ? sql`and cp.paid_date <= ${paidBy}::date` : sql``}
    ) x
  ) p on true
  where b.customer_id = ${customerId}`;

// ---------------------------------------------------------------------------------------------
// Bulk upsert: COPY straight into the table when every key is new, else COPY into a staging table
// and one insert ... select ... on conflict do update

interface BulkColumn<T> {
  name: string;
  /** PostgreSQL type of the staging column (the target column's type). */
  type: string;
  pick: (row: T) => CopyValue;
}

/** The table each import writes. */
const IMPORT_TABLES: Record<CustomerImportTable, string> = {
  customers: 'customers', holdings: 'customer_holdings', usage: 'customer_usage', bills: 'customer_bills',
  payments: 'customer_payments', purchases: 'customer_purchases', contacts: 'campaign_contacts',
};

/** Rows per staging load and upsert statement: bounds the memory one staging table holds, not the wire. */
const WRITE_BATCH = 50_000;

/** The table's statistics are refreshed once it has grown by this share since they were taken (autovacuum's default). */
const STALE_SHARE = 0.1;

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

function* cellsOf<T>(rows: readonly T[], columns: readonly BulkColumn<T>[]): Generator<CopyValue[]> {
  for (const r of rows) yield columns.map((c) => c.pick(r));
}

/** Keys `seemsResent` probes at most: a few milliseconds, whatever the load's size. */
const PROBE_KEYS = 1_000;

/**
 * Whether the load looks like one the table has seen: any of up to PROBE_KEYS of its keys, spread
 * evenly over its rows, already in the table (probed through the key's unique index). A COPY that
 * met an existing key would stop there with a unique violation, which PostgreSQL logs as an ERROR:
 * a DBA would see errors for every routine re-import (a daily full file of subscribers, a month of
 * usage sent again), and the rows up to it would have been written for nothing. Every key of a load
 * of new ones probed cost half of inserting its rows (PostgreSQL: 1.1 s for 466,000 payment keys,
 * 2.1 s to insert them). A file with only a few existing keys among many new ones may slip past the
 * sample: it then takes the COPY's fallback, and its one violation is logged.
 */
async function seemsResent<T>(db: DbOrTx, table: string, key: readonly BulkColumn<T>[], rows: readonly T[]): Promise<boolean> {
  const step = Math.max(1, Math.floor(rows.length / PROBE_KEYS));
  const sample = rows.filter((_, i) => i % step === 0).slice(0, PROBE_KEYS);
  const names = sql.join(key.map((c) => ident(c.name)), sql`, `);
  const match = sql.join(key.map((c) => sql`t.${ident(c.name)} = k.${ident(c.name)}`), sql` and `);
  const keys = sql.join(key.map((c) => sql`${sql.param(sample.map((r) => c.pick(r)))}::${sql.raw(c.type)}[]`), sql`, `);
  return rowsOf(await db.execute(sql`select 1 from unnest(${keys}) as k(${names}) where exists (select 1 from ${ident(table)} t where ${match}) limit 1`)).length > 0;
}

/**
 * Writes the rows by key (no two rows of one call share a key: the import refuses duplicates).
 *
 * A bulk load brings new keys: the rows are COPYed straight into the table, in a savepoint, so
 * they cost what a COPY into a table with these keys, indexes and foreign keys costs; `insert ...
 * on conflict` checks every key a second time and a staging table writes every row twice. When a
 * key exists already (a re-sent file: `seemsResent`; else at the COPY's first existing key, which
 * stops it and rolls its savepoint back), the rows take the upsert: COPY
 * into a staging table, then one `insert ... on conflict do update` that rewrites only the rows
 * whose values changed (an unchanged row keeps its version and `updated_at`, and costs no index
 * entries). Every row given is counted: created when its key was new, updated otherwise.
 */
async function bulkUpsert<T>(db: DbOrTx, table: string, key: string[], rows: readonly T[], columns: BulkColumn<T>[]): Promise<UpsertCounts> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const copyColumns = columns.map((c) => ({ name: c.name, type: c.type }));
  if (!(await seemsResent(db, table, columns.filter((c) => key.includes(c.name)), rows))) {
    try {
      await copyRows(db, table, copyColumns, cellsOf(rows, columns));
      return { created: rows.length, updated: 0 };
    } catch (err) {
      // A key the sample did not hold, or one another transaction committed since the probe.
      if (pgErrorCode(err) !== PG_UNIQUE_VIOLATION) throw err;
    }
  }
  let created = 0;
  const names = sql.join(columns.map((c) => ident(c.name)), sql`, `);
  const values = columns.filter((c) => !key.includes(c.name));
  const updates = sql.join(values.map((c) => sql`${ident(c.name)} = excluded.${ident(c.name)}`), sql`, `);
  // Compared as text: numeric 49.0 equals 49.00, yet an import that rescales money must write it.
  const asText = (alias: string) => sql.join(values.map((c) => sql`${sql.raw(alias)}.${ident(c.name)}::text`), sql`, `);
  const staging = { name: `${table}_stage`, columns: copyColumns };
  for (let start = 0; start < rows.length; start += WRITE_BATCH) {
    const [r] = await withStagedRows(db, staging, cellsOf(rows.slice(start, start + WRITE_BATCH), columns), async (tx, stage) =>
      rowsOf<{ created: number }>(
        await tx.execute(sql`
          with written as (
            insert into ${ident(table)} as t (${names})
            select ${names} from ${ident(stage)}
            on conflict (${sql.join(key.map(ident), sql`, `)}) do update set ${updates}, "updated_at" = now()
              where (${asText('t')}) is distinct from (${asText('excluded')})
            returning (xmax = 0) as created
          )
          select count(*) filter (where created)::int as created from written`),
      ),
    );
    created += r?.created ?? 0;
  }
  return { created, updated: rows.length - created };
}

const col = <T>(name: string, type: string, pick: (r: T) => CopyValue): BulkColumn<T> => ({ name, type, pick });

/** A product a source code may refer to, with its system (name null: manual, or the system was removed). */
export interface ProductCandidate {
  id: string;
  externalProductId: string;
  externalSystem: string;
  externalSystemId: string | null;
  systemName: string | null;
}

export interface CatalogProductRow {
  id: string;
  externalProductId: string;
  externalSystem: string;
  name: string;
  productType: string;
  category: string;
  price: string | null;
  currency: string;
  recurring: boolean;
  billingCycle: string;
  features: Record<string, unknown>;
  targetSegments: string[];
}

export interface SummaryRow {
  currentHoldings: number;
  avgSpend3m: string | null;
  avgDataGb3m: number | null;
  avgVoice3m: number | null;
  lastUsageMonth: string | null;
  openBills: number;
  openAmount: string;
  overdueBills: number;
  lateBills12m: number;
  purchases90d: number;
  lastPurchaseAt: string | null;
  contacts90d: number;
  responses90d: number;
}

export interface BillRow {
  id: string;
  bill_date: string;
  due_date: string;
  amount: string;
  currency: string;
  paid_amount: string;
  outstanding: string;
  settled_date: string | null;
}

/** Bound to the database or to a unit of work's transaction (an import's writes). */
export function createCustomersRepository(db: DbOrTx) {
  return {
    async hasAny(): Promise<boolean> {
      const rows = await db.select({ id: customers.id }).from(customers).limit(1);
      return rows.length > 0;
    },

    list(q: CustomerListQuery): Promise<{ count: number; results: CustomerRow[] }> {
      const cond = listConditions(q);
      return paged(
        db.select().from(customers).where(cond).orderBy(...orderBy(q.ordering)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(customers).where(cond),
      );
    },

    async findById(id: string): Promise<CustomerRow | undefined> {
      const [row] = await db.select().from(customers).where(eq(customers.id, id)).limit(1);
      return row;
    },

    /**
     * The profile's figures at the end of `asOf`: only what happened on or before that day counts,
     * so the same numbers can be asked for any past date (the ML snapshot rule).
     */
    async summary(id: string, asOf: string, moneyScale: number): Promise<SummaryRow> {
      const end = sql`(${asOf}::date + 1)::timestamptz`;
      const monthStart = sql`date_trunc('month', ${asOf}::date)::date`;
      const result = await db.execute(sql`
        with bills as (${billWithPayments(id, asOf)} and b.bill_date <= ${asOf}::date),
        usage3 as (
          select avg(spend) as spend, avg(data_gb) as data_gb, avg(voice_minutes) as voice
          from ${customerUsage}
          where customer_id = ${id} and month >= (${monthStart} - interval '3 months')::date and month < ${monthStart}
        )
        select
          (select count(*)::int from ${customerHoldings} h
            where h.customer_id = ${id} and h.started_at < ${end} and (h.ended_at is null or h.ended_at >= ${end})) as "currentHoldings",
          (select round(spend, ${moneyScale}::int)::text from usage3) as "avgSpend3m",
          (select round(data_gb::numeric, 2)::float8 from usage3) as "avgDataGb3m",
          (select round(voice::numeric, 1)::float8 from usage3) as "avgVoice3m",
          (select to_char(max(month), 'YYYY-MM') from ${customerUsage} where customer_id = ${id} and month <= ${asOf}::date) as "lastUsageMonth",
          (select count(*)::int from bills where settled_date is null) as "openBills",
          (select coalesce(sum(outstanding::numeric), 0)::text from bills where settled_date is null) as "openAmount",
          (select count(*)::int from bills where settled_date is null and due_date < ${asOf}::date) as "overdueBills",
          (select count(*)::int from bills
            where due_date < ${asOf}::date and due_date >= (${asOf}::date - interval '12 months')::date
              and (settled_date is null or settled_date > due_date)) as "lateBills12m",
          (select count(*)::int from ${customerPurchases}
            where customer_id = ${id} and purchased_at < ${end} and purchased_at >= ${end} - interval '90 days') as "purchases90d",
          (select max(purchased_at)::text from ${customerPurchases} where customer_id = ${id} and purchased_at < ${end}) as "lastPurchaseAt",
          (select count(*)::int from ${campaignContacts}
            where customer_id = ${id} and contacted_at < ${end} and contacted_at >= ${end} - interval '90 days') as "contacts90d",
          (select count(*)::int from ${campaignContacts}
            where customer_id = ${id} and contacted_at < ${end} and contacted_at >= ${end} - interval '90 days'
              and responded and (responded_at is null or responded_at < ${end})) as "responses90d"`);
      return rowsOf<SummaryRow>(result)[0]!;
    },

    holdings(customerId: string, q: CustomerSubListQuery) {
      const cond = eq(customerHoldings.customerId, customerId);
      return paged(
        db
          .select({ id: customerHoldings.id, startedAt: customerHoldings.startedAt, endedAt: customerHoldings.endedAt, ...productBrief })
          .from(customerHoldings)
          .innerJoin(products, eq(products.id, customerHoldings.productId))
          .where(cond)
          .orderBy(desc(customerHoldings.startedAt), asc(customerHoldings.id))
          .limit(q.limit)
          .offset(q.offset),
        db.select({ n: count() }).from(customerHoldings).where(cond),
      );
    },

    usage(customerId: string, q: CustomerSubListQuery) {
      const cond = eq(customerUsage.customerId, customerId);
      return paged(
        db.select().from(customerUsage).where(cond).orderBy(desc(customerUsage.month)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(customerUsage).where(cond),
      );
    },

    /** A page of bills (newest first) with their payment totals and settlement day, and the page's payments. */
    async bills(customerId: string, q: CustomerSubListQuery) {
      const { count: total, results: rows } = await paged(
        db.execute(sql`${billWithPayments(customerId, null)} order by b.bill_date desc, b.id limit ${q.limit} offset ${q.offset}`).then((r) => rowsOf<BillRow>(r)),
        db.select({ n: count() }).from(customerBills).where(eq(customerBills.customerId, customerId)),
      );
      const payments = rows.length
        ? await db
            .select()
            .from(customerPayments)
            .where(inArray(customerPayments.billId, rows.map((r) => r.id)))
            .orderBy(asc(customerPayments.paidDate), asc(customerPayments.id))
        : [];
      return { count: total, results: rows, payments };
    },

    purchases(customerId: string, q: CustomerSubListQuery) {
      const cond = eq(customerPurchases.customerId, customerId);
      return paged(
        db
          .select({ id: customerPurchases.id, purchasedAt: customerPurchases.purchasedAt, price: customerPurchases.price, channel: customerPurchases.channel, ...productBrief })
          .from(customerPurchases)
          .innerJoin(products, eq(products.id, customerPurchases.productId))
          .where(cond)
          .orderBy(desc(customerPurchases.purchasedAt), asc(customerPurchases.id))
          .limit(q.limit)
          .offset(q.offset),
        db.select({ n: count() }).from(customerPurchases).where(cond),
      );
    },

    contacts(customerId: string, q: CustomerSubListQuery) {
      const cond = eq(campaignContacts.customerId, customerId);
      return paged(
        db
          .select({
            id: campaignContacts.id, campaignId: campaignContacts.campaignId, group: campaignContacts.group, contactedAt: campaignContacts.contactedAt,
            channel: campaignContacts.channel, responded: campaignContacts.responded, respondedAt: campaignContacts.respondedAt,
            productId: campaignContacts.productId, productName: products.name, productType: products.productType,
          })
          .from(campaignContacts)
          .leftJoin(products, eq(products.id, campaignContacts.productId))
          .where(cond)
          .orderBy(desc(campaignContacts.contactedAt), asc(campaignContacts.id))
          .limit(q.limit)
          .offset(q.offset),
        db.select({ n: count() }).from(campaignContacts).where(cond),
      );
    },

    /** Active, priced catalog products: what the synthetic generator lets subscribers hold and buy. */
    async sellableProducts(): Promise<CatalogProductRow[]> {
      return db
        .select({
          id: products.id, externalProductId: products.externalProductId, externalSystem: products.externalSystem, name: products.name,
          productType: products.productType, category: products.category, price: products.price, currency: products.currency,
          recurring: products.recurring, billingCycle: products.billingCycle, features: products.features, targetSegments: products.targetSegments,
        })
        .from(products)
        .where(productOnSale)
        .orderBy(asc(products.externalSystem), asc(products.externalProductId));
    },

    // -------------------------------------------------------------------------------------------
    // Import: reference look-ups and bulk upserts, inside the import's transaction

    /**
     * Look-ups for up to 200,000 ids join an unnested array: `id = any(array)` is rechecked row by row
     * against the whole array, which takes seconds once a few thousand ids meet a large table.
     */
    async customerCurrencies(ids: string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = rowsOf<{ id: string; currency: string }>(
        await db.execute(sql`select c.id, c.currency from unnest(${sql.param(ids)}::text[]) as u(id) join ${customers} c on c.id = u.id`),
      );
      return new Map(rows.map((r) => [r.id, r.currency]));
    },

    async billCurrencies(ids: string[]): Promise<Map<string, string>> {
      if (ids.length === 0) return new Map();
      const rows = rowsOf<{ id: string; currency: string }>(
        await db.execute(sql`select b.id, b.currency from unnest(${sql.param(ids)}::text[]) as u(id) join ${customerBills} b on b.id = u.id`),
      );
      return new Map(rows.map((r) => [r.id, r.currency]));
    },

    async productsByIds(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = rowsOf<{ id: string }>(
        await db.execute(sql`select p.id from unnest(${sql.param(ids)}::uuid[]) as u(id) join ${products} p on p.id = u.id`),
      );
      return new Set(rows.map((r) => r.id));
    },

    /** Every catalog row with one of these source codes, in any system (the caller resolves ambiguity). */
    async productsByExternalIds(externalIds: string[]): Promise<ProductCandidate[]> {
      if (externalIds.length === 0) return [];
      return rowsOf(
        await db.execute(sql`
          select p.id, p.external_product_id as "externalProductId", p.external_system as "externalSystem",
                 p.external_system_id as "externalSystemId", s.name as "systemName"
          from unnest(${sql.param(externalIds)}::text[]) as u(code) join ${products} p on p.external_product_id = u.code
          left join ${externalSystems} s on s.id = p.external_system_id`),
      );
    },

    /** The connected systems, for references that name one (`product_system`). */
    async systemNames(): Promise<{ id: string; name: string; systemType: string }[]> {
      return db.select({ id: externalSystems.id, name: externalSystems.name, systemType: externalSystems.systemType }).from(externalSystems);
    },

    /**
     * Fresh planner statistics for the table an import wrote `written` rows into (see
     * `IMPORT_TABLES`), when they are stale (`analyzeIfStale`): a preview or launch planned before
     * would take a table of a million subscribers for the empty one it was. Returns whether it analyzed.
     */
    refreshStatistics: (table: CustomerImportTable, written: number): Promise<boolean> => analyzeIfStale(db, IMPORT_TABLES[table], written, STALE_SHARE),

    /**
     * Folds the per-statement rows of `customer_status_counts` (migration 0018) into one per status.
     * Rows other transactions have not committed yet are not seen, so not deleted: they add on top.
     */
    async compactStatusCounts(): Promise<void> {
      await db.execute(sql`with gone as (delete from customer_status_counts returning status, n)
        insert into customer_status_counts (status, n) select status, sum(n) from gone group by status having sum(n) <> 0`);
    },

    upsertCustomers: (rows: readonly CustomerImportRow[]) =>
      bulkUpsert(db, 'customers', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('msisdn', 'text', (r) => r.msisdn),
        col('name', 'text', (r) => r.name),
        col('status', 'text', (r) => r.status),
        col('segments', 'text[]', (r) => r.segments),
        col('value_band', 'text', (r) => r.value_band),
        col('customer_value', 'numeric', (r) => r.customer_value),
        col('currency', 'text', (r) => r.currency),
        col('plan_type', 'text', (r) => r.plan_type),
        col('activation_date', 'date', (r) => r.activation_date),
        col('region', 'text', (r) => r.region),
        col('age_band', 'text', (r) => r.age_band),
        col('device_type', 'text', (r) => r.device_type),
        col('device_os', 'text', (r) => r.device_os),
      ]),

    upsertHoldings: (rows: readonly HoldingWrite[]) =>
      bulkUpsert(db, 'customer_holdings', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('customer_id', 'text', (r) => r.customer_id),
        col('product_id', 'uuid', (r) => r.product_id),
        col('started_at', 'timestamptz', (r) => r.started_at),
        col('ended_at', 'timestamptz', (r) => r.ended_at),
      ]),

    upsertUsage: (rows: readonly UsageImportRow[]) =>
      bulkUpsert(db, 'customer_usage', ['customer_id', 'month'], rows, [
        col('customer_id', 'text', (r) => r.customer_id),
        col('month', 'date', (r) => r.month),
        col('data_gb', 'float8', (r) => r.data_gb),
        col('voice_minutes', 'float8', (r) => r.voice_minutes),
        col('sms', 'int4', (r) => r.sms),
        col('spend', 'numeric', (r) => r.spend),
        col('topup_count', 'int4', (r) => r.topup_count),
        col('topup_amount', 'numeric', (r) => r.topup_amount),
      ]),

    upsertBills: (rows: readonly BillImportRow[]) =>
      bulkUpsert(db, 'customer_bills', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('customer_id', 'text', (r) => r.customer_id),
        col('bill_date', 'date', (r) => r.bill_date),
        col('due_date', 'date', (r) => r.due_date),
        col('amount', 'numeric', (r) => r.amount),
        col('currency', 'text', (r) => r.currency),
      ]),

    upsertPayments: (rows: readonly PaymentImportRow[]) =>
      bulkUpsert(db, 'customer_payments', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('bill_id', 'text', (r) => r.bill_id),
        col('paid_date', 'date', (r) => r.paid_date),
        col('amount', 'numeric', (r) => r.amount),
        col('method', 'text', (r) => r.method),
      ]),

    upsertPurchases: (rows: readonly PurchaseWrite[]) =>
      bulkUpsert(db, 'customer_purchases', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('customer_id', 'text', (r) => r.customer_id),
        col('product_id', 'uuid', (r) => r.product_id),
        col('purchased_at', 'timestamptz', (r) => r.purchased_at),
        col('price', 'numeric', (r) => r.price),
        col('channel', 'text', (r) => r.channel),
      ]),

    upsertContacts: (rows: readonly ContactWrite[]) =>
      bulkUpsert(db, 'campaign_contacts', ['id'], rows, [
        col('id', 'text', (r) => r.id),
        col('campaign_id', 'text', (r) => r.campaign_id),
        col('customer_id', 'text', (r) => r.customer_id),
        col('product_id', 'uuid', (r) => r.product_id),
        col('group', 'text', (r) => r.group),
        col('contacted_at', 'timestamptz', (r) => r.contacted_at),
        col('channel', 'text', (r) => r.channel),
        col('responded', 'bool', (r) => r.responded),
        col('responded_at', 'timestamptz', (r) => r.responded_at),
      ]),
  };
}
export type CustomersRepository = ReturnType<typeof createCustomersRepository>;
