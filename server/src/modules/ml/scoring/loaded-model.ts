/**
 * A trained version in memory: its GBDT (with the fitted bins and category lists), calibrator,
 * uplift model, feature definition and fitted preprocessing, ready to score rows. Versions are
 * immutable, so a loaded version is cached by id for the life of the process.
 */
import type { Level, MlMetrics, MlModelName, MlReason } from '@lyra/contracts';
import {
  calibratorFromJSON, Dataset, explainRow, explainRows, GbdtModel, sigmoid, TLearner,
  type Calibrator, type CalibratorJson, type Column, type GbdtModelJson, type LogisticModelJson, type Reason, type Row, type ScorecardJson, type TLearnerJson,
} from '@lyra/ml';
import {
  ColumnBuilder, featureDefs, mergeParts, SpareColumns, subjectFeatures, type CustomerFacts, type FeatureDef, type FeaturePreprocessing, type ModelFeatureSet, type ProductInfo, type RowParts,
} from '../features/features.js';
import type { ModelVersionRow } from '../ml.repository.js';

/** What a version stores in its `artifact` column. */
export interface ModelArtifact {
  format: 'lyra-ml-version';
  formatVersion: 1;
  model: MlModelName;
  featureSet: ModelFeatureSet;
  preprocessing: FeaturePreprocessing;
  scoringOverrides: Record<string, number>;
  gbdt: GbdtModelJson;
  calibrator: CalibratorJson;
  logistic: LogisticModelJson;
  scorecard: ScorecardJson | null;
  uplift: TLearnerJson | null;
}

export type Thresholds = MlMetrics['thresholds'];

export class LoadedModel {
  readonly gbdt: GbdtModel;
  readonly calibrator: Calibrator;
  readonly uplift: TLearner | null;
  readonly defs: FeatureDef[];
  readonly thresholds: Thresholds;
  readonly anyThresholds: Thresholds | null;
  /** Whether scoring sets some features to fixed values (a response is scored for a contact). */
  private readonly hasOverrides: boolean;
  /** The last scored rows' column arrays, for the next rowsBuilder (batch scoring scores page after page). */
  private readonly spareColumns = new SpareColumns();
  /** Per GBDT feature, 1 for the subscriber's own (not the subject's): what a subscriber's rows share (see reasonsOfRows). */
  private readonly subscriberFeatures: Uint8Array;

  constructor(
    readonly id: string,
    readonly name: MlModelName,
    readonly version: number,
    readonly artifact: ModelArtifact,
    metrics: MlMetrics,
  ) {
    if (artifact.format !== 'lyra-ml-version' || artifact.formatVersion !== 1) throw new Error(`model version ${id} has an unknown artifact format`);
    this.gbdt = GbdtModel.fromJSON(artifact.gbdt);
    this.calibrator = calibratorFromJSON(artifact.calibrator);
    this.uplift = artifact.uplift ? TLearner.fromJSON(artifact.uplift) : null;
    this.defs = featureDefs(artifact.featureSet, artifact.preprocessing);
    this.thresholds = metrics.thresholds;
    this.anyThresholds = metrics.any_product?.thresholds ?? null;
    this.hasOverrides = Object.keys(artifact.scoringOverrides).length > 0;
    const subject = subjectFeatures(artifact.featureSet);
    this.subscriberFeatures = Uint8Array.from(this.gbdt.featureNames, (name) => (subject.has(name) ? 0 : 1));
  }

  get pre(): FeaturePreprocessing {
    return this.artifact.preprocessing;
  }

  /** The row as scoring sees it (a response is scored for a contact). */
  private prepared(row: Row): Row {
    return this.hasOverrides ? mergeParts([this.artifact.scoringOverrides, row]) : row;
  }

  /** Calibrated probability of one row. */
  score(row: Row): number {
    return this.calibrator.predict(sigmoid(this.gbdt.predictRowRaw(this.prepared(row))));
  }

  /** Calibrated probabilities of many rows given as parts (the compiled tree scorer on typed columns). */
  scoreMany(rows: RowParts[]): Float64Array {
    const b = this.rowsBuilder(rows.length);
    for (const r of rows) this.addRow(b, r);
    return this.scoreRows(b);
  }

  /** Typed feature columns for `rows` rows of this model, filled by addRow and scored by scoreRows in one pass. */
  rowsBuilder(rows: number): ColumnBuilder {
    return new ColumnBuilder(this.defs, rows, this.spareColumns);
  }

  /** One row, as scoring sees it (the version's scoring overrides first, when it has any). */
  addRow(b: ColumnBuilder, parts: RowParts): void {
    if (this.hasOverrides) b.add(this.artifact.scoringOverrides, ...parts);
    else b.add(...parts);
  }

  /** A subscriber's rows with each of `products`, `base` their customerRow (scoring overrides first): see ColumnBuilder.addProductPairs. */
  addProductPairs(b: ColumnBuilder, f: CustomerFacts, base: Row, products: readonly ProductInfo[]): void {
    b.addProductPairs(this.hasOverrides ? [this.artifact.scoringOverrides, base] : [base], f, products);
  }

  /** Calibrated probabilities of the builder's rows, in the order they were added. */
  scoreRows(b: ColumnBuilder): Float64Array {
    const columns = b.columns();
    const scores = b.rows === 0 ? new Float64Array(0) : this.scoreColumns(columns);
    // The columns were seen by the trees only: their arrays can hold the next page's rows.
    b.release();
    return scores;
  }

  /** Calibrated probabilities of rows given as the builder's columns (ColumnBuilder.columns()). */
  scoreColumns(columns: Column[]): Float64Array {
    return this.calibrator.predictAll(this.gbdt.predictProba(new Dataset(columns)));
  }

  /** The top TreeSHAP contributions to the raw score (log-odds before calibration, which is monotone). */
  reasons(row: Row, k = 5): MlReason[] {
    return explainRow(this.gbdt, this.prepared(row), k).reasons.map(toMlReason);
  }

  /** reasons() of several rows, explained together (one walk of the trees for all: a subscriber's top offers). */
  reasonsOfRows(rows: readonly Row[], k = 5): MlReason[][] {
    // A subscriber's consecutive rows (their top offers) walk the leaves that split on their own features once (treeShapRows).
    return explainRows(this.gbdt, rows.map((r) => this.prepared(r)), k, this.subscriberFeatures).map((reasons) => reasons.map(toMlReason));
  }

  /** p(respond | contacted) - p(respond | not contacted) from the T-learner; null without a control group. */
  upliftOf(row: Row): number | null {
    return this.uplift ? this.uplift.predictRow(row).uplift : null;
  }

  level(p: number, t: Thresholds = this.thresholds): Level {
    return p >= t.high ? 'high' : p >= t.medium ? 'medium' : 'low';
  }
}

const toMlReason = (r: Reason): MlReason => ({
  feature: r.feature,
  contribution: r.contribution,
  direction: r.direction,
  value: typeof r.value === 'number' || typeof r.value === 'string' ? r.value : null,
});

/** A ready version's model from its stored row (or the fields a worker thread receives of it). */
export function loadModel(row: Pick<ModelVersionRow, 'id' | 'modelName' | 'version' | 'status' | 'artifact' | 'metrics'>): LoadedModel {
  if (row.status !== 'ready' || !row.artifact || !row.metrics) throw new Error(`model version ${row.modelName} v${row.version} is not ready`);
  return new LoadedModel(row.id, row.modelName as MlModelName, row.version, row.artifact as unknown as ModelArtifact, row.metrics as unknown as MlMetrics);
}

/** Loaded versions by id: the first request loads (concurrent ones share the promise), later ones reuse. */
export function createModelCache(load: (id: string) => Promise<ModelVersionRow | undefined>, maxEntries = 16) {
  const entries = new Map<string, Promise<LoadedModel>>();
  return {
    get(id: string): Promise<LoadedModel> {
      const hit = entries.get(id);
      if (hit) {
        entries.delete(id);
        entries.set(id, hit);
        return hit;
      }
      const p = load(id).then((row) => {
        if (!row) throw new Error(`model version ${id} not found`);
        return loadModel(row);
      });
      entries.set(id, p);
      p.catch(() => entries.delete(id));
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return p;
    },
    get size(): number {
      return entries.size;
    },
  };
}
export type ModelCache = ReturnType<typeof createModelCache>;
