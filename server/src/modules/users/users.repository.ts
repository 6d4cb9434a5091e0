import { asc, count, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

export function createUsersRepository(db: Db) {
  return {
    db,
    async list(limit: number, offset: number): Promise<{ count: number; rows: UserRow[] }> {
      const [rows, [total]] = await Promise.all([
        db.select().from(users).orderBy(asc(users.email)).limit(limit).offset(offset),
        db.select({ n: count() }).from(users),
      ]);
      return { count: total?.n ?? 0, rows };
    },
    async findById(tx: DbOrTx, id: string): Promise<UserRow | undefined> {
      const [row] = await tx.select().from(users).where(eq(users.id, id)).limit(1);
      return row;
    },
    async findByEmail(tx: DbOrTx, email: string): Promise<UserRow | undefined> {
      const [row] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
      return row;
    },
    async insert(tx: DbOrTx, values: NewUserRow): Promise<UserRow> {
      const [row] = await tx.insert(users).values(values).returning();
      return row!;
    },
    async update(tx: DbOrTx, id: string, values: Partial<NewUserRow>): Promise<UserRow | undefined> {
      const [row] = await tx.update(users).set({ ...values, updatedAt: sql`now()` }).where(eq(users.id, id)).returning();
      return row;
    },
    async remove(tx: DbOrTx, id: string): Promise<boolean> {
      const rows = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return rows.length > 0;
    },
    async countActiveAdmins(tx: DbOrTx): Promise<number> {
      const [r] = await tx.select({ n: count() }).from(users).where(sql`${users.role} = 'admin' and ${users.isActive}`);
      return r?.n ?? 0;
    },
    async countAll(): Promise<number> {
      const [r] = await db.select({ n: count() }).from(users);
      return r?.n ?? 0;
    },
  };
}
export type UsersRepository = ReturnType<typeof createUsersRepository>;
