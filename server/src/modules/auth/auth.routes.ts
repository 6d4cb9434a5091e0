import { AuthRoutes } from '@lyra/contracts';
import { actorOf, SESSION_COOKIE } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { AuthService } from './auth.service.js';

export function registerAuthRoutes(app: App, deps: { auth: AuthService; cookieSecure: boolean }) {
  const { auth } = deps;
  const route = AuthRoutes;

  serve(app, route.login, { config: { access: 'public' } }, async (req, reply) => {
    const result = await auth.login(req.body.email, req.body.password, req.ip, req.id);
    void reply.setCookie(SESSION_COOKIE, result.token, {
      httpOnly: true, sameSite: 'strict', secure: deps.cookieSecure, path: '/', expires: new Date(result.expires_at),
    });
    return result;
  });

  serve(app, route.logout, { config: { access: 'session:self' } }, async (req, reply) => {
    await auth.logout(req.sessionToken!, actorOf(req));
    // The deleting cookie carries the session cookie's attributes (the library default would say SameSite=Lax).
    void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.cookieSecure });
    return reply.status(204).send(null);
  });

  serve(app, route.changePassword, { config: { access: 'session:self' } },
    (req) => auth.changePassword(actorOf(req), req.sessionToken!, req.body, req.ip));

  serve(app, route.me, { config: { access: 'session:self' } }, (req) => req.user!);
}
