/**
 * The HTTP client every connector uses: per-request timeout; retries with capped exponential
 * back-off and full jitter on 5xx, resets and timeouts; 429/503 wait exactly what Retry-After says
 * (seconds or HTTP date); a total time budget; a request-rate limit; on 401 one token refresh.
 *
 * Its errors say what happened in Lyra's words only -- "503 from /api/x/ (3 attempts)",
 * "connection refused (host:port)", "timeout after 30 s" -- never the answer's body, which may
 * echo the credentials sent (see upstream-errors.ts). Every authentication header it sends is
 * registered with its Redactor, so tokens obtained at run time are masked like configured secrets.
 */
import { Redactor, errorCodeFrom, hostOf, networkFailure, pathOf, seconds } from './upstream-errors.js';

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly url: string,
    readonly retryable: boolean,
    /**
     * What the server answered, accepted for callers' convenience and deliberately dropped: an
     * error body may echo credentials, and an error object ends up in logs.
     */
    _body?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** "401 from /api/auth/jwt/create/ (invalid_client)": status, path, and the answer's error code when it has one. */
export function statusFailure(status: number, url: string, body?: string): string {
  const code = body ? errorCodeFrom(body) : null;
  return `${status} from ${pathOf(url)}${code ? ` (${code})` : ''}`;
}

export interface AuthProvider {
  /** Headers for the next request (logs in on first use). */
  headers(http: HttpClient): Promise<Record<string, string>>;
  /** Called once after a 401; must get fresh credentials or throw. */
  refresh(http: HttpClient): Promise<void>;
}

export interface HttpClientOptions {
  timeoutMs: number;
  maxRetries: number;
  /** Requests per minute; 0 = unlimited. */
  rateLimitPerMinute: number;
  /** Total time budget for everything this client does (a sync run), ms. */
  budgetMs: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After honoured before giving up on that request. */
  maxRetryAfterMs?: number;
  /** How many 429/503 answers in a row one request may get. */
  maxRateLimitWaits?: number;
  userAgent?: string;
  signal?: AbortSignal;
  /** The secrets of the system this client talks to; auth headers sent are added to it. */
  redactor?: Redactor;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  onRetry?: (info: { url: string; attempt: number; reason: string; waitMs: number }) => void;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  /** Absolute URL, or a path joined to baseUrl. */
  url: string;
  query?: Record<string, string | number | undefined> | undefined;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** Statuses answered to the caller instead of raising (default: 2xx). */
  accept?: number[];
  /** false for the auth calls themselves. */
  authenticate?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

export class HttpClient {
  private readonly startedAt = Date.now();
  private nextSlot = 0;
  private auth: AuthProvider | null = null;
  readonly stats = { requests: 0, retries: 0, rateLimited: 0, refreshes: 0 };
  readonly redactor: Redactor;

  constructor(
    readonly baseUrl: string,
    private readonly opts: HttpClientOptions,
  ) {
    this.redactor = opts.redactor ?? new Redactor();
  }

  setAuth(auth: AuthProvider | null): void {
    this.auth = auth;
  }

  private get sleep() {
    return this.opts.sleep ?? defaultSleep;
  }

  private remainingBudget(): number {
    return this.opts.budgetMs - (Date.now() - this.startedAt);
  }

  private async wait(ms: number, url: string) {
    if (ms > this.remainingBudget()) throw new HttpError(`time budget of ${seconds(this.opts.budgetMs)} s exhausted (${pathOf(url)})`, null, url, false);
    if (ms > 0) await this.sleep(ms, this.opts.signal);
  }

  /** Spaces request starts to honour the configured rate limit. */
  private async rateLimit(url: string) {
    const rpm = this.opts.rateLimitPerMinute;
    if (!rpm) return;
    const interval = 60_000 / rpm;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + interval;
    await this.wait(slot - now, url);
  }

  resolve(url: string, query?: HttpRequest['query']): string {
    const u = /^https?:\/\//i.test(url) ? new URL(url) : new URL(url.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.resolve(req.url, req.query);
    const accept = req.accept ?? [];
    let attempt = 0;
    let rateLimitWaits = 0;
    let refreshed = false;
    const base = this.opts.backoffBaseMs ?? 250;
    const cap = this.opts.backoffMaxMs ?? 10_000;
    const random = this.opts.random ?? Math.random;

    for (;;) {
      if (this.opts.signal?.aborted) throw this.opts.signal.reason ?? new Error('aborted');
      await this.rateLimit(url);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.opts.userAgent ?? 'Lyra/1.0', ...req.headers };
      if (req.authenticate !== false && this.auth) {
        const authHeaders = await this.auth.headers(this);
        this.redactor.addHeaderValues(authHeaders);
        Object.assign(headers, authHeaders);
      }
      let body: string | undefined;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        headers['content-type'] = 'application/json';
      } else if (req.form) {
        body = new URLSearchParams(req.form).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }

      let failure: { reason: string; waitMs: number | null; status: number | null; retryable: boolean };
      let refreshNeeded = false;
      const timeoutMs = Math.max(1, Math.min(this.opts.timeoutMs, this.remainingBudget()));
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = this.opts.signal ? AbortSignal.any([timeout, this.opts.signal]) : timeout;
      this.stats.requests++;
      try {
        const res = await fetch(url, { method: req.method ?? 'GET', headers, signal, ...(body !== undefined && { body }) });
        // The body is read inside the retry loop: a connection dropped mid-body is retried like a reset.
        const text = await res.text();
        if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) {
          return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
        }
        if (res.status === 401 && req.authenticate !== false && this.auth && !refreshed) {
          refreshNeeded = true;
        }
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        // Only the status, the path and an error code leave this function; the body text does not.
        const reason = this.redactor.mask(statusFailure(res.status, url, text));
        if (res.status === 429 || (res.status === 503 && retryAfter !== null)) {
          failure = { reason, waitMs: retryAfter ?? base, status: res.status, retryable: true };
        } else {
          failure = { reason, waitMs: null, status: res.status, retryable: RETRYABLE_STATUS.has(res.status) };
        }
      } catch (err) {
        if (this.opts.signal?.aborted) throw this.opts.signal.reason ?? err;
        // A TypeError "fetch failed" says nothing; its cause code says refused, not found, certificate expired...
        const reason = timeout.aborted ? `timeout after ${seconds(timeoutMs)} s (${pathOf(url)})` : `${networkFailure(err)} (${hostOf(url)})`;
        failure = { reason, waitMs: null, status: null, retryable: true };
      }

      if (refreshNeeded) {
        // Outside the fetch's try: a refresh that fails (wrong credentials) must surface as itself.
        refreshed = true;
        this.stats.refreshes++;
        await this.auth!.refresh(this);
        continue;
      }
      if (!failure.retryable) throw new HttpError(failure.reason, failure.status, url, false);
      if (failure.status === 429 || (failure.status === 503 && failure.waitMs !== null)) {
        // Rate limits are not failures of the request: honour Retry-After as given, never multiplied.
        this.stats.rateLimited++;
        if (++rateLimitWaits > (this.opts.maxRateLimitWaits ?? 20)) throw new HttpError(`${failure.reason}: still rate limited after ${rateLimitWaits - 1} waits`, failure.status, url, true);
        const waitMs = failure.waitMs!;
        if (waitMs > (this.opts.maxRetryAfterMs ?? 120_000)) throw new HttpError(`${failure.reason}: Retry-After of ${seconds(waitMs)} s is longer than allowed`, failure.status, url, true);
        this.opts.onRetry?.({ url, attempt, reason: failure.reason, waitMs });
        await this.wait(waitMs, url);
        continue;
      }
      if (attempt >= this.opts.maxRetries) {
        throw new HttpError(attempt > 0 ? `${failure.reason}, ${attempt + 1} attempts` : failure.reason, failure.status, url, true);
      }
      const waitMs = Math.floor(random() * Math.min(cap, base * 2 ** attempt));
      attempt++;
      this.stats.retries++;
      this.opts.onRetry?.({ url, attempt, reason: failure.reason, waitMs });
      await this.wait(waitMs, url);
    }
  }

  async getJson<T = unknown>(url: string, query?: HttpRequest['query'], accept?: number[]): Promise<{ status: number; headers: Headers; body: T }> {
    for (let parseAttempt = 0; ; parseAttempt++) {
      const res = await this.request({ url, query, ...(accept && { accept }) });
      try {
        return { status: res.status, headers: res.headers, body: res.text === '' ? (undefined as T) : res.json<T>() };
      } catch {
        // A truncated body that still ended cleanly: retry like a dropped connection.
        if (parseAttempt >= this.opts.maxRetries) throw new HttpError(`the answer from ${pathOf(url)} is not valid JSON`, res.status, url, true);
      }
    }
  }
}
