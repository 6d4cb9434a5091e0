import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { OneLinePerRequest, redactedUrl } from './request-log.js';

async function appLogging(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ logger: { level, stream }, logController: new OneLinePerRequest() });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/things/:id', async () => ({ ok: true }));
  app.get('/assets/*', async () => 'js');
  app.post('/api/fail', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return { app, lines: () => lines.filter((l) => l.msg === 'request' || l.msg === 'request errored') };
}

describe('request log', () => {
  it('writes one info line per API request with method, url, route, status, duration and request id', async () => {
    const { app, lines } = await appLogging('info');
    await app.inject({ url: '/api/things/42?page=2&token=s3cret' });
    await app.inject({ method: 'POST', url: '/api/fail', payload: {} });
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/assets/index-abc.js' });
    await app.close();

    // Health checks and static files are below info; nothing says "incoming request".
    expect(lines()).toHaveLength(2);
    const [get, failed] = lines();
    expect(get).toMatchObject({ level: 30, method: 'GET', url: '/api/things/42?page=2&token=***', route: '/api/things/:id', status: 200 });
    expect(typeof get!.duration_ms).toBe('number');
    expect(typeof get!.reqId).toBe('string');
    expect(failed).toMatchObject({ method: 'POST', route: '/api/fail', status: 500 });
  });

  it('writes health checks and console files at debug', async () => {
    const { app, lines } = await appLogging('debug');
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/assets/index-abc.js' });
    await app.inject({ url: '/nothing-here' });
    await app.close();
    expect(lines().map((l) => [l.level, l.url, l.status])).toEqual([[20, '/healthz', 200], [20, '/assets/index-abc.js', 200], [30, '/nothing-here', 404]]);
  });

  it('hides the values of secret-looking query parameters only', () => {
    expect(redactedUrl('/api/x')).toBe('/api/x');
    expect(redactedUrl('/api/x?q=phone&api_key=abc&Password=p&access%5Ftoken=t&code=c&flag')).toBe('/api/x?q=phone&api_key=***&Password=***&access%5Ftoken=***&code=***&flag');
  });
});
