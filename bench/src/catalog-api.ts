import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '@lyra/server/app';
import { createContainer } from '@lyra/server/container';
import { openDatabase, runMigrations } from '@lyra/server/db/client';
import { SYSTEM_ACTOR } from '@lyra/server/modules/auth/permissions';
import { createProductsRepository } from '@lyra/server/modules/products/products.repository';
import { syntheticProducts } from './catalog-data.js';
import { fmt, load, printLoad, type LoadResult } from './stats.js';

const QUERIES: [string, string][] = [
  ['list default (name order)', '/api/loyalty/v1/products/?limit=50'],
  ['type+active, order -price', '/api/loyalty/v1/products/?product_type=data&is_active=true&ordering=-price&limit=50'],
  ['system+category', '/api/loyalty/v1/products/?external_system=xiva&category=Roaming&limit=50'],
  ['segment+customer_value', '/api/loyalty/v1/products/?segment=youth&customer_value=150&limit=50'],
  ['price band, order price', '/api/loyalty/v1/products/?min_price=50&max_price=200&ordering=price&limit=50'],
  ['status=active + type, page 20', '/api/loyalty/v1/products/?status=active&product_type=bundle&limit=50&offset=1000'],
  ['search "roaming pass"', '/api/loyalty/v1/products/?search=roaming%20pass&limit=50'],
  ['available for youth/120/data', '/api/loyalty/v1/products/available/?segment=youth&customer_value=120&product_type=data&limit=50'],
];

/** `npm run bench -- catalog-api [--products 100000] [--seconds 10] [--connections 20] [--database-url postgres://...]` */
export async function run(args: string[]) {
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const n = Number(opt('products', '100000'));
  const seconds = Number(opt('seconds', '10'));
  const connections = Number(opt('connections', '20'));
  const databaseUrl = opt('database-url', '') || undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'lyra-bench-'));
  const database = await openDatabase({ databaseUrl, dataDir: dir });
  try {
    await runMigrations(database);
    const container = createContainer(database, { sessionTtlHours: 1 });
    const t0 = performance.now();
    const rows = syntheticProducts(n);
    // Straight into the table (no audit entry per product): the benchmark measures reads, not the load.
    const products = createProductsRepository(database.db);
    for (let i = 0; i < rows.length; i += 2000) await products.insertMany(rows.slice(i, i + 2000));
    await database.executeSql('ANALYZE products');
    console.log(`catalog-api: ${n} products loaded into ${database.kind} in ${fmt((performance.now() - t0) / 1000)}s`);

    await container.users.create(SYSTEM_ACTOR, { email: 'bench@lyra.local', name: 'Bench', password: 'bench-password-1', role: 'viewer', is_active: true });
    const { token } = await container.auth.login('bench@lyra.local', 'bench-password-1', null, 'bench');
    const headers = { authorization: `Bearer ${token}` };

    let fixed: unknown = null;
    const app = await buildApp({
      container,
      config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent' },
      // The baseline: the same server answering a fixed JSON document of the same size, no database.
      extraRoutes: [(a) => a.get('/bench/fixed', () => fixed)],
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const first = await fetch(`${address}${QUERIES[0]![1]}`, { headers });
    const body = await first.text();
    fixed = JSON.parse(body);
    console.log(`list answer: ${body.length} bytes, ${(fixed as { results: unknown[] }).results.length} items; ${seconds}s per run, ${connections} connections\n`);

    // Warm-up (JIT, caches, connection setup) before anything is measured.
    await load('warm-up', `${address}/bench/fixed`, { connections, seconds: 2 });
    for (const [, url] of QUERIES) await load('warm-up', `${address}${url}`, { connections, seconds: 1, headers });
    const baseline = await load('baseline: fixed JSON, same size', `${address}/bench/fixed`, { connections, seconds });
    printLoad(baseline);
    const results: LoadResult[] = [];
    for (const [label, url] of QUERIES) {
      const r = await load(label, `${address}${url}`, { connections, seconds, headers });
      results.push(r);
      printLoad(r, baseline);
    }
    const worstRatio = Math.min(...results.map((r) => r.reqPerSec / baseline.reqPerSec));
    const worstP99 = Math.max(...results.map((r) => r.p99));
    const filtered = results.slice(1);
    console.log(`\ncatalog-api summary: min ratio=${fmt(worstRatio, 2)} (target >= 0.3), max p99=${fmt(worstP99)}ms (target < 50ms), filtered lists mean req/s=${fmt(filtered.reduce((s, r) => s + r.reqPerSec, 0) / filtered.length, 0)}`);
    await app.close();
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
