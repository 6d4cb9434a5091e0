import { and, eq, gt, lt, sql, count } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { loginFailures, sessions, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;

export function createAuthRepository(db: Db) {
  return {
    async findUserByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
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

    async recentFailures(email: string, sinceSeconds: number): Promise<number> {
      const [r] = await db
        .select({ n: count() })
        .from(loginFailures)
        .where(and(eq(loginFailures.email, email), gt(loginFailures.at, sql`now() - make_interval(secs => ${sinceSeconds})`)));
      return r?.n ?? 0;
    },

    async recordFailure(email: string, ip: string | null): Promise<void> {
      await db.insert(loginFailures).values({ email, ip });
    },

    async clearFailures(email: string): Promise<void> {
      await db.delete(loginFailures).where(eq(loginFailures.email, email));
    },

    async purgeExpired(): Promise<void> {
      await db.delete(sessions).where(lt(sessions.expiresAt, sql`now()`));
      await db.delete(loginFailures).where(lt(loginFailures.at, sql`now() - interval '1 day'`));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
