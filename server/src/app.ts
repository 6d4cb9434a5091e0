import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppConfig } from './config.js';
import type { Container } from './container.js';
import { registerAuth } from './http/auth.plugin.js';
import { registerCsrfProtection } from './http/csrf.plugin.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling, sendError } from './http/errors.plugin.js';
import { registerInputGuard } from './http/input-guard.js';
import { registerMetrics } from './http/metrics.plugin.js';
import { OneLinePerRequest } from './http/request-log.js';
import { registerResponseCache } from './http/response-cache.plugin.js';
import type { App } from './http/types.js';
import { createMetrics } from './lib/metrics.js';
import { registerAuditRoutes } from './modules/audit/audit.routes.js';
import { registerAuthRoutes } from './modules/auth/auth.routes.js';
import { registerAudienceRoutes } from './modules/campaigns/audience/audience.routes.js';
import { registerCampaignRoutes } from './modules/campaigns/campaigns.routes.js';
import { registerLaunchRoutes } from './modules/campaigns/launch/launch.routes.js';
import { registerCampaignResultsRoutes } from './modules/campaigns/results/results.routes.js';
import { registerCatalogSyncRoutes } from './modules/catalog-sync/catalog-sync.routes.js';
import { registerCustomerRoutes } from './modules/customers/customers.routes.js';
import { registerHealthRoutes } from './modules/health/health.routes.js';
import { registerMlRoutes } from './modules/ml/ml.routes.js';
import { registerOfferGroupRoutes } from './modules/products/offer-groups.routes.js';
import { registerProductRoutes } from './modules/products/products.routes.js';
import { registerSegmentRoutes } from './modules/segments/segments.routes.js';
import { registerUserRoutes } from './modules/users/users.routes.js';

export interface BuildAppOptions {
  container: Container;
  config: Pick<AppConfig, 'logLevel' | 'cookieSecure' | 'webDist'> & Partial<Pick<AppConfig, 'trustedOrigins' | 'trustProxy' | 'metricsToken' | 'metricsPort' | 'metricsHost'>>;
  /** Extra route registrations (later modules, benchmarks). */
  extraRoutes?: ((app: App) => void)[];
}

export const API_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP app without listening, so tests drive it through inject(). */
export async function buildApp(opts: BuildAppOptions): Promise<App> {
  const { container: c, config } = opts;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // One line per request (Fastify writes two), health checks and console files at debug.
    logController: new OneLinePerRequest(),
    bodyLimit: API_BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
    // A hop count trusts that many proxies in front (what proxy-addr does with a number).
    trustProxy: typeof config.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (config.trustProxy as number)) : (config.trustProxy ?? false),
    ajv: undefined,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addContentTypeParser(['text/csv', 'text/plain', 'application/csv'], { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.addHook('onSend', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });

  registerMetrics(app, createMetrics({ database: c.database }), { token: config.metricsToken, port: config.metricsPort, host: config.metricsHost ?? '127.0.0.1' });
  registerErrorHandling(app);
  registerInputGuard(app);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Element Plus and ECharts set inline style attributes.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
    hsts: config.cookieSecure,
  });
  await app.register(cookie);
  registerCsrfProtection(app, { trustedOrigins: config.trustedOrigins ?? [] });
  registerAuth(app, c.auth);
  registerResponseCache(app, {
    catalog: c.products.catalogVersion,
    // "available" depends on the clock too (validFor): the minute is part of its version.
    'catalog-now': async () => `${await c.products.catalogVersion()}@${new Date().toISOString().slice(0, 16)}`,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Lyra loyalty API', version: '1.0.0', description: 'Catalog, external systems, sync, customers and ML scoring for telecom CVM.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'lyra_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false, uiConfig: { url: '/api/openapi.json' } as never });

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () => app.swagger());
  registerHealthRoutes(app, { database: c.database });
  registerAuthRoutes(app, { auth: c.auth, cookieSecure: config.cookieSecure });
  registerUserRoutes(app, { users: c.users });
  registerAuditRoutes(app, { auditLog: c.auditLog });
  registerProductRoutes(app, { products: c.products, csv: c.productsCsv });
  registerOfferGroupRoutes(app, { groups: c.offerGroups });
  registerCatalogSyncRoutes(app, { systems: c.externalSystems, sync: c.sync });
  registerCustomerRoutes(app, { customers: c.customers, imports: c.customersImport });
  registerMlRoutes(app, { ml: c.ml });
  registerAudienceRoutes(app, { audiences: c.audiences, campaignPreview: c.campaignPreview });
  registerSegmentRoutes(app, { segments: c.segments });
  registerCampaignRoutes(app, { campaigns: c.campaigns });
  registerLaunchRoutes(app, { launch: c.campaignLaunch });
  registerCampaignResultsRoutes(app, { results: c.campaignResults });
  for (const register of opts.extraRoutes ?? []) register(app);

  await registerConsole(app, config.webDist);
  return app;
}

/**
 * Serves the built console; unknown non-API GETs load index.html so deep links work. Files are
 * looked up per request (a console rebuilt while the server runs is served at once), and a missing
 * file (an asset of an older build) is a 404, never index.html under a script's name.
 */
async function registerConsole(app: App, webDist: string) {
  const indexHtml = path.join(webDist, 'index.html');
  const hasConsole = existsSync(indexHtml);
  if (hasConsole) {
    await app.register(fastifyStatic, {
      root: webDist,
      wildcard: true,
      index: 'index.html',
      setHeaders: (res, file) => {
        res.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((req, reply) => {
    const urlPath = req.url.split('?')[0]!;
    const isApi = urlPath.startsWith('/api/') || urlPath === '/api' || urlPath.startsWith('/healthz');
    const isFile = urlPath.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(urlPath);
    if (!isApi && !isFile && hasConsole && (req.method === 'GET' || req.method === 'HEAD')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return sendError(reply, 'not_found', `No route ${req.method} ${urlPath.slice(0, 200)}`, { location: 'path' });
  });
}
