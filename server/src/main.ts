import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createContainer } from './container.js';
import { openDatabase, runMigrations } from './db/client.js';
import { SYSTEM_ACTOR } from './modules/auth/permissions.js';
import { seedDemoCatalog } from './modules/demo/demo.service.js';

/** Starts Lyra: database + migrations, first admin, demo data, HTTP API and console. */
async function main() {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await runMigrations(database);
  const container = createContainer(database, config);

  const admin = await container.users.ensureInitialAdmin(SYSTEM_ACTOR, config.adminEmail, config.adminPassword);
  if (admin?.generatedPassword) {
    console.log(`\n  First start: created admin ${admin.email} with password ${admin.generatedPassword}\n  (shown once; change it under Admin -> Users)\n`);
  } else if (admin) {
    console.log(`First start: created admin ${admin.email}`);
  }
  if (config.demo) {
    const n = await seedDemoCatalog({ products: container.products });
    if (n) console.log(`Demo data: loaded ${n} catalog products`);
  }

  const app = await buildApp({ container, config });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  console.log(`Lyra is running on http://localhost:${config.port} (database: ${database.kind}${database.kind === 'pglite' ? ` in ${config.dataDir}` : ''})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  if (err instanceof Error && err.stack && !err.message.startsWith('Invalid configuration')) console.error(err.stack);
  process.exit(1);
});
