import { UserRoutes } from '@lyra/contracts';
import { actorOf } from '../../http/auth.plugin.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';
import type { UsersService } from './users.service.js';

export function registerUserRoutes(app: App, deps: { users: UsersService }) {
  const { users } = deps;
  const route = UserRoutes;
  const access = 'users:manage' as const;

  serve(app, route.list, { config: { access } }, (req) => users.list(req.query.limit, req.query.offset));
  serve(app, route.create, { config: { access } }, async (req, reply) => reply.status(201).send(await users.create(actorOf(req), req.body)));
  serve(app, route.get, { config: { access } }, (req) => users.get(req.params.id));
  serve(app, route.update, { config: { access } }, (req) => users.update(actorOf(req), req.params.id, req.body, req.sessionToken));
  serve(app, route.remove, { config: { access } }, async (req, reply) => {
    await users.remove(actorOf(req), req.params.id);
    return reply.status(204).send(null);
  });
}
