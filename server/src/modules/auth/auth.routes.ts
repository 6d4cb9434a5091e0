import { z } from 'zod';
import { ErrorBody, LoginRequest, LoginResponse, PasswordChange, PasswordChangeResult, User } from '@lyra/contracts';
import { actorOf, SESSION_COOKIE } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import type { AuthService } from './auth.service.js';

const tags = ['auth'];

export function registerAuthRoutes(app: App, deps: { auth: AuthService; cookieSecure: boolean }) {
  const { auth } = deps;
  const base = '/api/loyalty/v1/auth';

  app.post(`${base}/login`, {
    config: { access: 'public' },
    schema: { tags, summary: 'Sign in; answers a bearer token and sets an HttpOnly session cookie', body: LoginRequest, response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } },
  }, async (req, reply) => {
    const result = await auth.login(req.body.email, req.body.password, req.ip, req.id);
    void reply.setCookie(SESSION_COOKIE, result.token, {
      httpOnly: true, sameSite: 'strict', secure: deps.cookieSecure, path: '/', expires: new Date(result.expires_at),
    });
    return result;
  });

  app.post(`${base}/logout`, {
    config: { access: 'session:self' },
    schema: { tags, summary: 'Sign out (ends this session)', response: { 204: z.null(), 401: ErrorBody } },
  }, async (req, reply) => {
    await auth.logout(req.sessionToken!, actorOf(req));
    // The deleting cookie carries the session cookie's attributes (the library default would say SameSite=Lax).
    void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: deps.cookieSecure });
    return reply.status(204).send(null);
  });

  app.post(`${base}/password`, {
    config: { access: 'session:self' },
    schema: {
      tags,
      summary: 'Change your own password (the current one is required); your other sessions end, this one stays',
      body: PasswordChange,
      response: { 200: PasswordChangeResult, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
    },
  }, (req) => auth.changePassword(actorOf(req), req.sessionToken!, req.body, req.ip));

  app.get(`${base}/me`, {
    config: { access: 'session:self' },
    schema: { tags, summary: 'The signed-in user', response: { 200: User, 401: ErrorBody } },
  }, (req) => req.user!);
}
