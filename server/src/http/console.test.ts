import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers.js';
import { buildApp } from '../app.js';
import { createContainer } from '../container.js';
import type { App } from './types.js';

/** The console as the server hands it out: deep links, long-cached assets, and a rebuild while running. */
describe('console files', () => {
  let app: App;
  let dist: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dist = mkdtempSync(path.join(tmpdir(), 'lyra-dist-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><script src="/assets/app-1.js"></script>');
    writeFileSync(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
    const database = await createTestDatabase();
    app = await buildApp({ container: createContainer(database, { sessionTtlHours: 1 }), config: { logLevel: 'silent', cookieSecure: false, webDist: dist } });
    await app.ready();
    close = async () => {
      await app.close();
      await database.dispose();
      rmSync(dist, { recursive: true, force: true });
    };
  });
  afterAll(() => close());

  it('answers deep links with index.html, uncached', async () => {
    for (const url of ['/', '/customers/SUB-1', '/ml/propensity_to_buy/versions/2?tab=roc']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('/assets/app-1.js');
    }
  });

  it('serves hashed assets as immutable, and files of a rebuild made while running', async () => {
    const res = await app.inject({ url: '/assets/app-1.js' });
    expect([res.statusCode, res.body]).toEqual([200, 'console.log(1)']);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    writeFileSync(path.join(dist, 'assets', 'app-2.js'), 'console.log(2)');
    expect((await app.inject({ url: '/assets/app-2.js' })).body).toBe('console.log(2)');
  });

  it('answers a missing asset or file with 404, never with index.html under its name', async () => {
    for (const url of ['/assets/app-0.js', '/assets/style-9.css', '/favicon-missing.png']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    // API paths never fall back to the console: a path no route matches is 404 in the envelope, signed in or not.
    const api = await app.inject({ url: '/api/loyalty/v1/no-such-thing/' });
    expect([api.statusCode, api.json().error.code]).toEqual([404, 'not_found']);
  });
});
