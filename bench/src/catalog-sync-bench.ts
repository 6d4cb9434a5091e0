import type { ExternalSystemCreate } from '@lyra/contracts';
import { startXivaSimulator, XIVA_DEFAULT_CREDENTIALS, XIVA_V5_BASE, type XivaOptions } from '@lyra/simulators';
import { createContainer } from '@lyra/server/container';
import { getTableColumns } from 'drizzle-orm';
import { copyRows } from '@lyra/server/db/bulk-copy';
import { runMigrations, type Database } from '@lyra/server/db/client';
import { benchDatabase } from './bench-database.js';
import { products } from '@lyra/server/db/schema/index';
import { SYSTEM_ACTOR } from '@lyra/server/modules/auth/permissions';
import { createProductsRepository, type NewProductRow } from '@lyra/server/modules/products/products.repository';
import { fmt } from './stats.js';

const PAGE = 1000;

/** An empty, migrated database of its own: PGlite in a temporary folder, or a throwaway database on the server of `databaseUrl`. */
async function freshDatabase(databaseUrl: string | undefined) {
  const { database, dispose } = await benchDatabase(databaseUrl, { prefix: 'lyra-sync-bench' });
  await runMigrations(database);
  return { database, dispose };
}

/** Baseline (a): page through the simulator's productOffering list and parse the JSON, nothing else. */
async function pageAndParse(url: string): Promise<{ ms: number; items: number }> {
  const t0 = performance.now();
  const login = await fetch(`${url}/api/auth/jwt/create/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(XIVA_DEFAULT_CREDENTIALS) });
  const { access } = (await login.json()) as { access: string };
  let items = 0;
  for (let offset = 0; ; offset += PAGE) {
    const res = await fetch(`${url}${XIVA_V5_BASE}productOffering/?offset=${offset}&limit=${PAGE}`, { headers: { authorization: `JWT ${access}` } });
    if (res.status === 416) break;
    const page = JSON.parse(await res.text()) as unknown[];
    items += page.length;
    if (page.length < PAGE) break;
  }
  return { ms: performance.now() - t0, items };
}

/**
 * Baseline (b): COPY the same mapped rows into an empty products table, in the sync's page size
 * (one COPY per page, as the sync writes a page per transaction): the speed of the database.
 */
async function bulkCopy(rows: NewProductRow[], databaseUrl: string | undefined): Promise<number> {
  const { database, dispose } = await freshDatabase(databaseUrl);
  try {
    const table = getTableColumns(products);
    const keys = Object.keys(rows[0] ?? {}) as (keyof NewProductRow & keyof typeof table)[];
    const columns = keys.map((k) => ({ name: table[k].name, type: table[k].getSQLType() }));
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += PAGE) {
      await copyRows(database.db, 'products', columns, rows.slice(i, i + PAGE).map((r) => keys.map((k) => r[k] as never)));
    }
    return performance.now() - t0;
  } finally {
    await dispose();
  }
}

/** The former baseline (b), multi-row INSERTs of the same rows: printed on request (`--insert-baseline`) for comparison. */
async function bulkInsert(rows: NewProductRow[], databaseUrl: string | undefined): Promise<number> {
  const { database, dispose } = await freshDatabase(databaseUrl);
  try {
    const repo = createProductsRepository(database.db, database.executeSql);
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += PAGE) await repo.insertMany(rows.slice(i, i + PAGE));
    return performance.now() - t0;
  } finally {
    await dispose();
  }
}

async function readMappedRows(database: Database): Promise<NewProductRow[]> {
  const repo = createProductsRepository(database.db, database.executeSql);
  const out: NewProductRow[] = [];
  for await (const rows of repo.iterate({}, 'external_product_id', 5000)) {
    for (const { id: _id, createdAt: _c, updatedAt: _u, ...rest } of rows) out.push(rest);
  }
  return out;
}

/** `npm run bench -- catalog-sync [--items 100000] [--database-url postgres://...] [--insert-baseline]` */
export async function runCatalogSyncBench(args: string[]) {
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
  };
  const items = Number(opt('items', '100000'));
  const databaseUrl = opt('database-url', '') || undefined;
  const sim = await startXivaSimulator({ items, seed: 1 });
  const { database, dispose } = await freshDatabase(databaseUrl);
  try {
    const c = createContainer(database, { sessionTtlHours: 1 });
    const system = await c.externalSystems.create(SYSTEM_ACTOR, xivaSystem(sim.url));
    const sync = async (mode: 'full' | 'incremental') => {
      const run = await c.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode, force: false }, { inline: true });
      const t0 = performance.now();
      await c.syncEngine.execute(run.id);
      const ms = performance.now() - t0;
      return { ms, run: await c.sync.get(run.id) };
    };

    const paging = await pageAndParse(sim.url);
    console.log(`catalog-sync: ${items} offerings; baseline (a) paging+parse: ${fmt(paging.ms / 1000, 2)}s (${paging.items} items)`);
    const full = await sync('full');
    console.log(`full sync: ${fmt(full.ms / 1000, 2)}s status=${full.run.status} ${JSON.stringify(full.run.counts)}`);
    const rows = await readMappedRows(database);
    const copyMs = await bulkCopy(rows, databaseUrl);
    console.log(`baseline (b) COPY of ${rows.length} mapped rows: ${fmt(copyMs / 1000, 2)}s`);
    if (args.includes('--insert-baseline')) {
      const insertMs = await bulkInsert(rows, databaseUrl);
      console.log(`  (former baseline: multi-row INSERT of the same rows: ${fmt(insertMs / 1000, 2)}s = ${fmt(insertMs / copyMs, 1)}x the COPY)`);
    }
    const ratio = full.ms / (paging.ms + copyMs);
    console.log(`catalog-sync.full  time=${fmt(full.ms / 1000, 2)}s  a+b=${fmt((paging.ms + copyMs) / 1000, 2)}s  ratio=${fmt(ratio, 2)} (target <= 1.5)`);

    const changed = sim.store.change(Math.round(items / 100));
    const inc = await sync('incremental');
    const writes = inc.run.counts.created + inc.run.counts.updated + inc.run.counts.retired;
    console.log(`catalog-sync.incremental (1% = ${changed.length} changed)  time=${fmt(inc.ms / 1000, 2)}s  share of full=${fmt((inc.ms / full.ms) * 100, 1)}% (target <= 10%)  writes=${writes} (target = ${changed.length})  read=${inc.run.progress.items_read} status=${inc.run.status}`);

    // The same catalog (same seed and size) from a server that sends no X-Total-Count: paging must
    // find the end by itself, into an empty database like the first full sync.
    const noCount = await fullSyncOf({ items, seed: 1, totalCount: 'none' }, databaseUrl);
    console.log(`catalog-sync.full-no-count  time=${fmt(noCount.ms / 1000, 2)}s  vs full with counts=${fmt(noCount.ms / full.ms, 2)}x  read=${noCount.run.progress.items_read} created=${noCount.run.counts.created} status=${noCount.run.status}`);
  } finally {
    await dispose();
    await sim.close();
  }
}

/** One full sync of a fresh simulator into a fresh database. */
async function fullSyncOf(options: XivaOptions, databaseUrl: string | undefined) {
  const sim = await startXivaSimulator(options);
  const { database, dispose } = await freshDatabase(databaseUrl);
  try {
    const c = createContainer(database, { sessionTtlHours: 1 });
    const system = await c.externalSystems.create(SYSTEM_ACTOR, xivaSystem(sim.url));
    const run = await c.sync.start(SYSTEM_ACTOR, { external_system_id: system.id, mode: 'full', force: false }, { inline: true });
    const t0 = performance.now();
    await c.syncEngine.execute(run.id);
    const ms = performance.now() - t0;
    return { ms, run: await c.sync.get(run.id) };
  } finally {
    await dispose();
    await sim.close();
  }
}

function xivaSystem(simUrl: string): ExternalSystemCreate {
  return {
    name: 'Xiva', system_type: 'xiva', base_url: `${simUrl}/api`, api_version: 'v5', auth: { type: 'jwt', username: XIVA_DEFAULT_CREDENTIALS.email, secret: XIVA_DEFAULT_CREDENTIALS.password },
    default_currency: null, timeout_ms: 60_000, max_retries: 3, rate_limit_per_minute: 0, is_active: true, sync_frequency: 'manual', sync_interval_days: null, sync_cron: null, full_sync_every: 1, retire_guard_percent: 20,
  };
}
