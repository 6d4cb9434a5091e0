import { createHash, randomBytes } from 'node:crypto';
import type { LoginResponse, Role } from '@lyra/contracts';
import { AppError } from '../../lib/errors.js';
import { DUMMY_HASH_PROMISE, verifyPassword } from '../../lib/passwords.js';
import { toIso } from '../../lib/time.js';
import { TtlCache } from '../../lib/versioned-cache.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { toUser } from '../users/users.service.js';
import type { AuthRepository } from './auth.repository.js';
import type { Actor } from './permissions.js';

/** After this many failures within the window, further attempts for that email answer 429. */
export const MAX_FAILED_LOGINS = 5;
export const FAILED_LOGIN_WINDOW_SECONDS = 15 * 60;
export const SESSION_CACHE_MS = 5_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAuthService(deps: {
  auth: AuthRepository;
  audit: Pick<AuditRepository, 'record'>;
  db: Parameters<AuditRepository['record']>[0];
  sessionTtlHours: number;
}) {
  const { auth, audit, db } = deps;
  // Every API call authenticates; a few seconds of memo spare the session query. Logout on this
  // instance takes effect at once; on another instance, or after deactivation, within the TTL.
  const sessions = new TtlCache<Awaited<ReturnType<typeof lookup>>>(SESSION_CACHE_MS);
  async function lookup(tokenHash: string) {
    const row = await auth.findSessionUser(tokenHash);
    if (!row || !row.isActive) return null;
    return { ...toUser(row), expiresAt: toIso(row.expiresAt) };
  }

  return {
    async login(email: string, password: string, ip: string | null, requestId: string): Promise<LoginResponse> {
      const normalised = email.trim().toLowerCase();
      const failures = await auth.recentFailures(normalised, FAILED_LOGIN_WINDOW_SECONDS);
      if (failures >= MAX_FAILED_LOGINS) {
        throw AppError.tooMany('Too many failed sign-in attempts for this account. Try again in 15 minutes.', FAILED_LOGIN_WINDOW_SECONDS);
      }
      const user = await auth.findUserByEmail(normalised);
      // Verify against a dummy hash for unknown emails so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      if (!user || !ok || !user.isActive) {
        await auth.recordFailure(normalised, ip);
        throw AppError.unauthorized('Invalid email or password');
      }
      await auth.clearFailures(normalised);
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + deps.sessionTtlHours * 3600_000);
      await auth.createSession(hashToken(token), user.id, expiresAt);
      const actor: Actor = { id: user.id, email: user.email, name: user.name, role: user.role as Role, requestId };
      await audit.record(db, actor, { action: 'login', entityType: 'session', entityId: user.id });
      return { token, expires_at: expiresAt.toISOString(), user: toUser({ ...user, lastLoginAt: new Date().toISOString() }) };
    },

    async logout(token: string, actor: Actor): Promise<void> {
      sessions.delete(hashToken(token));
      await auth.deleteSession(hashToken(token));
      await audit.record(db, actor, { action: 'logout', entityType: 'session', entityId: actor.id });
    },

    /** Resolves a bearer/cookie token to its user, or null when unknown, expired or deactivated. */
    async authenticate(token: string): Promise<(ReturnType<typeof toUser> & { expiresAt: string }) | null> {
      const key = hashToken(token);
      const known = sessions.get(key);
      if (known !== undefined && (known === null || Date.parse(known.expiresAt) > Date.now())) return known;
      const user = await lookup(key);
      sessions.set(key, user);
      return user;
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
