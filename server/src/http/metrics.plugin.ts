import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/errors.js';
import type { Metrics } from '../lib/metrics.js';

export interface MetricsExposure {
  /** Bearer token a scraper must send (METRICS_TOKEN). */
  token: string | undefined;
  /** A port of its own for /metrics (METRICS_PORT); the public port then never serves it. */
  port: number | undefined;
  host: string;
}

/** Compares digests, so neither the token's length nor its first differing byte shows in the timing. */
function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

/**
 * Feeds the latency histogram from every answered request, and serves GET /metrics:
 * - with METRICS_PORT, on that port only (with METRICS_TOKEN, it asks for the token there too);
 * - otherwise with METRICS_TOKEN, on the public port to a caller sending `Authorization: Bearer`;
 * - with neither, nowhere. The public /metrics route still exists then, answering 404, so the
 *   console's deep-link fallback never hands a scraper index.html with a 200.
 * Lyra's sessions do not open it: the route is public to the session check and guarded here.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, exposure: MetricsExposure) {
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.routeOptions.url ?? null, req.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  const { token } = exposure;
  const onPublicPort = exposure.port === undefined && token !== undefined;
  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    if (!onPublicPort || token === undefined) throw new AppError('not_found', 'Metrics are not served on this port');
    if (!sameToken(bearer(req.headers.authorization), token)) {
      throw new AppError('unauthorized', 'The metrics token is required', undefined, { 'www-authenticate': 'Bearer realm="metrics"' });
    }
    const text = await metrics.render();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
  });

  if (exposure.port !== undefined) {
    const port = exposure.port;
    let server: Server | null = null;
    // Opened with the app (listen or ready), so a port already taken stops the start-up.
    app.addHook('onReady', async () => {
      server = metricsServer(metrics, token);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, exposure.host, () => resolve());
      });
      app.log.info({ address: server.address() }, 'metrics listening');
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });
  }
}

/** The separate metrics listener: GET /metrics and nothing else. */
function metricsServer(metrics: Metrics, token: string | undefined): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (token !== undefined && !sameToken(bearer(req.headers.authorization), token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics token required\n');
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
}
