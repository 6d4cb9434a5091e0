/**
 * Runs simulators from the command line, e.g.
 *   npx tsx simulators/src/cli.ts all --port 4100 --items 5000 --error-rate 0.05
 * Prints URLs and credentials, then serves until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import {
  BILLING_DEFAULT_CREDENTIALS,
  BILLING_ITEM_PRICES_PATH,
  CRM_DEFAULT_CREDENTIALS,
  CRM_QUERY_PATH,
  CRM_TOKEN_PATH,
  XIVA_AUTH_BASE,
  XIVA_DEFAULT_CREDENTIALS,
  XIVA_V4_BASE,
  XIVA_V5_BASE,
  startAllSimulators,
  startBillingSimulator,
  startCrmSimulator,
  startXivaSimulator,
  type FaultConfig,
  type SimulatorOptions,
} from './index.js';

const USAGE = `usage: tsx simulators/src/cli.ts xiva|crm|billing|all [options]

  --port N                 listen port (all: N, N+1, N+2); 0 = random (default)
  --host H                 default 127.0.0.1
  --items N                catalog size (default 200)
  --seed N                 default 1
  --currency CODE          default SAR
  --token-ttl S            access token lifetime in seconds
  --error-rate R           share of 500/502/503 answers
  --rate-limit-rate R      share of 429 answers
  --retry-after S          Retry-After seconds (default 1)
  --latency MS             added to every request
  --drop-rate R            share of dropped connections
  --timeout-rate R         share of requests never answered
  --malformed-rate R       share of malformed catalog items
  --mutate-while-paging N  items changed on every list page after the first
  Xiva:    --api-version v4|v5|both  --price-style embedded|referenced|mixed
           --paging-style tmf|bare-capped  --no-last-update-filter  --last-update-filter both|gt|gte|none
           --total-count exact|stale|page-size|none  --stale-count-share R  --link-next  --always-200
  CRM:     --page-size N  --deleted-retention-days N
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    items: { type: 'string' },
    seed: { type: 'string' },
    currency: { type: 'string' },
    'token-ttl': { type: 'string' },
    'error-rate': { type: 'string' },
    'rate-limit-rate': { type: 'string' },
    'retry-after': { type: 'string' },
    latency: { type: 'string' },
    'drop-rate': { type: 'string' },
    'timeout-rate': { type: 'string' },
    'malformed-rate': { type: 'string' },
    'mutate-while-paging': { type: 'string' },
    'api-version': { type: 'string' },
    'price-style': { type: 'string' },
    'paging-style': { type: 'string' },
    'no-last-update-filter': { type: 'boolean' },
    'last-update-filter': { type: 'string' },
    'total-count': { type: 'string' },
    'stale-count-share': { type: 'string' },
    'link-next': { type: 'boolean' },
    'always-200': { type: 'boolean' },
    'page-size': { type: 'string' },
    'deleted-retention-days': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const system = positionals[0];
if (values.help || !system || !['xiva', 'crm', 'billing', 'all'].includes(system)) {
  process.stdout.write(USAGE);
  process.exit(values.help ? 0 : 2);
}

function num(name: keyof typeof values): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw !== 'string') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    process.stderr.write(`--${name} must be a number\n`);
    process.exit(2);
  }
  return n;
}

const faults: Partial<FaultConfig> = {};
const faultFlags: Array<[keyof typeof values, keyof FaultConfig]> = [
  ['error-rate', 'errorRate'],
  ['rate-limit-rate', 'rateLimitRate'],
  ['retry-after', 'retryAfterSeconds'],
  ['latency', 'latencyMs'],
  ['drop-rate', 'dropRate'],
  ['timeout-rate', 'timeoutRate'],
  ['malformed-rate', 'malformedRate'],
  ['mutate-while-paging', 'mutateWhilePaging'],
];
for (const [flag, key] of faultFlags) {
  const v = num(flag);
  if (v !== undefined) faults[key] = v;
}

const shared: SimulatorOptions = { faults };
const port = num('port');
const items = num('items');
const seed = num('seed');
const ttl = num('token-ttl');
if (port !== undefined) shared.port = port;
if (items !== undefined) shared.items = items;
if (seed !== undefined) shared.seed = seed;
if (ttl !== undefined) shared.tokenTtlSeconds = ttl;
if (values.host) shared.host = values.host;
if (values.currency) shared.currency = values.currency;

const staleCountShare = num('stale-count-share');
const xivaExtra = {
  ...(values['api-version'] ? { apiVersion: values['api-version'] as 'v4' | 'v5' | 'both' } : {}),
  ...(values['price-style'] ? { priceStyle: values['price-style'] as 'embedded' | 'referenced' | 'mixed' } : {}),
  ...(values['paging-style'] ? { pagingStyle: values['paging-style'] as 'tmf' | 'bare-capped' } : {}),
  ...(values['no-last-update-filter'] ? { supportsLastUpdateFilter: false } : {}),
  ...(values['last-update-filter'] ? { lastUpdateFilter: values['last-update-filter'] as 'both' | 'gt' | 'gte' | 'none' } : {}),
  ...(values['total-count'] ? { totalCount: values['total-count'] as 'exact' | 'stale' | 'page-size' | 'none' } : {}),
  ...(staleCountShare !== undefined ? { staleCountShare } : {}),
  ...(values['link-next'] ? { linkNext: true } : {}),
  ...(values['always-200'] ? { partialStatus: 200 as const } : {}),
};
const pageSize = num('page-size');
const retention = num('deleted-retention-days');
const crmExtra = { ...(pageSize !== undefined ? { pageSize } : {}), ...(retention !== undefined ? { deletedRetentionDays: retention } : {}) };

const closers: Array<() => Promise<void>> = [];
const lines: string[] = [];

const describeXiva = (url: string) =>
  lines.push(
    `Xiva     ${url}`,
    `  auth     POST ${url}${XIVA_AUTH_BASE}create/  ${JSON.stringify(XIVA_DEFAULT_CREDENTIALS)}  (Authorization: JWT <access>)`,
    `  v5       ${url}${XIVA_V5_BASE}productOffering/`,
    `  v4       ${url}${XIVA_V4_BASE}productOffering/`,
  );
const describeCrm = (url: string) =>
  lines.push(
    `CRM      ${url}`,
    `  token    POST ${url}${CRM_TOKEN_PATH}  grant_type=client_credentials&client_id=${CRM_DEFAULT_CREDENTIALS.clientId}&client_secret=${CRM_DEFAULT_CREDENTIALS.clientSecret}`,
    `  query    ${url}${CRM_QUERY_PATH}?q=SELECT+Id,Name+FROM+Product2`,
  );
const describeBilling = (url: string) => lines.push(`Billing  ${url}`, `  list     ${url}${BILLING_ITEM_PRICES_PATH}?limit=100  (HTTP Basic, user ${BILLING_DEFAULT_CREDENTIALS.apiKey}, empty password)`);

try {
  if (system === 'all') {
    const all = await startAllSimulators({ ...shared, xiva: xivaExtra, crm: crmExtra });
    closers.push(all.close);
    describeXiva(all.xiva.url);
    describeCrm(all.crm.url);
    describeBilling(all.billing.url);
  } else if (system === 'xiva') {
    const sim = await startXivaSimulator({ ...shared, ...xivaExtra });
    closers.push(sim.close);
    describeXiva(sim.url);
  } else if (system === 'crm') {
    const sim = await startCrmSimulator({ ...shared, ...crmExtra });
    closers.push(sim.close);
    describeCrm(sim.url);
  } else {
    const sim = await startBillingSimulator(shared);
    closers.push(sim.close);
    describeBilling(sim.url);
  }
} catch (err) {
  process.stderr.write(`could not start: ${(err as Error).message}\n`);
  process.exit(1);
}

lines.push('Control: GET <url>/__sim/state[?ids=1], GET <url>/__sim/expected/<id>, POST <url>/__sim/control {"faults":{...},"change":n,"remove":n,"add":n,"truncateNextListing":n,"expireTokens":true}');
process.stdout.write(`${lines.join('\n')}\n`);

const stop = () => {
  void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
