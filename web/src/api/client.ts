import { API_BASE, ErrorBody, type ErrorCode, type RouteDecl } from '@lyra/contracts';
import type { z, ZodType } from 'zod';
import { ApiError, type ApiErrorCode } from './errors';

export { API_BASE };

export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Record<string, QueryValue>;

/** A route's query as the browser sends it: the contract's parameter names, values that become text. */
export type QueryOf<D extends RouteDecl> = D extends { query: infer Q extends ZodType } ? { [K in keyof z.input<Q>]?: QueryValue } : never;

/** What a call of a declared route takes: its path parameters, query and body as the contract reads them. */
export type CallInput<D extends RouteDecl> = (D extends { params: infer P extends ZodType } ? { params: z.input<P> } : unknown) &
  (D extends { query: ZodType } ? { query?: QueryOf<D> | undefined } : unknown) &
  (D extends { body: infer B extends ZodType } ? { body: z.input<B> } : unknown) &
  Pick<RequestOptions, 'signal' | 'redirectOn401' | 'answerErrorCodes'>;

/** A route's request body as the contract reads it (fields with server defaults may be left out). */
export type BodyOf<D extends RouteDecl> = D extends { body: infer B extends ZodType } ? z.input<B> : never;

/** The parsed answer of a declared route; nothing for 204. */
export type Answer<D extends RouteDecl> = D extends { status: 204 } ? void : D extends { response: infer R extends ZodType } ? z.output<R> : never;

/** A declared route's path under the API base, its `:name` parameters filled in and encoded. */
export function routePath(decl: RouteDecl, params?: Record<string, unknown>): string {
  const path = decl.path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === '') throw new Error(`${decl.method} ${decl.path} needs its "${name}" parameter`);
    return encodeURIComponent(String(value as string | number));
  });
  if (!path.startsWith(API_BASE)) throw new Error(`${decl.path} is not under ${API_BASE}`);
  return path.slice(API_BASE.length);
}

/** Options pass through the API modules as their callers gave them, `undefined` included. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | undefined;
  query?: QueryParams | undefined;
  /** JSON-encoded as the request body. */
  json?: unknown;
  /** Sent as-is, e.g. a CSV upload. */
  raw?: { body: string; contentType: string } | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Login and the initial session probe expect 401 as a normal answer; everything else
   * treats 401 as "session expired" and sends the user to the login page.
   */
  redirectOn401?: boolean | undefined;
  /**
   * Error codes whose details are still the documented answer (an import refused as a whole answers
   * 422 `import_rejected` with its report, per-row errors included, as the details): those details
   * are parsed with the schema and returned instead of raised.
   */
  answerErrorCodes?: ErrorCode[] | undefined;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  onUnauthorized?: () => void;
}

/** Builds `?a=1&b=x`, leaving out empty values so URLs stay short and shareable. */
export function buildQuery(params: QueryParams | undefined): string {
  if (!params) return '';
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    qs.append(key, String(value));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export function apiUrl(path: string, query?: QueryParams, baseUrl = API_BASE): string {
  return `${baseUrl}${path}${buildQuery(query)}`;
}

async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toApiError(res: Response, body: unknown): ApiError {
  const parsed = ErrorBody.safeParse(body);
  if (parsed.success) {
    const e = parsed.data.error;
    return new ApiError({ status: res.status, code: e.code, message: e.message, details: e.details, requestId: e.request_id });
  }
  const fallback: Record<number, [ApiErrorCode, string]> = {
    401: ['unauthorized', 'Your session has expired. Please sign in again.'],
    403: ['forbidden', 'You do not have permission to do this.'],
    404: ['not_found', 'Not found.'],
    429: ['too_many_requests', 'Too many requests. Please wait a moment and try again.'],
  };
  const [code, message] = fallback[res.status] ?? [`http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim()];
  return new ApiError({ status: res.status, code, message });
}

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? API_BASE;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  let onUnauthorized = options.onUnauthorized;

  async function send(path: string, opts: RequestOptions): Promise<{ res: Response; body: unknown }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: string | undefined;
    if (opts.raw) {
      headers['Content-Type'] = opts.raw.contentType;
      body = opts.raw.body;
    } else if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    let res: Response;
    try {
      res = await doFetch(apiUrl(path, opts.query, baseUrl), {
        method: opts.method ?? 'GET',
        headers,
        body: body ?? null,
        credentials: 'include',
        signal: opts.signal ?? null,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError({ status: 0, code: 'network_error', message: 'Cannot reach the Lyra server. Check your connection and try again.' });
    }
    const parsedBody = await readBody(res);
    if (!res.ok) {
      const error = toApiError(res, parsedBody);
      if (opts.answerErrorCodes?.some((code) => code === error.code) && error.details !== undefined) return { res, body: error.details };
      if (res.status === 401 && opts.redirectOn401 !== false) onUnauthorized?.();
      throw error;
    }
    return { res, body: parsedBody };
  }

  /** Calls the API and validates the answer against the shared contract schema. */
  async function request<T>(path: string, schema: ZodType<T>, opts: RequestOptions = {}): Promise<T> {
    const { body } = await send(path, opts);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      // A contract drift is a bug on one side; keep the details for whoever opens the console.
      console.error(`Unexpected answer from ${path}`, parsed.error.issues, body);
      throw new ApiError({
        status: 200,
        code: 'invalid_response',
        message: 'The server sent an answer this console does not understand. Please reload the page.',
        details: parsed.error.issues,
      });
    }
    return parsed.data;
  }

  /** For calls whose answer carries no body (204). */
  async function requestVoid(path: string, opts: RequestOptions = {}): Promise<void> {
    await send(path, opts);
  }

  /**
   * Calls a route the contracts declare: the URL from its path and parameters, the body sent as
   * JSON (or as it is, for a route that consumes text such as CSV), the answer parsed by its schema.
   */
  async function call<const D extends RouteDecl>(decl: D, ...[input]: Record<never, never> extends CallInput<D> ? [CallInput<D>?] : [CallInput<D>]): Promise<Answer<D>> {
    const { params, query, body, ...rest } = (input ?? {}) as { params?: Record<string, unknown>; query?: QueryParams; body?: unknown } & RequestOptions;
    const opts: RequestOptions = { ...rest, method: decl.method };
    if (query) opts.query = query;
    if (typeof body === 'string' && decl.consumes?.[0]) opts.raw = { body, contentType: decl.consumes[0] };
    else if (body !== undefined) opts.json = body;
    const path = routePath(decl, params);
    if (decl.status === 204 || !decl.response) {
      await requestVoid(path, opts);
      return undefined as Answer<D>;
    }
    return (await request(path, decl.response, opts)) as Answer<D>;
  }

  return {
    request,
    requestVoid,
    call,
    setUnauthorizedHandler(handler: (() => void) | undefined) {
      onUnauthorized = handler;
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The console's one client; main.ts wires its 401 handler to the router. */
export const api = createApiClient();
