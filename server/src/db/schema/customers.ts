import { sql } from 'drizzle-orm';
import { boolean, date, doublePrecision, index, integer, numeric, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { products } from './products.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const day = (name: string) => date(name, { mode: 'string' });

/**
 * Subscribers keyed by the operator's own subscriber id, so re-imports of an extract upsert in place.
 * Their history rows cascade with them. Catalog products they reference cannot be deleted while held,
 * bought or offered: the references are NO ACTION (non-deferrable, so checked at the end of the
 * deleting statement, which in effect restricts), because PostgreSQL reports that as a foreign-key
 * violation (23503), which the products API answers with 409 "in_use"; RESTRICT raises 23001 instead.
 */
export const customers = pgTable(
  'customers',
  {
    id: text('id').primaryKey(),
    msisdn: text('msisdn').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    segments: text('segments').array().notNull().default(sql`'{}'::text[]`),
    valueBand: text('value_band').notNull(),
    customerValue: numeric('customer_value').notNull(),
    currency: text('currency').notNull(),
    planType: text('plan_type').notNull(),
    activationDate: day('activation_date').notNull(),
    region: text('region'),
    ageBand: text('age_band'),
    deviceType: text('device_type'),
    deviceOs: text('device_os'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('customers_msisdn_idx').on(t.msisdn),
    index('customers_status_idx').on(t.status),
    index('customers_value_idx').on(t.customerValue),
    index('customers_segments_gin').using('gin', t.segments),
    // Trigram indexes keep the substring search over id, msisdn and name indexable (pg_trgm: migration 0001).
    // Id and msisdn are indexed as lower(...), which the search reads: gin_trgm_ops also serves `=`,
    // and on the bare columns the planner took it for look-ups by id at a million subscribers (a
    // 20,000-id page of a launch ran for minutes) instead of the primary key's btree.
    index('customers_id_lower_trgm').using('gin', sql`lower(${t.id}) gin_trgm_ops`),
    index('customers_msisdn_lower_trgm').using('gin', sql`lower(${t.msisdn}) gin_trgm_ops`),
    index('customers_name_trgm').using('gin', t.name.op('gin_trgm_ops')),
  ],
);

export const customerHoldings = pgTable(
  'customer_holdings',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').notNull().references(() => products.id),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('customer_holdings_customer_idx').on(t.customerId, t.startedAt), index('customer_holdings_product_idx').on(t.productId)],
);

/** One row per subscriber and calendar month (`month` is the month's first day). */
export const customerUsage = pgTable(
  'customer_usage',
  {
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    month: day('month').notNull(),
    dataGb: doublePrecision('data_gb').notNull(),
    voiceMinutes: doublePrecision('voice_minutes').notNull(),
    sms: integer('sms').notNull(),
    spend: numeric('spend').notNull(),
    topupCount: integer('topup_count').notNull().default(0),
    topupAmount: numeric('topup_amount').notNull().default('0'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'customer_usage_pk', columns: [t.customerId, t.month] }), index('customer_usage_month_idx').on(t.month)],
);

export const customerBills = pgTable(
  'customer_bills',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    billDate: day('bill_date').notNull(),
    dueDate: day('due_date').notNull(),
    amount: numeric('amount').notNull(),
    currency: text('currency').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('customer_bills_customer_idx').on(t.customerId, t.billDate),
    index('customer_bills_due_idx').on(t.dueDate),
    // The audience's "late bills" rule looks up a subscriber's bills by due date.
    index('customer_bills_customer_due_idx').on(t.customerId, t.dueDate),
  ],
);

export const customerPayments = pgTable(
  'customer_payments',
  {
    id: text('id').primaryKey(),
    billId: text('bill_id').notNull().references(() => customerBills.id, { onDelete: 'cascade' }),
    paidDate: day('paid_date').notNull(),
    amount: numeric('amount').notNull(),
    method: text('method'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('customer_payments_bill_idx').on(t.billId, t.paidDate)],
);

export const customerPurchases = pgTable(
  'customer_purchases',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').notNull().references(() => products.id),
    purchasedAt: ts('purchased_at').notNull(),
    price: numeric('price').notNull(),
    channel: text('channel').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('customer_purchases_customer_idx').on(t.customerId, t.purchasedAt),
    index('customer_purchases_product_idx').on(t.productId, t.purchasedAt),
  ],
);

/** Who a campaign contacted (or held out as control), what it offered, and whether they responded. */
export const campaignContacts = pgTable(
  'campaign_contacts',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull(),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').references(() => products.id),
    group: text('group').notNull(),
    contactedAt: ts('contacted_at').notNull(),
    channel: text('channel'),
    responded: boolean('responded').notNull().default(false),
    respondedAt: ts('responded_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('campaign_contacts_customer_idx').on(t.customerId, t.contactedAt),
    index('campaign_contacts_campaign_idx').on(t.campaignId, t.group),
    index('campaign_contacts_product_idx').on(t.productId),
  ],
);
