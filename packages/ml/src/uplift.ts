/**
 * Uplift (incremental response) for campaigns with a control group: a T-learner
 * trains one GBDT on treated rows and one on control rows; the uplift of a
 * subscriber is p(respond | treated) - p(respond | control). Evaluated with the
 * Qini curve and observed uplift per decile of predicted uplift (metrics.ts).
 */
import type { Dataset, Row } from './dataset.js';
import { GbdtModel, sigmoid, trainGbdt, trainGbdtSync, type GbdtModelJson, type GbdtParams } from './gbdt.js';
import { qini, upliftByDecile, type QiniResult, type UpliftDecileRow } from './metrics.js';

export { qini, upliftByDecile } from './metrics.js';

export interface TLearnerJson {
  format: 'lyra-uplift-t';
  version: 1;
  treated: GbdtModelJson;
  control: GbdtModelJson;
}

export class TLearner {
  constructor(
    readonly treated: GbdtModel,
    readonly control: GbdtModel,
  ) {}

  static fromJSON(json: TLearnerJson | string): TLearner {
    const j = typeof json === 'string' ? (JSON.parse(json) as TLearnerJson) : json;
    if (j.format !== 'lyra-uplift-t' || j.version !== 1) throw new Error('not a lyra-uplift-t v1 model');
    return new TLearner(GbdtModel.fromJSON(j.treated), GbdtModel.fromJSON(j.control));
  }

  toJSON(): TLearnerJson {
    return { format: 'lyra-uplift-t', version: 1, treated: this.treated.toJSON(), control: this.control.toJSON() };
  }

  /** per row: p(treated), p(control) and uplift = difference */
  predict(ds: Dataset): { uplift: Float64Array; pTreated: Float64Array; pControl: Float64Array } {
    const pt = this.treated.predictProba(ds);
    const pc = this.control.predictProba(ds);
    const up = new Float64Array(ds.nRows);
    for (let i = 0; i < up.length; i++) up[i] = pt[i]! - pc[i]!;
    return { uplift: up, pTreated: pt, pControl: pc };
  }

  predictRow(row: Row): { uplift: number; pTreated: number; pControl: number } {
    const pt = sigmoid(this.treated.predictRowRaw(row));
    const pc = sigmoid(this.control.predictRowRaw(row));
    return { uplift: pt - pc, pTreated: pt, pControl: pc };
  }

  /** Qini and uplift by decile on labelled data with a treatment column. */
  evaluate(ds: Dataset): { qini: QiniResult; deciles: UpliftDecileRow[] } {
    if (!ds.label || !ds.treatment) throw new Error('uplift evaluation needs label and treatment');
    const { uplift } = this.predict(ds);
    return { qini: qini(uplift, ds.label, ds.treatment), deciles: upliftByDecile(uplift, ds.label, ds.treatment) };
  }
}

function splitByTreatment(ds: Dataset): { treated: Dataset; control: Dataset } {
  if (!ds.treatment) throw new Error('uplift training needs a treatment column');
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < ds.nRows; i++) (ds.treatment[i] ? t : c).push(i);
  if (t.length === 0 || c.length === 0) throw new Error('uplift training needs both treated and control rows');
  return { treated: ds.subset(t), control: ds.subset(c) };
}

/** Trains the two models (same hyper-parameters) on the treated and the control rows. */
export async function trainTLearner(ds: Dataset, params: Partial<GbdtParams> = {}): Promise<TLearner> {
  const { treated, control } = splitByTreatment(ds);
  const mt = await trainGbdt(treated, params);
  const mc = await trainGbdt(control, params);
  return new TLearner(mt, mc);
}

export function trainTLearnerSync(ds: Dataset, params: Partial<GbdtParams> = {}): TLearner {
  const { treated, control } = splitByTreatment(ds);
  return new TLearner(trainGbdtSync(treated, params), trainGbdtSync(control, params));
}
