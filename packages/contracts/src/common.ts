import { z } from 'zod';

/** Exact decimal as a string: "49", "49.5", "-3.125". Never a binary float. */
export const DecimalString = z
  .string()
  .trim()
  .regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'must be a decimal number such as "49.00"');

export const NonNegativeDecimalString = DecimalString.refine((v) => !v.startsWith('-'), 'must not be negative');

/**
 * Dates Lyra stores: years 1900 to 9999. PostgreSQL has no year 0 and JavaScript reaches year
 * 275760; nothing an operator sells, bills or measures lies outside this range, so a date that does
 * is refused as a typo or a probe rather than stored or passed to the database.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;
export const inStorableYears = (iso: string) => {
  const year = new Date(iso).getUTCFullYear();
  // A text that is no date at all is the format check's to report, not this one's.
  return Number.isNaN(year) || (year >= MIN_YEAR && year <= MAX_YEAR);
};
export const YEAR_RANGE_MESSAGE = `must be between the years ${MIN_YEAR} and ${MAX_YEAR}`;

export const IsoDateTime = z.string().datetime({ offset: true }).refine(inStorableYears, YEAR_RANGE_MESSAGE);

/** PostgreSQL `integer`: a number past it is refused as input, never sent to the database. */
export const PG_INT_MAX = 2_147_483_647;

/** Query-string boolean: "true"/"false"/"1"/"0". */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/**
 * `limit` and `offset` of every paged list, spread into its query schema. Lists whose rows are
 * heavy (sync runs, model versions) cap the page lower; the default page is 50 rows.
 */
export function Pagination({ max = 500, defaultLimit = 50 }: { max?: number; defaultLimit?: number } = {}) {
  return {
    limit: z.coerce.number().int().min(1).max(max).default(defaultLimit),
    offset: z.coerce.number().int().min(0).default(0),
  };
}

export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ count: z.number().int(), results: z.array(item) });

export const IdParam = z.object({ id: z.string().uuid() }).strict();
