import { randomBytes } from 'node:crypto';
import type { LoginResponse, PasswordChange, PasswordChangeResult, Role } from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from '../../lib/passwords.js';
import { toIso } from '../../lib/time.js';
import { TtlCache } from '../../lib/versioned-cache.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { toUser } from '../users/users.service.js';
import type { AuthRepository } from './auth.repository.js';
import { accountKey, addressKey, DEFAULT_LOGIN_THROTTLE, type LoginThrottlePolicy } from './login-throttle.js';
import type { Actor } from './permissions.js';
import { hashToken } from './session-token.js';

export { hashToken } from './session-token.js';

/** How long an unknown token is remembered as unknown (it can never become valid). */
export const UNKNOWN_SESSION_CACHE_MS = 5_000;
const PURGE_EVERY_MS = 60 * 60_000;

export function createAuthService(deps: {
  auth: Pick<AuthRepository, 'claimAttempt' | 'refundAttempt' | 'resetAttempts' | 'purgeExpired' | 'findUserByEmail' | 'findUserById' |
    'createSession' | 'findSessionUser' | 'deleteSession'>;
  audit: Pick<AuditRepository, 'record'>;
  /** A password change: the new hash, the other sessions ended and the audit entry commit together. */
  uow: UnitOfWork<{ auth: Pick<AuthRepository, 'setPasswordHash' | 'deleteUserSessions'>; audit: Pick<AuditRepository, 'record'> }>;
  sessionTtlHours: number;
  throttle?: Partial<LoginThrottlePolicy>;
}) {
  const { auth, audit, uow } = deps;
  const policy: LoginThrottlePolicy = { ...DEFAULT_LOGIN_THROTTLE, ...deps.throttle };
  const now = () => policy.clock?.() ?? null;

  // Only misses are memoised. A known session is looked up on every request (one primary-key join),
  // because a memo of it would let a session that another instance has just revoked (password
  // change, deactivation, role change, logout) through until the memo expired; revoking is deleting
  // the rows, and every instance sees that at once. A token that is unknown stays unknown: tokens
  // are random and stored before they are handed out.
  const unknown = new TtlCache<true>(UNKNOWN_SESSION_CACHE_MS);
  let lastPurge = 0;

  const tooMany = (retryAfterMs: number) => {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return AppError.tooMany(`Too many sign-in attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, seconds);
  };

  /**
   * Claims one password check for this address and this account, refusing (429) before any
   * password is looked at when either is waiting. Each claim is one atomic statement. The address
   * is claimed first, so an address that is itself throttled cannot push the account's delay up
   * for its owner; when the account then refuses, the address gets its claim back (no password
   * was checked), so hammering a throttled account does not throttle everybody behind that address.
   */
  async function claim(email: string, ip: string | null): Promise<{ account: string; address: string }> {
    const keys = { address: addressKey(ip), account: accountKey(email) };
    const byAddress = await auth.claimAttempt(keys.address, policy.address, now());
    if (!byAddress.allowed) throw tooMany(byAddress.retryAfterMs);
    const byAccount = await auth.claimAttempt(keys.account, policy.account, now());
    if (!byAccount.allowed) {
      await auth.refundAttempt(keys.address, policy.address);
      throw tooMany(byAccount.retryAfterMs);
    }
    return keys;
  }

  /** The password was right: the account starts from zero, the address gets its attempt back. */
  async function succeeded(keys: { account: string; address: string }) {
    await auth.resetAttempts(keys.account);
    await auth.refundAttempt(keys.address, policy.address);
  }

  async function purgeNowAndThen() {
    if (Date.now() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = Date.now();
    await auth.purgeExpired(Math.max(policy.account.forgetAfterMs, policy.address.forgetAfterMs));
  }

  async function lookup(tokenHash: string) {
    const row = await auth.findSessionUser(tokenHash);
    if (!row || !row.isActive) return null;
    return { ...toUser(row), expiresAt: toIso(row.expiresAt) };
  }

  return {
    async login(email: string, password: string, ip: string | null, requestId: string): Promise<LoginResponse> {
      const normalised = email.trim().toLowerCase();
      await purgeNowAndThen();
      const keys = await claim(normalised, ip);
      const user = await auth.findUserByEmail(normalised);
      // Verify against a dummy hash for unknown emails so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      // A failure needs no further write: the attempt was counted when it was claimed.
      if (!user || !ok || !user.isActive) throw AppError.unauthorized('Invalid email or password');
      await succeeded(keys);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + deps.sessionTtlHours * 3600_000);
      await auth.createSession(hashToken(token), user.id, expiresAt);
      const actor: Actor = { id: user.id, email: user.email, name: user.name, role: user.role as Role, requestId };
      await audit.record(actor, { action: 'login', entityType: 'session', entityId: user.id });
      return { token, expires_at: expiresAt.toISOString(), user: toUser({ ...user, lastLoginAt: new Date().toISOString() }) };
    },

    /**
     * The signed-in user changes their own password. The current password is required (and its
     * checks are throttled like sign-ins, so a borrowed session cannot be used to guess it); every
     * other session of the user ends, the one making the change stays.
     */
    async changePassword(actor: Actor, currentToken: string, input: PasswordChange, ip: string | null): Promise<PasswordChangeResult> {
      const keys = await claim(actor.email, ip);
      const user = await auth.findUserById(actor.id);
      if (!user) throw AppError.unauthorized();
      if (!(await verifyPassword(input.current_password, user.passwordHash))) {
        throw AppError.validation({ current_password: ['is not your current password'] }, 'The current password is wrong');
      }
      await succeeded(keys);
      if (input.new_password === input.current_password) {
        throw AppError.validation({ new_password: ['must differ from the current password'] });
      }
      const passwordHash = await hashPassword(input.new_password);
      const ended = await uow.transaction(async ({ auth, audit }) => {
        const row = await auth.setPasswordHash(user.id, passwordHash);
        if (!row) throw AppError.unauthorized();
        const n = await auth.deleteUserSessions(user.id, hashToken(currentToken));
        // Like an admin's edit of the user; the entry says that the password changed, never what it is.
        await audit.record(actor, {
          action: 'update', entityType: 'user', entityId: user.id, before: toUser(user),
          after: { ...toUser(row), password: 'changed', other_sessions_ended: n },
        });
        return n;
      });
      return { other_sessions_ended: ended };
    },

    async logout(token: string, actor: Actor): Promise<void> {
      await auth.deleteSession(hashToken(token));
      await audit.record(actor, { action: 'logout', entityType: 'session', entityId: actor.id });
    },

    /** Resolves a bearer/cookie token to its user, or null when unknown, expired or deactivated. */
    async authenticate(token: string): Promise<(ReturnType<typeof toUser> & { expiresAt: string }) | null> {
      const key = hashToken(token);
      if (unknown.get(key)) return null;
      const user = await lookup(key);
      if (!user) unknown.set(key, true);
      return user;
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
