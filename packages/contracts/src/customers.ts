import { z } from 'zod';
import { inStorableYears, NonNegativeDecimalString, Pagination, YEAR_RANGE_MESSAGE } from './common.js';
import { CurrencyCode, ImportRowError, ProductType } from './products.js';

/**
 * Subscriber data: the operator's subscribers and their history (holdings, monthly usage, bills,
 * payments, purchases, campaign contacts). Imported as CSV or JSON lines, one zod schema per table;
 * the same row schemas validate every CSV row, every JSON line and every generated record.
 */

export const CUSTOMER_STATUSES = ['active', 'suspended', 'churned'] as const;
export const CustomerStatus = z.enum(CUSTOMER_STATUSES);
export type CustomerStatus = z.infer<typeof CustomerStatus>;

export const VALUE_BANDS = ['low', 'medium', 'high', 'vip'] as const;
export const ValueBand = z.enum(VALUE_BANDS);
export type ValueBand = z.infer<typeof ValueBand>;

export const PLAN_TYPES = ['prepaid', 'postpaid'] as const;
export const PlanType = z.enum(PLAN_TYPES);
export type PlanType = z.infer<typeof PlanType>;

export const CONTACT_GROUPS = ['control', 'treated'] as const;
export const ContactGroup = z.enum(CONTACT_GROUPS);
export type ContactGroup = z.infer<typeof ContactGroup>;

/** The tables an import can write, in the order their references need them. */
export const CUSTOMER_IMPORT_TABLES = ['customers', 'holdings', 'usage', 'bills', 'payments', 'purchases', 'contacts'] as const;
export const CustomerImportTable = z.enum(CUSTOMER_IMPORT_TABLES);
export type CustomerImportTable = z.infer<typeof CustomerImportTable>;

/** At most this many data rows per import request. */
export const MAX_CUSTOMER_IMPORT_ROWS = 200_000;

// ---------------------------------------------------------------------------------------------
// Field rules shared by the import rows

/** Operator ids end up in URL paths (`/customers/{id}/`): no whitespace, slashes or URL delimiters. */
export const RecordId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\s/?#%\\]+$/, 'must not contain spaces, /, ?, #, % or \\');

const isCalendarDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && inStorableYears(d.toISOString());
};

/** A calendar date, YYYY-MM-DD. */
export const DateOnly = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-10-31')
  .refine(isCalendarDate, 'is not a calendar date');

/**
 * A point in time: RFC 3339 with an offset, or a bare date (midnight UTC). Naive local times are
 * refused rather than guessed: an operator's extract may be in any time zone. Normalised to UTC ISO.
 */
export const Instant = z
  .string()
  .trim()
  .refine(
    (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? isCalendarDate(s) : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))) && inStorableYears(s.replace(' ', 'T'))),
    'must be a date (2026-10-31) or a date-time with an offset (2026-10-31T09:30:00+03:00)',
  )
  .transform((s) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s.replace(' ', 'T')).toISOString());

/** A calendar month, `2026-10` (or its first day `2026-10-01`); normalised to the first day. */
export const Month = z
  .string()
  .trim()
  .regex(/^\d{4}-(0[1-9]|1[0-2])(-01)?$/, 'must be a month such as 2026-10')
  .refine((s) => !/^\d{4}-(0[1-9]|1[0-2])(-01)?$/.test(s) || inStorableYears(`${s.slice(0, 7)}-01T00:00:00Z`), YEAR_RANGE_MESSAGE)
  .transform((s) => `${s.slice(0, 7)}-01`);

/** Money is a decimal string, never a JSON number (a binary float cannot hold 0.10 exactly). */
const Money = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a decimal string such as "49.00"') })
  .pipe(NonNegativeDecimalString);

const ShortText = z.string().trim().min(1).max(64);
const optionalText = ShortText.nullable().default(null);
const Quantity = z.number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') }).finite().min(0).max(1e7);
const Count = z.number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number') }).int('must be a whole number').min(0).max(1e7);
const Msisdn = z
  .string()
  .trim()
  .regex(/^\+?\d{6,15}$/, 'must be an international number of 6 to 15 digits such as 966512345678')
  .transform((s) => s.replace(/^\+/, ''));

/**
 * A catalog product: Lyra's id, or the source's id (`product_external_id`, with `product_system`
 * when the same code exists in several systems) as an operator's extract carries it.
 * `product_system` is a connected system's name or id, or a type (xiva, crm, billing, manual):
 * a type that several systems share designates all of them, and a code found in more than one is
 * refused, naming them.
 */
const productRefShape = {
  product_id: z.string().uuid().nullable().default(null),
  product_external_id: z.string().trim().min(1).max(200).nullable().default(null),
  product_system: z.string().trim().min(1).max(100).nullable().default(null),
};
type ProductRef = { product_id: string | null; product_external_id: string | null; product_system: string | null };
const oneProductRef = (required: boolean) => (v: ProductRef, ctx: z.RefinementCtx) => {
  if (v.product_id && v.product_external_id) ctx.addIssue({ code: 'custom', path: ['product_id'], message: 'give product_id or product_external_id, not both' });
  else if (required && !v.product_id && !v.product_external_id) ctx.addIssue({ code: 'custom', path: ['product_id'], message: 'is required (or product_external_id)' });
  if (v.product_system && !v.product_external_id) ctx.addIssue({ code: 'custom', path: ['product_system'], message: 'only qualifies product_external_id' });
};

// ---------------------------------------------------------------------------------------------
// Import rows (strict: an unknown field is an error, never silently dropped)

export const CustomerImportRow = z
  .object({
    id: RecordId,
    msisdn: Msisdn,
    name: z.string().trim().min(1).max(200),
    status: CustomerStatus,
    segments: z.array(z.string().trim().min(1).max(64)).max(50).default([]).transform((s) => [...new Set(s)]),
    value_band: ValueBand,
    /** Monthly value (ARPU) in `currency`. */
    customer_value: Money,
    currency: CurrencyCode,
    plan_type: PlanType,
    /** Tenure is computed from it as of any date. */
    activation_date: DateOnly,
    region: optionalText,
    age_band: z.string().trim().min(1).max(16).nullable().default(null),
    device_type: optionalText,
    device_os: optionalText,
  })
  .strict();
export type CustomerImportRow = z.infer<typeof CustomerImportRow>;
export type CustomerImportInput = z.input<typeof CustomerImportRow>;

export const HoldingImportRow = z
  .object({
    /** The product instance id in the operator's inventory (TMF637). */
    id: RecordId,
    customer_id: RecordId,
    ...productRefShape,
    started_at: Instant,
    ended_at: Instant.nullable().default(null),
  })
  .strict()
  .superRefine(oneProductRef(true))
  .refine((v) => v.ended_at == null || v.ended_at >= v.started_at, { path: ['ended_at'], message: 'must not be before started_at' });
export type HoldingImportRow = z.infer<typeof HoldingImportRow>;
export type HoldingImportInput = z.input<typeof HoldingImportRow>;

export const UsageImportRow = z
  .object({
    customer_id: RecordId,
    month: Month,
    data_gb: Quantity,
    voice_minutes: Quantity,
    sms: Count,
    /** What the subscriber spent that month (postpaid: billed charges; prepaid: recharges used). */
    spend: Money,
    topup_count: Count.default(0),
    topup_amount: Money.default('0'),
  })
  .strict();
export type UsageImportRow = z.infer<typeof UsageImportRow>;
export type UsageImportInput = z.input<typeof UsageImportRow>;

export const BillImportRow = z
  .object({
    id: RecordId,
    customer_id: RecordId,
    bill_date: DateOnly,
    due_date: DateOnly,
    amount: Money,
    currency: CurrencyCode,
  })
  .strict()
  .refine((v) => v.due_date >= v.bill_date, { path: ['due_date'], message: 'must not be before bill_date' });
export type BillImportRow = z.infer<typeof BillImportRow>;
export type BillImportInput = z.input<typeof BillImportRow>;

export const PaymentImportRow = z
  .object({
    id: RecordId,
    bill_id: RecordId,
    paid_date: DateOnly,
    /** In the bill's currency. */
    amount: Money,
    method: optionalText,
  })
  .strict();
export type PaymentImportRow = z.infer<typeof PaymentImportRow>;
export type PaymentImportInput = z.input<typeof PaymentImportRow>;

export const PurchaseImportRow = z
  .object({
    id: RecordId,
    customer_id: RecordId,
    ...productRefShape,
    purchased_at: Instant,
    /** In the customer's currency. */
    price: Money,
    channel: ShortText,
  })
  .strict()
  .superRefine(oneProductRef(true));
export type PurchaseImportRow = z.infer<typeof PurchaseImportRow>;
export type PurchaseImportInput = z.input<typeof PurchaseImportRow>;

export const ContactImportRow = z
  .object({
    id: RecordId,
    /** Free text until campaigns are managed in Lyra. */
    campaign_id: RecordId,
    customer_id: RecordId,
    /** The offered product, when the campaign offers one. */
    ...productRefShape,
    /** `control` rows were held out (not contacted); `contacted_at` is when they would have been. */
    group: ContactGroup,
    contacted_at: Instant,
    channel: optionalText,
    responded: z.boolean({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be true or false') }),
    responded_at: Instant.nullable().default(null),
  })
  .strict()
  .superRefine(oneProductRef(false))
  .refine((v) => v.responded || v.responded_at == null, { path: ['responded_at'], message: 'is set but responded is false' })
  .refine((v) => v.responded_at == null || v.responded_at >= v.contacted_at, { path: ['responded_at'], message: 'must not be before contacted_at' });
export type ContactImportRow = z.infer<typeof ContactImportRow>;
export type ContactImportInput = z.input<typeof ContactImportRow>;

/** Row schema per import table. */
export const CUSTOMER_IMPORT_ROWS = {
  customers: CustomerImportRow,
  holdings: HoldingImportRow,
  usage: UsageImportRow,
  bills: BillImportRow,
  payments: PaymentImportRow,
  purchases: PurchaseImportRow,
  contacts: ContactImportRow,
} as const;

/** The input record type of each table (before defaults and normalisation). */
export interface CustomerImportInputs {
  customers: CustomerImportInput;
  holdings: HoldingImportInput;
  usage: UsageImportInput;
  bills: BillImportInput;
  payments: PaymentImportInput;
  purchases: PurchaseImportInput;
  contacts: ContactImportInput;
}

/** Same shape as the product import: all rows or none; `errors` is bounded. */
export const CustomerImportResult = z.object({
  imported: z.boolean(),
  created: z.number().int(),
  updated: z.number().int(),
  total_rows: z.number().int(),
  errors: z.array(ImportRowError),
});
export type CustomerImportResult = z.infer<typeof CustomerImportResult>;

// ---------------------------------------------------------------------------------------------
// Reads

export const CustomerIdParam = z.object({ id: RecordId }).strict();

export const Customer = z.object({
  id: z.string(),
  msisdn: z.string(),
  name: z.string(),
  status: CustomerStatus,
  segments: z.array(z.string()),
  value_band: ValueBand,
  customer_value: z.string(),
  currency: z.string(),
  plan_type: PlanType,
  activation_date: z.string(),
  /** Whole months since activation, as of today (UTC). */
  tenure_months: z.number().int(),
  region: z.string().nullable(),
  age_band: z.string().nullable(),
  device_type: z.string().nullable(),
  device_os: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Customer = z.infer<typeof Customer>;

export const CUSTOMER_ORDERING_FIELDS = ['id', 'name', 'msisdn', 'customer_value', 'activation_date', 'created_at', 'updated_at'] as const;
export const CustomerOrdering = z.enum([
  ...CUSTOMER_ORDERING_FIELDS,
  ...CUSTOMER_ORDERING_FIELDS.map((f) => `-${f}` as const),
] as [string, ...string[]]);

export const CustomerListQuery = z
  .object({
    /** Case-insensitive substring of id, msisdn or name. */
    search: z.string().max(200).optional(),
    segment: z.string().max(64).optional(),
    status: CustomerStatus.optional(),
    value_band: ValueBand.optional(),
    plan_type: PlanType.optional(),
    region: z.string().max(64).optional(),
    min_value: NonNegativeDecimalString.optional(),
    max_value: NonNegativeDecimalString.optional(),
    ordering: CustomerOrdering.default('id'),
    ...Pagination(),
  })
  .strict();
export type CustomerListQuery = z.infer<typeof CustomerListQuery>;

export const CustomerList = z.object({ count: z.number().int(), results: z.array(Customer) });
export type CustomerList = z.infer<typeof CustomerList>;

export const CustomerProfileQuery = z
  .object({
    /** The profile at the end of this day (default today, UTC). */
    as_of: DateOnly.optional(),
  })
  .strict();
export type CustomerProfileQuery = z.infer<typeof CustomerProfileQuery>;

export const CustomerSummary = z.object({
  as_of: z.string(),
  tenure_months: z.number().int(),
  current_holdings: z.number().int(),
  /** Average over the last three calendar months before the month of `as_of` that have usage. */
  avg_spend_3m: z.string().nullable(),
  avg_data_gb_3m: z.number().nullable(),
  avg_voice_minutes_3m: z.number().nullable(),
  last_usage_month: z.string().nullable(),
  /** Bills issued by `as_of` and not fully paid by then. */
  open_bills: z.number().int(),
  open_amount: z.string(),
  overdue_bills: z.number().int(),
  /** Bills due in the 12 months up to `as_of` that were settled after their due date or are still open past it. */
  late_bills_12m: z.number().int(),
  purchases_90d: z.number().int(),
  last_purchase_at: z.string().nullable(),
  contacts_90d: z.number().int(),
  responses_90d: z.number().int(),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const CustomerProfile = Customer.extend({ summary: CustomerSummary });
export type CustomerProfile = z.infer<typeof CustomerProfile>;

const ProductBrief = {
  product_id: z.string(),
  product_name: z.string(),
  product_type: ProductType,
  product_external_id: z.string(),
  product_system: z.string(),
};

export const Holding = z.object({
  id: z.string(),
  ...ProductBrief,
  started_at: z.string(),
  ended_at: z.string().nullable(),
  /** Started and not ended as of now. */
  active: z.boolean(),
});
export type Holding = z.infer<typeof Holding>;

export const UsageMonth = z.object({
  month: z.string(),
  data_gb: z.number(),
  voice_minutes: z.number(),
  sms: z.number().int(),
  spend: z.string(),
  topup_count: z.number().int(),
  topup_amount: z.string(),
});
export type UsageMonth = z.infer<typeof UsageMonth>;

export const Payment = z.object({ id: z.string(), paid_date: z.string(), amount: z.string(), method: z.string().nullable() });
export type Payment = z.infer<typeof Payment>;

export const BILL_STATUSES = ['paid', 'partially_paid', 'unpaid'] as const;
export const Bill = z.object({
  id: z.string(),
  bill_date: z.string(),
  due_date: z.string(),
  amount: z.string(),
  currency: z.string(),
  paid_amount: z.string(),
  outstanding: z.string(),
  status: z.enum(BILL_STATUSES),
  /** The day the payments first covered the amount. */
  settled_date: z.string().nullable(),
  /** Settled after the due date. */
  paid_late: z.boolean(),
  /** Not settled and past its due date today. */
  overdue: z.boolean(),
  /** Days past due at settlement, or so far when overdue; 0 otherwise. */
  days_late: z.number().int(),
  payments: z.array(Payment),
});
export type Bill = z.infer<typeof Bill>;

export const Purchase = z.object({
  id: z.string(),
  ...ProductBrief,
  purchased_at: z.string(),
  price: z.string(),
  channel: z.string(),
});
export type Purchase = z.infer<typeof Purchase>;

export const CampaignContact = z.object({
  id: z.string(),
  campaign_id: z.string(),
  product_id: z.string().nullable(),
  product_name: z.string().nullable(),
  product_type: ProductType.nullable(),
  group: ContactGroup,
  contacted_at: z.string(),
  channel: z.string().nullable(),
  responded: z.boolean(),
  responded_at: z.string().nullable(),
});
export type CampaignContact = z.infer<typeof CampaignContact>;

export const CustomerSubListQuery = z.object(Pagination()).strict();
export type CustomerSubListQuery = z.infer<typeof CustomerSubListQuery>;

export const HoldingList = z.object({ count: z.number().int(), results: z.array(Holding) });
export const UsageList = z.object({ count: z.number().int(), results: z.array(UsageMonth) });
export const BillList = z.object({ count: z.number().int(), results: z.array(Bill) });
export const PurchaseList = z.object({ count: z.number().int(), results: z.array(Purchase) });
export const CampaignContactList = z.object({ count: z.number().int(), results: z.array(CampaignContact) });
export type HoldingList = z.infer<typeof HoldingList>;
export type UsageList = z.infer<typeof UsageList>;
export type BillList = z.infer<typeof BillList>;
export type PurchaseList = z.infer<typeof PurchaseList>;
export type CampaignContactList = z.infer<typeof CampaignContactList>;
