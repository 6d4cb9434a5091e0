import { and, eq, gt, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { loginThrottle, sessions, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;

/** How one throttle key (an account or a source address) slows down repeated attempts. */
export interface ThrottleRule {
  /** Attempts allowed without any wait. */
  freeAttempts: number;
  /** The wait after the last free attempt; it doubles with each further attempt... */
  baseDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** A key with no attempt for this long starts again from zero. */
  forgetAfterMs: number;
}

export type ThrottleDecision = { allowed: true; attempts: number } | { allowed: false; retryAfterMs: number };

/** The instant used for throttling: the database's clock, unless a test injects its own. */
const instant = (now: Date | null): SQL => sql`coalesce(${now?.toISOString() ?? null}::timestamptz, now())`;

/** Bound to the database or to a unit of work's transaction (a password change with its sessions). */
export function createAuthRepository(db: DbOrTx) {
  /** The wait imposed after attempt number `attempts` (an SQL integer expression). */
  const delayAfter = (attempts: SQL, rule: ThrottleRule): SQL =>
    // The exponent is clamped so that years of attempts cannot overflow power().
    sql`(case when ${attempts} < ${rule.freeAttempts}::int then 0::float8
      else least(${rule.baseDelayMs}::float8 * power(2, least(${attempts} - ${rule.freeAttempts}::int, 40)), ${rule.maxDelayMs}::float8) end)`;

  return {
    async findUserByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      return row;
    },

    async findUserById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },

    async setPasswordHash(userId: string, passwordHash: string): Promise<UserRow | undefined> {
      const [row] = await db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId)).returning();
      return row;
    },

    async createSession(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
      await db.insert(sessions).values({ tokenHash, userId, expiresAt: expiresAt.toISOString() });
      await db.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, userId));
    },

    async findSessionUser(tokenHash: string): Promise<(UserRow & { expiresAt: string }) | undefined> {
      const [row] = await db
        .select({ user: users, expiresAt: sessions.expiresAt })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, sql`now()`)))
        .limit(1);
      return row ? { ...row.user, expiresAt: row.expiresAt } : undefined;
    },

    async deleteSession(tokenHash: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
    },

    /** Ends every session of a user, except `keepTokenHash` (the caller's own); answers how many ended. */
    async deleteUserSessions(userId: string, keepTokenHash: string | null): Promise<number> {
      const rows = await db
        .delete(sessions)
        .where(keepTokenHash ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, keepTokenHash)) : eq(sessions.userId, userId))
        .returning({ tokenHash: sessions.tokenHash });
      return rows.length;
    },

    /**
     * Claims one attempt for `key`: a single upsert that increments the counter and sets the next
     * allowed instant, but only when the key is not waiting. PostgreSQL locks the row for the
     * upsert, so of any number of parallel attempts exactly as many get through as the rule allows.
     */
    async claimAttempt(key: string, rule: ThrottleRule, now: Date | null): Promise<ThrottleDecision> {
      const at = instant(now);
      const forgotten = sql`${loginThrottle.lastAttemptAt} < ${at} - ${rule.forgetAfterMs}::float8 * interval '1 millisecond'`;
      const attempts = sql`(case when ${forgotten} then 1 else ${loginThrottle.attempts} + 1 end)`;
      const claimed = await db
        .insert(loginThrottle)
        .values({
          key,
          attempts: 1,
          nextAllowedAt: sql`${at} + ${delayAfter(sql`1`, rule)} * interval '1 millisecond'`,
          lastAttemptAt: at,
        })
        .onConflictDoUpdate({
          target: loginThrottle.key,
          set: {
            attempts,
            nextAllowedAt: sql`${at} + ${delayAfter(attempts, rule)} * interval '1 millisecond'`,
            lastAttemptAt: at,
          },
          // Within the free attempts the wait is zero by construction, and a "wait" left is only
          // clock order: now() is each transaction's start, so of two sign-ins from one address at
          // the same moment the later-committing one may read the other's newer time as a wait.
          setWhere: sql`(${loginThrottle.nextAllowedAt} <= ${at} or ${loginThrottle.attempts} < ${rule.freeAttempts}::int)`,
        })
        .returning({ attempts: loginThrottle.attempts });
      if (claimed[0]) return { allowed: true, attempts: claimed[0].attempts };
      // Refused: only the wait remains to be read (informational, so a separate statement is fine).
      const [row] = await db
        .select({ waitMs: sql<number>`greatest(extract(epoch from (${loginThrottle.nextAllowedAt} - ${at})) * 1000, 0)::float8` })
        .from(loginThrottle)
        .where(eq(loginThrottle.key, key));
      return { allowed: false, retryAfterMs: Number(row?.waitMs ?? 0) };
    },

    /** A successful sign-in: the account starts again from zero. */
    async resetAttempts(key: string): Promise<void> {
      await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
    },

    /**
     * Gives back an attempt whose password was right, or never checked: the counter steps back one,
     * and so does the wait it started (never lengthened). Only wrong passwords then count.
     */
    async refundAttempt(key: string, rule: ThrottleRule): Promise<void> {
      const previous = sql`greatest(${loginThrottle.attempts} - 1, 0)`;
      await db
        .update(loginThrottle)
        .set({
          attempts: previous,
          nextAllowedAt: sql`least(${loginThrottle.nextAllowedAt}, ${loginThrottle.lastAttemptAt} + ${delayAfter(previous, rule)} * interval '1 millisecond')`,
        })
        .where(eq(loginThrottle.key, key));
    },

    async purgeExpired(forgetAfterMs: number): Promise<void> {
      await db.delete(sessions).where(lt(sessions.expiresAt, sql`now()`));
      await db
        .delete(loginThrottle)
        .where(and(lt(loginThrottle.lastAttemptAt, sql`now() - ${forgetAfterMs}::float8 * interval '1 millisecond'`), lt(loginThrottle.nextAllowedAt, sql`now()`)));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
