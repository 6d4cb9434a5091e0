import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Query parameters whose values stay out of the log: a token or password put in a URL (by a
 * script, a mistyped link) would otherwise be kept wherever the logs are shipped.
 */
const SECRET_PARAM = /token|secret|passw|pwd|key|auth|session|signature|code|credential/i;

/** The request's URL with the values of secret-looking query parameters replaced by `***`. */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // A malformed escape: judge the raw name.
    }
    return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=***` : pair;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/**
 * Health checks (a load balancer's every few seconds) and the console's files (dozens per page
 * load) would drown the API's lines: they are logged at debug. A console file that fails is not
 * routine and stays at info.
 */
function isRoutine(req: FastifyRequest, reply: FastifyReply): boolean {
  const route = req.routeOptions.url;
  if (route === '/healthz') return true;
  if (reply.statusCode >= 400 || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const urlPath = req.url.split('?')[0]!;
  return !urlPath.startsWith('/api') && urlPath !== '/metrics';
}

/**
 * One line per request, written when the answer has been sent, in place of Fastify's two
 * ("incoming request" + "request completed"). Fastify's other lines (stream and serializer
 * errors) stay as they are. The request id comes with `req.log` (reqId).
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {
    // The completed line says everything this one did.
  }

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(req)) return;
    const line = {
      method: req.method,
      url: redactedUrl(req.url),
      route: req.routeOptions.url ?? null,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: req.ip,
    };
    if (error) req.log.error({ ...line, err: error }, 'request errored');
    else if (isRoutine(req, reply)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  }
}
