import { z } from 'zod';

/** The one error body every 4xx/5xx answer carries. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Exact decimal as a string: "49", "49.5", "-3.125". Never a binary float. */
export const DecimalString = z
  .string()
  .trim()
  .regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'must be a decimal number such as "49.00"');

export const NonNegativeDecimalString = DecimalString.refine((v) => !v.startsWith('-'), 'must not be negative');

export const IsoDateTime = z.string().datetime({ offset: true });

/** Query-string boolean: "true"/"false"/"1"/"0". */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const Pagination = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ count: z.number().int(), results: z.array(item) });

export const IdParam = z.object({ id: z.string().uuid() }).strict();
