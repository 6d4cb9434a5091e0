import { describe, expect, it } from 'vitest';
import { Dataset, stratifiedSplit } from './dataset.js';
import { TLearner, trainTLearnerSync } from './uplift.js';
import { syntheticUplift } from './synthetic.js';
import { qini } from './metrics.js';

describe('T-learner uplift', () => {
  it('Qini is clearly above random on data with a heterogeneous uplift', () => {
    const { dataset, trueUplift } = syntheticUplift({ rows: 20000, seed: 4 });
    const all = stratifiedSplit(dataset, 0.3, 1);
    const m = trainTLearnerSync(all.train, { nTrees: 80, maxDepth: 3, learningRate: 0.1, minChildWeight: 5 });
    const ev = m.evaluate(all.test);
    // random targeting has Qini ~0; the oracle (true uplift) is the upper reference.
    // The same strata and seed select the same test rows from a data set holding the true uplift.
    const truth = stratifiedSplit(new Dataset([{ kind: 'numeric', name: 'u', values: trueUplift }], dataset.label, dataset.treatment), 0.3, 1);
    const tu = (truth.test.column('u') as { values: Float64Array }).values;
    const oracle = qini(tu, all.test.label!, all.test.treatment!);
    expect(ev.qini.qini).toBeGreaterThan(0.3 * oracle.qini);
    expect(ev.qini.qini).toBeGreaterThan(0.01);
    expect(ev.deciles[0]!.observedUplift).toBeGreaterThan(ev.deciles[9]!.observedUplift + 0.1);
    const back = TLearner.fromJSON(JSON.stringify(m.toJSON()));
    expect(back.predictRow(all.test.row(0)).uplift).toBe(m.predictRow(all.test.row(0)).uplift);
  });
});
