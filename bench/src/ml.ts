/**
 * ML benchmark: our histogram GBDT vs XGBoost `hist` on the same synthetic data
 * (1,000,000 x 30 by default, known-probability labels), 200 trees, depth 6.
 *
 *   npm run bench -- ml            (via bench/src/main.ts)
 *   npx tsx bench/src/ml.ts --rows 1000000 [--features 30] [--quick]
 *
 * Prints training time and test AUC of each, time ratio ours / XGBoost 1 thread
 * (target <= 2), AUC difference (target <= 0.005) and scoring throughput ratio
 * (target >= 0.5). File I/O for the Python side is not counted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc, stratifiedSplitIndices, syntheticBinary, trainGbdt } from '../../server/src/modules/ml/algorithms/index.js';

const PY = '/usr/bin/python3';

function hasXgboost(): boolean {
  const r = spawnSync(PY, ['-c', 'import xgboost, sklearn'], { stdio: 'ignore' });
  return r.status === 0;
}

const f1 = (x: number): string => x.toFixed(1);
const f4 = (x: number): string => x.toFixed(4);

export async function runMlBench(opts: { rows?: number; features?: number; quick?: boolean } = {}): Promise<void> {
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
  const ours: Array<{ threads: number; time: number; auc: number }> = [];
  let scoreRate = 0;
  for (const threads of quick ? [Math.min(2, cores)] : [Math.min(2, cores), 1]) {
    t = performance.now();
    const model = await trainGbdt(train, { ...params, nThreads: threads });
    const time = (performance.now() - t) / 1000;
    const a = auc(model.predictProba(test), test.label!);
    ours.push({ threads, time, auc: a });
    if (scoreRate === 0) {
      t = performance.now();
      model.predictProba(dataset);
      scoreRate = rows / ((performance.now() - t) / 1000);
    }
  }

  type XgbRun = { train_s: number; auc: number; predict_s: number; predict_rows: number };
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
    if (x1) line += ` | xgboost(1t) time=${f1(x1.train_s)}s auc=${f4(x1.auc)} | ratio=${(o.time / x1.train_s).toFixed(2)} (target <= 2) | auc diff=${(o.auc - x1.auc).toFixed(4)} (target |d| <= 0.005)`;
    console.log(line);
  }
  const x2 = xgb?.['2'];
  if (x2) console.log(`ml.train.xgboost(2t)  time=${f1(x2.train_s)}s auc=${f4(x2.auc)}`);
  let sline = `ml.score.gbdt  ${Math.round(scoreRate).toLocaleString('en-US')} rows/s`;
  if (x1) {
    const xr = x1.predict_rows / x1.predict_s;
    sline += ` | xgboost(1t) ${Math.round(xr).toLocaleString('en-US')} rows/s | ratio=${(scoreRate / xr).toFixed(2)} (target >= 0.5)`;
    if (x2) sline += ` | xgboost(2t) ${Math.round(x2.predict_rows / x2.predict_s).toLocaleString('en-US')} rows/s`;
  }
  console.log(sline);
  if (xgbVersion) console.log(`ml: xgboost ${xgbVersion}`);
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
  });
}
