/**
 * npm run --silent ml -- evaluate --train train.csv --test test.csv --label COLUMN [options]
 * npm run --silent ml -- evaluate --csv data.csv --test-split 0.3 --seed 42 --label COLUMN ...
 *
 * Trains the GBDT (calibrated on held-out training rows) and the logistic
 * regression (and, with --treatment, a T-learner uplift model) and prints test
 * metrics; `--help` lists every option (cli-args.ts). What was inferred from the
 * files goes to stderr, the result to stdout. Exit code 2 on bad arguments, 1 on
 * bad data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { USAGE, UsageError, chooseThreads, parseArgs, type Args, type ThreadChoice } from './cli-args.js';
import {
  calibrationTable,
  classificationMetrics,
  detectDelimiter,
  expectedCalibrationError,
  fitCalibrator,
  parseCsv,
  qiniSpread,
  readCsvReport,
  stratifiedSplitIndices,
  trainGbdt,
  trainLogistic,
  trainTLearner,
  type CalibrationRow,
  type ClassificationMetrics,
  type CsvColumnReport,
  type CsvOptions,
  type CsvRead,
  type Dataset,
  type QiniSpread,
  type UpliftDecileRow,
} from './index.js';

interface AlgoResult extends ClassificationMetrics {
  algorithm: string;
  /** trees kept (GBDT) */
  trees?: number;
  trainSeconds: number;
}

interface FileInfo {
  file: string;
  rows: number;
  delimiter: string;
  delimiterDetected: boolean;
  columns: CsvColumnReport[];
}

interface UpliftResult {
  algorithm: 't-learner';
  params: { trees: number; depth: number; learningRate: number; earlyStopping: number };
  trees: { treated: number; control: number };
  qini: number;
  qiniNormalized: number;
  spread: QiniSpread | null;
  deciles: UpliftDecileRow[];
  trainSeconds: number;
}

interface Result {
  input: { train: FileInfo; test: FileInfo | null; split: { testSplit: number; seed: number } | null };
  warnings: string[];
  trainRows: number;
  testRows: number;
  /** rows the trees were fit on, and rows held out for calibration / early stopping */
  fitRows: number;
  heldOutRows: number;
  features: string[];
  threads: ThreadChoice;
  importance: Array<{ feature: string; importance: number }>;
  results: AlgoResult[];
  /** reliability of the test scores; calibrated: null without held-out rows */
  calibration: {
    method: 'platt' | 'isotonic' | null;
    expectedCalibrationError: { raw: number; calibrated: number | null };
    raw: CalibrationRow[];
    calibrated: CalibrationRow[] | null;
  };
  uplift: UpliftResult | null;
  outputs: { out?: string; predictions?: string; calibration?: string };
}

const note = (msg: string): void => void process.stderr.write(`ml: ${msg}\n`);

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : JSON.stringify(d);
}

const ROLE_NOTE: Record<CsvColumnReport['role'], string> = {
  feature: 'feature',
  label: 'label',
  treatment: 'treatment',
  id: 'row id (not a feature)',
  dropped: 'dropped',
};

function describeColumns(file: string, r: CsvRead, forced = 'as given'): void {
  note(`${file}: ${r.dataset.nRows} rows, delimiter ${delimiterName(r.delimiter)}${r.delimiterDetected ? ' (detected from the header line; --delimiter to override)' : ''}`);
  for (const c of r.columns) {
    if (c.role !== 'feature') {
      note(`  ${c.name}: ${ROLE_NOTE[c.role]}`);
      continue;
    }
    const parts = [`${c.kind!}${c.how === 'forced' ? ` (${forced})` : ''}`];
    if (c.kind === 'categorical') parts.push(`${c.levels!} levels`);
    const tokens = Object.entries(c.missingTokens).map(([t, k]) => `${JSON.stringify(t)}: ${k}`);
    if (c.missing > 0) parts.push(`${c.missing} missing${tokens.length > 0 ? ` (${tokens.join(', ')})` : ''}`);
    if (c.invalid) parts.push(`${c.invalid} not numbers, read as missing`);
    note(`  ${c.name}: ${parts.join(', ')}`);
  }
}

function fileInfo(file: string, r: CsvRead): FileInfo {
  return { file, rows: r.dataset.nRows, delimiter: r.delimiter, delimiterDetected: r.delimiterDetected, columns: r.columns };
}

/** The column names of a CSV text's header line (to fit the per-file options to the test file). */
function headerOf(text: string, delimiter: string): string[] {
  const end = text.search(/\r?\n/);
  return (parseCsv(end < 0 ? text : text.slice(0, end), delimiter)[0] ?? []).map((h) => h.trim());
}

interface Loaded {
  train: Dataset;
  test: Dataset;
  /** per test row: its data row number in its file (1-based) and id */
  testRowNumbers: Uint32Array;
  testIds: string[] | null;
  input: Result['input'];
  warnings: string[];
}

function load(a: Args): Loaded {
  const base: CsvOptions = {
    label: a.label,
    drop: a.drop,
    categorical: a.categorical,
    ...(a.treatment !== undefined && { treatment: a.treatment }),
    ...(a.id !== undefined && { id: a.id }),
    ...(a.delimiter !== undefined && { delimiter: a.delimiter }),
    ...(a.missingValues !== undefined && { missingValues: a.missingValues }),
  };
  const warnings: string[] = [];
  if (a.csv) {
    const r = readCsvReport(readFileSync(a.csv, 'utf8'), base);
    describeColumns(a.csv, r);
    warnings.push(...r.warnings);
    const s = stratifiedSplitIndices(r.dataset.label!, a.testSplit, a.seed, r.dataset.treatment);
    return {
      train: r.dataset.subset(s.train),
      test: r.dataset.subset(s.test),
      testRowNumbers: s.test.map((i) => i + 1),
      testIds: r.ids ? Array.from(s.test, (i) => r.ids![i]!) : null,
      input: { train: fileInfo(a.csv, r), test: null, split: { testSplit: a.testSplit, seed: a.seed } },
      warnings,
    };
  }
  const tr = readCsvReport(readFileSync(a.train!, 'utf8'), base);
  describeColumns(a.train!, tr);
  warnings.push(...tr.warnings);
  const testText = readFileSync(a.test!, 'utf8');
  const testHeader = new Set(headerOf(testText, a.delimiter ?? detectDelimiter(testText)));
  const features = tr.dataset.featureNames;
  const absent = features.filter((f) => !testHeader.has(f));
  if (absent.length > 0) {
    const msg = `${a.test!} lacks ${absent.length} feature column${absent.length > 1 ? 's' : ''} of ${a.train!}: ${absent.join(', ')}`;
    if (!a.allowMissingColumns) {
      throw new Error(`${msg}; the model would see ${absent.length > 1 ? 'them' : 'it'} as missing on every test row (pass --allow-missing-columns to accept that, or --drop ${absent.join(',')})`);
    }
    warnings.push(`${msg}: missing on every test row (--allow-missing-columns)`);
  }
  const kinds: Record<string, 'numeric' | 'categorical'> = {};
  for (const c of tr.dataset.columns) if (testHeader.has(c.name)) kinds[c.name] = c.kind;
  const known = new Set(tr.columns.map((c) => c.name));
  const extra = [...testHeader].filter((h) => !known.has(h));
  if (extra.length > 0) warnings.push(`${a.test!} has columns the training file lacks, ignored: ${extra.join(', ')}`);
  const idInTest = a.id !== undefined && testHeader.has(a.id);
  if (a.id !== undefined && !idInTest) warnings.push(`${a.test!} has no id column ${JSON.stringify(a.id)}: predictions are identified by row number only`);
  const { id: _id, ...withoutId } = base;
  const te = readCsvReport(testText, {
    ...withoutId,
    ...(idInTest && a.id !== undefined && { id: a.id }),
    drop: a.drop.filter((c) => testHeader.has(c)).concat(extra),
    categorical: [],
    kinds,
  });
  describeColumns(a.test!, te, 'as in the training file');
  warnings.push(...te.warnings.map((w) => `${a.test!}: ${w}`));
  return {
    train: tr.dataset,
    test: te.dataset,
    testRowNumbers: Uint32Array.from({ length: te.dataset.nRows }, (_, i) => i + 1),
    testIds: te.ids,
    input: { train: fileInfo(a.train!, tr), test: fileInfo(a.test!, te), split: null },
    warnings,
  };
}

interface Evaluation {
  result: Result;
  predictions: { header: string[]; columns: Array<ArrayLike<number> | string[]> };
}

async function evaluate(a: Args): Promise<Evaluation> {
  const data = load(a);
  const { train, test, warnings } = data;
  for (const w of warnings) note(`warning: ${w}`);
  // held-out training rows: calibration and early stopping, never seen by the trees
  let fit = train;
  let heldOut: Dataset | null = null;
  if (a.validationFraction > 0) {
    const s = stratifiedSplitIndices(train.label!, a.validationFraction, a.seed + 1, train.treatment);
    fit = train.subset(s.train);
    heldOut = train.subset(s.test);
  }
  const threads = chooseThreads(a, fit.nRows);
  note(`threads: ${threads.threads} (${threads.auto ? 'auto: ' : ''}${threads.reason})`);
  const results: AlgoResult[] = [];
  const gbdtParams = {
    nTrees: a.trees,
    maxDepth: a.depth,
    learningRate: a.learningRate,
    seed: a.seed,
    nThreads: threads.threads,
    earlyStoppingRounds: a.earlyStopping,
  };
  let t = performance.now();
  const gbdt = await trainGbdt(fit, gbdtParams, heldOut && a.earlyStopping > 0 ? { validation: heldOut } : {});
  const gbdtSeconds = (performance.now() - t) / 1000;
  const y = test.label!;
  const score = gbdt.predictProba(test);
  results.push({ algorithm: 'gbdt', ...classificationMetrics(score, y), trees: gbdt.nTrees, trainSeconds: gbdtSeconds });
  let calibrated: Float64Array | null = null;
  const calibration: Result['calibration'] = {
    method: null,
    expectedCalibrationError: { raw: expectedCalibrationError(score, y), calibrated: null },
    raw: calibrationTable(score, y),
    calibrated: null,
  };
  if (heldOut) {
    let positives = 0;
    for (const v of heldOut.label!) positives += v;
    const method = a.calibrationMethod === 'auto' ? (heldOut.nRows >= 5000 && positives >= 200 ? 'isotonic' : 'platt') : a.calibrationMethod;
    const cal = fitCalibrator(method, gbdt.predictProba(heldOut), heldOut.label!);
    calibrated = cal.predictAll(score);
    results.push({ algorithm: 'gbdt-calibrated', ...classificationMetrics(calibrated, y), trees: gbdt.nTrees, trainSeconds: gbdtSeconds });
    calibration.method = method;
    calibration.expectedCalibrationError.calibrated = expectedCalibrationError(calibrated, y);
    calibration.calibrated = calibrationTable(calibrated, y);
  }
  t = performance.now();
  const lr = trainLogistic(fit);
  const lrSeconds = (performance.now() - t) / 1000;
  const lrScore = lr.predictProba(test);
  results.push({ algorithm: 'logistic', ...classificationMetrics(lrScore, y), trainSeconds: lrSeconds });

  let uplift: UpliftResult | null = null;
  let up: ReturnType<Awaited<ReturnType<typeof trainTLearner>>['predict']> | null = null;
  if (a.treatment) {
    let treated = 0;
    for (const v of train.treatment!) treated += v;
    const upliftThreads = chooseThreads(a, Math.max(treated, train.nRows - treated)).threads;
    const params = { trees: a.upliftTrees, depth: a.upliftDepth, learningRate: a.upliftLearningRate, earlyStopping: a.earlyStopping };
    t = performance.now();
    const tl = await trainTLearner(train, {
      nTrees: params.trees,
      maxDepth: params.depth,
      learningRate: params.learningRate,
      seed: a.seed,
      nThreads: upliftThreads,
      earlyStoppingRounds: a.earlyStopping,
      ...(a.earlyStopping > 0 && { validationFraction: a.validationFraction }),
    });
    const secs = (performance.now() - t) / 1000;
    const ev = tl.evaluate(test);
    up = tl.predict(test);
    uplift = {
      algorithm: 't-learner',
      params,
      trees: { treated: tl.treated.nTrees, control: tl.control.nTrees },
      qini: ev.qini.qini,
      qiniNormalized: ev.qini.qiniNormalized,
      spread: a.bootstrap > 0 ? qiniSpread(up.uplift, y, test.treatment!, a.bootstrap, a.seed) : null,
      deciles: ev.deciles,
      trainSeconds: secs,
    };
  }

  const header = ['row'];
  const columns: Evaluation['predictions']['columns'] = [data.testRowNumbers];
  if (data.testIds) {
    header.push(a.id!);
    columns.push(data.testIds);
  }
  header.push('label');
  columns.push(y);
  if (test.treatment) {
    header.push('treatment');
    columns.push(test.treatment);
  }
  header.push('score', 'calibrated', 'logistic');
  columns.push(score, calibrated ?? [], lrScore);
  if (up) {
    header.push('uplift', 'p_treated', 'p_control');
    columns.push(up.uplift, up.pTreated, up.pControl);
  }
  return {
    result: {
      input: data.input,
      warnings,
      trainRows: train.nRows,
      testRows: test.nRows,
      fitRows: fit.nRows,
      heldOutRows: heldOut?.nRows ?? 0,
      features: train.featureNames,
      threads,
      importance: gbdt.featureImportance('gain').slice(0, 10),
      results,
      calibration,
      uplift,
      outputs: {
        ...(a.out !== undefined && { out: a.out }),
        ...(a.predictions !== undefined && { predictions: a.predictions }),
        ...(a.calibration !== undefined && { calibration: a.calibration }),
      },
    },
    predictions: { header, columns },
  };
}

function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function predictionsCsv(p: Evaluation['predictions'], rows: number): string {
  const lines = [p.header.map(csvCell).join(',')];
  for (let i = 0; i < rows; i++) lines.push(p.columns.map((c) => csvCell(c[i])).join(','));
  return lines.join('\n') + '\n';
}

function calibrationCsv(c: Result['calibration']): string {
  const lines = ['model,bin,rows,mean_predicted,observed_rate,lower,upper'];
  const rows = (model: string, t: CalibrationRow[]): void => {
    for (const x of t) lines.push([model, x.bin, x.rows, x.meanPredicted, x.observedRate, x.lower, x.upper].join(','));
  };
  rows('gbdt', c.raw);
  if (c.calibrated) rows(`gbdt-calibrated-${c.method!}`, c.calibrated);
  return lines.join('\n') + '\n';
}

function table(r: Result): string {
  const out: string[] = [];
  const held = r.heldOutRows > 0 ? ` (trees fit on ${r.fitRows}, ${r.heldOutRows} held out for calibration and early stopping)` : '';
  out.push(`train rows ${r.trainRows}${held}, test rows ${r.testRows}, features ${r.features.length}`);
  const head = ['algorithm', 'AUC', 'Gini', 'KS', 'logloss', 'Brier', 'trees', 'train s'];
  const rows = r.results.map((x) => [
    x.algorithm,
    x.auc.toFixed(4),
    x.gini.toFixed(4),
    x.ks.toFixed(4),
    x.logLoss.toFixed(4),
    x.brier.toFixed(4),
    x.trees !== undefined ? String(x.trees) : '',
    x.trainSeconds.toFixed(2),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  out.push(line(head));
  for (const row of rows) out.push(line(row));
  const e = r.calibration.expectedCalibrationError;
  if (r.calibration.method && e.calibrated !== null) {
    out.push(`calibration: ${r.calibration.method} fitted on the held-out rows; expected calibration error ${e.raw.toFixed(4)} raw, ${e.calibrated.toFixed(4)} calibrated`);
  } else out.push(`calibration: none (--validation-fraction 0); expected calibration error ${e.raw.toFixed(4)}`);
  const u = r.uplift;
  if (u) {
    out.push(
      `t-learner uplift (trees ${u.trees.treated}/${u.trees.control} of ${u.params.trees}, depth ${u.params.depth}, learning rate ${u.params.learningRate}), train s ${u.trainSeconds.toFixed(2)}`,
    );
    const s = u.spread;
    const f = (x: number): string => x.toFixed(5);
    if (s) {
      out.push(`  Qini ${f(u.qini)}  95% interval [${f(s.lower)}, ${f(s.upper)}], standard error ${f(s.standardError)} (bootstrap, ${s.resamples} resamples, seed ${s.seed})`);
      out.push(`  random targeting: Qini ${f(s.random.mean)}  95% range [${f(s.random.lower)}, ${f(s.random.upper)}]; share of random orders at least as good ${s.pValue.toFixed(3)}`);
    } else out.push(`  Qini ${f(u.qini)} (random targeting: 0 on average; --bootstrap N for an interval)`);
    out.push(`  normalized Qini ${u.qiniNormalized.toFixed(4)} (1 = perfect ordering, 0 = random)`);
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<number> {
  let args: Args | null;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ml: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args === null) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let ev: Evaluation;
  try {
    ev = await evaluate(args);
  } catch (e) {
    // what is wrong in the files: missing or non-binary columns, CSV syntax, a single-class label
    note(`error: ${(e as Error).message}`);
    return 1;
  }
  const r = ev.result;
  if (args.out) writeFileSync(args.out, JSON.stringify(r, null, 2) + '\n');
  if (args.predictions) writeFileSync(args.predictions, predictionsCsv(ev.predictions, r.testRows));
  if (args.calibration) writeFileSync(args.calibration, calibrationCsv(r.calibration));
  process.stdout.write(args.json ? JSON.stringify(r, null, 2) + '\n' : table(r));
  return 0;
}

// `... | head` closes stdout early: that is the reader's choice, not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await main();
