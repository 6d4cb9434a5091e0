import { sql } from 'drizzle-orm';
import type { UnavailableReason } from '@lyra/contracts';
import { products } from '../../db/schema/index.js';
import type { ProductRow } from './products.repository.js';

/** Whether the validity window contains the database's `now()`. */
export const windowContainsNow = sql<boolean>`((${products.validFrom} is null or ${products.validFrom} <= now()) and (${products.validTo} is null or ${products.validTo} > now()))`;

type AvailabilityFields = Pick<ProductRow, 'retiredAt' | 'isActive' | 'availabilityOverride' | 'sourceIsAvailable' | 'price' | 'inValidityWindow' | 'validFrom'>;

/**
 * The one availability rule, for a row in hand: a product can be offered now when it is not
 * retired, active, available (Lyra's override when a marketer set one, the source's flag
 * otherwise), priced, and inside its validity window. Its SQL twin for queries is
 * `productSellableNow` (audience/audience.sql.ts): the product record's `is_available`, the list
 * filter, the available-products endpoint, the stats and campaigns all read one or the other.
 *
 * The window is kept as a stored flag (`in_validity_window`) rather than compared with the clock in
 * every query, so that a window opening or closing is an event: `refreshValidityWindows` (run by
 * the minute tick and after every sync) flips the flag and records a catalog change, and cached
 * answers stay exact because every write to products bumps the catalog version.
 *
 * Answers why a product cannot be offered now, in the rule's order; null when it can.
 */
export function unavailableReason(r: AvailabilityFields, now = new Date()): UnavailableReason | null {
  if (r.retiredAt !== null) return 'retired';
  if (!r.isActive) return 'inactive';
  if (r.availabilityOverride === false) return 'withdrawn_in_lyra';
  if (r.availabilityOverride === null && !r.sourceIsAvailable) return 'unavailable_at_source';
  if (r.price === null) return 'no_price';
  if (!r.inValidityWindow) return r.validFrom !== null && Date.parse(r.validFrom) > now.getTime() ? 'not_yet_valid' : 'validity_ended';
  return null;
}
