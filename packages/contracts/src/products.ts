import { z } from 'zod';
import { DecimalString, IsoDateTime, NonNegativeDecimalString, Pagination, QueryBool } from './common.js';
import { isCurrencyCode } from './currencies.js';

export const EXTERNAL_SYSTEMS = ['xiva', 'crm', 'billing', 'manual'] as const;
export const ExternalSystemKind = z.enum(EXTERNAL_SYSTEMS);
export type ExternalSystemKind = z.infer<typeof ExternalSystemKind>;

export const PRODUCT_TYPES = ['voice', 'data', 'sms', 'bundle', 'device', 'service', 'addon'] as const;
export const ProductType = z.enum(PRODUCT_TYPES);
export type ProductType = z.infer<typeof ProductType>;

export const BILLING_CYCLES = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'one_time'] as const;
export const BillingCycle = z.enum(BILLING_CYCLES);
export type BillingCycle = z.infer<typeof BillingCycle>;

/** Status shown in the console: derived from is_active / retired_at. */
export const PRODUCT_STATUSES = ['active', 'inactive', 'retired'] as const;
export const ProductStatus = z.enum(PRODUCT_STATUSES);
export type ProductStatus = z.infer<typeof ProductStatus>;

export const CurrencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "SAR"');

const JsonObject = z.record(z.string(), z.unknown());
const Segment = z.string().trim().min(1).max(64);

/** Fields a marketer owns in Lyra; a sync never overwrites them. */
export const LOCAL_PRODUCT_FIELDS = [
  'target_segments',
  'min_customer_value',
  'max_customer_value',
  'availability_override',
  'notes',
  'max_default_risk',
] as const;

/** Why a product cannot be offered now (the first part of the availability rule it fails). */
export const UNAVAILABLE_REASONS = ['retired', 'inactive', 'withdrawn_in_lyra', 'unavailable_at_source', 'no_price', 'not_yet_valid', 'validity_ended'] as const;
export const UnavailableReason = z.enum(UNAVAILABLE_REASONS);
export type UnavailableReason = z.infer<typeof UnavailableReason>;

export const GROUP_RULES = ['shared_code', 'name_price_cycle', 'manual'] as const;
export const GroupRule = z.enum(GROUP_RULES);
export const GROUP_DECISIONS = ['auto', 'confirmed', 'manual_link', 'manual_split'] as const;
export const GroupDecision = z.enum(GROUP_DECISIONS);

/** One record of an offer group: the same offer as one system knows it. */
export const OfferGroupMember = z.object({
  product_id: z.string().uuid(),
  external_system: ExternalSystemKind,
  external_system_id: z.string().uuid().nullable(),
  external_system_name: z.string().nullable(),
  external_product_id: z.string(),
  name: z.string(),
  price: z.string().nullable(),
  currency: z.string(),
  billing_cycle: BillingCycle,
  status: ProductStatus,
  is_master: z.boolean(),
  /** How the record got into the group, how sure the rule is (0..1), and whether a person decided it. */
  group_rule: GroupRule.nullable(),
  group_confidence: z.number().nullable(),
  group_decision: GroupDecision.nullable(),
});
export type OfferGroupMember = z.infer<typeof OfferGroupMember>;

/** Fields on which the members of a group disagree, with each member's value. */
export const OfferGroupDisagreement = z.object({
  field: z.enum(['price', 'currency', 'billing_cycle', 'status', 'name']),
  values: z.array(z.object({ product_id: z.string().uuid(), value: z.string().nullable() })),
});

export const OfferGroup = z.object({
  id: z.string().uuid(),
  master_product_id: z.string().uuid().nullable(),
  /** True once an admin picked the master; otherwise the default order (xiva, crm, billing, manual) decides. */
  master_chosen: z.boolean(),
  name: z.string(),
  members: z.array(OfferGroupMember),
  disagreements: z.array(OfferGroupDisagreement),
  /** Every member's grouping was decided by a person (confirmed, linked or split). */
  confirmed: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type OfferGroup = z.infer<typeof OfferGroup>;

export const Product = z.object({
  id: z.string().uuid(),
  external_product_id: z.string(),
  /** The source system's type (manual: created in Lyra). Several connected systems may share a type. */
  external_system: ExternalSystemKind,
  /** The connected system the product comes from; null for manual products. Synced products are unique per (system, external_product_id). */
  external_system_id: z.string().uuid().nullable(),
  /** That system's name; null for manual products and for products of a removed system. */
  external_system_name: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  product_type: ProductType,
  category: z.string(),
  price: z.string().nullable(),
  currency: z.string(),
  recurring: z.boolean(),
  billing_cycle: BillingCycle,
  features: JsonObject,
  attributes: JsonObject,
  is_active: z.boolean(),
  /**
   * Whether the product can be offered now, by the one availability rule: not retired, active,
   * available (`availability_override` when set, otherwise the source's flag), priced, and inside
   * its validity window. `unavailable_reason` says which part fails.
   */
  is_available: z.boolean(),
  unavailable_reason: UnavailableReason.nullable(),
  source_is_available: z.boolean(),
  availability_override: z.boolean().nullable(),
  status: ProductStatus,
  target_segments: z.array(z.string()),
  min_customer_value: z.string().nullable(),
  max_customer_value: z.string().nullable(),
  notes: z.string().nullable(),
  /** Subscribers whose payment default risk is above it (0 to 1) are not offered the product; null: no cap. */
  max_default_risk: z.string().nullable(),
  /** Validity window (TMF validFor); outside it the product is not offered. */
  valid_from: z.string().nullable(),
  valid_to: z.string().nullable(),
  source_version: z.string().nullable(),
  last_synced: z.string().nullable(),
  sync_frequency: z.string().nullable(),
  retired_at: z.string().nullable(),
  /** The offer group (the same offer in several systems) of this record; null when it stands alone. */
  offer_group_id: z.string().uuid().nullable(),
  is_group_master: z.boolean(),
  /** Collapsed list (`collapse_groups=true`): each record of the offer, and whether their prices disagree. */
  group_sources: z.array(OfferGroupMember).optional(),
  group_price_differs: z.boolean().optional(),
  /** Product details: its group, members and disagreements. */
  group: OfferGroup.nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Product = z.infer<typeof Product>;

/** Field rules without defaults: PATCH applies only what was sent. */
const productFieldShape = {
  external_product_id: z.string().trim().min(1).max(200),
  external_system: ExternalSystemKind,
  name: z.string().trim().min(1).max(300),
  description: z.string().max(5000),
  product_type: ProductType,
  category: z.string().trim().max(200),
  price: NonNegativeDecimalString.nullable(),
  currency: CurrencyCode,
  recurring: z.boolean(),
  billing_cycle: BillingCycle,
  features: JsonObject,
  attributes: JsonObject,
  is_active: z.boolean(),
  is_available: z.boolean(),
  availability_override: z.boolean().nullable(),
  target_segments: z.array(Segment).max(100),
  min_customer_value: DecimalString.nullable(),
  max_customer_value: DecimalString.nullable(),
  notes: z.string().max(5000).nullable(),
  max_default_risk: DecimalString.refine((v) => Number(v) >= 0 && Number(v) <= 1, 'must be between 0 and 1').nullable(),
  valid_from: IsoDateTime.nullable(),
  valid_to: IsoDateTime.nullable(),
};

/** Create/replace: the same rules, with defaults for what may be left out. */
const productInputShape = {
  ...productFieldShape,
  external_system: productFieldShape.external_system.default('manual'),
  description: productFieldShape.description.default(''),
  category: productFieldShape.category.default(''),
  price: productFieldShape.price.default(null),
  recurring: productFieldShape.recurring.default(false),
  billing_cycle: productFieldShape.billing_cycle.default('one_time'),
  features: productFieldShape.features.default({}),
  attributes: productFieldShape.attributes.default({}),
  is_active: productFieldShape.is_active.default(true),
  is_available: productFieldShape.is_available.default(true),
  availability_override: productFieldShape.availability_override.default(null),
  target_segments: productFieldShape.target_segments.default([]),
  min_customer_value: productFieldShape.min_customer_value.default(null),
  max_customer_value: productFieldShape.max_customer_value.default(null),
  notes: productFieldShape.notes.default(null),
  max_default_risk: productFieldShape.max_default_risk.default(null),
  valid_from: productFieldShape.valid_from.default(null),
  valid_to: productFieldShape.valid_to.default(null),
};

const bandIsOrdered = (v: { min_customer_value?: string | null | undefined; max_customer_value?: string | null | undefined }) =>
  v.min_customer_value == null || v.max_customer_value == null || Number(v.min_customer_value) <= Number(v.max_customer_value);
const bandIssue = { message: 'must not be greater than max_customer_value', path: ['min_customer_value'] };
const windowIsOrdered = (v: { valid_from?: string | null | undefined; valid_to?: string | null | undefined }) =>
  v.valid_from == null || v.valid_to == null || Date.parse(v.valid_from) < Date.parse(v.valid_to);
const windowIssue = { message: 'must be before valid_to', path: ['valid_from'] };

export const ProductCreate = z.object(productInputShape).strict().refine(bandIsOrdered, bandIssue).refine(windowIsOrdered, windowIssue);
export type ProductCreate = z.infer<typeof ProductCreate>;
/** What a client sends to create: fields with defaults may be left out. */
export type ProductCreateInput = z.input<typeof ProductCreate>;

/** PUT: a full replacement of the editable fields (same rules as create). */
export const ProductReplace = ProductCreate;
/** PATCH: any subset, no defaults applied. */
export const ProductPatch = z
  .object(productFieldShape)
  .partial()
  .strict()
  .refine(bandIsOrdered, bandIssue)
  .refine(windowIsOrdered, windowIssue);
export type ProductPatch = z.infer<typeof ProductPatch>;
export type ProductPatchInput = z.input<typeof ProductPatch>;

export const PRODUCT_ORDERING_FIELDS = ['name', 'price', 'created_at', 'updated_at', 'product_type', 'category', 'last_synced', 'external_product_id'] as const;
export const ProductOrdering = z.enum([
  ...PRODUCT_ORDERING_FIELDS,
  ...PRODUCT_ORDERING_FIELDS.map((f) => `-${f}` as const),
] as [string, ...string[]]);

export const ProductListQuery = z
  .object({
    product_type: ProductType.optional(),
    category: z.string().max(200).optional(),
    external_system: ExternalSystemKind.optional(),
    external_system_id: z.string().uuid().optional(),
    is_active: QueryBool.optional(),
    is_available: QueryBool.optional(),
    status: ProductStatus.optional(),
    segment: z.string().max(64).optional(),
    customer_value: DecimalString.optional(),
    min_price: DecimalString.optional(),
    max_price: DecimalString.optional(),
    currency: z.string().max(3).optional(),
    search: z.string().max(200).optional(),
    /** One row per offer group (its master, with `group_sources`); records of no group as they are. */
    collapse_groups: QueryBool.optional(),
    ordering: ProductOrdering.default('name'),
    ...Pagination(),
  })
  .strict();
export type ProductListQuery = z.infer<typeof ProductListQuery>;

export const AvailableProductsQuery = z
  .object({
    /** Text in the name, external id or description. */
    search: z.string().max(200).optional(),
    segment: z.string().max(64).optional(),
    customer_value: DecimalString.optional(),
    product_type: ProductType.optional(),
    ordering: ProductOrdering.default('price'),
    ...Pagination(),
  })
  .strict();
export type AvailableProductsQuery = z.infer<typeof AvailableProductsQuery>;

export const ProductList = z.object({ count: z.number().int(), results: z.array(Product) });
export type ProductList = z.infer<typeof ProductList>;

export const ProductStats = z.object({
  total: z.number().int(),
  active: z.number().int(),
  available: z.number().int(),
  retired: z.number().int(),
  by_type: z.record(z.string(), z.number().int()),
  /** Products per system type (manual included). */
  by_system: z.record(z.string(), z.number().int()),
  /** Products per source: each connected system (by id and name) and each type's products of no system (manual). */
  sources: z.array(z.object({
    external_system: ExternalSystemKind,
    external_system_id: z.string().uuid().nullable(),
    external_system_name: z.string().nullable(),
    count: z.number().int(),
  })),
  by_status: z.record(z.string(), z.number().int()),
  last_synced: z.string().nullable(),
});
export type ProductStats = z.infer<typeof ProductStats>;

export const ImportRowError = z.object({ row: z.number().int(), field: z.string().nullable(), message: z.string() });
export const ProductImportResult = z.object({
  imported: z.boolean(),
  created: z.number().int(),
  updated: z.number().int(),
  total_rows: z.number().int(),
  errors: z.array(ImportRowError),
});
export type ProductImportResult = z.infer<typeof ProductImportResult>;

/** Columns of the CSV export/import, in order. JSON-valued columns hold JSON text; lists are `;`-separated. */
export const PRODUCT_CSV_COLUMNS = [
  'external_product_id', 'external_system', 'name', 'description', 'product_type', 'category', 'price', 'currency',
  'recurring', 'billing_cycle', 'features', 'attributes', 'is_active', 'is_available', 'target_segments',
  'min_customer_value', 'max_customer_value', 'notes', 'valid_from', 'valid_to',
] as const;

export const OfferGroupListQuery = z
  .object({
    ...Pagination(),
  })
  .strict();
export type OfferGroupListQuery = z.infer<typeof OfferGroupListQuery>;
export const OfferGroupList = z.object({ count: z.number().int(), results: z.array(OfferGroup) });
export type OfferGroupList = z.infer<typeof OfferGroupList>;
export const OfferGroupMasterBody = z.object({ product_id: z.string().uuid() }).strict();
export type OfferGroupMasterBody = z.infer<typeof OfferGroupMasterBody>;
/** Link a product to a group: name the group, or another product whose group it joins. */
export const ProductLinkBody = z
  .object({ group_id: z.string().uuid().optional(), product_id: z.string().uuid().optional() })
  .strict()
  .refine((v) => (v.group_id === undefined) !== (v.product_id === undefined), { message: 'give either group_id or product_id', path: ['group_id'] });
export type ProductLinkBody = z.infer<typeof ProductLinkBody>;
export const OfferMatchResult = z.object({ grouped: z.number().int(), groups: z.number().int(), by_rule: z.record(z.string(), z.number().int()) });
export type OfferMatchResult = z.infer<typeof OfferMatchResult>;
