import { createHash, randomBytes } from 'node:crypto';
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { ContactGroup } from '@lyra/contracts';

/**
 * Deterministic control groups: a subscriber's place in [0, 1) is a hash of (campaign salt,
 * subscriber id), and the subscriber is in control when that place is below the control share.
 * No state to store or lose: a re-run or a retried launch gives the same groups, a subscriber's
 * group never depends on who else is in the audience, and raising the share only adds members to
 * control. A universal holdout is the same rule with a global salt.
 *
 * Why SHA-256 of `salt:id`, first 8 bytes, top 53 bits:
 * - SHA-256 mixes well (no structure in sequential ids such as sub-000001, sub-000002 leaks into
 *   the groups), is in node:crypto and is built into PostgreSQL (`sha256()`, since 11), so PGlite
 *   needs no pgcrypto (which it does not load); MD5 would do as well but is refused by FIPS builds.
 * - 53 bits is what a double holds exactly: the place is k / 2^53 with k < 2^53, exact in
 *   JavaScript and in PostgreSQL's float8, so both sides compare the *same* double with the same
 *   share and agree on every subscriber, not merely on most of them. 2^53 places are far finer
 *   than any share a campaign sets.
 * - The ':' keeps salt and id apart; the salt is fixed per campaign, so within a campaign the
 *   input is unique per subscriber.
 */

/** 2^53: the places are k / 2^53. */
const PLACES = 2 ** 53;

/** A fresh campaign salt (random, 128 bits): stored with the campaign and never changed after launch. */
export function newControlSalt(): string {
  return randomBytes(16).toString('hex');
}

function checkShare(share: number): void {
  if (!(Number.isFinite(share) && share >= 0 && share <= 1)) throw new RangeError(`control share must be between 0 and 1, got ${share}`);
}

/** The subscriber's place in [0, 1) for this salt. */
export function controlPosition(salt: string, subscriberId: string): number {
  const digest = createHash('sha256').update(`${salt}:${subscriberId}`, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) >> 11n) / PLACES;
}

/** In control when the place is below the share: share 0 holds no one out, share 1 everyone. */
export function isControl(salt: string, subscriberId: string, controlShare: number): boolean {
  checkShare(controlShare);
  return controlPosition(salt, subscriberId) < controlShare;
}

export function assignGroup(salt: string, subscriberId: string, controlShare: number): ContactGroup {
  return isControl(salt, subscriberId, controlShare) ? 'control' : 'treated';
}

/**
 * SHA-256 of `salt:id` in SQL: the digest a subscriber's place is read from (`controlPositionSql`),
 * for a query that reads it more than one way and computes it once. `salt` is a value (sent as a
 * parameter) or a column.
 */
export function controlDigestSql(salt: string | SQLWrapper, subscriberId: SQLWrapper): SQL {
  const saltSql = typeof salt === 'string' ? sql`${salt}::text` : sql`${salt}`;
  return sql`sha256(convert_to(${saltSql} || ':' || ${subscriberId}, 'UTF8'))`;
}

/**
 * The same place in SQL, for set-based assignment at launch (`insert ... select`): exactly
 * `controlPosition` for every row. `salt` is a value (sent as a parameter) or a column.
 */
export function controlPositionSql(salt: string | SQLWrapper, subscriberId: SQLWrapper): SQL<number> {
  const first8Bytes = sql`substring(${controlDigestSql(salt, subscriberId)} from 1 for 8)`;
  const top53Bits = sql`((('x' || encode(${first8Bytes}, 'hex'))::bit(64) >> 11)::bigint)`;
  return sql<number>`(${top53Bits}::float8 / ${sql.raw(String(PLACES))}::float8)`;
}

/**
 * In control, from the digest (`controlDigestSql`): exactly `isControl`, by comparing bytes. The
 * place is k / 2^53 with k the digest's first 8 bytes shifted right by 11, so k / 2^53 < share holds
 * exactly when k < T = ceil(share x 2^53), i.e. when the first 8 bytes, big-endian, are below
 * T x 2^11: a comparison of byte strings (memcmp; a longer string with that prefix sorts after it),
 * with no conversion per row.
 */
export function digestInControlSql(digest: SQLWrapper, controlShare: number): SQL<boolean> {
  checkShare(controlShare);
  const bound = BigInt(Math.ceil(controlShare * PLACES)) << 11n;
  if (bound >= 1n << 64n) return sql<boolean>`(${digest} is not null)`;
  // Hex digits of a number computed here: safe as a literal, which the planner reads once.
  return sql<boolean>`(${digest} < ${sql.raw(`'\\x${bound.toString(16).padStart(16, '0')}'::bytea`)})`;
}

/** `true` for the control rows: exactly `isControl` for every row. */
export function isControlSql(salt: string | SQLWrapper, subscriberId: SQLWrapper, controlShare: number): SQL<boolean> {
  checkShare(controlShare);
  // A JS number travels as its shortest round-trip text, which float8 reads back as the same double.
  return sql<boolean>`(${controlPositionSql(salt, subscriberId)} < ${controlShare}::float8)`;
}

/** The contact group as text ('control' / 'treated') of a place already computed (`controlPositionSql`). */
export function groupOfPlaceSql(place: SQLWrapper, controlShare: number): SQL<ContactGroup> {
  checkShare(controlShare);
  return sql<ContactGroup>`(case when ${place} < ${controlShare}::float8 then 'control' else 'treated' end)`;
}

/** The contact group as text ('control' / 'treated'), for an insert that stores it. */
export function assignGroupSql(salt: string | SQLWrapper, subscriberId: SQLWrapper, controlShare: number): SQL<ContactGroup> {
  return groupOfPlaceSql(controlPositionSql(salt, subscriberId), controlShare);
}
