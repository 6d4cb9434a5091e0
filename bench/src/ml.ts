/**
 * ML benchmark: our histogram GBDT vs XGBoost `hist` on the same synthetic data
 * (1,000,000 x 30 by default, known-probability labels), 200 trees, depth 6.
 *
 *   npm run bench -- ml            (via bench/src/main.ts)
 *   npx tsx bench/src/ml.ts --rows 1000000 [--features 30] [--quick]
 *
 * Prints training time and test AUC of each, time ratio ours / XGBoost with the
 * same number of threads (1 and 2; target <= 1.5), AUC difference (target <= 0.005),
 * scoring throughput ratio on one thread (target >= 1.0), and the first scoring call
 * of a model freshly loaded from its JSON beside its third call (the request path
 * must not pay a compile cost). File I/O for the Python side is not counted.
 * Beside each wall-clock ratio, the ratio of CPU times (all threads of each process),
 * which a machine shared with other work distorts less.
 *
 * Then the single prediction through the real HTTP API (runPredictBench): p50/p99 of
 * POST /ml/predict/ with trained active models, beside a trivial route measured in the
 * same run (target p99 < 20 ms). `--predict-only` runs only that part, `--train-only`
 * only the first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc, GbdtModel, stratifiedSplitIndices, syntheticBinary, trainGbdt, type GbdtModelJson } from '@lyra/ml';
import { autocannon } from './stats.js';

const PY = '/usr/bin/python3';

function hasXgboost(): boolean {
  const r = spawnSync(PY, ['-c', 'import xgboost, sklearn'], { stdio: 'ignore' });
  return r.status === 0;
}

const f1 = (x: number): string => x.toFixed(1);
/** CPU seconds of this process (every thread, workers included) since `from` */
const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};
const f4 = (x: number): string => x.toFixed(4);

export async function runMlBench(opts: { rows?: number | undefined; features?: number | undefined; quick?: boolean; predictOnly?: boolean } = {}): Promise<void> {
  // `npm run bench -- ml --predict-only` reaches here through ml-entry.ts, which passes rows and quick only.
  const predictOnly = opts.predictOnly ?? process.argv.includes('--predict-only');
  if (predictOnly) {
    await runPredictBench({ quick: opts.quick ?? false, databaseUrl: argValue('database-url') });
    return;
  }
  await runTrainingBench(opts);
  if (process.argv.includes('--train-only')) return;
  // The API latencies are measured in a process of their own: the training part leaves a heap of
  // hundreds of megabytes whose collections would show up as the server's pauses.
  const args = [...process.execArgv, process.argv[1]!, 'ml', '--predict-only', ...(opts.quick ? ['--quick'] : [])];
  const db = argValue('database-url');
  if (db) args.push('--database-url', db);
  const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`the prediction benchmark exited with ${child.status}`);
}

async function runTrainingBench(opts: { rows?: number | undefined; features?: number | undefined; quick?: boolean | undefined }): Promise<void> {
  const quick = opts.quick ?? false;
  const rows = opts.rows ?? (quick ? 100_000 : 1_000_000);
  const features = opts.features ?? 30;
  const trees = quick ? 50 : 200;
  const depth = 6;
  const eta = 0.1;
  const cores = availableParallelism();
  console.log(`ml: ${rows} rows x ${features} features, ${trees} trees, depth ${depth}, eta ${eta}, ${cores} cores`);

  let t = performance.now();
  // features - 1 numeric columns + the plan code = `features` columns, all numeric so XGBoost reads the same matrix
  const { dataset, prob } = syntheticBinary({ rows, features: features - 1, seed: 2024, categorical: false });
  const { train: trIdx, test: teIdx } = stratifiedSplitIndices(dataset.label!, 0.2, 42);
  const train = dataset.subset(trIdx);
  const test = dataset.subset(teIdx);
  const trueAuc = auc(Array.from(teIdx, (i) => prob[i]!), test.label!);
  console.log(`ml.data  generated in ${f1((performance.now() - t) / 1000)}s, train ${train.nRows}, test ${test.nRows}, best possible test auc=${f4(trueAuc)}`);

  const params = { nTrees: trees, maxDepth: depth, learningRate: eta, lambda: 1, minChildWeight: 1, seed: 1 };
  const ours: Array<{ threads: number; time: number; cpu: number; auc: number }> = [];
  let scoreRate = 0;
  let scoreCpuRate = 0;
  const firstCall: number[] = [];
  for (const threads of quick ? [Math.min(2, cores)] : [Math.min(2, cores), 1]) {
    t = performance.now();
    const c0 = process.cpuUsage();
    const model = await trainGbdt(train, { ...params, nThreads: threads });
    const time = (performance.now() - t) / 1000;
    const cpu = cpuSeconds(c0);
    if (firstCall.length === 0) {
      // Before anything else scored in this process (cold code, as a server's first request):
      // a model loaded from its stored JSON scores 19,200 rows three times.
      const loaded = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())) as GbdtModelJson);
      const some = test.subset(Array.from({ length: Math.min(19_200, test.nRows) }, (_, i) => i));
      for (let r = 0; r < 3; r++) {
        const t1 = performance.now();
        loaded.predictProba(some);
        firstCall.push(performance.now() - t1);
      }
    }
    const a = auc(model.predictProba(test), test.label!);
    ours.push({ threads, time, cpu, auc: a });
    if (scoreRate === 0) {
      // Best of three, as on the XGBoost side: a shared machine's hiccups are not the scorer's speed.
      for (let r = 0; r < 3; r++) {
        t = performance.now();
        const c1 = process.cpuUsage();
        model.predictProba(dataset);
        scoreRate = Math.max(scoreRate, rows / ((performance.now() - t) / 1000));
        scoreCpuRate = Math.max(scoreCpuRate, rows / cpuSeconds(c1));
      }
    }
  }

  type XgbRun = { train_s: number; auc: number; predict_s: number; predict_rows: number; train_cpu_s: number; predict_cpu_s: number };
  let xgb: Record<string, XgbRun> | null = null;
  let xgbVersion = '';
  if (hasXgboost()) {
    const dir = mkdtempSync(join(tmpdir(), 'lyra-ml-bench-'));
    try {
      const F = dataset.columns.length;
      const X = new Float32Array(rows * F);
      dataset.columns.forEach((c, f) => {
        if (c.kind !== 'numeric') throw new Error('bench data must be numeric');
        for (let i = 0; i < rows; i++) X[i * F + f] = c.values[i]!;
      });
      const isTest = new Uint8Array(rows);
      for (const i of teIdx) isTest[i] = 1;
      writeFileSync(join(dir, 'x.bin'), new Uint8Array(X.buffer));
      writeFileSync(join(dir, 'y.bin'), dataset.label!);
      writeFileSync(join(dir, 'test.bin'), isTest);
      const script = join(dirname(fileURLToPath(import.meta.url)), 'ml-xgb.py');
      const arg = { rows, features: F, x: join(dir, 'x.bin'), y: join(dir, 'y.bin'), test: join(dir, 'test.bin'), threads: quick ? [1] : [1, 2], trees, depth, eta, lambda: 1, min_child_weight: 1 };
      const out = execFileSync(PY, [script, JSON.stringify(arg)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const parsed = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
      xgbVersion = String(parsed['xgboost']);
      delete parsed['xgboost'];
      xgb = parsed as Record<string, XgbRun>;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else console.log('ml: XGBoost not available (/usr/bin/python3 -c "import xgboost" failed): printing ours only');

  const x1 = xgb?.['1'];
  for (const o of ours) {
    let line = `ml.train.gbdt(${o.threads}t)  time=${f1(o.time)}s auc=${f4(o.auc)}`;
    // against XGBoost with the same number of threads (1 thread when the quick run trained XGBoost on one only)
    const xs = xgb?.[String(o.threads)] ?? x1;
    const xt = xgb?.[String(o.threads)] ? o.threads : 1;
    if (xs) {
      line += ` | xgboost(${xt}t) time=${f1(xs.train_s)}s auc=${f4(xs.auc)} | ratio=${(o.time / xs.train_s).toFixed(2)} (target <= 1.5) | auc diff=${(o.auc - xs.auc).toFixed(4)} (target |d| <= 0.005)`;
      line += ` | cpu ${f1(o.cpu)}s vs ${f1(xs.train_cpu_s)}s ratio=${(o.cpu / xs.train_cpu_s).toFixed(2)}`;
    }
    console.log(line);
  }
  const x2 = xgb?.['2'];
  let sline = `ml.score.gbdt  ${Math.round(scoreRate).toLocaleString('en-US')} rows/s`;
  if (x1) {
    const xr = x1.predict_rows / x1.predict_s;
    sline += ` | xgboost(1t) ${Math.round(xr).toLocaleString('en-US')} rows/s | ratio=${(scoreRate / xr).toFixed(2)} (target >= 1.0)`;
    sline += ` | cpu-time ratio=${(scoreCpuRate / (x1.predict_rows / x1.predict_cpu_s)).toFixed(2)}`;
    if (x2) sline += ` | xgboost(2t) ${Math.round(x2.predict_rows / x2.predict_s).toLocaleString('en-US')} rows/s`;
  }
  console.log(sline);
  const [c1, , c3] = firstCall;
  console.log(`ml.score.first-call  model loaded from JSON, ${Math.min(19_200, test.nRows).toLocaleString('en-US')} rows: first=${c1!.toFixed(1)}ms second=${firstCall[1]!.toFixed(1)}ms third=${c3!.toFixed(1)}ms | first/third=${(c1! / c3!).toFixed(1)} (target: no compile cost, first close to third)`);
  if (xgbVersion) console.log(`ml: xgboost ${xgbVersion}`);
}

// ---------------------------------------------------------------------------
// Single prediction through the HTTP API
// ---------------------------------------------------------------------------

const pct = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface Latency {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

function summarize(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 0.5), p99: pct(s, 0.99), max: s.at(-1)!, n: s.length };
}

/** Sequential calls from this process (keep-alive): the latency one caller sees, request after request. */
async function sequential(url: string, init: RequestInit, n: number): Promise<Latency> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    ms.push(performance.now() - t);
  }
  return summarize(ms);
}

/** `amount` requests over `connections` connections. */
async function concurrent(url: string, opts: { method: string; body?: string; headers: Record<string, string>; connections: number; amount: number }): Promise<Latency & { errors: number }> {
  const args = ['-c', String(opts.connections), '-a', String(opts.amount), '-m', opts.method];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  if (opts.body) args.push('-b', opts.body);
  args.push(url);
  const r = await autocannon(args);
  return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, n: r.requests.total, errors: r.errors + r.timeouts + r.non2xx };
}

const fmtLat = (l: Latency): string => `p50=${l.p50.toFixed(2)}ms p99=${l.p99.toFixed(2)}ms max=${l.max.toFixed(1)}ms (n=${l.n})`;

/**
 * Trains the three models on synthetic subscribers (the real job runner), then measures the
 * prediction API through a real HTTP server against a trivial route of the same server.
 */
export async function runPredictBench(opts: { quick?: boolean; databaseUrl?: string | undefined } = {}): Promise<void> {
  const { buildApp } = await import('@lyra/server/app');
  const { createContainer } = await import('@lyra/server/container');
  const { openDatabase, runMigrations } = await import('@lyra/server/db/client');
  const { openJobs } = await import('@lyra/server/jobs/runner');
  const { ALL_JOBS, jobWorkers } = await import('@lyra/server/jobs/index');
  const { SYSTEM_ACTOR } = await import('@lyra/server/modules/auth/permissions');
  const { loadSynthetic } = await import('@lyra/server/modules/ml/ml.fixtures');
  const { ML_MODEL_NAMES } = await import('@lyra/contracts');

  const customers = opts.quick ? 1000 : 3000;
  const calls = 2000;
  const dir = mkdtempSync(join(tmpdir(), 'lyra-ml-predict-'));
  const database = await openDatabase({ databaseUrl: opts.databaseUrl, dataDir: opts.databaseUrl ? null : dir });
  try {
    await runMigrations(database);
    const jobs = await openJobs(database, ALL_JOBS, { schedule: false });
    const container = createContainer(database, { sessionTtlHours: 1, jobs });
    let t = performance.now();
    // History up to the start of this month: "today" features see recent months, as in production.
    const snapshot = `${new Date().toISOString().slice(0, 7)}-01`;
    const data = await loadSynthetic(container, { customers, seed: 2024, snapshot });
    console.log(`ml.predict: ${customers} synthetic subscribers loaded into ${database.kind} in ${f1((performance.now() - t) / 1000)}s`);
    await jobs.work(jobWorkers(container), { pollingIntervalSeconds: 0.5 });
    t = performance.now();
    const versions = await Promise.all(ML_MODEL_NAMES.map((name) => container.ml.training.requestTraining(SYSTEM_ACTOR, name, {})));
    for (const v of versions) {
      for (;;) {
        const cur = await container.ml.registry.getVersion(v.model, v.version);
        if (cur.status === 'failed') throw new Error(`${v.model} failed: ${cur.error}`);
        if (cur.status === 'ready') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    console.log(`ml.predict: three models trained in ${f1((performance.now() - t) / 1000)}s`);

    await container.users.create(SYSTEM_ACTOR, { email: 'bench-ml@lyra.local', name: 'Bench', password: 'bench-password-1', role: 'marketer', is_active: true });
    const { token } = await container.auth.login('bench-ml@lyra.local', 'bench-password-1', null, 'bench');
    const app = await buildApp({
      container,
      config: { logLevel: 'silent', cookieSecure: false, webDist: '/nonexistent' },
      // The baseline: the same server answering a small JSON document, no database, no model.
      extraRoutes: [(a) => a.post('/bench/trivial', () => ({ ok: true }))],
    });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ids = data.customers.filter((c) => c.status !== 'churned').map((c) => c.id);
    const product = data.purchases[0]!.product_id!;
    const campaign = data.campaigns.find((c) => c.productId)!.id;
    let i = 0;
    // Different subscribers per call, so nothing is served from a warm row cache.
    const bodyOf = (model: string) => {
      const customer_id = ids[i++ % ids.length]!;
      return JSON.stringify(model === 'propensity_to_buy' ? { model, customer_id, product_id: product } : model === 'campaign_response' ? { model, customer_id, campaign_id: campaign } : { model, customer_id });
    };
    const predictUrl = `${address}/api/loyalty/v1/ml/predict/`;
    // Warm-up: JIT, the model cache, connections.
    for (const model of ML_MODEL_NAMES) await sequential(predictUrl, { method: 'POST', headers, body: bodyOf(model) }, 50);
    await sequential(`${address}/bench/trivial`, { method: 'POST', headers, body: '{}' }, 200);

    const trivial = await sequential(`${address}/bench/trivial`, { method: 'POST', headers, body: '{}' }, calls);
    const all: number[] = [];
    // The three models as the seed API calls them, then propensity without a product: P(buys any), which
    // scores every available product the subscriber does not hold (the heaviest single call).
    const kinds = [...ML_MODEL_NAMES.map((model) => ({ label: model, body: () => bodyOf(model) })), {
      label: 'propensity_to_buy (any product)',
      body: () => JSON.stringify({ model: 'propensity_to_buy', customer_id: ids[i++ % ids.length]! }),
    }];
    for (const kind of kinds) {
      const ms: number[] = [];
      for (let k = 0; k < Math.round(calls / ML_MODEL_NAMES.length); k++) {
        const t0 = performance.now();
        const res = await fetch(predictUrl, { method: 'POST', headers, body: kind.body() });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`predict ${kind.label} answered ${res.status}`);
        ms.push(performance.now() - t0);
      }
      all.push(...ms);
      console.log(`ml.predict.api[${kind.label}] ${fmtLat(summarize(ms))}`);
    }
    const overall = summarize(all);
    console.log(`ml.trivial.api (baseline, same server) ${fmtLat(trivial)}`);
    console.log(`ml.predict.api p50=${overall.p50.toFixed(2)}ms p99=${overall.p99.toFixed(2)}ms (target p99 < 20ms) | trivial route p99=${trivial.p99.toFixed(2)}ms | ${overall.p99 < 20 ? 'OK' : 'ABOVE TARGET'}`);

    const tc = await concurrent(`${address}/bench/trivial`, { method: 'POST', headers, body: '{}', connections: 8, amount: calls });
    const pc = await concurrent(predictUrl, { method: 'POST', headers, body: bodyOf('propensity_to_buy'), connections: 8, amount: calls });
    console.log(`ml.predict.api concurrent(8 connections) ${fmtLat(pc)}${pc.errors ? ` ERRORS=${pc.errors}` : ''} | trivial ${fmtLat(tc)}`);
    await app.close();
    await jobs.stop();
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// runnable directly: npx tsx bench/src/ml.ts --rows 1000000
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = argValue('rows');
  const features = argValue('features');
  await runMlBench({
    rows: rows ? Number(rows) : undefined,
    features: features ? Number(features) : undefined,
    quick: process.argv.includes('--quick'),
    predictOnly: process.argv.includes('--predict-only'),
  });
}
