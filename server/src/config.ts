import { z } from 'zod';
import path from 'node:path';

/** The only place that reads process.env; parsed once. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'ADMIN_PASSWORD must be at least 10 characters').optional(),
  DEMO: z.enum(['0', '1', 'true', 'false']).default('1'),
  /** With demo data: train the three models on first start (0: leave ML untrained, e.g. a catalog-only trial). */
  DEMO_MODELS: z.enum(['0', '1', 'true', 'false']).default('1'),
  LYRA_SECRET_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  JOBS: z.enum(['0', '1', 'true', 'false']).default('1'),
  SIMULATORS: z.enum(['0', '1', 'true', 'false']).default('1'),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65530).optional(),
  WEB_DIST: z.string().optional(),
  COOKIE_SECURE: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** Comma-separated origins besides the server's own that may make cookie-authenticated changes. */
  TRUSTED_ORIGINS: z.string().default(''),
  /**
   * Behind a load balancer: which proxies' X-Forwarded-For / -Host / -Proto to believe, so sign-in
   * throttling counts the real client address. "true" (every hop), a hop count, or comma-separated
   * addresses/CIDRs of the proxies. Empty: none (the socket's address is the client's).
   */
  TRUST_PROXY: z.string().trim().default(''),
  /** Largest partition of a batch scoring run, in subscribers (runs aim at 8 or more partitions of at least 1,000). */
  ML_SCORING_PARTITION_SIZE: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** Succeeded scoring runs per model whose scores are kept (older ones no reader takes are deleted after each run). */
  ML_SCORE_RUNS_KEPT: z.coerce.number().int().min(1).max(1000).optional(),
  /** Bearer token for GET /metrics; long enough not to be guessed. */
  METRICS_TOKEN: z.string().trim().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** A port of its own for /metrics (then never served on PORT). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().optional(),
});

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  demo: boolean;
  demoModels: boolean;
  secretKey: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  sessionTtlHours: number;
  jobs: boolean;
  simulators: boolean;
  /** First of three loopback ports for the demo simulators (default PORT+11..13). */
  simulatorPort: number;
  webDist: string;
  cookieSecure: boolean;
  /** Origins (scheme://host[:port]) other than the server's own trusted to post with the session cookie (csrf.plugin.ts). */
  trustedOrigins: string[];
  /** Fastify's trustProxy: false, true, a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Largest partition of a batch scoring run (scoring-run.ts PARTITION_SIZE when unset). */
  mlScoringPartitionSize: number | undefined;
  mlScoreRunsKept: number | undefined;
  /** GET /metrics: the bearer token it asks for, and its own port and interface (default HOST) if any. */
  metricsToken: string | undefined;
  metricsPort: number | undefined;
  metricsHost: string;
}

const truthy = (v: string) => v === '1' || v === 'true';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    adminEmail: e.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: e.ADMIN_PASSWORD,
    demo: truthy(e.DEMO),
    demoModels: truthy(e.DEMO_MODELS),
    secretKey: e.LYRA_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    jobs: truthy(e.JOBS),
    simulators: truthy(e.SIMULATORS),
    simulatorPort: e.SIMULATOR_PORT ?? (e.PORT ? e.PORT + 11 : 0),
    webDist: path.resolve(e.WEB_DIST ?? new URL('../../web/dist', import.meta.url).pathname),
    cookieSecure: truthy(e.COOKIE_SECURE),
    trustedOrigins: e.TRUSTED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    mlScoringPartitionSize: e.ML_SCORING_PARTITION_SIZE,
    mlScoreRunsKept: e.ML_SCORE_RUNS_KEPT,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST ?? e.HOST,
  };
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((v) => v.trim()).filter(Boolean);
}
