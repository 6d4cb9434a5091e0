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
    routeTable: { method: string; url: string; access: RouteAccess }[];
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
 * Whether a request needs a session is decided by the route the router matched, never by the
 * text of the URL: the router decodes percent-escapes, collapses trailing slashes and so on, so
 * `/%61pi/...` reaches the same handler as `/api/...` and must meet the same check. Every /api
 * route declares its access (start-up fails otherwise); routes outside /api are the console's
 * static files and health, which are public. Authentication runs before body parsing and
 * validation, so an anonymous caller learns nothing but 401. A request that matches no route is
 * left to the not-found handler: 404 in the envelope, signed in or not.
 */
export function registerAuth(app: FastifyInstance, auth: AuthService) {
  app.decorateRequest('user', null);
  app.decorateRequest('sessionToken', null);

  app.decorate('routeTable', []);
  app.addHook('onRoute', (route) => {
    let access = route.config?.access;
    if (!access) {
      const isApi = route.url === '/api' || route.url.startsWith('/api/');
      // Swagger UI's own routes (under /api/docs) and the console's static files declare nothing.
      if (isApi && !route.url.startsWith('/api/docs')) throw new Error(`Route ${String(route.method)} ${route.url} does not declare its access`);
      access = 'public';
      route.config = { ...route.config, access };
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeTable.push({ method, url: route.url, access });
    }
  });

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const token = tokenFrom(request);
    const user = token ? await auth.authenticate(token) : null;
    if (!user) throw AppError.unauthorized(token ? 'Session expired or invalid; sign in again' : 'Authentication required');
    const { expiresAt: _expiresAt, ...plain } = user;
    request.user = plain;
    request.sessionToken = token;
    // Fail closed: a matched route without a declared access (impossible after onRoute) is refused.
    if (!access || !roleMay(user.role, access)) throw AppError.forbidden(`The ${user.role} role may not do this`);
  });
}
