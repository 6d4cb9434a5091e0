/**
 * The evaluation command's options: the usage text (every option, its default),
 * the parser and the choice of threads. A usage error (exit code 2) is anything
 * wrong on the command line itself; what is wrong inside the files is a data
 * error (exit code 1).
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { DEFAULT_MISSING_VALUES } from './dataset.js';

export class UsageError extends Error {}

/**
 * Below this many training rows the trees train faster on one thread than on two:
 * measured with `npm run bench -- ml-threads` on two cores (2 threads / 1 thread:
 * 1.8 at 5,000 rows, 1.3 at 10,000 and 15,000, 0.5-0.95 from 20,000). It matches
 * hist-pool.ts's MIN_PARALLEL_ROWS: a smaller node is never split between threads,
 * so below it a second thread only costs its start-up.
 */
export const AUTO_THREADS_MIN_ROWS = 20_000;

export const USAGE = `usage:
  npm run --silent ml -- evaluate --train FILE --test FILE --label COLUMN [options]
  npm run --silent ml -- evaluate --csv FILE [--test-split 0.3] --label COLUMN [options]

Trains the GBDT and a logistic regression baseline (and, with --treatment, a
T-learner uplift model) on the training rows and prints test metrics.
Without --silent, npm prints its "> ml" banner on stdout before the output;
use \`npm run --silent ml\`, call \`npx tsx packages/ml/src/cli.ts\`, or --out FILE.

data:
  --train FILE             training rows (CSV with a header row)
  --test FILE              test rows; every feature column of --train must be in it
  --csv FILE               one file, split into train and test (stratified, seeded)
  --test-split X           test share of --csv (default 0.3)
  --label COLUMN           binary label: 0/1, true/false, yes/no (required)
  --treatment COLUMN       binary treatment column: also trains a T-learner uplift model
  --id COLUMN              row identifier, written to --predictions, never a feature
  --drop COL,COL           columns to ignore (ids, leakage)
  --categorical COL,COL    columns to read as categorical even if numeric
  --delimiter C            field separator: , ; | tab (default: detected from the header
                           line among , ; tab, and said on stderr)
  --missing-values LIST    comma-separated cell values read as missing, replacing the
                           default ${DEFAULT_MISSING_VALUES.join(' ')} (case-insensitive);
                           empty and blank cells are always missing; '' = only those
  --allow-missing-columns  accept a test file without some training feature columns
                           (they are then missing for every test row); else an error

model:
  --trees N                GBDT trees, the upper bound with early stopping (default 200)
  --depth N                GBDT depth 1..16 (default 6)
  --learning-rate X        GBDT learning rate in (0, 1] (default 0.1)
  --validation-fraction X  share of the training rows held out from the trees to fit the
                           probability calibration and watch early stopping (default 0.2;
                           0 = trees on every training row, no calibration)
  --early-stopping N       stop when the held-out log loss has not improved for N trees
                           (default 0 = off; the uplift models hold out the same share
                           of their own rows)
  --calibration-method M   auto, platt or isotonic (default auto: isotonic from 5,000
                           held-out rows and 200 positives, else platt)
  --uplift-trees N         trees of each T-learner model (default: --trees)
  --uplift-depth N         depth of each T-learner model (default: --depth)
  --uplift-learning-rate X learning rate of each T-learner model (default: --learning-rate)
  --bootstrap N            resamples for the Qini's 95% interval and its random-targeting
                           baseline (default 200; 0 = skip)
  --threads N              threads building histograms (default: 1 below ${AUTO_THREADS_MIN_ROWS.toLocaleString('en-US')} training
                           rows, where two threads are slower, else every core up to 8;
                           the choice is said on stderr)
  --seed N                 seed for the split, the hold-out, the models and the
                           bootstrap (default 42)

output:
  --json                   print the result as JSON on stdout instead of a table
  --out FILE               also write the result as JSON to FILE (no npm banner in it)
  --predictions FILE       write test predictions as CSV: row (data row number in the
                           test file or --csv), the --id column if given, label,
                           treatment (with --treatment), score, calibrated (empty with
                           --validation-fraction 0), logistic, and with --treatment
                           uplift, p_treated, p_control
  --calibration FILE       write the test reliability table as CSV (model, bin, rows,
                           mean_predicted, observed_rate, lower, upper), raw and calibrated
  -h, --help               this text

Column types and warnings (what was inferred, cells read as missing, text cells in a
mostly numeric column, categorical columns with very many levels) go to stderr and
into the JSON; results go to stdout.
exit codes: 0 done, 1 data error (bad or missing columns, non-binary label, CSV
syntax), 2 usage error (unknown or invalid option, missing file).`;

export interface Args {
  train: string | undefined;
  test: string | undefined;
  csv: string | undefined;
  testSplit: number;
  seed: number;
  label: string;
  treatment: string | undefined;
  id: string | undefined;
  drop: string[];
  categorical: string[];
  delimiter: string | undefined;
  missingValues: string[] | undefined;
  allowMissingColumns: boolean;
  trees: number;
  depth: number;
  learningRate: number;
  validationFraction: number;
  earlyStopping: number;
  calibrationMethod: 'auto' | 'platt' | 'isotonic';
  upliftTrees: number;
  upliftDepth: number;
  upliftLearningRate: number;
  bootstrap: number;
  /** undefined = chosen from the row count */
  threads: number | undefined;
  json: boolean;
  out: string | undefined;
  predictions: string | undefined;
  calibration: string | undefined;
}

const BOOLEANS = new Set(['json', 'allow-missing-columns']);
const VALUED = new Set([
  'train', 'test', 'csv', 'test-split', 'seed', 'label', 'treatment', 'id', 'drop', 'categorical', 'delimiter', 'missing-values',
  'trees', 'depth', 'learning-rate', 'validation-fraction', 'early-stopping', 'calibration-method', 'uplift-trees', 'uplift-depth',
  'uplift-learning-rate', 'bootstrap', 'threads', 'out', 'predictions', 'calibration',
]);
/** every option name, for the test that --help documents each */
export const OPTION_NAMES: readonly string[] = [...BOOLEANS, ...VALUED];

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '|': '|', tab: '\t', '\\t': '\t', '\t': '\t' };

/** null when help was asked for */
export function parseArgs(argv: string[]): Args | null {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return null;
  if (cmd === undefined) throw new UsageError('missing command');
  if (cmd !== 'evaluate') throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--help' || a === '-h') return null;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!BOOLEANS.has(name) && !VALUED.has(name)) throw new UsageError(`unknown option --${name}`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    if (BOOLEANS.has(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, 'true');
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  const num = (name: string, def: number, ok: (x: number) => boolean, what: string): number => {
    const v = flags.get(name);
    if (v === undefined) return def;
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${name} must be ${what} (got ${JSON.stringify(v)})`);
    return x;
  };
  const int = (lo: number, hi: number) => (x: number) => Number.isInteger(x) && x >= lo && x <= hi;
  const list = (name: string): string[] =>
    (flags.get(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const label = flags.get('label');
  if (!label) throw new UsageError('--label is required');
  const delimiterArg = flags.get('delimiter');
  let delimiter: string | undefined;
  if (delimiterArg !== undefined) {
    delimiter = DELIMITERS[delimiterArg];
    if (delimiter === undefined) throw new UsageError(`--delimiter must be one of , ; | tab (got ${JSON.stringify(delimiterArg)})`);
  }
  const method = flags.get('calibration-method') ?? 'auto';
  if (method !== 'auto' && method !== 'platt' && method !== 'isotonic') {
    throw new UsageError(`--calibration-method must be auto, platt or isotonic (got ${JSON.stringify(method)})`);
  }
  const trees = num('trees', 200, int(1, 100_000), 'an integer 1..100000');
  const depth = num('depth', 6, int(1, 16), 'an integer 1..16');
  const learningRate = num('learning-rate', 0.1, (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  const args: Args = {
    train: flags.get('train'),
    test: flags.get('test'),
    csv: flags.get('csv'),
    testSplit: num('test-split', 0.3, (x) => x > 0 && x < 1, 'a number between 0 and 1'),
    seed: num('seed', 42, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer'),
    label,
    treatment: flags.get('treatment'),
    id: flags.get('id'),
    drop: list('drop'),
    categorical: list('categorical'),
    delimiter,
    missingValues: flags.has('missing-values') ? list('missing-values') : undefined,
    allowMissingColumns: flags.has('allow-missing-columns'),
    trees,
    depth,
    learningRate,
    validationFraction: num('validation-fraction', 0.2, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
    earlyStopping: num('early-stopping', 0, int(0, 100_000), 'a non-negative integer'),
    calibrationMethod: method,
    upliftTrees: num('uplift-trees', trees, int(1, 100_000), 'an integer 1..100000'),
    upliftDepth: num('uplift-depth', depth, int(1, 16), 'an integer 1..16'),
    upliftLearningRate: num('uplift-learning-rate', learningRate, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
    bootstrap: num('bootstrap', 200, int(0, 100_000), 'a non-negative integer'),
    threads: flags.has('threads') ? num('threads', 1, int(1, 64), 'an integer 1..64') : undefined,
    json: flags.has('json'),
    out: flags.get('out'),
    predictions: flags.get('predictions'),
    calibration: flags.get('calibration'),
  };
  if (args.csv && (args.train || args.test)) throw new UsageError('use either --csv or --train/--test, not both');
  if (!args.csv && !(args.train && args.test)) throw new UsageError('give --train and --test, or --csv');
  if (!args.csv && flags.has('test-split')) throw new UsageError('--test-split goes with --csv');
  if (args.earlyStopping > 0 && args.validationFraction === 0) throw new UsageError('--early-stopping needs held-out rows: a --validation-fraction above 0');
  if (args.validationFraction === 0 && flags.has('calibration-method')) throw new UsageError('--calibration-method needs held-out rows: a --validation-fraction above 0');
  for (const k of ['uplift-trees', 'uplift-depth', 'uplift-learning-rate']) {
    if (flags.has(k) && !args.treatment) throw new UsageError(`--${k} goes with --treatment`);
  }
  for (const f of [args.csv, args.train, args.test]) {
    if (f && !(existsSync(f) && statSync(f).isFile())) throw new UsageError(`file not found: ${f}`);
  }
  for (const [name, f] of [['out', args.out], ['predictions', args.predictions], ['calibration', args.calibration]] as const) {
    if (f !== undefined && !(existsSync(dirname(f)) && statSync(dirname(f)).isDirectory())) {
      throw new UsageError(`--${name}: directory not found: ${dirname(f)}`);
    }
  }
  return args;
}

export interface ThreadChoice {
  threads: number;
  /** false when --threads was given */
  auto: boolean;
  reason: string;
}

/** --threads when given, else one thread below AUTO_THREADS_MIN_ROWS rows and one per core (up to 8) from there. */
export function chooseThreads(a: Pick<Args, 'threads'>, rows: number, cores = availableParallelism()): ThreadChoice {
  if (a.threads !== undefined) {
    const reason =
      a.threads > 1 && rows < AUTO_THREADS_MIN_ROWS
        ? `as given; below ${AUTO_THREADS_MIN_ROWS.toLocaleString('en-US')} rows one thread is usually faster`
        : 'as given';
    return { threads: a.threads, auto: false, reason };
  }
  if (rows < AUTO_THREADS_MIN_ROWS) {
    return { threads: 1, auto: true, reason: `${rows.toLocaleString('en-US')} rows < ${AUTO_THREADS_MIN_ROWS.toLocaleString('en-US')}, where two threads are slower` };
  }
  const n = Math.min(8, cores);
  return { threads: n, auto: true, reason: `${rows.toLocaleString('en-US')} rows >= ${AUTO_THREADS_MIN_ROWS.toLocaleString('en-US')}: one per core (up to 8)` };
}
