import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type AuthProvider } from './http-client.js';
import { MASK, Redactor, describeUpstreamError, errorCodeFrom, networkFailure } from './upstream-errors.js';

const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

describe('Redactor', () => {
  it('masks a secret as written and as it travels: percent-encoded, form-encoded, JSON-escaped, HTML-escaped, base64, inside Basic', () => {
    const secret = 'p@ss w/"ord&<1>';
    const r = new Redactor().add(secret).addBasic('lyra', secret).addBasic(secret, '');
    const forms = [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ password: secret }).toString().slice('password='.length),
      JSON.stringify({ password: secret }).slice('{"password":"'.length, -2),
      'p@ss w/&quot;ord&amp;&lt;1&gt;',
      Buffer.from(secret).toString('base64'),
      Buffer.from(`lyra:${secret}`).toString('base64'),
      Buffer.from(`${secret}:`).toString('base64'),
    ];
    for (const f of forms) expect(r.mask(`before ${f} after`), f).toBe(`before ${MASK} after`);
  });

  it('masks the longest secret first, in nested values, and keeps other text', () => {
    const r = new Redactor().add('abc', 'abcdef');
    expect(r.mask('x abcdef y abc z')).toBe(`x ${MASK} y ${MASK} z`);
    expect(r.maskDeep({ a: ['abc', 1, { b: 'nope abcdef' }], n: null })).toEqual({ a: [MASK, 1, { b: `nope ${MASK}` }], n: null });
    expect(new Redactor().add(null, undefined, '').mask('nothing to mask')).toBe('nothing to mask');
  });

  it('learns the values of authentication headers, token alone included', () => {
    const r = new Redactor().addHeaderValues({ authorization: 'JWT eyJhbGciOi.tok.en' });
    expect(r.mask('got eyJhbGciOi.tok.en back')).toBe(`got ${MASK} back`);
    expect(r.mask('Authorization: JWT eyJhbGciOi.tok.en')).toBe(`Authorization: ${MASK}`);
  });

  it('keeps what it lets through short and on one line', () => {
    const safe = new Redactor().safe(`line1\nline2 ${'x'.repeat(1000)}`);
    expect(safe).not.toContain('\n');
    expect(safe.length).toBeLessThanOrEqual(300);
  });
});

describe('failures in words', () => {
  it('translates fetch failures by their cause code, never their message', () => {
    expect(networkFailure(fetchFailed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })))).toBe('connection refused');
    // Node 20 tries IPv6 and IPv4: an AggregateError carries the codes.
    const both = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'agg'), { code: undefined });
    expect(networkFailure(fetchFailed(both))).toBe('connection refused');
    expect(networkFailure(fetchFailed({ code: 'ENOTFOUND' }))).toBe('host not found');
    expect(networkFailure(fetchFailed({ code: 'CERT_HAS_EXPIRED' }))).toBe('certificate expired');
    expect(networkFailure(fetchFailed({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe('self-signed certificate');
    expect(networkFailure(fetchFailed({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe('certificate does not match the host name');
    expect(networkFailure(fetchFailed({ code: 'UND_ERR_CONNECT_TIMEOUT' }))).toBe('connection timed out');
    expect(networkFailure(fetchFailed({ code: 'ECONNRESET' }))).toBe('connection reset by the server');
    expect(networkFailure(fetchFailed({ code: 'E_SOMETHING_NEW' }))).toBe('network error (E_SOMETHING_NEW)');
    expect(networkFailure(fetchFailed(new Error('secret-in-message')))).toBe('network error');
    expect(describeUpstreamError(fetchFailed({ code: 'CERT_HAS_EXPIRED' }))).toBe('certificate expired');
  });

  it('says a port the Fetch standard blocks is blocked, from the real fetch', async () => {
    const err = await fetch('http://127.0.0.1:9/').then(() => null, (e: unknown) => e);
    expect(networkFailure(err)).toMatch(/^port blocked for HTTP clients/);
  });

  it('never repeats what a parser quoted, and masks what it keeps', () => {
    let syntax: unknown;
    try {
      JSON.parse('<html>password=hunter2</html>');
    } catch (err) {
      syntax = err;
    }
    expect(describeUpstreamError(syntax)).toBe('the answer is not valid JSON');
    expect(describeUpstreamError(new Error('bad hunter2'), new Redactor().add('hunter2'))).toBe(`bad ${MASK}`);
  });

  it('takes an error code from an answer, never free text', () => {
    expect(errorCodeFrom('{"error":"invalid_client","error_description":"client secret s3cr3t is wrong"}')).toBe('invalid_client');
    expect(errorCodeFrom('[{"message":"Session expired","errorCode":"INVALID_SESSION_ID"}]')).toBe('INVALID_SESSION_ID');
    expect(errorCodeFrom('{"detail":"No active account found for password hunter2"}')).toBeNull();
    expect(errorCodeFrom('{"error":"has spaces, so it is text"}')).toBeNull();
    expect(errorCodeFrom('<html>oops</html>')).toBeNull();
  });
});

describe('HttpClient errors over the network', () => {
  let server: Server;
  let base: string;
  const TOKEN = 'tok_0123456789abcdef';
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url?.startsWith('/hang')) return; // never answered
        // An error answer that echoes the request, and puts the caller's token where an error code goes.
        res.writeHead(req.url?.startsWith('/boom') ? 500 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(req.headers.authorization ?? '').split(' ')[1], detail: `you sent ${req.headers.authorization} and ${body}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const client = (url: string, timeoutMs = 5000) => {
    const http = new HttpClient(url, { timeoutMs, maxRetries: 1, rateLimitPerMinute: 0, budgetMs: 30_000, backoffBaseMs: 1, backoffMaxMs: 2 });
    const auth: AuthProvider = { headers: async () => ({ authorization: `Bearer ${TOKEN}` }), refresh: async () => undefined };
    http.setAuth(auth);
    return http;
  };
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected a failure');
  };

  it('says status and path, never the body, and masks a token the server put in its error code', async () => {
    const http = client(base);
    const err = await failure(http.request({ method: 'POST', url: '/login/?key=abc', form: { password: 'hunter2' } }));
    expect(err.message).toBe(`400 from /login/ (${MASK})`);
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toMatch(/hunter2|tok_0123|you sent/);
    const retried = await failure(http.request({ url: '/boom/' }));
    expect(retried.message).toBe(`500 from /boom/ (${MASK}), 2 attempts`);
  });

  it('says "connection refused" for a closed port, "timeout after N s" for a silent server, "host not found" for a bad name', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect((await failure(client(`http://127.0.0.1:${port}`).request({ url: '/x' }))).message).toBe(`connection refused (127.0.0.1:${port}), 2 attempts`);
    expect((await failure(client(base, 200).request({ url: '/hang/' }))).message).toBe('timeout after 0.2 s (/hang/), 2 attempts');
    expect((await failure(client('http://lyra-test.invalid').request({ url: '/x' }))).message).toMatch(/^host not found.*\(lyra-test\.invalid\), 2 attempts$/);
  });
});
