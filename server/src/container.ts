import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppConfig } from './config.js';
import type { Database, DbOrTx } from './db/client.js';
import { createUnitOfWork } from './db/unit-of-work.js';
import { jobsUnavailable, type Jobs } from './jobs/runner.js';
import type { LogFn } from './lib/log.js';
import { createSecretBox, type SecretBox } from './lib/secrets.js';
import { createAuditRepository } from './modules/audit/audit.repository.js';
import { createAuditService } from './modules/audit/audit.service.js';
import { createAuthRepository } from './modules/auth/auth.repository.js';
import { createAuthService } from './modules/auth/auth.service.js';
import type { LoginThrottlePolicy } from './modules/auth/login-throttle.js';
import { defaultConnectorRegistry } from './modules/catalog-sync/connectors/index.js';
import type { ConnectorRegistry } from './modules/catalog-sync/connectors/registry.js';
import { createExternalSystemsRepository } from './modules/catalog-sync/external-systems.repository.js';
import { createExternalSystemsService } from './modules/catalog-sync/external-systems.service.js';
import { createSyncProductsRepository } from './modules/catalog-sync/sync-products.repository.js';
import { createSyncRunsRepository } from './modules/catalog-sync/sync-runs.repository.js';
import { createSyncEngine, type SyncEngineDeps } from './modules/catalog-sync/sync.engine.js';
import { createSyncService } from './modules/catalog-sync/sync.service.js';
import { createCampaignsRepository } from './modules/campaigns/campaigns.repository.js';
import { createCampaignsService } from './modules/campaigns/campaigns.service.js';
import { createAudiencePreview, PREVIEW_SLICES } from './modules/campaigns/audience/audience-preview.js';
import { createCampaignPreview } from './modules/campaigns/audience/campaign-preview.js';
import { createLaunchRepository } from './modules/campaigns/launch/launch.repository.js';
import { createLaunchService } from './modules/campaigns/launch/launch.service.js';
import { createResultsRepository } from './modules/campaigns/results/results.repository.js';
import { createResultsService } from './modules/campaigns/results/results.service.js';
import { withResponseAttribution } from './modules/campaigns/results/response-attribution.js';
import { createCustomersImport } from './modules/customers/customers.import.js';
import { createCustomersRepository } from './modules/customers/customers.repository.js';
import { createCustomersService } from './modules/customers/customers.service.js';
import { createAvailableCatalog } from './modules/ml/features/available-catalog.js';
import { createFeaturesRepository } from './modules/ml/features/features.repository.js';
import { createMlRepository } from './modules/ml/ml.repository.js';
import type { MlServices } from './modules/ml/ml.services.js';
import { createPredictionsService } from './modules/ml/predictions.service.js';
import { createRegistryService } from './modules/ml/registry.service.js';
import { createModelCache } from './modules/ml/scoring/loaded-model.js';
import { createScoringRun } from './modules/ml/scoring/scoring-run.js';
import { createTrainingRun } from './modules/ml/training/training-run.js';
import { createOfferGroupsRepository } from './modules/products/offer-groups.repository.js';
import { createOfferGroupsService } from './modules/products/offer-groups.service.js';
import { createProductsCsv } from './modules/products/products.csv.js';
import { createProductsRepository } from './modules/products/products.repository.js';
import { createProductsService } from './modules/products/products.service.js';
import { createSegmentsRepository } from './modules/segments/segments.repository.js';
import { createSegmentsService } from './modules/segments/segments.service.js';
import { createUsersRepository } from './modules/users/users.repository.js';
import { createUsersService } from './modules/users/users.service.js';

export interface ContainerOptions extends Pick<AppConfig, 'sessionTtlHours'> {
  /** Sign-in throttling; tests shorten the delays or inject a clock. */
  loginThrottle?: Partial<LoginThrottlePolicy>;
  secrets?: SecretBox;
  connectors?: ConnectorRegistry;
  log?: LogFn;
  httpOverrides?: SyncEngineDeps['httpOverrides'];
  /** pg-boss, opened before the container (see jobs/runner.ts); without it, sending a job answers 503. */
  jobs?: Jobs;
  /** Largest partition of a batch scoring run (scoring-run.ts PARTITION_SIZE by default; runs aim at 8 partitions or more). */
  mlScoringPartitionSize?: number;
  /** Succeeded scoring runs per model whose scores are kept (SCORE_RUNS_KEPT by default). */
  mlScoreRunsKept?: number;
  /** On PostgreSQL, previews of a subscriber table from this many rows are split in slices (audience-preview.ts SLICE_FROM_ROWS by default; tests set 0). */
  previewSliceFromRows?: number;
}

/** Repositories and services wired once; HTTP routes, jobs and CLIs all use the same ones. */
export function createContainer(database: Database, opts: ContainerOptions) {
  const { db } = database;
  const log = opts.log ?? (() => undefined);
  // Catalog, subscribers and accounts: their repositories on the database (the catalog version read
  // through the raw driver), and bound to a unit of work's transaction.
  const coreOn = (h: DbOrTx, executeSql?: Database['executeSql']) => ({
    products: createProductsRepository(h, executeSql), offerGroups: createOfferGroupsRepository(h), customers: createCustomersRepository(h),
    users: createUsersRepository(h), auth: createAuthRepository(h), audit: createAuditRepository(h),
  });
  const core = coreOn(db, database.executeSql);
  const coreUow = createUnitOfWork(db, (h) => coreOn(h));
  const productsRepo = core.products;
  const customersRepo = core.customers;
  const offerGroups = createOfferGroupsService({ groups: core.offerGroups, products: core.products, uow: coreUow });
  // Tests and tools without a configured key get an ephemeral one: secrets stay encrypted at rest.
  const secrets = opts.secrets ?? createSecretBox(randomBytes(32));
  const connectors = opts.connectors ?? defaultConnectorRegistry();
  const queueOn: Jobs['queueOn'] = opts.jobs ? opts.jobs.queueOn : () => jobsUnavailable;

  // Catalog sync's repositories and job queue, on the database or bound to a unit of work's transaction.
  const catalogSyncOn = (h: DbOrTx) => ({
    runs: createSyncRunsRepository(h), systems: createExternalSystemsRepository(h), syncProducts: createSyncProductsRepository(h),
    audit: createAuditRepository(h), jobs: queueOn(h),
  });
  const catalogSyncRepos = catalogSyncOn(db);
  const catalogSyncUow = createUnitOfWork(db, catalogSyncOn);
  const engine = createSyncEngine({
    ...catalogSyncRepos,
    uow: catalogSyncUow,
    connectors,
    secrets,
    owner: `${hostname()}:${process.pid}`,
    bumpCatalogVersion: () => productsRepo.bumpCatalogVersion(),
    log,
    ...(opts.httpOverrides && { httpOverrides: opts.httpOverrides }),
  });
  const sync = createSyncService({ ...catalogSyncRepos, uow: catalogSyncUow, log });

  // ML: the registry, training and scoring runs, predictions. A version or a scoring run is written
  // with its job, and an activation with its audit entry, through the unit of work.
  const mlOn = (h: DbOrTx) => ({ ml: createMlRepository(h), audit: createAuditRepository(h), jobs: queueOn(h) });
  const mlUow = createUnitOfWork(db, mlOn);
  const mlRepo = createMlRepository(db);
  const mlFeatures = createFeaturesRepository(db);
  const mlCatalog = createAvailableCatalog(productsRepo, mlFeatures);
  const mlRegistry = createRegistryService({ ml: mlRepo, uow: mlUow, models: createModelCache((id) => mlRepo.findVersionById(id)) });
  const mlScoring = createScoringRun({
    ml: mlRepo, features: mlFeatures, registry: mlRegistry, uow: mlUow,
    worker: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    ...(opts.mlScoringPartitionSize !== undefined && { partitionSize: opts.mlScoringPartitionSize }),
    ...(opts.mlScoreRunsKept !== undefined && { scoreRunsKept: opts.mlScoreRunsKept }),
  });
  const ml: MlServices = {
    registry: mlRegistry,
    training: createTrainingRun({ ml: mlRepo, features: mlFeatures, uow: mlUow, registry: mlRegistry, scoring: mlScoring, log }),
    scoring: mlScoring,
    predictions: createPredictionsService({ registry: mlRegistry, features: mlFeatures, catalog: mlCatalog, customers: customersRepo, ml: mlRepo }),
  };

  // Campaigns and the managed segment list: a status change, edit or version is written with its audit entry.
  const campaignsOn = (h: DbOrTx) => ({ campaigns: createCampaignsRepository(h), segments: createSegmentsRepository(h), audit: createAuditRepository(h) });
  const campaignsRepos = campaignsOn(db);
  const campaignsUow = createUnitOfWork(db, campaignsOn);
  const segments = createSegmentsService({ segments: campaignsRepos.segments, uow: campaignsUow });
  const products = createProductsService({ products: core.products, uow: coreUow, groups: offerGroups, segments, offeredBy: campaignsRepos.campaigns });
  // Campaign results: responses attributed with their audit entry, per campaign in one transaction.
  const campaignResults = createResultsService({
    results: createResultsRepository(db), campaigns: campaignsRepos.campaigns,
    uow: createUnitOfWork(db, (h) => ({ results: createResultsRepository(h), audit: createAuditRepository(h) })), log,
  });
  const campaigns = createCampaignsService({ campaigns: campaignsRepos.campaigns, uow: campaignsUow, products, segments, uplift: campaignResults, log });
  const audiences = createAudiencePreview(db, database.helpers
    ? { slicing: { db: database.helpers, slices: PREVIEW_SLICES, ...(opts.previewSliceFromRows !== undefined && { minRows: opts.previewSliceFromRows }) } }
    : {});
  const campaignPreview = createCampaignPreview({ campaigns: campaignsRepos.campaigns, audiences });
  // Launch: each page of the snapshot and contacts in one transaction with the campaign row locked; the request queues its job in its transaction.
  const launchOn = (h: DbOrTx) => ({ campaigns: createCampaignsRepository(h), launch: createLaunchRepository(h), audit: createAuditRepository(h), jobs: queueOn(h) });
  const campaignLaunch = createLaunchService({ uow: createUnitOfWork(db, launchOn), launch: createLaunchRepository(db), campaigns, log });

  return {
    database,
    auditLog: createAuditService({ audit: core.audit }),
    // Whether this instance can send jobs (pg-boss opened); working them is a separate choice (JOBS=1).
    jobsAvailable: opts.jobs !== undefined,
    secrets,
    auth: createAuthService({
      auth: core.auth, audit: core.audit, uow: coreUow, sessionTtlHours: opts.sessionTtlHours, ...(opts.loginThrottle && { throttle: opts.loginThrottle }),
    }),
    users: createUsersService({ users: core.users, uow: coreUow }),
    products,
    offerGroups,
    productsCsv: createProductsCsv({ products: core.products, uow: coreUow }),
    customers: createCustomersService({ customers: core.customers }),
    customersImport: withResponseAttribution(createCustomersImport({ customers: core.customers, uow: coreUow, segments }), campaignResults.attributeAll),
    externalSystems: createExternalSystemsService({
      systems: catalogSyncRepos.systems, uow: catalogSyncUow, secrets, connectors, engine, onSystemsChanged: () => productsRepo.bumpCatalogVersion(),
    }),
    sync,
    syncEngine: engine,
    connectors,
    ml,
    segments,
    campaigns,
    audiences,
    campaignPreview,
    campaignLaunch,
    campaignResults,
  };
}
export type Container = ReturnType<typeof createContainer>;
