/**
 * XGBoost on a pair matrix, for the benchmarks that put Lyra's tree scorer beside XGBoost's predict
 * (scale: the propensity model's real pairs; ml-predict: synthetic pairs shaped like them). The
 * matrices are written as row-major float32 files, categories as indexes into the training
 * vocabulary, and bench/src/scale-xgb.py trains `hist` on the training rows (with
 * `enable_categorical`) and times `predict` on the pairs on one thread.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Column } from '@lyra/ml';

const PY = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scale-xgb.py');

/** Whether /usr/bin/python3 imports xgboost and numpy. */
export function hasXgboost(): boolean {
  return spawnSync(PY, ['-c', 'import xgboost, numpy'], { stdio: 'ignore' }).status === 0;
}

/** Category -> index, per categorical column of the training rows (XGBoost's category codes). */
export function categoryLevels(columns: readonly Column[]): Map<string, Map<string, number>> {
  const levels = new Map<string, Map<string, number>>();
  for (const c of columns) if (c.kind === 'categorical') levels.set(c.name, new Map(c.vocabulary.map((v, i) => [v, i])));
  return levels;
}

/** A model's columns as a row-major float32 matrix, categories as indexes into `levels` (NaN: missing or unseen). */
export function toMatrix(columns: readonly Column[], levels: Map<string, Map<string, number>>): Float32Array {
  const n = columns[0]!.kind === 'numeric' ? columns[0]!.values.length : columns[0]!.codes.length;
  const F = columns.length;
  const X = new Float32Array(n * F);
  columns.forEach((c, f) => {
    if (c.kind === 'numeric') {
      for (let i = 0; i < n; i++) X[i * F + f] = c.values[i]!;
      return;
    }
    const index = levels.get(c.name) ?? new Map<string, number>();
    const map = c.vocabulary.map((v) => index.get(v) ?? NaN);
    for (let i = 0; i < n; i++) {
      const code = c.codes[i]!;
      X[i * F + f] = code < 0 ? NaN : map[code]!;
    }
  });
  return X;
}

export interface XgbPairsInput {
  /** training rows (the columns Lyra's model learnt from) and their labels */
  train: readonly Column[];
  label: Uint8Array;
  /** the rows to predict, same columns in the same order */
  pairs: readonly Column[];
  trainThreads: number;
  trees: number;
  depth: number;
  eta: number;
  lambda: number;
  minChildWeight: number;
  /** keep the written matrices and the trained model (xgb-model.json) in this directory (else a temporary one, removed) */
  keepDir?: string | undefined;
  /** predict with this saved model instead of training one */
  modelIn?: string | undefined;
}

export interface XgbPairsResult {
  version: string;
  /** "categorical" or "numeric codes" (an XGBoost without categorical support from numpy) */
  categorical: string;
  trees: number;
  trainRows: number;
  trainSeconds: number;
  predictRows: number;
  /** best of three, one thread, wall clock and CPU */
  predictSeconds: number;
  predictCpuSeconds: number;
}

/** Trains XGBoost on `train` and times its one-thread predict on `pairs` (bench/src/scale-xgb.py). */
export function xgbOnPairs(input: XgbPairsInput): XgbPairsResult {
  const levels = categoryLevels(input.train);
  const dir = input.keepDir ?? mkdtempSync(path.join(tmpdir(), 'lyra-bench-xgb-pairs-'));
  try {
    writeFileSync(path.join(dir, 'train_x.bin'), new Uint8Array(toMatrix(input.train, levels).buffer));
    writeFileSync(path.join(dir, 'train_y.bin'), input.label);
    writeFileSync(path.join(dir, 'pairs_x.bin'), new Uint8Array(toMatrix(input.pairs, levels).buffer));
    const args = {
      types: input.train.map((c) => (c.kind === 'categorical' ? 'c' : 'q')),
      train_x: path.join(dir, 'train_x.bin'), train_y: path.join(dir, 'train_y.bin'), pairs_x: path.join(dir, 'pairs_x.bin'),
      train_threads: input.trainThreads, trees: input.trees, depth: input.depth, eta: input.eta, lambda: input.lambda, min_child_weight: input.minChildWeight,
      ...(input.modelIn ? { model_in: input.modelIn } : input.keepDir ? { model_out: path.join(dir, 'xgb-model.json') } : {}),
    };
    if (input.keepDir) writeFileSync(path.join(dir, 'args.json'), JSON.stringify(args));
    const out = execFileSync(PY, [SCRIPT, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const x = JSON.parse(out.trim().split('\n').pop()!) as {
      xgboost: string; categorical: string; trees: number; train_rows: number; train_s: number; predict_rows: number; predict_s: number; predict_cpu_s: number;
    };
    return {
      version: x.xgboost, categorical: x.categorical, trees: x.trees, trainRows: x.train_rows, trainSeconds: x.train_s,
      predictRows: x.predict_rows, predictSeconds: x.predict_s, predictCpuSeconds: x.predict_cpu_s,
    };
  } finally {
    if (!input.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}
