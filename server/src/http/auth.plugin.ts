import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { User } from '@lyra/contracts';
import { AppError } from '../lib/errors.js';
import type { AuthService } from '../modules/auth/auth.service.js';
import { roleMay, type Actor, type RouteAccess } from '../modules/auth/permissions.js';

export const SESSION_COOKIE = 'lyra_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route: `public`, or the permission the caller's role needs. */
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every route with its declared access, for the access-control test and the docs. */
    routeTable: { method: string; url: string; access: RouteAccess | undefined }[];
  }
  interface FastifyRequest {
    user: User | null;
    sessionToken: string | null;
  }
}

export function tokenFrom(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m?.[1] ?? null;
  }
  return request.cookies?.[SESSION_COOKIE] ?? null;
}

export function actorOf(request: FastifyRequest): Actor {
  const u = request.user;
  if (!u) throw AppError.unauthorized();
  return { id: u.id, email: u.email, name: u.name, role: u.role, requestId: request.id };
}

/**
 * Every /api route must declare its access; authentication runs before body parsing and
 * validation so an anonymous caller learns nothing but 401.
 */
export function registerAuth(app: FastifyInstance, auth: AuthService) {
  app.decorateRequest('user', null);
  app.decorateRequest('sessionToken', null);

  app.decorate('routeTable', []);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeTable.push({ method, url: route.url, access: route.config?.access ?? (route.url.startsWith('/api/docs') ? 'public' : undefined) });
    }
    if (!route.url.startsWith('/api/')) return;
    if (route.url.startsWith('/api/docs')) {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    if (!route.config?.access) throw new Error(`Route ${String(route.method)} ${route.url} does not declare its access`);
  });

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const token = tokenFrom(request);
    const user = token ? await auth.authenticate(token) : null;
    if (!user) throw AppError.unauthorized(token ? 'Session expired or invalid; sign in again' : 'Authentication required');
    const { expiresAt: _expiresAt, ...plain } = user;
    request.user = plain;
    request.sessionToken = token;
    // Unknown /api paths (no access declared) fall through to the 404 handler for signed-in users.
    if (access && !roleMay(user.role, access)) throw AppError.forbidden(`The ${user.role} role may not do this`);
  });
}
