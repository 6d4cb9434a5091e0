/**
 * A scoring page's rows in the COPY text format of ml_scores (ml.repository writePartitionScores
 * sends them). The batch scoring thread encodes them (score-batch.worker.ts): it hands the API
 * thread one string instead of ~600 row objects to copy across threads and then encode, which was
 * most of the API thread's work during a run (bench scale).
 */
import { copyText, type CopyValue, type StagingColumn } from '../../db/copy-text.js';
import type { NewScoreRow } from './ml.repository.js';

/** The columns a scoring writes (the id is the table's sequence), and each one's value in a new score row. */
const scoreCopy: { column: StagingColumn; value: (r: NewScoreRow) => CopyValue }[] = [
  { column: { name: 'customer_id', type: 'text' }, value: (r) => r.customerId },
  { column: { name: 'model_name', type: 'text' }, value: (r) => r.modelName },
  { column: { name: 'model_version_id', type: 'uuid' }, value: (r) => r.modelVersionId },
  { column: { name: 'version', type: 'integer' }, value: (r) => r.version },
  { column: { name: 'product_id', type: 'uuid' }, value: (r) => r.productId },
  { column: { name: 'campaign_id', type: 'text' }, value: (r) => r.campaignId },
  { column: { name: 'score', type: 'double precision' }, value: (r) => r.score },
  { column: { name: 'uplift', type: 'double precision' }, value: (r) => r.uplift },
  { column: { name: 'reasons', type: 'jsonb' }, value: (r) => r.reasons ?? [] },
  { column: { name: 'scored_at', type: 'timestamptz' }, value: (r) => r.scoredAt },
  { column: { name: 'run_id', type: 'uuid' }, value: (r) => r.runId },
];

export const SCORE_COLUMNS: readonly StagingColumn[] = scoreCopy.map((c) => c.column);

/**
 * Score rows encoded for ml_scores' COPY: how many, their text (in chunks), and the subscribers and
 * products they name (each once), which the write locks as their keys would have.
 */
export interface EncodedScores {
  rows: number;
  text: string[];
  customers: string[];
  products: string[];
}

export function encodeScores(rows: readonly NewScoreRow[]): EncodedScores {
  const customers = new Set<string>();
  const products = new Set<string>();
  for (const r of rows) {
    customers.add(r.customerId);
    if (r.productId != null) products.add(r.productId);
  }
  return { rows: rows.length, text: [...copyText(SCORE_COLUMNS, rows.map((r) => scoreCopy.map((c) => c.value(r))))], customers: [...customers], products: [...products] };
}
