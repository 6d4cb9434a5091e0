/**
 * Lyra ML algorithms: data sets, histogram GBDT (+ TreeSHAP reasons), logistic
 * regression and scorecards, calibration, uplift and evaluation metrics.
 * Pure computation on typed arrays; persistence is the caller's (every model has
 * toJSON / fromJSON with plain JSON suitable for a jsonb column).
 */
export {
  Dataset,
  Rng,
  mulberry32,
  readCsv,
  readCsvFile,
  readCsvReport,
  readCsvFileReport,
  detectDelimiter,
  DEFAULT_MISSING_VALUES,
  MANY_LEVELS,
  parseCsv,
  forEachCsvRecord,
  stratifiedSplit,
  stratifiedSplitIndices,
  type Column,
  type NumericColumn,
  type CategoricalColumn,
  type Row,
  type CsvOptions,
  type CsvRead,
  type CsvColumnReport,
} from './dataset.js';
export { type FeatureSpec, type NumericFeatureSpec, type CategoricalFeatureSpec } from './binning.js';
export {
  GbdtModel,
  trainGbdt,
  trainGbdtSync,
  resolveGbdtParams,
  DEFAULT_GBDT_PARAMS,
  sigmoid,
  type GbdtParams,
  type GbdtModelJson,
  type GbdtTreeJson,
  type GbdtTrainOptions,
} from './gbdt.js';
export { treeShap, treeShapEncoded, treeShapRows, expectedRaw, topReasons, explainRow, explainRows, type ShapValues, type Reason } from './treeshap.js';
export {
  LogisticModel,
  trainLogistic,
  ScorecardModel,
  fitScorecard,
  DEFAULT_LOGISTIC_PARAMS,
  DEFAULT_SCORECARD_PARAMS,
  type LogisticParams,
  type LogisticTrainOptions,
  type LogisticModelJson,
  type ScorecardParams,
  type ScorecardJson,
  type ScorecardRow,
} from './logistic.js';
export {
  fitPlatt,
  fitIsotonic,
  fitCalibrator,
  calibratorFromJSON,
  PlattCalibrator,
  IsotonicCalibrator,
  type Calibrator,
  type CalibratorJson,
} from './calibration.js';
export { TLearner, trainTLearner, trainTLearnerSync, type TLearnerJson } from './uplift.js';
export {
  auc,
  gini,
  ks,
  logLoss,
  brier,
  rocCurve,
  liftTable,
  calibrationTable,
  expectedCalibrationError,
  psi,
  psiBinOf,
  psiFromCounts,
  psiReference,
  qini,
  qiniSpread,
  upliftByDecile,
  classificationMetrics,
  type ClassificationMetrics,
  type LiftRow,
  type CalibrationRow,
  type RocPoint,
  type PsiBin,
  type PsiReference,
  type QiniResult,
  type QiniSpread,
  type QiniPoint,
  type UpliftDecileRow,
} from './metrics.js';
export { syntheticBinary, syntheticUplift, type SyntheticData, type SyntheticUpliftData } from './synthetic.js';
