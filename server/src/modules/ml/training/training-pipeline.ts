/**
 * The training pipeline on an assembled data set: pure computation, run in a worker thread
 * (training-pipeline.worker.ts, started by train-in-worker.ts) so the API's event loop never waits
 * for it. `runTraining` goes through these steps:
 *
 *  1. `splitRows`: stratified split (seeded): test part, then a calibration part of the rest
 *     (propensity: the evaluation subscribers calibrate and measure);
 *  2. `fitTrees`: GBDT on the fit part, early-stopped on held-out rows (`crossFitTrees` on small sets);
 *  3. `calibrate`: Platt or isotonic calibration on probabilities held out from the trees' fit;
 *  4. `testMetrics`, `fitBaseline`: evaluation on the test part: AUC, Gini, KS, log loss, Brier,
 *     lift, calibration, ROC, importance; the logistic baseline (and for default risk the
 *     scorecard, `fitScorecardView`) on the same split;
 *  5. `fitUplift`: campaign response with a control group: a T-learner for the uplift, Qini on the test part;
 *  6. the whole snapshot scored as scoring will see it: the PSI's reference and the level cut points.
 * Deterministic: the same data and seed give the same model, metrics and hash.
 */
import { createHash } from 'node:crypto';
import type { MlMetrics, MlModelName } from '@lyra/contracts';
import {
  calibrationTable, classificationMetrics, Dataset, DEFAULT_LOGISTIC_PARAMS, expectedCalibrationError, fitCalibrator, fitScorecard, GbdtModel, liftTable, mulberry32,
  resolveGbdtParams, Rng, rocCurve, stratifiedSplitIndices, TLearner, trainGbdt, trainLogistic,
  type Calibrator, type CalibratorJson, type Column, type GbdtModelJson, type GbdtParams, type LogisticModel, type LogisticModelJson,
  type ScorecardJson, type TLearnerJson,
} from '@lyra/ml';

export interface TrainingConfig {
  model: MlModelName;
  gbdt: Partial<GbdtParams>;
  calibration: 'platt' | 'isotonic' | 'auto';
  seed: number;
  testFraction: number;
  calibrationFraction: number;
  /** Fit a weight-of-evidence scorecard too (default risk). */
  scorecard: boolean;
  /** Fit a T-learner on the treatment column when both groups are present (campaign response). */
  uplift: boolean;
  /** Column set to 1 for the training score distribution (response: scoring assumes a contact). */
  scoringOverrides: Record<string, number>;
  /** Above this many fit rows, rare-event sets keep every positive and a seeded share of the negatives for the trees. */
  maxFitRows: number;
  /** Up to this many rows outside the test part, calibration is cross-fitted (see runTraining). */
  crossFitMaxRows: number;
}

export interface TrainingInput {
  config: TrainingConfig;
  columns: Column[];
  label: Uint8Array;
  treatment: Uint8Array | null;
  /** propensity: the subscriber (0..k-1) of every row, for the "buys any product" score. */
  groups: Int32Array | null;
  /**
   * propensity: other subscribers with every pair (the real purchase rate). The rows above then
   * only fit the trees; these calibrate them (one half of the subscribers) and measure them (the other).
   */
  evaluation: { columns: Column[]; label: Uint8Array; groups: Int32Array } | null;
  /** Share of the negative rows kept when the rows above were assembled (1 = all). */
  negativeRate: number;
}

/** The evaluation subscribers split in two, seeded: calibration rows and test rows (every pair of a subscriber on one side). */
export function evaluationSplit(groups: Int32Array, seed: number): { calibration: Uint32Array; test: Uint32Array } {
  let k = 0;
  for (const g of groups) k = Math.max(k, g + 1);
  const order = Array.from({ length: k }, (_, i) => i);
  new Rng(seed + 5).shuffle(order);
  const inTest = new Uint8Array(k);
  for (let j = 0; j < Math.floor(k / 2); j++) inTest[order[j]!] = 1;
  const cal: number[] = [];
  const test: number[] = [];
  groups.forEach((g, i) => (inTest[g] ? test : cal).push(i));
  return { calibration: Uint32Array.from(cal), test: Uint32Array.from(test) };
}

export interface TrainingProgress {
  stage: string;
  iteration: number;
  total: number;
}

export interface ModelArtifactCore {
  gbdt: GbdtModelJson;
  calibrator: CalibratorJson;
  logistic: LogisticModelJson;
  scorecard: ScorecardJson | null;
  uplift: TLearnerJson | null;
}

export interface TrainingOutput {
  core: ModelArtifactCore;
  metrics: MlMetrics;
  calibration: 'platt' | 'isotonic';
  /** 201 quantiles of the calibrated training scores (the PSI's expected distribution). */
  scoreQuantiles: number[];
  rows: { total: number; positives: number; train: number; calibration: number; test: number; treated: number | null; control: number | null };
  hash: string;
  params: GbdtParams;
  /** Share of negative rows the trees were fit on (1 = all); calibration and metrics always use all rows. */
  negativeRate: number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const count = (y: Uint8Array | undefined): number => {
  let c = 0;
  for (const v of y ?? []) c += v;
  return c;
};

/** SHA-256 over column names, values, vocabularies, labels and treatment: identical data, identical hash. */
export function datasetHash(columns: Column[], label: Uint8Array, treatment: Uint8Array | null): string {
  const h = createHash('sha256');
  for (const c of columns) {
    h.update(`${c.kind}:${c.name}\n`);
    if (c.kind === 'numeric') h.update(new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
    else {
      h.update(new Uint8Array(c.codes.buffer, c.codes.byteOffset, c.codes.byteLength));
      h.update(JSON.stringify(c.vocabulary));
    }
  }
  h.update(label);
  if (treatment) h.update(treatment);
  return h.digest('hex');
}

function headline(p: ArrayLike<number>, y: Uint8Array) {
  const m = classificationMetrics(p, y);
  return { auc: finite(m.auc), gini: finite(m.gini), ks: finite(m.ks), log_loss: finite(m.logLoss), brier: finite(m.brier) };
}

function quantiles(values: Float64Array, k = 200): number[] {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return [];
  return Array.from({ length: k + 1 }, (_, i) => s[Math.min(s.length - 1, Math.round((i * (s.length - 1)) / k))]!);
}

/** The threshold with the best F1 on held-out calibrated probabilities: the yes/no answer's cut. */
function f1Threshold(p: Float64Array, y: Uint8Array): number {
  const idx = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
  let pos = 0;
  for (const v of y) pos += v;
  if (pos === 0) return 1;
  let tp = 0;
  let best = -1;
  let bestT = 0.5;
  for (let k = 0; k < idx.length; k++) {
    tp += y[idx[k]!]!;
    const next = k + 1 < idx.length ? p[idx[k + 1]!]! : -Infinity;
    if (next === p[idx[k]!]) continue; // ties move together
    const f1 = (2 * tp) / (k + 1 + pos);
    if (f1 > best) {
      best = f1;
      bestT = p[idx[k]!]!;
    }
  }
  return bestT;
}

/** Per subscriber: P(buys any) = 1 - prod(1 - p) and whether they bought anything; its metrics and cut points. */
function anyProduct(p: Float64Array, y: Uint8Array, groups: Int32Array): NonNullable<MlMetrics['any_product']> {
  let k = 0;
  for (const g of groups) k = Math.max(k, g + 1);
  const none = new Float64Array(k).fill(1);
  const bought = new Uint8Array(k);
  for (let i = 0; i < p.length; i++) {
    const g = groups[i]!;
    none[g] = none[g]! * (1 - p[i]!);
    if (y[i]) bought[g] = 1;
  }
  const any = none.map((v) => 1 - v);
  const q = quantiles(any);
  let pos = 0;
  for (const v of bought) pos += v;
  let sum = 0;
  for (const v of any) sum += v;
  return { ...headline(any, bought), rows: k, positives: pos, mean_predicted: k ? sum / k : 0, thresholds: { decision: f1Threshold(any, bought), high: q[180] ?? 1, medium: q[140] ?? 1 } };
}

function importance(model: GbdtModel): MlMetrics['feature_importance'] {
  const gain = model.featureImportance('gain');
  const splits = new Map(model.featureImportance('split').map((r) => [r.feature, r.importance]));
  const total = gain.reduce((s, r) => s + r.importance, 0);
  return gain.map((r) => ({ feature: r.feature, importance: r.importance, share: total > 0 ? r.importance / total : 0, splits: Math.round(splits.get(r.feature) ?? 0) }));
}

/**
 * Rows to fit the trees on a large rare-event set: every positive and a seeded share of the
 * negatives (at least ten per positive). The trees' probabilities then run high by a constant
 * log-odds, which the calibrator, fitted on all held-out rows, takes out.
 */
function negativeSample(ds: Dataset, maxRows: number, seed: number, rate?: number, rows?: ArrayLike<number>): { ds: Dataset; rate: number } {
  // `rows`: sample among these rows of `ds` (in their order) without copying them out first.
  const y = ds.label!;
  const m = rows ? rows.length : ds.nRows;
  const at = rows ? (i: number) => rows[i]! : (i: number) => i;
  let pos = 0;
  for (let i = 0; i < m; i++) pos += y[at(i)]!;
  const neg = m - pos;
  const r = rate ?? (m <= maxRows || pos > 0.25 * m ? 1 : Math.min(1, Math.max((maxRows - pos) / neg, (10 * pos) / neg)));
  if (r >= 1) return { ds: rows ? ds.subset(rows) : ds, rate: 1 };
  const rand = mulberry32(seed);
  const keep: number[] = [];
  for (let i = 0; i < m; i++) if (y[at(i)] || rand() < r) keep.push(at(i));
  return { ds: ds.subset(keep), rate: r };
}

const FOLDS = 5;

/** A fold (0..k-1) for every row, stratified by label (and treatment) and seeded. */
function foldsOf(y: Uint8Array, treatment: Uint8Array | null, k: number, seed: number): Uint8Array {
  const strata: number[][] = [[], [], [], []];
  for (let i = 0; i < y.length; i++) strata[y[i]! + (treatment ? 2 * treatment[i]! : 0)]!.push(i);
  const rng = new Rng(seed);
  const fold = new Uint8Array(y.length);
  for (const s of strata) {
    rng.shuffle(s);
    s.forEach((row, j) => (fold[row] = j % k));
  }
  return fold;
}

/**
 * The response model of one group (1 treated, 0 control). A group with fewer than five responders
 * or non-responders has nothing to learn splits from: its model is its smoothed response rate, a
 * GBDT without trees whose base score is that rate's log-odds.
 */
async function groupModel(ds: Dataset, group: 0 | 1, params: Partial<GbdtParams>): Promise<GbdtModel> {
  const rows: number[] = [];
  let pos = 0;
  for (let i = 0; i < ds.nRows; i++) {
    if (ds.treatment![i] !== group) continue;
    rows.push(i);
    pos += ds.label![i]!;
  }
  const part = ds.subset(rows);
  if (pos >= 5 && rows.length - pos >= 5) return trainGbdt(part, params);
  const rate = (pos + 0.5) / (rows.length + 1);
  return new GbdtModel({
    format: 'lyra-gbdt', version: 1, objective: 'binary:logistic', params: resolveGbdtParams(params), baseScore: Math.log(rate / (1 - rate)),
    features: [], trees: [], bestIteration: 0, importance: { gain: [], split: [] },
    training: { rows: rows.length, validationRows: 0, positives: pos, validationLoss: [], seconds: 0, threads: 1 },
  });
}

function withOverrides(ds: Dataset, overrides: Record<string, number>): Dataset {
  if (Object.keys(overrides).length === 0) return ds;
  const cols = ds.columns.map((c): Column => (c.kind === 'numeric' && c.name in overrides ? { ...c, values: new Float64Array(ds.nRows).fill(overrides[c.name]!) } : c));
  return new Dataset(cols, ds.label, ds.treatment, ds.labelName);
}

type OnProgress = (p: TrainingProgress) => void;

/** The rows each step sees: `rest` is everything outside the test part (null for propensity, whose test part is the evaluation subscribers'). */
interface Split {
  rest: Dataset | null;
  test: Dataset;
  /** The rows the trees fit: the fit part, negative-sampled (see negativeSample). */
  sampled: { ds: Dataset; rate: number };
  cal: Dataset;
  /** Rows the trees' early stopping watches (distributed like the fit rows); null: the calibration part. */
  watch: Dataset | null;
}

/** Uncalibrated held-out probabilities and their labels: what the calibrator and the decision threshold learn from. */
interface HeldOut {
  p: Float64Array;
  y: Uint8Array;
}

function checkEnoughRows(n: number, positives: number): void {
  if (n < 50) throw new Error(`only ${n} labelled rows in the snapshot; at least 50 are needed`);
  if (positives < 10 || n - positives < 10) throw new Error(`the snapshot has ${positives} positive and ${n - positives} negative rows; at least 10 of each are needed`);
}

/** The hash of every row the version learnt from or was measured on (the evaluation rows under their own names). */
function trainingHash(input: TrainingInput): string {
  const ev = input.evaluation;
  return datasetHash(
    ev ? [...input.columns, ...ev.columns.map((c) => ({ ...c, name: `evaluation:${c.name}` }))] : input.columns,
    ev ? Uint8Array.from([...input.label, ...ev.label]) : input.label,
    input.treatment,
  );
}

function splitRows(all: Dataset, evaluation: Dataset | null, input: TrainingInput): Split {
  const { config } = input;
  if (evaluation) {
    // Propensity: the trees fit the sampled rows (early-stopped on a share of them); the evaluation
    // subscribers, with the real purchase rate, calibrate (one half) and measure (the other half).
    const parts = evaluationSplit(input.evaluation!.groups, config.seed);
    const inner = stratifiedSplitIndices(all.label!, config.calibrationFraction, config.seed + 1, null);
    return {
      rest: null, test: evaluation.subset(parts.test), sampled: negativeSample(all, config.maxFitRows, config.seed + 2, undefined, inner.train),
      cal: evaluation.subset(parts.calibration), watch: all.subset(inner.test),
    };
  }
  const outer = stratifiedSplitIndices(all.label!, config.testFraction, config.seed, all.treatment);
  const rest = all.subset(outer.train);
  const test = all.subset(outer.test);
  const inner = stratifiedSplitIndices(rest.label!, config.calibrationFraction, config.seed + 1, rest.treatment);
  return { rest, test, sampled: negativeSample(rest, config.maxFitRows, config.seed + 2, undefined, inner.train), cal: rest.subset(inner.test), watch: null };
}

/**
 * The data set cut into the parts each step sees. Propensity's assembled fit rows (the largest
 * arrays of a run) are referenced from here only: the parts cut from them are copies, so once
 * runTraining lets go of the input's columns, they can be freed while the trees train.
 */
function prepare(input: TrainingInput): { split: Split; evaluation: Dataset | null; scoringRows: Dataset; hash: string; n: number; positives: number } {
  const all = new Dataset(input.columns, input.label, input.treatment, 'label');
  const positives = count(input.label);
  checkEnoughRows(all.nRows, positives);
  const evaluation = input.evaluation ? new Dataset(input.evaluation.columns, input.evaluation.label, null, 'label') : null;
  const hash = trainingHash(input);
  // The whole snapshot as scoring will see it (propensity: the evaluation subscribers with every pair).
  return { split: splitRows(all, evaluation, input), evaluation, scoringRows: withOverrides(evaluation ?? all, input.config.scoringOverrides), hash, n: all.nRows, positives };
}

/**
 * Small sets (rare labels, few positives): five-fold cross-fitting. Every row outside the test part
 * gets an out-of-fold probability for the calibrator, and the final trees see all of those rows
 * (a quarter more than a fixed calibration split would leave them) with the folds' mean tree count.
 */
async function crossFitTrees(rest: Dataset, params: Partial<GbdtParams>, seed: number, onProgress: OnProgress): Promise<{ gbdt: GbdtModel; heldOut: HeldOut }> {
  const fold = foldsOf(rest.label!, rest.treatment, FOLDS, seed + 1);
  const oof = new Float64Array(rest.nRows);
  let trees = 0;
  for (let k = 0; k < FOLDS; k++) {
    const trainIdx: number[] = [];
    const valIdx: number[] = [];
    for (let i = 0; i < rest.nRows; i++) (fold[i] === k ? valIdx : trainIdx).push(i);
    onProgress({ stage: 'cross-fitting', iteration: k, total: FOLDS });
    const m = await trainGbdt(rest.subset(trainIdx), params, { validation: rest.subset(valIdx) });
    const p = m.predictProba(rest.subset(valIdx));
    valIdx.forEach((i, j) => (oof[i] = p[j]!));
    trees += m.nTrees;
  }
  const nTrees = Math.max(1, Math.round(trees / FOLDS));
  onProgress({ stage: 'training', iteration: 0, total: nTrees });
  const gbdt = await trainGbdt(rest, { ...params, earlyStoppingRounds: 0, nTrees }, { onIteration: ({ iteration }) => onProgress({ stage: 'training', iteration, total: nTrees }) });
  return { gbdt, heldOut: { p: oof, y: rest.label! } };
}

/** The trees on the (negative-sampled) fit rows, early-stopped on rows distributed like them; held out: the calibration part. */
async function fitTrees(
  split: Split, params: Partial<GbdtParams>, config: TrainingConfig, onProgress: OnProgress,
): Promise<{ gbdt: GbdtModel; heldOut: HeldOut }> {
  const { sampled } = split;
  const total = params.nTrees ?? 100;
  const validation = negativeSample(split.watch ?? split.cal, config.maxFitRows, config.seed + 3, sampled.rate).ds;
  onProgress({ stage: 'training', iteration: 0, total });
  const gbdt = await trainGbdt(sampled.ds, params, {
    validation,
    onIteration: ({ iteration }) => onProgress({ stage: 'training', iteration, total }),
  });
  return { gbdt, heldOut: { p: gbdt.predictProba(split.cal), y: split.cal.label! } };
}

/** Platt or isotonic on the held-out probabilities ('auto': isotonic once there are enough rows and positives). */
function calibrate(choice: TrainingConfig['calibration'], heldOut: HeldOut): { method: 'platt' | 'isotonic'; calibrator: Calibrator } {
  let positives = 0;
  for (const v of heldOut.y) positives += v;
  const method = choice === 'auto' ? (heldOut.y.length >= 5000 && positives >= 200 ? 'isotonic' : 'platt') : choice;
  return { method, calibrator: fitCalibrator(method, heldOut.p, heldOut.y) };
}

/** Rows the logistic baseline is fitted on at most. */
const BASELINE_ROWS = 10_000;

/**
 * The baseline: fit on at most 10,000 of the fit rows with the 15 most common categories per
 * feature, since IRLS costs rows x terms^2 per step; Platt-calibrated on the held-out part like the trees.
 * Negative sampling alone does not bound the rows when positives are common (it keeps ten negatives
 * per positive: 116,000 rows and minutes of IRLS for the demo's propensity), so a stratified share
 * of what it keeps is taken beyond that. Progress: one step per Newton iteration.
 */
function fitBaseline(fitRows: Dataset, cal: Dataset, test: Dataset, seed: number, onProgress: OnProgress): { logistic: LogisticModel; pTest: Float64Array } {
  let rows = negativeSample(fitRows, BASELINE_ROWS, seed + 4).ds;
  if (rows.nRows > BASELINE_ROWS) rows = rows.subset(stratifiedSplitIndices(rows.label!, BASELINE_ROWS / rows.nRows, seed + 6, null).test);
  const params = { maxCategories: 15 };
  const maxIter = DEFAULT_LOGISTIC_PARAMS.maxIter;
  onProgress({ stage: 'baseline', iteration: 0, total: maxIter });
  const logistic = trainLogistic(rows, params, { onIteration: (iteration) => onProgress({ stage: 'baseline', iteration, total: maxIter }) });
  return { logistic, pTest: fitCalibrator('platt', logistic.predictProba(cal), cal.label!).predictAll(logistic.predictProba(test)) };
}

/** Every metric of the test part (the decision and level cuts are set once the whole snapshot is scored). */
function testMetrics(gbdt: GbdtModel, rawTest: Float64Array, pTest: Float64Array, yTest: Uint8Array, baselineP: Float64Array): MlMetrics {
  let testPositives = 0;
  for (const v of yTest) testPositives += v;
  return {
    ...headline(pTest, yTest),
    rows: yTest.length,
    positives: testPositives,
    calibration_error: finite(expectedCalibrationError(pTest, yTest)),
    lift: liftTable(pTest, yTest).map((r) => ({
      decile: r.decile, rows: r.rows, positives: r.positives, min_score: finite(r.minScore), max_score: finite(r.maxScore), mean_score: finite(r.meanScore),
      rate: r.rate, lift: finite(r.lift), cumulative_gain: finite(r.cumulativeGain), cumulative_lift: finite(r.cumulativeLift),
    })),
    calibration: calibrationTable(pTest, yTest).map((r) => ({
      bin: r.bin, rows: r.rows, mean_predicted: r.meanPredicted, observed_rate: r.observedRate, lower: r.lower, upper: r.upper,
    })),
    roc: rocCurve(pTest, yTest, 101).map((r) => ({ fpr: r.fpr, tpr: r.tpr, threshold: finite(r.threshold) })),
    feature_importance: importance(gbdt),
    uncalibrated: { ...headline(rawTest, yTest), calibration_error: finite(expectedCalibrationError(rawTest, yTest)) },
    baseline: { algorithm: 'logistic', ...headline(baselineP, yTest) },
    thresholds: { decision: 0.5, high: 0.5, medium: 0.5 },
  };
}

/** Default risk: a weight-of-evidence scorecard on the fit rows, measured on the test part. */
function fitScorecardView(fitRows: Dataset, test: Dataset): { json: ScorecardJson; metrics: NonNullable<MlMetrics['scorecard']> } {
  const sc = fitScorecard(fitRows);
  return {
    json: sc.toJSON(),
    metrics: {
      metrics: headline(sc.predictProba(test), test.label!),
      table: sc.scorecard().map((r) => ({
        feature: r.feature, bin: r.bin, rows: r.rows, events: r.events, event_rate: finite(r.eventRate), woe: r.woe, points: r.points,
      })),
    },
  };
}

/** Campaign response: a T-learner on the rows outside the test part, its Qini and uplift deciles on the test part. */
async function fitUplift(
  rest: Dataset, test: Dataset, params: Partial<GbdtParams>, nTrees: number, scoringOverrides: Record<string, number>,
): Promise<{ json: TLearnerJson; qini: NonNullable<MlMetrics['qini']>; deciles: NonNullable<MlMetrics['uplift_deciles']> }> {
  const drop = Object.keys(scoringOverrides);
  // The two response models get the main model's number of trees (no held-out rows to stop on).
  const groupParams = { ...params, earlyStoppingRounds: 0, nTrees: Math.max(1, nTrees) };
  const fitRows = rest.dropColumns(drop);
  const tl = new TLearner(await groupModel(fitRows, 1, groupParams), await groupModel(fitRows, 0, groupParams));
  const ev = tl.evaluate(test.dropColumns(drop));
  return {
    json: tl.toJSON(),
    qini: { qini: finite(ev.qini.qini), qini_normalized: finite(ev.qini.qiniNormalized), curve: ev.qini.curve },
    deciles: ev.deciles.map((r) => ({
      decile: r.decile, rows: r.rows, treated: r.treated, control: r.control, treated_rate: finite(r.treatedRate), control_rate: finite(r.controlRate),
      observed_uplift: finite(r.observedUplift), mean_predicted_uplift: finite(r.meanPredictedUplift),
    })),
  };
}

function treatmentCounts(treatment: Uint8Array | null, n: number): { treated: number | null; control: number | null } {
  if (!treatment) return { treated: null, control: null };
  let treated = 0;
  for (const v of treatment) treated += v;
  return { treated, control: n - treated };
}

export async function runTraining(input: TrainingInput, onProgress: OnProgress): Promise<TrainingOutput> {
  const { config } = input;
  onProgress({ stage: 'splitting', iteration: 0, total: 0 });
  const { split, evaluation, scoringRows, hash, n, positives } = prepare(input);
  // Propensity: nothing past the split reads the assembled fit rows; letting go of them here frees
  // a few hundred MB (the demo's 250,000 rows x 81 features) before the trees train. The input is
  // this thread's own copy (train-in-worker.ts transfers it).
  if (evaluation) input.columns = [];
  const { rest, test, sampled } = split;

  const params: Partial<GbdtParams> = { ...config.gbdt, seed: config.seed };
  const crossFit = rest !== null && rest.nRows <= config.crossFitMaxRows;
  const { gbdt, heldOut } = crossFit ? await crossFitTrees(rest, params, config.seed, onProgress) : await fitTrees(split, params, config, onProgress);

  onProgress({ stage: 'calibration', iteration: 0, total: 0 });
  const { method, calibrator } = calibrate(config.calibration, heldOut);
  const pCal = calibrator.predictAll(heldOut.p);

  onProgress({ stage: 'evaluation', iteration: 0, total: 0 });
  const rawTest = gbdt.predictProba(test);
  const pTest = calibrator.predictAll(rawTest);
  const baseline = fitBaseline(sampled.ds, split.cal, test, config.seed, onProgress);
  const metrics = testMetrics(gbdt, rawTest, pTest, test.label!, baseline.pTest);

  let scorecard: ScorecardJson | null = null;
  if (config.scorecard) {
    onProgress({ stage: 'scorecard', iteration: 0, total: 0 });
    const view = fitScorecardView(sampled.ds, test);
    scorecard = view.json;
    metrics.scorecard = view.metrics;
  }

  let uplift: TLearnerJson | null = null;
  const { treated, control } = treatmentCounts(input.treatment, n);
  if (config.uplift && input.treatment && rest && control! >= 50 && treated! >= 50) {
    onProgress({ stage: 'uplift', iteration: 0, total: 0 });
    const fitted = await fitUplift(rest, test, params, gbdt.nTrees, config.scoringOverrides);
    uplift = fitted.json;
    metrics.qini = fitted.qini;
    metrics.uplift_deciles = fitted.deciles;
  }

  // Scores of the whole snapshot as scoring will see them (for propensity, the evaluation subscribers
  // with every pair): the PSI's reference and the level cut points.
  const pAll = calibrator.predictAll(gbdt.predictProba(scoringRows));
  const q = quantiles(pAll);
  metrics.thresholds = { decision: f1Threshold(pCal, heldOut.y), high: q[180] ?? 1, medium: q[140] ?? 1 };
  if (input.evaluation) metrics.any_product = anyProduct(pAll, input.evaluation.label, input.evaluation.groups);
  else if (input.groups) metrics.any_product = anyProduct(pAll, input.label, input.groups);

  onProgress({ stage: 'saving', iteration: 0, total: 0 });
  return {
    core: { gbdt: gbdt.toJSON(), calibrator: calibrator.toJSON(), logistic: baseline.logistic.toJSON(), scorecard, uplift },
    metrics,
    calibration: method,
    scoreQuantiles: q,
    rows: {
      total: n + (evaluation?.nRows ?? 0), positives: positives + count(input.evaluation?.label),
      train: crossFit ? rest.nRows : sampled.ds.nRows, calibration: heldOut.y.length, test: test.nRows, treated, control,
    },
    hash,
    params: gbdt.toJSON().params,
    negativeRate: sampled.rate * input.negativeRate,
  };
}
