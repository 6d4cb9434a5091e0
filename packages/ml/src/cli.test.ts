import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('ml CLI', () => {
  const { dataset } = syntheticUplift({ rows: 3000, seed: 9 });
  const lines = ['id,' + dataset.featureNames.join(',') + ',segment,responded,treated'];
  for (let i = 0; i < dataset.nRows; i++) {
    const r = dataset.row(i);
    const cells = dataset.featureNames.map((f) => (i % 13 === 0 && f === 'x1' ? '' : (r[f] as number).toFixed(4)));
    lines.push([i, ...cells, ['"a, quoted"', 'b', 'c'][i % 3], dataset.label![i], dataset.treatment![i]].join(','));
  }
  const csv = join(dir, 'data.csv');
  writeFileSync(csv, lines.join('\n') + '\n');

  it('evaluates GBDT, logistic and uplift end to end (--json)', () => {
    const r = run(['evaluate', '--csv', csv, '--test-split', '0.3', '--seed', '42', '--label', 'responded', '--treatment', 'treated', '--drop', 'id', '--trees', '30', '--depth', '3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { results: Array<{ algorithm: string; auc: number; gini: number; ks: number; logLoss: number; brier: number; trainSeconds: number }>; uplift: { qini: number }; features: string[] };
    expect(out.results.map((x) => x.algorithm)).toEqual(['gbdt', 'logistic']);
    for (const x of out.results) {
      expect(x.auc).toBeGreaterThan(0.55);
      expect(x.gini).toBeCloseTo(2 * x.auc - 1, 9);
      expect(x.logLoss).toBeGreaterThan(0);
    }
    expect(typeof out.uplift.qini).toBe('number');
    expect(out.features).toContain('segment');
    expect(out.features).not.toContain('id');
  });

  it('prints a table with --train/--test', () => {
    const r = run(['evaluate', '--train', csv, '--test', csv, '--label', 'responded', '--drop', 'id,treated', '--trees', '10']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gbdt\s+0\.\d{4}/);
    expect(r.stdout).toMatch(/logistic\s+0\.\d{4}/);
  });

  it('bad arguments exit with code 2 and a clear message', () => {
    for (const [args, msg] of [
      [['evaluate', '--csv', csv], /--label is required/],
      [['evaluate', '--csv', csv, '--label', 'responded', '--trees', 'many'], /--trees must be/],
      [['train'], /unknown command/],
      [['evaluate', '--csv', csv, '--label', 'nope'], /label column "nope" not found/],
      [['evaluate', '--csv', csv, '--label', 'responded', '--bogus', '1'], /unknown option --bogus/],
    ] as const) {
      const r = run([...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
