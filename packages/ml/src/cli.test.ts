import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTO_THREADS_MIN_ROWS, OPTION_NAMES, USAGE, UsageError, chooseThreads, parseArgs } from './cli-args.js';
import { parseCsv } from './dataset.js';
import { syntheticUplift } from './synthetic.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'packages/ml/src/cli.ts');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'lyra-ml-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // The bound only catches a hang: a busy machine may take a minute to start tsx and train.
  const r = spawnSync(TSX, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Out {
  results: Array<{ algorithm: string; auc: number; gini: number; ks: number; logLoss: number; brier: number; trees?: number; trainSeconds: number }>;
  uplift: {
    qini: number;
    params: { trees: number; depth: number };
    trees: { treated: number; control: number };
    spread: { lower: number; upper: number; standardError: number; random: { mean: number; lower: number; upper: number }; pValue: number } | null;
  };
  features: string[];
  input: { train: { delimiter: string; delimiterDetected: boolean; columns: Array<{ name: string; kind?: string; missing: number; missingTokens: Record<string, number> }> } };
  threads: { threads: number; auto: boolean };
  heldOutRows: number;
  calibration: { method: string | null; calibrated: unknown[] | null };
}

/** A CSV of the synthetic uplift data; x1 has blank-looking cells (' ', 'NA', '') in every 13th row. */
function writeCsv(name: string, delimiter: string, rows: number, omit: string[] = []): string {
  const { dataset } = syntheticUplift({ rows, seed: 9 });
  const features = dataset.featureNames.filter((f) => !omit.includes(f));
  const lines = [['id', ...features, 'segment', 'responded', 'treated'].join(delimiter)];
  const blanks = [' ', 'NA', ''];
  for (let i = 0; i < dataset.nRows; i++) {
    const r = dataset.row(i);
    const cells = features.map((f) => (i % 13 === 0 && f === 'x1' ? blanks[(i / 13) % 3]! : (r[f] as number).toFixed(4)));
    const seg = ['"a, quoted"', 'b', 'c'][i % 3]!;
    lines.push([`C${i}`, ...cells, seg, dataset.label![i], dataset.treatment![i]].join(delimiter));
  }
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('ml CLI', () => {
  const csv = writeCsv('data.csv', ',', 3000);

  it('evaluates GBDT (raw and calibrated), logistic and uplift with a Qini interval and random baseline (--json)', () => {
    const r = run(['evaluate', '--csv', csv, '--test-split', '0.3', '--seed', '42', '--label', 'responded', '--treatment', 'treated', '--drop', 'id', '--trees', '30', '--depth', '3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.results.map((x) => x.algorithm)).toEqual(['gbdt', 'gbdt-calibrated', 'logistic']);
    for (const x of out.results) {
      expect(x.auc).toBeGreaterThan(0.55);
      expect(x.gini).toBeCloseTo(2 * x.auc - 1, 9);
      expect(x.logLoss).toBeGreaterThan(0);
    }
    expect(out.heldOutRows).toBe(420);
    expect(out.calibration.method).toBe('platt');
    // the blank-looking cells are missing values of a numeric column, said on stderr
    const x1 = out.input.train.columns.find((c) => c.name === 'x1')!;
    expect(x1).toMatchObject({ kind: 'numeric', missing: 231, missingTokens: { ' ': 77, NA: 77 } });
    expect(r.stderr).toMatch(/x1: numeric, 231 missing \(" ": 77, "NA": 77\)/);
    expect(r.stderr).toMatch(/segment: categorical, 3 levels/);
    expect(out.input.train).toMatchObject({ delimiter: ',', delimiterDetected: true });
    // Qini with its spread and what random targeting reaches on the same rows
    const s = out.uplift.spread!;
    expect(s.lower).toBeLessThan(out.uplift.qini);
    expect(s.upper).toBeGreaterThan(out.uplift.qini);
    expect(s.standardError).toBeGreaterThan(0);
    expect(s.random.lower).toBeLessThan(s.random.mean);
    expect(s.random.upper).toBeGreaterThan(s.random.mean);
    expect(out.uplift.params).toMatchObject({ trees: 30, depth: 3 });
    expect(out.features).toContain('segment');
    expect(out.features).not.toContain('id');
    expect(out.threads).toEqual({ threads: 1, auto: true, reason: expect.stringMatching(/1,680 rows < 20,000/) as unknown });
    expect(r.stderr).toMatch(/threads: 1 \(auto: 1,680 rows < 20,000, where two threads are slower\)/);
  });

  it('prints a table with --train/--test and writes JSON, predictions and the calibration table to files', () => {
    const semi = writeCsv('data-semicolon.csv', ';', 1500);
    const out = join(dir, 'out.json');
    const pred = join(dir, 'pred.csv');
    const cal = join(dir, 'cal.csv');
    const r = run([
      'evaluate', '--train', csv, '--test', semi, '--label', 'responded', '--treatment', 'treated', '--id', 'id',
      '--trees', '10', '--bootstrap', '50', '--out', out, '--predictions', pred, '--calibration', cal,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gbdt\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/gbdt-calibrated\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/logistic\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/Qini -?0\.\d{5} {2}95% interval \[-?0\.\d{5}, -?0\.\d{5}\], standard error 0\.\d{5} \(bootstrap, 50 resamples, seed 42\)/);
    expect(r.stdout).toMatch(/random targeting: Qini -?0\.\d{5} {2}95% range \[-?0\.\d{5}, -?0\.\d{5}\]/);
    // the test file's delimiter is its own, detected and said
    expect(r.stderr).toMatch(/data-semicolon\.csv: 1500 rows, delimiter ";" \(detected from the header line/);
    expect(r.stderr).toMatch(/x1: numeric \(as in the training file\), 116 missing/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as Out & { testRows: number };
    expect(json.testRows).toBe(1500);
    expect(json.results[0]!.algorithm).toBe('gbdt');
    const p = parseCsv(readFileSync(pred, 'utf8'));
    expect(p[0]).toEqual(['row', 'id', 'label', 'treatment', 'score', 'calibrated', 'logistic', 'uplift', 'p_treated', 'p_control']);
    expect(p).toHaveLength(1501);
    expect(p[1]!.slice(0, 2)).toEqual(['1', 'C0']);
    expect(p[1500]!.slice(0, 2)).toEqual(['1500', 'C1499']);
    for (const row of p.slice(1, 50)) {
      const [score, calibrated, , uplift, pt, pc] = row.slice(4).map(Number);
      for (const v of [score!, calibrated!, pt!, pc!]) expect(v > 0 && v < 1).toBe(true);
      expect(uplift).toBeCloseTo(pt! - pc!, 12);
    }
    const c = parseCsv(readFileSync(cal, 'utf8'));
    expect(c[0]).toEqual(['model', 'bin', 'rows', 'mean_predicted', 'observed_rate', 'lower', 'upper']);
    expect(c.filter((x) => x[0] === 'gbdt')).toHaveLength(10);
    expect(c.filter((x) => x[0] === 'gbdt-calibrated-platt').length).toBeGreaterThan(0);
    expect(c.filter((x) => x[0] === 'gbdt').reduce((s, x) => s + Number(x[2]), 0)).toBe(1500);
  });

  it('a test file without a training feature column stops with exit 1, unless allowed', () => {
    const partial = writeCsv('test-without-x1-x2.csv', ',', 600, ['x1', 'x2']);
    const args = ['evaluate', '--train', csv, '--test', partial, '--label', 'responded', '--drop', 'id,treated', '--trees', '5'];
    const r = run(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/test-without-x1-x2\.csv lacks 2 feature columns of .*data\.csv: x1, x2; .*--allow-missing-columns/);
    expect(r.stdout).toBe('');
    const ok = run([...args, '--allow-missing-columns', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/warning: .*lacks 2 feature columns .*: x1, x2: missing on every test row/);
    expect((JSON.parse(ok.stdout) as { warnings: string[] }).warnings).toHaveLength(1);
  });

  it('early stopping cuts the trees; the uplift models take their own trees and depth; explicit threads are kept and questioned', () => {
    const r = run([
      'evaluate', '--csv', csv, '--label', 'responded', '--treatment', 'treated', '--drop', 'id', '--trees', '400', '--learning-rate', '0.3',
      '--early-stopping', '5', '--validation-fraction', '0.25', '--uplift-trees', '7', '--uplift-depth', '2', '--bootstrap', '0', '--threads', '2', '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.results[0]!.trees).toBeLessThan(400);
    expect(out.results[0]!.trees).toBeGreaterThanOrEqual(1);
    expect(out.heldOutRows).toBe(525);
    expect(out.uplift.params).toMatchObject({ trees: 7, depth: 2 });
    expect(out.uplift.trees.treated).toBeLessThanOrEqual(7);
    expect(out.uplift.trees.control).toBeLessThanOrEqual(7);
    expect(out.uplift.spread).toBeNull();
    expect(out.threads).toMatchObject({ threads: 2, auto: false });
    expect(r.stderr).toMatch(/threads: 2 \(as given; below 20,000 rows one thread is usually faster\)/);
  });

  it('--delimiter reads a tab file; --missing-values replaces the tokens', () => {
    const tab = join(dir, 'tab.tsv');
    const lines = ['a\tb\ty'];
    for (let i = 0; i < 200; i++) lines.push(`${i % 10 === 0 ? '?' : i % 7}\t${i % 3 === 0 ? 'x' : 'z'}\t${i % 2}`);
    writeFileSync(tab, lines.join('\n') + '\n');
    const r = run(['evaluate', '--csv', tab, '--delimiter', 'tab', '--missing-values', '?,NA', '--label', 'y', '--trees', '3', '--validation-fraction', '0', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.input.train).toMatchObject({ delimiter: '\t', delimiterDetected: false });
    expect(out.input.train.columns[0]).toMatchObject({ name: 'a', kind: 'numeric', missing: 20, missingTokens: { '?': 20 } });
    expect(out.calibration).toMatchObject({ method: null, calibrated: null });
    expect(out.results.map((x) => x.algorithm)).toEqual(['gbdt', 'logistic']);
    // without the token, '?' makes the column categorical, with a warning saying why
    const w = run(['evaluate', '--csv', tab, '--label', 'y', '--trees', '3', '--json']);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/warning: column a: read as categorical because 20 of 200 filled cells are not numbers \(first: "\?" in row 1\)/);
  });

  it('usage errors exit 2, data errors exit 1, each with a clear message', () => {
    for (const [args, code, msg] of [
      [['evaluate', '--csv', csv], 2, /--label is required/],
      [['evaluate', '--csv', csv, '--label', 'responded', '--trees', 'many'], 2, /--trees must be/],
      [['train'], 2, /unknown command/],
      [['evaluate', '--csv', csv, '--label', 'responded', '--bogus', '1'], 2, /unknown option --bogus/],
      [['evaluate', '--csv', join(dir, 'nothing.csv'), '--label', 'responded'], 2, /file not found: .*nothing\.csv/],
      [['evaluate', '--csv', csv, '--label', 'nope'], 1, /label column "nope" not found/],
      [['evaluate', '--csv', csv, '--label', 'x0'], 1, /column x0: row 1 has value "[-\d.]+"; expected a binary 0\/1 value/],
    ] as const) {
      const r = run([...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(msg);
      if (code === 2) expect(r.stderr).toContain('usage:');
    }
    const help = run(['evaluate', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(USAGE + '\n');
  });
});

describe('ml CLI arguments', () => {
  it('--help documents every option, the exit codes and npm --silent', () => {
    expect(OPTION_NAMES.length).toBeGreaterThan(25);
    for (const name of OPTION_NAMES) expect(USAGE).toMatch(new RegExp(`^ +--${name}\\b`, 'm'));
    expect(USAGE).toMatch(/npm run --silent ml/);
    expect(USAGE).toMatch(/exit codes: 0 done, 1 data error .*, 2 usage error/s);
    expect(parseArgs(['--help'])).toBeNull();
  });
  it('parses delimiters, defaults the uplift parameters to the main ones and rejects inconsistent options', () => {
    const base = ['evaluate', '--csv', import.meta.filename, '--label', 'y'];
    const a = parseArgs([...base, '--delimiter', 'tab', '--trees', '50', '--depth', '4', '--treatment', 't'])!;
    expect(a).toMatchObject({ delimiter: '\t', upliftTrees: 50, upliftDepth: 4, upliftLearningRate: 0.1, threads: undefined, validationFraction: 0.2 });
    expect(parseArgs([...base, '--delimiter=;'])!.delimiter).toBe(';');
    expect(parseArgs([...base, '--missing-values', ''])!.missingValues).toEqual([]);
    for (const [extra, msg] of [
      [['--delimiter', ':'], /--delimiter must be one of/],
      [['--uplift-trees', '5'], /--uplift-trees goes with --treatment/],
      [['--early-stopping', '5', '--validation-fraction', '0'], /--early-stopping needs held-out rows/],
      [['--threads', '0'], /--threads must be an integer 1\.\.64/],
      [['--trees', '5', '--trees', '6'], /--trees given twice/],
      [['--json=yes'], /--json takes no value/],
      [['--out', join(dir, 'no/such/dir/out.json')], /--out: directory not found/],
    ] as const) {
      expect(() => parseArgs([...base, ...extra])).toThrow(UsageError);
      expect(() => parseArgs([...base, ...extra])).toThrow(msg);
    }
  });
  it('threads: one below the measured threshold, one per core (up to 8) from it, as given otherwise', () => {
    expect(AUTO_THREADS_MIN_ROWS).toBe(20_000);
    expect(chooseThreads({ threads: undefined }, 19_999, 2)).toEqual({ threads: 1, auto: true, reason: '19,999 rows < 20,000, where two threads are slower' });
    expect(chooseThreads({ threads: undefined }, 20_000, 2)).toMatchObject({ threads: 2, auto: true });
    expect(chooseThreads({ threads: undefined }, 1_000_000, 32)).toMatchObject({ threads: 8, auto: true });
    expect(chooseThreads({ threads: 2 }, 5_000, 2)).toMatchObject({ threads: 2, auto: false, reason: expect.stringMatching(/one thread is usually faster/) as unknown });
    expect(chooseThreads({ threads: 4 }, 50_000, 2)).toEqual({ threads: 4, auto: false, reason: 'as given' });
  });
});
