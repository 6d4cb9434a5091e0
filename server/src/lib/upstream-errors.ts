/**
 * What Lyra keeps of an external system's failures. An error answer's body is never kept, logged
 * or shown: servers echo what they were sent (debug pages quote the request with its
 * Authorization header, login forms answer with the submitted password, proxies dump headers), so
 * a body can carry the very credentials we sent. What is kept is the status, the path and a short
 * cause in Lyra's words ("401 from /api/auth/jwt/create/", "connection refused", "timeout after
 * 30 s"). And, as a second line, every text that came from outside or quotes it (run errors, item
 * errors quoting a record, log lines, connection test answers) goes through a Redactor that masks
 * each configured secret and token obtained, in the forms it travels in.
 */
export const MASK = '********';

/** Longest message kept from one failure (item errors quote records, which can be long). */
export const MAX_MESSAGE_CHARS = 300;

const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');

/**
 * The secrets of one external system (password, client secret, API key, tokens obtained), masked
 * in any text as written and as encoded on the way out: percent-encoded (URLs, forms), JSON-escaped,
 * HTML-escaped (echoed in pages) and base64 (inside Basic credentials).
 */
export class Redactor {
  private readonly values = new Set<string>();
  private sorted: string[] | null = null;

  /** Registers secrets; empty values are ignored. */
  add(...secrets: Array<string | null | undefined>): this {
    for (const s of secrets) {
      if (!s || this.values.has(s)) continue;
      for (const form of [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2), JSON.stringify(s).slice(1, -1), htmlEscape(s), Buffer.from(s).toString('base64')]) {
        if (form) this.values.add(form);
      }
      this.sorted = null;
    }
    return this;
  }

  /** A Basic credential travels as base64("user:password"), which contains neither part as such (an API key may be the user). */
  addBasic(user: string | null | undefined, password: string | null | undefined): this {
    if (user || password) this.add(Buffer.from(`${user ?? ''}:${password ?? ''}`).toString('base64'));
    return this;
  }

  /** Header values that authenticate requests (`Bearer <token>`, `Basic <...>`, an API key): the whole value and its last word. */
  addHeaderValues(headers: Record<string, string>): this {
    for (const v of Object.values(headers)) this.add(v, v.split(/\s+/).pop());
    return this;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || !text) return text;
    // Longest first, so a secret that contains another is masked whole.
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const v of this.sorted) if (out.includes(v)) out = out.split(v).join(MASK);
    return out;
  }

  /** Masks every string inside a JSON-like value (log fields, connection test details). */
  maskDeep<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.maskDeep(v)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskDeep(v)])) as T;
    }
    return value;
  }

  /** What may be kept of an outside text: masked, on one line, and not longer than MAX_MESSAGE_CHARS. */
  safe(text: string): string {
    return clip(this.mask(text).replace(/[\r\n\t]+/g, ' '));
  }
}

const clip = (s: string) => (s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS - 1)}…` : s);

/** `30000` -> "30", `2500` -> "2.5": for "timeout after N s". */
export const seconds = (ms: number) => String(Math.round(ms / 100) / 10);

/** What a network error code means, in words; codes from Node (libuv, TLS) and undici. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timeout waiting for the answer headers',
  UND_ERR_BODY_TIMEOUT: 'timeout reading the answer',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not trusted (unknown issuer)',
  CERT_REVOKED: 'certificate revoked',
  EPROTO: 'TLS handshake failed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is the URL http rather than https?)',
  UND_ERR_INFO: 'invalid answer',
  HPE_INVALID_CONSTANT: 'the answer is not HTTP',
};

interface Coded {
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The first error code in an error's cause chain (fetch wraps it: TypeError "fetch failed" -> cause -> maybe AggregateError). */
function errorCode(err: unknown, depth = 0): string | null {
  if (!err || typeof err !== 'object' || depth > 5) return null;
  const e = err as Coded;
  if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,60}$/.test(e.code)) return e.code;
  if (Array.isArray(e.errors)) for (const inner of e.errors) {
    const c = errorCode(inner, depth + 1);
    if (c) return c;
  }
  return errorCode(e.cause, depth + 1);
}

/** Messages of the cause chain, for undici's own fixed texts (never shown as such). */
function causeMessages(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  const e = err as Coded & { message?: unknown };
  return [...(typeof e.message === 'string' ? [e.message] : []), ...causeMessages(e.cause, depth + 1)];
}

/**
 * A network failure in words: `connection refused`, `host not found`, `certificate expired`...
 * Messages of these errors are Node's and undici's, but only the code is used: a message may
 * quote what the server sent.
 */
export function networkFailure(err: unknown): string {
  const code = errorCode(err);
  // fetch refuses ports the Fetch standard blocks (9, 25, 6000 ...) before connecting, with no code.
  if (!code && causeMessages(err).includes('bad port')) return 'port blocked for HTTP clients (a port such as 9, 25 or 6000 cannot serve HTTP; check the URL)';
  if (!code) return 'network error';
  return NETWORK_CAUSES[code] ?? `network error (${code})`;
}

/**
 * A machine-readable error code from an error answer, when it has one that looks like a code
 * (`invalid_client`, `INVALID_SESSION_ID`, `token_not_valid`, `api_authentication_failed`).
 * Free text (detail, message, error_description) is never taken: that is where echoes live.
 */
export function errorCodeFrom(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const o = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!o || typeof o !== 'object') return null;
  const r = o as Record<string, unknown>;
  for (const key of ['error', 'errorCode', 'error_code', 'api_error_code', 'code']) {
    const v = r[key];
    if (typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{2,63}$/.test(v)) return v;
  }
  return null;
}

/** The path of a URL, for messages: without the host's user:password and the query (which may carry keys or SOQL). */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(unreadable URL)';
  }
}

/** host:port of a URL, for "connection refused (host:port)". */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unreadable URL)';
  }
}

/**
 * The one way to turn any failure met while talking to an external system into a short message
 * that is safe to store, log and show. HttpClient errors already say "<status> from <path>",
 * "connection refused (host)", "timeout after N s"; raw fetch errors are translated from their
 * cause code; everything else keeps its message, masked and shortened.
 */
export function describeUpstreamError(err: unknown, redactor?: Redactor): string {
  let message: string;
  if (err instanceof TypeError && err.message === 'fetch failed') message = networkFailure(err);
  else if (err instanceof Error && err.name === 'TimeoutError') message = 'timeout';
  // JSON.parse quotes the text it could not read ("Unexpected token '<', "<html>..." is not valid JSON").
  else if (err instanceof SyntaxError) message = 'the answer is not valid JSON';
  // HttpError messages are built from status, path and cause only (http-client.ts); others are ours.
  else if (err instanceof Error) message = err.message || err.name;
  else message = String(err);
  return redactor ? redactor.safe(message) : clip(message.replace(/[\r\n\t]+/g, ' '));
}
