import type { Role, User, UserCreate, UserUpdate } from '@lyra/contracts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { hashPassword } from '../../lib/passwords.js';
import { toIso } from '../../lib/time.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { AuthRepository } from '../auth/auth.repository.js';
import type { Actor } from '../auth/permissions.js';
import { hashToken } from '../auth/session-token.js';
import type { UserRow, UsersRepository } from './users.repository.js';

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    is_active: r.isActive,
    created_at: toIso(r.createdAt),
    updated_at: toIso(r.updatedAt),
    last_login_at: toIso(r.lastLoginAt),
  };
}

/** What a user change writes, in one transaction: the row, the sessions it ends, its audit entry. */
export interface UserWrites {
  users: Pick<UsersRepository, 'findById' | 'insert' | 'update' | 'remove' | 'countActiveAdmins'>;
  auth: Pick<AuthRepository, 'deleteUserSessions'>;
  audit: Pick<AuditRepository, 'record'>;
}

export function createUsersService(deps: { users: Pick<UsersRepository, 'list' | 'findById' | 'countAll'>; uow: UnitOfWork<UserWrites> }) {
  const { users, uow } = deps;

  const emailTaken = (email: string) => AppError.conflict(`A user with email ${email} already exists`, 'conflict', { fields: { email: ['already in use'] } });

  return {
    async list(limit: number, offset: number) {
      const { count, results } = await users.list(limit, offset);
      return { count, results: results.map(toUser) };
    },

    async get(id: string): Promise<User> {
      const row = await users.findById(id);
      if (!row) throw AppError.notFound('User');
      return toUser(row);
    },

    async create(actor: Actor, input: UserCreate): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      try {
        return await uow.transaction(async ({ users, audit }) => {
          const row = await users.insert({ email: input.email, name: input.name, role: input.role, isActive: input.is_active, passwordHash });
          const user = toUser(row);
          await audit.record(actor, { action: 'create', entityType: 'user', entityId: row.id, after: user });
          return user;
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw emailTaken(input.email);
        throw err;
      }
    },

    /**
     * A new password, deactivation or a role change ends the user's sessions in the same
     * transaction, so no instance accepts them afterwards. When admins change their own account,
     * the session making the change (`currentToken`) stays.
     */
    async update(actor: Actor, id: string, input: UserUpdate, currentToken: string | null = null): Promise<User> {
      const { password, ...rest } = input;
      const passwordHash = password ? await hashPassword(password) : undefined;
      try {
        return await uow.transaction(async ({ users, auth, audit }) => {
          const before = await users.findById(id);
          if (!before) throw AppError.notFound('User');
          const row = await users.update(id, {
            ...(rest.email !== undefined && { email: rest.email }),
            ...(rest.name !== undefined && { name: rest.name }),
            ...(rest.role !== undefined && { role: rest.role }),
            ...(rest.is_active !== undefined && { isActive: rest.is_active }),
            ...(passwordHash && { passwordHash }),
          });
          // Never lock everybody out: the last active admin keeps its role.
          if ((await users.countActiveAdmins()) === 0) throw AppError.conflict('The last active admin cannot be demoted or deactivated', 'last_admin');
          const after = toUser(row!);
          const endSessions = passwordHash !== undefined || before.isActive !== after.is_active || before.role !== after.role;
          const keep = id === actor.id && after.is_active && currentToken ? hashToken(currentToken) : null;
          const ended = endSessions ? await auth.deleteUserSessions(id, keep) : 0;
          await audit.record(actor, {
            action: 'update', entityType: 'user', entityId: id, before: toUser(before),
            after: { ...after, ...(passwordHash && { password: 'changed' }), ...(endSessions && { sessions_ended: ended }) },
          });
          return after;
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw emailTaken(input.email ?? '');
        throw err;
      }
    },

    async remove(actor: Actor, id: string): Promise<void> {
      if (id === actor.id) throw AppError.conflict('You cannot delete your own account', 'self_delete');
      await uow.transaction(async ({ users, audit }) => {
        const before = await users.findById(id);
        if (!before) throw AppError.notFound('User');
        await users.remove(id);
        if ((await users.countActiveAdmins()) === 0) throw AppError.conflict('The last active admin cannot be deleted', 'last_admin');
        await audit.record(actor, { action: 'delete', entityType: 'user', entityId: id, before: toUser(before) });
      });
    },

    /** First start: create the configured admin, or admin@lyra.local with a random password returned once. */
    async ensureInitialAdmin(actor: Actor, email: string | undefined, password: string | undefined): Promise<{ email: string; generatedPassword: string | null } | null> {
      if ((await users.countAll()) > 0) return null;
      const { randomBytes } = await import('node:crypto');
      const generated = password ? null : randomBytes(12).toString('base64url');
      const user = await this.create(actor, {
        email: email ?? 'admin@lyra.local', name: 'Administrator', password: password ?? generated!, role: 'admin', is_active: true,
      });
      return { email: user.email, generatedPassword: generated };
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
