/**
 * npm run ml -- evaluate --train train.csv --test test.csv --label COLUMN
 *              [--treatment COLUMN] [--drop COL,COL] [--categorical COL,COL]
 *              [--trees N] [--depth N] [--learning-rate X] [--threads N] [--json]
 * npm run ml -- evaluate --csv data.csv --test-split 0.3 --seed 42 --label COLUMN ...
 *
 * Trains the GBDT and the logistic regression (and, with --treatment, a T-learner
 * uplift model) and prints test metrics. Exit code 2 on bad arguments.
 */
import { existsSync } from 'node:fs';
import {
  classificationMetrics,
  readCsvFile,
  stratifiedSplit,
  trainGbdt,
  trainLogistic,
  trainTLearner,
  type ClassificationMetrics,
  type CsvOptions,
  type Dataset,
} from './index.js';

class UsageError extends Error {}

const USAGE = `usage:
  npm run ml -- evaluate --train FILE --test FILE --label COLUMN [options]
  npm run ml -- evaluate --csv FILE [--test-split 0.3] [--seed 42] --label COLUMN [options]
options:
  --treatment COLUMN     binary treatment column: also trains a T-learner uplift model
  --drop COL,COL         columns to ignore (ids, leakage)
  --categorical COL,COL  columns to read as categorical even if numeric
  --trees N              GBDT trees (default 200)
  --depth N              GBDT depth (default 6)
  --learning-rate X      GBDT learning rate (default 0.1)
  --threads N            GBDT histogram threads (default auto)
  --seed N               seed for the split and the models (default 42)
  --json                 print JSON instead of a table`;

interface Args {
  train: string | undefined;
  test: string | undefined;
  csv: string | undefined;
  testSplit: number;
  seed: number;
  label: string;
  treatment: string | undefined;
  drop: string[];
  categorical: string[];
  trees: number;
  depth: number;
  learningRate: number;
  threads: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h') throw new UsageError('missing command');
  if (cmd !== 'evaluate') throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  const flags = new Map<string, string>();
  const booleans = new Set(['json']);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.has(name)) {
      flags.set(name, 'true');
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const known = new Set(['train', 'test', 'csv', 'test-split', 'seed', 'label', 'treatment', 'drop', 'categorical', 'trees', 'depth', 'learning-rate', 'threads', 'json']);
  for (const k of flags.keys()) if (!known.has(k)) throw new UsageError(`unknown option --${k}`);
  const num = (name: string, def: number, ok: (x: number) => boolean, what: string): number => {
    const v = flags.get(name);
    if (v === undefined) return def;
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${name} must be ${what} (got ${JSON.stringify(v)})`);
    return x;
  };
  const list = (name: string): string[] =>
    (flags.get(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const label = flags.get('label');
  if (!label) throw new UsageError('--label is required');
  const args: Args = {
    train: flags.get('train'),
    test: flags.get('test'),
    csv: flags.get('csv'),
    testSplit: num('test-split', 0.3, (x) => x > 0 && x < 1, 'a number between 0 and 1'),
    seed: num('seed', 42, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer'),
    label,
    treatment: flags.get('treatment'),
    drop: list('drop'),
    categorical: list('categorical'),
    trees: num('trees', 200, (x) => Number.isInteger(x) && x >= 1 && x <= 100_000, 'an integer >= 1'),
    depth: num('depth', 6, (x) => Number.isInteger(x) && x >= 1 && x <= 16, 'an integer 1..16'),
    learningRate: num('learning-rate', 0.1, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    threads: num('threads', 0, (x) => Number.isInteger(x) && x >= 0 && x <= 64, 'an integer >= 0'),
    json: flags.has('json'),
  };
  if (args.csv && (args.train || args.test)) throw new UsageError('use either --csv or --train/--test, not both');
  if (!args.csv && !(args.train && args.test)) throw new UsageError('give --train and --test, or --csv');
  if (!args.csv && flags.has('test-split')) throw new UsageError('--test-split goes with --csv');
  for (const f of [args.csv, args.train, args.test]) if (f && !existsSync(f)) throw new UsageError(`file not found: ${f}`);
  return args;
}

interface AlgoResult extends ClassificationMetrics {
  algorithm: string;
  trainSeconds: number;
}

async function evaluate(a: Args): Promise<Record<string, unknown>> {
  const csvOpts: CsvOptions = { label: a.label, drop: a.drop, categorical: a.categorical, ...(a.treatment !== undefined && { treatment: a.treatment }) };
  let train: Dataset;
  let test: Dataset;
  if (a.csv) {
    const all = readCsvFile(a.csv, csvOpts);
    ({ train, test } = stratifiedSplit(all, a.testSplit, a.seed));
  } else {
    train = readCsvFile(a.train!, csvOpts);
    test = readCsvFile(a.test!, csvOpts);
  }
  const results: AlgoResult[] = [];
  const gbdtParams = { nTrees: a.trees, maxDepth: a.depth, learningRate: a.learningRate, seed: a.seed, nThreads: a.threads };
  let t = performance.now();
  const gbdt = await trainGbdt(train, gbdtParams);
  let secs = (performance.now() - t) / 1000;
  results.push({ algorithm: 'gbdt', ...classificationMetrics(gbdt.predictProba(test), test.label!), trainSeconds: secs });
  t = performance.now();
  const lr = trainLogistic(train);
  secs = (performance.now() - t) / 1000;
  results.push({ algorithm: 'logistic', ...classificationMetrics(lr.predictProba(test), test.label!), trainSeconds: secs });
  let uplift: Record<string, unknown> | null = null;
  if (a.treatment) {
    t = performance.now();
    const tl = await trainTLearner(train, gbdtParams);
    secs = (performance.now() - t) / 1000;
    const ev = tl.evaluate(test);
    uplift = { algorithm: 't-learner', qini: ev.qini.qini, qiniNormalized: ev.qini.qiniNormalized, trainSeconds: secs, deciles: ev.deciles };
  }
  return {
    trainRows: train.nRows,
    testRows: test.nRows,
    features: train.featureNames,
    importance: gbdt.featureImportance('gain').slice(0, 10),
    results,
    uplift,
  };
}

function printTable(r: Record<string, unknown>): void {
  const results = r['results'] as AlgoResult[];
  console.log(`train rows ${String(r['trainRows'])}, test rows ${String(r['testRows'])}, features ${(r['features'] as string[]).length}`);
  const head = ['algorithm', 'AUC', 'Gini', 'KS', 'logloss', 'Brier', 'train s'];
  const rows = results.map((x) => [x.algorithm, x.auc.toFixed(4), x.gini.toFixed(4), x.ks.toFixed(4), x.logLoss.toFixed(4), x.brier.toFixed(4), x.trainSeconds.toFixed(2)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  const u = r['uplift'] as { qini: number; qiniNormalized: number; trainSeconds: number } | null;
  if (u) console.log(`t-learner uplift: Qini ${u.qini.toFixed(5)} (normalized ${u.qiniNormalized.toFixed(4)}), train s ${u.trainSeconds.toFixed(2)}`);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`ml: ${e.message}\n${USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  let r: Record<string, unknown>;
  try {
    r = await evaluate(args);
  } catch (e) {
    // data problems (missing column, non-binary label) are the caller's input errors too
    console.error(`ml: ${(e as Error).message}`);
    process.exit(2);
  }
  if (args.json) console.log(JSON.stringify(r, null, 2));
  else printTable(r);
}

await main();
