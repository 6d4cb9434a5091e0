import { HealthRoutes } from '@lyra/contracts';
import type { Database } from '../../db/client.js';
import { serve } from '../../http/declared-route.js';
import type { App } from '../../http/types.js';

export function registerHealthRoutes(app: App, deps: { database: Database }) {
  serve(app, HealthRoutes.health, { config: { access: 'public' } }, async (_req, reply) => {
    const body = { database: deps.database.kind, time: new Date().toISOString() };
    try {
      await deps.database.executeSql('select 1', []);
      return { status: 'ok' as const, ...body };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const, ...body });
    }
  });
}
