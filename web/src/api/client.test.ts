import { describe, expect, it, vi } from 'vitest';
import { Product, ProductImportResult, ProductRoutes, User, UserRoutes } from '@lyra/contracts';
import { buildQuery, createApiClient, routePath } from './client';
import { ApiError } from './errors';

const user = {
  id: '628725f2-50be-49d8-af03-fe217744dc95',
  email: 'admin@lyra.local',
  name: 'Administrator',
  role: 'admin',
  is_active: true,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  last_login_at: null,
};

const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function client(respond: (url: string, init: RequestInit) => Response | Promise<Response>, onUnauthorized = vi.fn()) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init: init ?? {} });
    return respond(url, init ?? {});
  });
  return { api: createApiClient({ fetch: fetch as typeof globalThis.fetch, onUnauthorized }), calls, onUnauthorized };
}

describe('buildQuery', () => {
  it('drops empty values and encodes the rest', () => {
    expect(buildQuery({ a: 'x y', b: '', c: undefined, d: null, e: 0, f: false })).toBe('?a=x+y&e=0&f=false');
    expect(buildQuery({})).toBe('');
    expect(buildQuery(undefined)).toBe('');
  });
});

describe('api client', () => {
  it('sends cookies, JSON and the query, and parses the answer with the contract schema', async () => {
    const { api, calls } = client(() => json(200, user));
    const me = await api.request('/auth/me', User, { query: { x: 1 } });
    expect(me.email).toBe('admin@lyra.local');
    expect(calls[0]!.url).toBe('/api/loyalty/v1/auth/me?x=1');
    expect(calls[0]!.init.credentials).toBe('include');
  });

  it('posts JSON bodies with a JSON content type', async () => {
    const { api, calls } = client(() => json(200, user));
    await api.request('/users/', User, { method: 'POST', json: { a: 1 } });
    expect(calls[0]!.init.method).toBe('POST');
    expect(calls[0]!.init.body).toBe('{"a":1}');
    expect((calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('sends raw bodies (CSV) untouched with their content type', async () => {
    const { api, calls } = client(() => new Response(null, { status: 204 }));
    await api.requestVoid('/products/import/', { method: 'POST', raw: { body: 'a,b\n1,2', contentType: 'text/csv' } });
    expect(calls[0]!.init.body).toBe('a,b\n1,2');
    expect((calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
  });

  it('turns an error body into an ApiError with field errors', async () => {
    const body = {
      error: {
        code: 'validation_error',
        message: 'Invalid body: name',
        details: { location: 'body', fields: { name: ['Too small'], price: ['must not be negative'] } },
        request_id: 'r1',
      },
    };
    const { api } = client(() => json(400, body));
    const err = await api.request('/products/', Product, { method: 'POST', json: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_error');
    expect(e.requestId).toBe('r1');
    expect(e.fieldErrors).toEqual({ name: ['Too small'], price: ['must not be negative'] });
  });

  it('calls the unauthorized handler on 401, except where 401 is an expected answer', async () => {
    const body = { error: { code: 'unauthorized', message: 'Authentication required' } };
    const { api, onUnauthorized } = client(() => json(401, body));
    await expect(api.request('/products/stats/', User)).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.request('/auth/login', User, { method: 'POST', redirectOn401: false })).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('explains non-JSON failures and unreachable servers', async () => {
    const { api } = client(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.request('/x', User)).rejects.toMatchObject({ status: 502, code: 'http_502' });
    const down = client(() => {
      throw new TypeError('fetch failed');
    });
    await expect(down.api.request('/x', User)).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('keeps 429 wording from the server', async () => {
    const { api } = client(() => json(429, { error: { code: 'too_many_requests', message: 'Too many attempts, retry in 60 s' } }));
    await expect(api.request('/auth/login', User, { redirectOn401: false })).rejects.toMatchObject({ status: 429, message: 'Too many attempts, retry in 60 s' });
  });

  it('reads the documented report carried by an error code it was told to expect, but raises other errors', async () => {
    const result = { imported: false, created: 0, updated: 0, total_rows: 1, errors: [{ row: 2, field: 'price', message: 'must not be negative' }] };
    const rejected = { error: { code: 'import_rejected', message: '1 of 1 rows have errors; nothing was imported', details: result, request_id: 'r1' } };
    const { api } = client(() => json(422, rejected));
    await expect(api.request('/products/import/', ProductImportResult, { method: 'POST', answerErrorCodes: ['import_rejected'] })).resolves.toEqual(result);
    const other = client(() => json(422, { error: { code: 'validation_error', message: 'Nope' } }));
    await expect(other.api.request('/products/import/', ProductImportResult, { answerErrorCodes: ['import_rejected'] })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(client(() => json(422, rejected)).api.request('/x', ProductImportResult)).rejects.toMatchObject({ status: 422, code: 'import_rejected' });
  });

  it('calls a declared route: parameters encoded into its path, the body as JSON, the answer parsed by its schema', async () => {
    const { api, calls } = client(() => json(200, user));
    const updated = await api.call(UserRoutes.update, { params: { id: 'a/b c' }, body: { name: 'New name' } });
    expect(updated.email).toBe('admin@lyra.local');
    expect(calls[0]!.url).toBe('/api/loyalty/v1/users/a%2Fb%20c/');
    expect(calls[0]!.init.method).toBe('PATCH');
    expect(calls[0]!.init.body).toBe('{"name":"New name"}');
  });

  it('sends a declared text body as it is, and answers nothing for 204', async () => {
    const result = { imported: true, created: 1, updated: 0, total_rows: 1, errors: [] };
    const { api, calls } = client((url) => (url.includes('import') ? json(200, result) : new Response(null, { status: 204 })));
    await expect(api.call(ProductRoutes.import, { body: 'a,b\n1,2' })).resolves.toEqual(result);
    expect((calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
    expect(calls[0]!.init.body).toBe('a,b\n1,2');
    await expect(api.call(ProductRoutes.remove, { params: { id: 'p1' } })).resolves.toBeUndefined();
    expect(calls[1]!.init.method).toBe('DELETE');
    expect(routePath(ProductRoutes.export)).toBe('/products/export/');
  });

  it('rejects answers that do not match the contract', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { api } = client(() => json(200, { id: 'not-a-uuid' }));
    await expect(api.request('/auth/me', User)).rejects.toMatchObject({ code: 'invalid_response' });
    spy.mockRestore();
  });
});
