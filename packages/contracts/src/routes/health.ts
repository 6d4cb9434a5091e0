import { z } from 'zod';
import { route } from '../http.js';

export const Health = z.object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['pglite', 'postgres']), time: z.string() });
export type Health = z.infer<typeof Health>;

/** Outside the API's base path: load balancers and orchestrators probe it without a session. */
export const HealthRoutes = {
  health: route({ method: 'GET', path: '/healthz', tags: ['health'], summary: '200 when the database answers', response: Health, errors: { 503: Health } }),
};
