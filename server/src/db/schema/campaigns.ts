import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers.js';
import { products } from './products.js';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** The managed segment list: the names subscriber data and product targeting may use. */
export const segments = pgTable(
  'segments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  // "Youth" and "youth" are one segment: subscriber data and targeting compare names case-insensitively.
  (t) => [uniqueIndex('segments_name_lower_uq').on(sql`lower(${t.name})`)],
);

/** Something the owner must acknowledge (a re-priced offer), kept on the campaign until they do. */
export interface CampaignAttentionItem {
  kind: 'price_changed';
  product_id: string;
  before: unknown;
  after: unknown;
  at: string;
}

export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    objective: text('objective').notNull(),
    // Users are deactivated, not deleted; should one go, the campaign stays with no owner.
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('draft'),
    /** The live definition's version (the one approved, or being edited before approval). */
    version: integer('version').notNull().default(1),
    /** A running or paused campaign's edit waiting for approval (its row in campaign_versions). */
    pendingVersion: integer('pending_version'),
    startsAt: ts('starts_at'),
    endsAt: ts('ends_at'),
    responseWindowDays: integer('response_window_days').notNull().default(30),
    controlShare: numeric('control_share').notNull().default('0.10'),
    contactCap: integer('contact_cap').notNull().default(1),
    budgetAmount: numeric('budget_amount'),
    budgetCurrency: text('budget_currency'),
    budgetContacts: integer('budget_contacts'),
    /** Fixed at creation and never changed: the control group is a hash of (salt, subscriber). */
    salt: text('salt').notNull(),
    audience: jsonb('audience').$type<Record<string, unknown>>().notNull().default({}),
    /** Subscribers in the launch snapshot; null until launch. */
    audienceSize: integer('audience_size'),
    submittedBy: uuid('submitted_by'),
    submittedAt: ts('submitted_at'),
    approvedBy: uuid('approved_by'),
    approvedAt: ts('approved_at'),
    launchedAt: ts('launched_at'),
    /** The launch job: queued -> running -> done | failed; a failed launch can be retried and gives the same snapshot. */
    launchState: text('launch_state'),
    launchTotal: integer('launch_total'),
    launchDone: integer('launch_done').notNull().default(0),
    launchError: text('launch_error'),
    pausedReason: text('paused_reason'),
    attention: jsonb('attention').$type<CampaignAttentionItem[]>().notNull().default([]),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('campaigns_status_idx').on(t.status, t.startsAt),
    check('campaigns_control_share_range', sql`${t.controlShare} >= 0 and ${t.controlShare} <= 1`),
  ],
);

/**
 * The products a campaign offers, in order. The product reference is NO ACTION: a product a
 * campaign offers cannot be deleted (PostgreSQL answers 23503, the products API 409 naming the
 * campaigns); retire or deactivate it instead.
 */
export const campaignOffers = pgTable(
  'campaign_offers',
  {
    campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    productId: uuid('product_id').notNull().references(() => products.id),
    channel: text('channel').notNull(),
    message: text('message').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.position] }),
    uniqueIndex('campaign_offers_product_uq').on(t.campaignId, t.productId),
    index('campaign_offers_product_idx').on(t.productId),
  ],
);

/** Every saved definition of a campaign: what was approved, and what waits for approval. */
export const campaignVersions = pgTable(
  'campaign_versions',
  {
    campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    approvedBy: uuid('approved_by'),
    approvedAt: ts('approved_at'),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.version] })],
);

/** The launch snapshot: who is in the campaign and in which group; a subscriber is in it once. */
export const campaignMembers = pgTable(
  'campaign_members',
  {
    campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    group: text('group').notNull(),
    /** Where the response window starts: the contact for treated members, the launch for control. */
    contactedAt: ts('contacted_at'),
    /** The first purchase of an offered product (or a member of its offer group) within the window. */
    respondedAt: ts('responded_at'),
    responseProductId: uuid('response_product_id').references(() => products.id, { onDelete: 'set null' }),
    responseRevenue: numeric('response_revenue'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.customerId] }),
    index('campaign_members_customer_idx').on(t.customerId),
    index('campaign_members_group_idx').on(t.campaignId, t.group, t.respondedAt),
  ],
);

/**
 * One row per (campaign, treated subscriber, offered product): the unique key makes a second
 * contact with the same offer of the same campaign impossible whatever retries happen; the state
 * is ready for delivery by Lyra (pending -> exported / sent -> delivered / failed).
 */
export const campaignContactsLedger = pgTable(
  'campaign_contacts_ledger',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull().references(() => customers.id, { onDelete: 'cascade' }),
    productId: uuid('product_id').notNull().references(() => products.id),
    channel: text('channel').notNull(),
    renderedMessage: text('rendered_message').notNull(),
    state: text('state').notNull().default('pending'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('campaign_contacts_ledger_once_uq').on(t.campaignId, t.customerId, t.productId),
    index('campaign_contacts_ledger_state_idx').on(t.campaignId, t.state),
    index('campaign_contacts_ledger_customer_idx').on(t.customerId, t.createdAt),
  ],
);
