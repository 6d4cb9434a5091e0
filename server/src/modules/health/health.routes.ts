import { z } from 'zod';
import type { Database } from '../../db/client.js';
import type { App } from '../../http/types.js';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['pglite', 'postgres']), time: z.string() });

export function registerHealthRoutes(app: App, deps: { database: Database }) {
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { tags: ['health'], summary: '200 when the database answers', response: { 200: Health, 503: Health } },
  }, async (_req, reply) => {
    const body = { database: deps.database.kind, time: new Date().toISOString() };
    try {
      await deps.database.executeSql('select 1', []);
      return { status: 'ok' as const, ...body };
    } catch {
      return reply.status(503).send({ status: 'unavailable' as const, ...body });
    }
  });
}
