import { asc, count, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { paged } from '../../db/unit-of-work.js';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

/** Bound to the database or to a unit of work's transaction. */
export function createUsersRepository(db: DbOrTx) {
  return {
    list(limit: number, offset: number): Promise<{ count: number; results: UserRow[] }> {
      return paged(db.select().from(users).orderBy(asc(users.email)).limit(limit).offset(offset), db.select({ n: count() }).from(users));
    },
    async findById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      return row;
    },
    async insert(values: NewUserRow): Promise<UserRow> {
      const [row] = await db.insert(users).values(values).returning();
      return row!;
    },
    async update(id: string, values: Partial<NewUserRow>): Promise<UserRow | undefined> {
      const [row] = await db.update(users).set({ ...values, updatedAt: sql`now()` }).where(eq(users.id, id)).returning();
      return row;
    },
    async remove(id: string): Promise<boolean> {
      const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return rows.length > 0;
    },
    async countActiveAdmins(): Promise<number> {
      const [r] = await db.select({ n: count() }).from(users).where(sql`${users.role} = 'admin' and ${users.isActive}`);
      return r?.n ?? 0;
    },
    async countAll(): Promise<number> {
      const [r] = await db.select({ n: count() }).from(users);
      return r?.n ?? 0;
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
