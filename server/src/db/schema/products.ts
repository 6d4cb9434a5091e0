import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, numeric, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    externalSystem: text('external_system').notNull(),
    externalSystemId: uuid('external_system_id'),
    externalProductId: text('external_product_id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    productType: text('product_type').notNull(),
    category: text('category').notNull().default(''),
    price: numeric('price'),
    currency: text('currency').notNull(),
    recurring: boolean('recurring').notNull().default(false),
    billingCycle: text('billing_cycle').notNull().default('one_time'),
    features: jsonb('features').$type<Record<string, unknown>>().notNull().default({}),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    isActive: boolean('is_active').notNull().default(true),
    sourceIsAvailable: boolean('source_is_available').notNull().default(true),
    // Lyra-owned fields: set by marketers, never written by a sync.
    availabilityOverride: boolean('availability_override'),
    targetSegments: text('target_segments').array().notNull().default(sql`'{}'::text[]`),
    minCustomerValue: numeric('min_customer_value'),
    maxCustomerValue: numeric('max_customer_value'),
    notes: text('notes'),
    /** Subscribers whose payment default risk is above this (0..1) are not offered the product (device instalments, postpaid upgrades). */
    maxDefaultRisk: numeric('max_default_risk'),
    validFrom: ts('valid_from'),
    validTo: ts('valid_to'),
    /**
     * Whether the validity window contained "now" when last checked: set on insert by a trigger,
     * flipped (with a catalog change) by refreshValidityWindows when the window opens or closes.
     */
    inValidityWindow: boolean('in_validity_window').notNull().default(true),
    // Sync bookkeeping.
    sourceVersion: text('source_version'),
    sourceUpdatedAt: ts('source_updated_at'),
    contentHash: text('content_hash'),
    lastSynced: ts('last_synced'),
    lastSeenRunId: uuid('last_seen_run_id'),
    retiredAt: ts('retired_at'),
    /**
     * The offer group (one offer known to several systems) this record belongs to, and how it got
     * there: the matching rule and its confidence, and whether a person decided it. Automatic matching
     * after each sync moves only records whose decision is null or 'auto'.
     */
    offerGroupId: uuid('offer_group_id').references((): AnyPgColumn => offerGroups.id, { onDelete: 'set null' }),
    groupRule: text('group_rule'),
    groupConfidence: numeric('group_confidence'),
    groupDecision: text('group_decision'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // A synced product is one source record of one connected system: several systems of one type
    // (prepaid and postpaid billing, production and staging Xiva) may use the same source ids.
    uniqueIndex('products_system_id_external_id_uq').on(t.externalSystemId, t.externalProductId).where(sql`${t.externalSystemId} is not null`),
    // Products of no connected system (manual ones, created in Lyra) are unique by id within their kind.
    uniqueIndex('products_unattached_external_id_uq').on(t.externalSystem, t.externalProductId).where(sql`${t.externalSystemId} is null`),
    index('products_type_idx').on(t.productType),
    index('products_category_idx').on(t.category),
    index('products_price_idx').on(t.price),
    index('products_name_idx').on(t.name),
    index('products_segments_gin').using('gin', t.targetSegments),
    index('products_offer_group_idx').on(t.offerGroupId),
  ],
);

/** One offer that several systems know under their own ids: its records point here; one of them is the master. */
export const offerGroups = pgTable('offer_groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  masterProductId: uuid('master_product_id').references((): AnyPgColumn => products.id, { onDelete: 'set null' }),
  /** True once an admin picked the master; otherwise it follows the default order (xiva, crm, billing, manual). */
  masterChosen: boolean('master_chosen').notNull().default(false),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
