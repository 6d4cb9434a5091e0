import { z } from 'zod';
import { ErrorBody, IdParam, listOf, User, UserCreate, UserUpdate } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import type { App } from '../../http/types.js';
import type { UsersService } from './users.service.js';

const tags = ['users'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) }).strict();

export function registerUserRoutes(app: App, deps: { users: UsersService }) {
  const { users } = deps;
  const base = '/api/loyalty/v1/users';
  const access = 'users:manage' as const;

  app.get(`${base}/`, { config: { access }, schema: { tags, querystring: ListQuery, response: { 200: listOf(User), ...errors } } },
    (req) => users.list(req.query.limit, req.query.offset));
  app.post(`${base}/`, { config: { access }, schema: { tags, body: UserCreate, response: { 201: User, ...errors } } },
    async (req, reply) => reply.status(201).send(await users.create(actorOf(req), req.body)));
  app.get(`${base}/:id/`, { config: { access }, schema: { tags, params: IdParam, response: { 200: User, ...errors } } },
    (req) => users.get(req.params.id));
  app.patch(`${base}/:id/`, { config: { access }, schema: { tags, params: IdParam, body: UserUpdate, response: { 200: User, ...errors } } },
    (req) => users.update(actorOf(req), req.params.id, req.body, req.sessionToken));
  app.delete(`${base}/:id/`, { config: { access }, schema: { tags, params: IdParam, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      await users.remove(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    });
}
