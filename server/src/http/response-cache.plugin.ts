import type { FastifyInstance } from 'fastify';
import { VersionedCache } from '../lib/versioned-cache.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cache successful GET answers of this route under the named data version (see registerResponseCache). */
    cacheBy?: string;
  }
  interface FastifyRequest {
    cacheSlot: { key: string; version: string } | null;
  }
}

export type VersionSource = () => Promise<string>;

/**
 * Caches serialized GET answers per URL and data version. Catalog reads vastly outnumber catalog
 * writes, and a statement trigger bumps the version on every write, so one cheap version read per
 * request is enough to serve an exact answer without re-running the list queries. Registered after
 * authentication: only callers allowed to read reach the cache, and answers do not depend on who asks.
 */
export function registerResponseCache(app: FastifyInstance, sources: Record<string, VersionSource>, maxEntries = 1000) {
  const cache = new VersionedCache<string>(maxEntries);
  app.decorateRequest('cacheSlot', null);

  app.addHook('onRequest', async (request, reply) => {
    const name = request.routeOptions.config?.cacheBy;
    if (!name || request.method !== 'GET') return;
    const source = sources[name];
    if (!source) throw new Error(`no version source "${name}"`);
    const version = await source();
    const hit = cache.get(request.url, version);
    if (hit !== undefined) {
      return reply.header('content-type', 'application/json; charset=utf-8').header('x-cache', 'hit').send(hit);
    }
    request.cacheSlot = { key: request.url, version };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const slot = request.cacheSlot;
    if (slot && reply.statusCode === 200 && typeof payload === 'string') cache.set(slot.key, slot.version, payload);
    return payload;
  });

  return { clear: () => cache.clear() };
}
