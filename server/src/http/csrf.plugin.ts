import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';

/**
 * Cross-site request forgery: the console authenticates with the session cookie, which a browser
 * attaches to any request to this host, including a form another site makes it post (a form can
 * send text/plain or url-encoded bodies without a preflight, and the CSV import reads text/plain).
 * SameSite=Strict already keeps the cookie off cross-site requests in current browsers; this is
 * the second lock, and the only one for same-site (sibling sub-domain) attackers, for browsers
 * that do not honour SameSite, and for login CSRF (no cookie involved at all).
 *
 * A state-changing request (anything but GET/HEAD/OPTIONS) that does not carry an Authorization
 * header (tokenFrom in auth.plugin.ts uses the cookie exactly then) must come from the console's
 * own origin. The browser tells us where a request comes from in headers a page cannot set:
 *
 * 1. `Sec-Fetch-Site` (all current browsers): `same-origin` passes, and so does `none` (the user
 *    acted directly, e.g. typed the address; no other site is involved). `same-site` and
 *    `cross-site` are refused unless `Origin` is a configured trusted origin.
 * 2. Without it (older browsers), `Origin`: `null` (sandboxed frames, redirects, file://) is
 *    refused; otherwise its host must be this request's own host, or the origin configured as trusted.
 *    The own host is `request.host`: the Host header, or X-Forwarded-Host only when Fastify's
 *    trustProxy says the proxy is ours. Only the host is compared, not the scheme: behind a proxy
 *    that ends TLS the request arrives over http while the page's origin is https.
 * 3. With neither header the request is not a browser making a request on a page's behalf:
 *    browsers send Origin on every cross-origin POST/PUT/PATCH/DELETE (and Sec-Fetch-Site on all
 *    requests), so a forged one always carries at least one of them. A client that sends neither
 *    (curl, scripts holding the cookie) owns the session it presents, and is let through.
 *
 * Bearer-token clients are not affected: a page on another site cannot make the browser attach an
 * Authorization header without a CORS preflight, which this server never grants.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  /** Origins (scheme://host[:port]) allowed besides the request's own, e.g. a console served from another host. */
  trustedOrigins?: readonly string[];
}

const refuse = (why: string) => new AppError('csrf_rejected', `Cross-site request refused: ${why}. Use the console, or send an Authorization: Bearer token.`);

/** `scheme://host[:port]` of a URL-shaped string, lower-cased; null when it is not one. */
function originOf(value: string): string | null {
  try {
    const u = new URL(value);
    return u.origin === 'null' ? null : u.origin.toLowerCase();
  } catch {
    return null;
  }
}

/** Why a request must be refused, or null when it may go on. */
export function csrfVerdict(request: Pick<FastifyRequest, 'method' | 'headers' | 'host'>, trusted: ReadonlySet<string>): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  if (request.headers.authorization !== undefined) return null;
  const site = header(request.headers['sec-fetch-site'])?.toLowerCase();
  const origin = header(request.headers.origin);
  const trustedOrigin = origin !== undefined && origin !== 'null' && trusted.has(originOf(origin) ?? '');

  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return null;
    if (trustedOrigin) return null;
    return `the browser says it comes from another ${site === 'same-site' ? 'origin of this site' : 'site'} (Sec-Fetch-Site: ${site.slice(0, 20)})`;
  }
  if (origin === undefined) return null;
  if (origin === 'null') return 'the request has an opaque origin (Origin: null)';
  if (trustedOrigin) return null;
  const parsed = originOf(origin);
  if (!parsed) return 'the Origin header is not an origin';
  // The own host read with the Origin's scheme: only hosts are compared, and "host:443" equals "host" under https.
  if (originOf(`${new URL(parsed).protocol}//${request.host}`) === parsed) return null;
  return `it comes from ${parsed.slice(0, 100)}, not from this server's own origin`;
}

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function registerCsrfProtection(app: FastifyInstance, opts: CsrfOptions = {}) {
  const trusted = new Set<string>();
  for (const o of opts.trustedOrigins ?? []) {
    const parsed = originOf(o);
    if (!parsed) throw new Error(`trusted origin "${o}" is not an origin such as https://console.example.com`);
    trusted.add(parsed);
  }
  // onRequest, before authentication and body parsing: a forged request touches neither the session nor the body parser.
  app.addHook('onRequest', async (request) => {
    const why = csrfVerdict(request, trusted);
    if (why) throw refuse(why);
  });
}
