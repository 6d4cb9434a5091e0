/**
 * Reference check against XGBoost `hist` (Debian's /usr/bin/python3 with
 * python3-xgboost): same data, depth, trees, eta, lambda, min_child_weight,
 * max_bin 256; test AUCs must agree within 0.005. Skipped when XGBoost is absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stratifiedSplitIndices } from './dataset.js';
import { trainGbdtSync } from './gbdt.js';
import { auc } from './metrics.js';
import { syntheticBinary } from './synthetic.js';

const PY = '/usr/bin/python3';
const hasXgb = spawnSync(PY, ['-c', 'import xgboost'], { stdio: 'ignore' }).status === 0;

const SCRIPT = `
import sys, json, numpy as np, xgboost as xgb
a = json.loads(sys.argv[1])
tr = np.genfromtxt(a['train'], delimiter=',', skip_header=1, missing_values='', filling_values=np.nan)
te = np.genfromtxt(a['test'], delimiter=',', skip_header=1, missing_values='', filling_values=np.nan)
d = xgb.DMatrix(tr[:, :-1], label=tr[:, -1], missing=np.nan)
b = xgb.train({'tree_method': 'hist', 'max_depth': a['depth'], 'eta': a['eta'], 'lambda': a['lambda'],
               'min_child_weight': a['mcw'], 'max_bin': 256, 'objective': 'binary:logistic', 'nthread': 1}, d, a['trees'])
p = b.predict(xgb.DMatrix(te[:, :-1], missing=np.nan))
print(json.dumps([float(x) for x in p]))
`;

describe('XGBoost reference', () => {
  it.skipIf(!hasXgb)(hasXgb ? 'test AUC within 0.005 of XGBoost hist' : 'SKIPPED: /usr/bin/python3 cannot import xgboost (apt-get install python3-xgboost)', () => {
    const { dataset } = syntheticBinary({ rows: 40_000, features: 12, seed: 21, categorical: false });
    const s = stratifiedSplitIndices(dataset.label!, 0.3, 5);
    const train = dataset.subset(s.train);
    const test = dataset.subset(s.test);
    const dir = mkdtempSync(join(tmpdir(), 'lyra-xgb-'));
    try {
      const write = (file: string, ds: typeof train): void => {
        const lines = [[...ds.featureNames, 'y'].join(',')];
        for (let i = 0; i < ds.nRows; i++) {
          const cells = ds.columns.map((c) => (c.kind === 'numeric' && !Number.isNaN(c.values[i]!) ? String(c.values[i]) : ''));
          lines.push([...cells, String(ds.label![i])].join(','));
        }
        writeFileSync(join(dir, file), lines.join('\n'));
      };
      write('train.csv', train);
      write('test.csv', test);
      const hp = { depth: 5, eta: 0.1, lambda: 1, mcw: 1, trees: 120 };
      const r = spawnSync(PY, ['-c', SCRIPT, JSON.stringify({ train: join(dir, 'train.csv'), test: join(dir, 'test.csv'), ...hp })], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      expect(r.status, r.stderr).toBe(0);
      const px = JSON.parse(r.stdout) as number[];
      const m = trainGbdtSync(train, { nTrees: hp.trees, maxDepth: hp.depth, learningRate: hp.eta, lambda: hp.lambda, minChildWeight: hp.mcw });
      const ours = auc(m.predictProba(test), test.label!);
      const theirs = auc(px, test.label!);
      expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(0.005);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
