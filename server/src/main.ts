import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createContainer } from './container.js';
import { openDatabase, runMigrations } from './db/client.js';
import { ALL_JOBS, jobWorkers } from './jobs/index.js';
import { openJobs } from './jobs/runner.js';
import { createHeapRelease } from './lib/heap-release.js';
import { acquireLock } from './lib/instance-lock.js';
import { consoleLog } from './lib/log.js';
import { recordJobOutcome } from './lib/metrics.js';
import { createSecretBox, loadOrCreateKey } from './lib/secrets.js';
import { SYSTEM_ACTOR } from './modules/auth/permissions.js';
import { seedDemoCatalog } from './modules/demo/demo.service.js';
import { seedDemoCustomers } from './modules/customers/customers.seed.js';
import { ensureDemoCampaigns } from './modules/demo/demo-campaigns.js';
import { ensureDemoSystems } from './modules/demo/demo-systems.js';
import { ensureDemoModels } from './modules/ml/ml.demo.js';

/** Starts Lyra: database + migrations, first admin, demo data and simulators, jobs, HTTP API and console. */
async function main() {
  const config = loadConfig();
  const log = consoleLog(config.logLevel);
  const releaseLock = config.databaseUrl ? () => undefined : acquireLock(config.dataDir);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await runMigrations(database);
  const key = loadOrCreateKey({ secretKey: config.secretKey, dataDir: config.dataDir });
  // Every instance can send jobs (an API-only instance queues syncs and trainings); JOBS=1 ones also work them.
  const jobs = await openJobs(database, ALL_JOBS, { schedule: config.jobs, log, onOutcome: recordJobOutcome });
  const container = createContainer(database, {
    sessionTtlHours: config.sessionTtlHours, secrets: createSecretBox(key.key), log, jobs,
    ...(config.mlScoringPartitionSize !== undefined && { mlScoringPartitionSize: config.mlScoringPartitionSize }),
    ...(config.mlScoreRunsKept !== undefined && { mlScoreRunsKept: config.mlScoreRunsKept }),
  });

  const admin = await container.users.ensureInitialAdmin(SYSTEM_ACTOR, config.adminEmail, config.adminPassword);
  if (admin?.generatedPassword) {
    console.log(`\n  First start: created admin ${admin.email} with password ${admin.generatedPassword}\n  (shown once; change it under Admin -> Users)\n`);
  } else if (admin) {
    console.log(`First start: created admin ${admin.email}`);
  }

  let closeSimulators: (() => Promise<void>) | null = null;
  if (config.demo) {
    const n = await seedDemoCatalog({ products: container.products });
    if (n) console.log(`Demo data: loaded ${n} catalog products`);
    if (config.simulators) {
      const { startAllSimulators } = await import('@lyra/simulators');
      const sims = await startAllSimulators({
        port: config.simulatorPort, host: '127.0.0.1', seed: 7, currency: 'SAR',
        xiva: { items: 400, faults: { latencyMs: 40 } }, crm: { items: 150, faults: { latencyMs: 40 } }, billing: { items: 120, faults: { latencyMs: 40 } },
      });
      closeSimulators = sims.close;
      const created = await ensureDemoSystems(container.externalSystems, sims);
      console.log(`Simulators: Xiva ${sims.xiva.url}, CRM ${sims.crm.url}, Billing ${sims.billing.url}${created.length ? ` (configured: ${created.map((c) => c.name).join(', ')})` : ''}`);
      // A newcomer's first look includes products from all three systems, and the demo subscribers
      // hold and buy from that whole catalog: the first syncs run here, before subscribers are generated.
      for (const system of created) {
        const run = await container.sync.start({ ...SYSTEM_ACTOR, email: 'demo' }, { external_system_id: system.id, mode: 'full', force: false }, { inline: true });
        await container.syncEngine.execute(run.id);
        const done = await container.sync.get(run.id);
        console.log(`Demo data: first sync of ${system.name}: ${done.status}, ${done.counts.created} products`);
      }
      if (created.length) await container.offerGroups.match();
    }
    const subscribers = await seedDemoCustomers(container, { customers: 3000, seed: 1 });
    if (subscribers) console.log(`Demo data: generated ${subscribers} subscribers with usage, bills, purchases and campaign contacts`);
  }

  // Segments the data uses that the managed list lacks (data loaded by other means than Lyra's imports).
  await container.segments.syncFromData();

  if (config.demo) {
    // Two example campaigns (one running with results, one draft) once the subscribers exist; a
    // failure here leaves the demo without them rather than Lyra without a start.
    try {
      const demo = await ensureDemoCampaigns(container);
      if (demo) {
        console.log('Demo data: a running campaign with results and a draft campaign');
        for (const u of demo.users) console.log(`  Demo user ${u.email} (${u.role}) with password ${u.password} (shown once)`);
      }
    } catch (err) {
      console.error(`Demo data: example campaigns not created: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Jobs (syncs, trainings, scoring) leave garbage in the API thread's heap: collected once they are quiet.
  const heapRelease = createHeapRelease();
  if (config.jobs) {
    await jobs.work(heapRelease.track(jobWorkers(container)));
    // A run left "running" by a killed process is failed now; a slot missed while down runs once now.
    const recovered = await container.sync.recover({ singleProcess: database.kind === 'pglite' });
    if (recovered.failed) console.log(`Marked ${recovered.failed} interrupted sync run(s) as failed`);
    await container.sync.tick(SYSTEM_ACTOR);
    if (config.demo && config.demoModels) {
      // Scores to look at from the first minutes: each never-trained model gets a first version,
      // trained by the job runner in the background; the first ready version goes live by itself.
      const queued = await ensureDemoModels(container);
      if (queued.length) console.log(`Demo data: training ${queued.map((v) => v.model).join(', ')} in the background (see ML in the console)`);
    }
  }

  const app = await buildApp({ container, config });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await jobs.stop();
    heapRelease.stop();
    await closeSimulators?.();
    await database.close();
    releaseLock();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  console.log(`Lyra is running on http://localhost:${config.port} (database: ${database.kind}${database.kind === 'pglite' ? ` in ${config.dataDir}` : ''}; secrets key: ${key.source === 'LYRA_SECRET_KEY' ? 'LYRA_SECRET_KEY' : 'key file in DATA_DIR'})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  if (err instanceof Error && err.stack && !err.message.startsWith('Invalid configuration')) console.error(err.stack);
  process.exit(1);
});
