/**
 * Assembles a model's labelled data set for one snapshot from the database, a few hundred
 * subscribers per statement (each statement is short, so a PGlite database keeps answering the API
 * between them), into typed columns that move to the training thread without copying.
 */
import { mulberry32, type Column } from '@lyra/ml';
import { addDays, isoDay } from '../../../lib/time.js';
import { ColumnBuilder, customerRow, featureDefs, fitSegments, modelParts, type CustomerFacts, type FeaturePreprocessing, type ProductInfo } from '../features/features.js';
import type { FeaturesRepository } from '../features/features.repository.js';
import type { ModelSpec } from '../ml.models.js';

// One statement per batch; on PGlite a statement holds the event loop, so batches stay small (~100 ms each).
const BATCH = 100;
/** Subscribers handled between two turns of the event loop while rows are assembled. */
const YIELD_EVERY = 25;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const firstOfMonth = (day: string) => `${day.slice(0, 7)}-01`;
const previousMonth = (day: string) => {
  const d = new Date(Date.parse(`${firstOfMonth(day)}T00:00:00Z`));
  d.setUTCMonth(d.getUTCMonth() - 1);
  return isoDay(d);
};
const monthAfter = (month: string) => {
  const d = new Date(Date.parse(`${firstOfMonth(month)}T00:00:00Z`));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return isoDay(d);
};

export class SnapshotError extends Error {}

/** Days after the window's end the label still needs (a response's days, a bill's grace period). */
const labelTail = (spec: ModelSpec) => (spec.featureSet === 'response' ? spec.responseDays : spec.featureSet === 'default' ? spec.graceDays : 0);

/**
 * The snapshot day: the given one (checked), else the first day of the latest month whose label
 * window lies inside the data and that has a complete month of usage before it.
 */
export async function resolveSnapshot(features: Pick<FeaturesRepository, 'horizons'>, spec: ModelSpec, windowDays: number, given?: string): Promise<string> {
  const h = await features.horizons();
  const days = [h.lastPurchaseDay, h.lastContactDay, h.lastResponseDay, h.lastPaymentDay, h.lastUsageMonth ? addDays(monthAfter(h.lastUsageMonth), -1) : null]
    .filter((d): d is string => d !== null)
    .sort();
  const horizon = days.at(-1);
  if (!horizon || !h.lastUsageMonth) throw new SnapshotError('There is no subscriber usage to learn from yet; import subscribers and their history first');
  // The newest day the data covers is the last day's end: a window may end the day after it.
  const latestEnd = addDays(horizon, 1);
  const need = windowDays + labelTail(spec);
  if (given) {
    if (addDays(given, need) > latestEnd) {
      throw new SnapshotError(`The label window of snapshot ${given} (${need} days) ends after the newest data (${horizon}); choose a snapshot_date on or before ${addDays(latestEnd, -need)}`);
    }
    return given;
  }
  let s = monthAfter(h.lastUsageMonth);
  while (addDays(s, need) > latestEnd) s = previousMonth(s);
  return s;
}

export interface TrainingSet {
  columns: Column[];
  label: Uint8Array;
  treatment: Uint8Array | null;
  /** propensity: the subscriber (0..k-1) of each row. */
  groups: Int32Array | null;
  /** What each row is: `customer|product`, the contact id or the bill id. */
  keys: string[];
  pre: FeaturePreprocessing;
  features: string[];
  subscribers: number;
  labelFrom: string;
  labelTo: string;
  /**
   * propensity: the rows above are the trees' fit rows (every purchase, and the non-purchases at
   * `negativeRate`); these are other subscribers with every (subscriber, product) pair, the real
   * purchase rate, for calibration and the metrics.
   */
  evaluation: EvaluationSet | null;
  /** Share of the non-purchase pairs kept in the fit rows (1 = all). */
  negativeRate: number;
}

export interface EvaluationSet {
  columns: Column[];
  label: Uint8Array;
  /** The subscriber (0..k-1) of each row. */
  groups: Int32Array;
  keys: string[];
  subscribers: number;
}

/** Most subscribers the fit rows are sampled from (bounds the time spent assembling rows). */
const MAX_FIT_SUBSCRIBERS = 200_000;
/** Share of the row budget given to the evaluation subscribers (all their pairs), and their share of the base at most. */
const EVALUATION_ROW_SHARE = 0.4;
const EVALUATION_SUBSCRIBER_SHARE = 0.3;

interface BuildOptions {
  windowDays: number;
  maxRows: number;
  seed: number;
  onProgress: (done: number, total: number) => void;
}

/** Label rows grouped by subscriber, in id order, facts fetched a batch of subscribers at a time. */
async function* factsInBatches(features: FeaturesRepository, ids: string[], asOf: string): AsyncGenerator<CustomerFacts[]> {
  for (let i = 0; i < ids.length; i += BATCH) yield await features.customerFacts(ids.slice(i, i + BATCH), asOf);
}

export async function buildTrainingSet(features: FeaturesRepository, spec: ModelSpec, snapshot: string, opts: BuildOptions): Promise<TrainingSet> {
  const labelFrom = snapshot;
  const labelTo = addDays(snapshot, opts.windowDays);
  const seg = await features.segmentCounts(snapshot);
  const pre: FeaturePreprocessing = { segments: fitSegments(seg.counts, seg.subscribers) };
  const defs = featureDefs(spec.featureSet, pre);
  let labels: number[] = [];
  let keys: string[] = [];
  let builder: ColumnBuilder;
  let treatment: number[] | null = null;
  let groups: number[] | null = null;
  let subscribers = 0;

  let evaluation: EvaluationSet | null = null;
  let negativeRate = 1;
  if (spec.featureSet === 'propensity') {
    const products = await features.sellableProducts();
    if (products.length === 0) throw new SnapshotError('The catalog has no active, priced product to learn purchases of');
    const byCurrency = new Map<string, ProductInfo[]>();
    for (const p of products) byCurrency.set(p.currency, [...(byCurrency.get(p.currency) ?? []), p]);
    // Subscribers in a seeded random order: a first share for evaluation with every pair, the rest for the fit rows.
    const total = await features.countCustomersBefore(snapshot);
    const evalSubscribers = Math.max(1, Math.min(Math.round(EVALUATION_SUBSCRIBER_SHARE * total), Math.floor((EVALUATION_ROW_SHARE * opts.maxRows) / products.length)));
    const ordered = await features.customerIdsBefore(snapshot, { limit: Math.min(total, evalSubscribers + MAX_FIT_SUBSCRIBERS), seed: opts.seed, sampleOrder: true });
    const evalIds = ordered.slice(0, evalSubscribers).sort();
    const fitIds = ordered.slice(evalSubscribers).sort();
    // Every purchase stays in the fit rows; non-purchases are kept at the rate that fills the rest of the budget.
    negativeRate = Math.min(1, ((1 - EVALUATION_ROW_SHARE) * opts.maxRows) / Math.max(1, fitIds.length * products.length));
    const keep = mulberry32(opts.seed + 17);
    let done = 0;
    /** The (subscriber, product) pairs of these subscribers that `kept` admits, as rows of their own set. */
    const pairs = async (ids: string[], rowsHint: number, kept: (y: number) => boolean) => {
      const out = { builder: new ColumnBuilder(defs, rowsHint), labels: [] as number[], keys: [] as string[], groups: [] as number[], subscribers: 0 };
      for await (const batch of factsInBatches(features, ids, snapshot)) {
        const bought = await features.purchasesBetween(batch.map((f) => f.id), labelFrom, labelTo);
        for (const [k, f] of batch.entries()) {
          if (k % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
          const admitted: ProductInfo[] = [];
          for (const p of byCurrency.get(f.currency) ?? []) {
            const y = bought.has(`${f.id}|${p.id}`) ? 1 : 0;
            if (!kept(y)) continue;
            admitted.push(p);
            out.labels.push(y);
            out.keys.push(`${f.id}|${p.id}`);
            out.groups.push(out.subscribers);
          }
          // The rows modelParts gives each pair, written straight into the columns as batch scoring does.
          out.builder.addProductPairs([customerRow(f, pre)], f, admitted);
          out.subscribers++;
        }
        done += batch.length;
        opts.onProgress(done, ordered.length);
      }
      return out;
    };
    // The draw is made for every pair, kept or not, so the sample does not depend on the labels' order.
    // Room for the expected rows (the sampled non-purchases and a margin for the purchases), not the whole budget.
    const fitPairs = fitIds.length * products.length;
    const fit = await pairs(fitIds, Math.min(fitPairs, Math.ceil(negativeRate * fitPairs * 1.1) + 1024), (y) => keep() < negativeRate || y === 1);
    ({ builder, labels, keys, groups, subscribers } = fit);
    const ev = await pairs(evalIds, evalIds.length * products.length, () => true);
    evaluation = { columns: ev.builder.columns(), label: Uint8Array.from(ev.labels), groups: Int32Array.from(ev.groups), keys: ev.keys, subscribers: ev.subscribers };
  } else if (spec.featureSet === 'response') {
    const contacts = await features.contactsBetween(labelFrom, labelTo, spec.responseDays, { limit: opts.maxRows, seed: opts.seed });
    const products = new Map((await features.productsByIds([...new Set(contacts.flatMap((c) => (c.product_id ? [c.product_id] : [])))])).map((p) => [p.id, p]));
    const byCustomer = groupBy(contacts, (c) => c.customer_id);
    const ids = [...byCustomer.keys()].sort();
    builder = new ColumnBuilder(defs, contacts.length);
    treatment = [];
    let done = 0;
    for await (const batch of factsInBatches(features, ids, snapshot)) {
      for (const f of batch) {
        for (const c of byCustomer.get(f.id)!) {
          const contacted = c.group === 'control' ? 0 : 1;
          builder.add(...modelParts(f, pre, { set: 'response', offer: { product: c.product_id ? (products.get(c.product_id) ?? null) : null, channel: c.channel, contacted } }));
          labels.push(c.label ? 1 : 0);
          keys.push(c.id);
          treatment.push(contacted);
        }
      }
      done += batch.length;
      subscribers += batch.length;
      opts.onProgress(done, ids.length);
    }
  } else {
    const bills = await features.billsDueBetween(labelFrom, labelTo, spec.graceDays, { limit: opts.maxRows, seed: opts.seed });
    const byCustomer = groupBy(bills, (b) => b.customer_id);
    const ids = [...byCustomer.keys()].sort();
    builder = new ColumnBuilder(defs, bills.length);
    let done = 0;
    for await (const batch of factsInBatches(features, ids, snapshot)) {
      for (const f of batch) {
        for (const b of byCustomer.get(f.id)!) {
          builder.add(...modelParts(f, pre, { set: 'default', bill: { id: b.id, amount: b.amount, billDate: b.bill_date, dueDate: b.due_date } }));
          labels.push(b.label ? 1 : 0);
          keys.push(b.id);
        }
      }
      done += batch.length;
      subscribers += batch.length;
      opts.onProgress(done, ids.length);
    }
  }
  return {
    columns: builder.columns(),
    label: Uint8Array.from(labels),
    treatment: treatment ? Uint8Array.from(treatment) : null,
    groups: groups ? Int32Array.from(groups) : null,
    keys,
    pre,
    features: defs.map((d) => d.name),
    subscribers: subscribers + (evaluation?.subscribers ?? 0),
    labelFrom,
    labelTo,
    evaluation,
    negativeRate,
  };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
