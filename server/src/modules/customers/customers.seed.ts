import { CUSTOMER_IMPORT_TABLES, type CustomerImportTable } from '@lyra/contracts';
import { addDays, todayUtc } from '../../lib/time.js';
import { SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';
import type { CustomersImport } from './customers.import.js';
import type { CustomersService } from './customers.service.js';
import { DEFAULT_DUE_WINDOW_DAYS, DEFAULT_GRACE_DAYS, generateSynthetic, type SyntheticSummary } from './synthetic.js';
import { DAY_MS, isoDate } from './synthetic.random.js';

/**
 * Loads synthetic subscribers through the same import functions the API uses, chunk by chunk
 * (bounded memory), in reference order: subscribers first, payments after their bills.
 */

/** Import order: every table after the ones its rows reference. */
export const LOAD_ORDER: readonly CustomerImportTable[] = ['customers', 'holdings', 'usage', 'bills', 'payments', 'purchases', 'contacts'];
/** Rows per import call: within the API's per-request limit. */
const ROWS_PER_IMPORT = 100_000;

export interface LoadProgress {
  done: number;
  total: number;
  rows: number;
  elapsedMs: number;
}

export interface LoadResult {
  snapshot: string;
  extractedOn: string;
  currency: string;
  products: number;
  customers: number;
  tables: Record<CustomerImportTable, { created: number; updated: number }>;
  rows: number;
  elapsedMs: number;
  summary: SyntheticSummary;
}

export interface LoadOptions {
  customers: number;
  seed: number;
  /** Default: 61 days before today, so every label window has closed by yesterday (the extract day). */
  snapshot?: string;
  historyMonths?: number;
  /** Subscribers generated and imported at a time. */
  chunk?: number;
  actor?: Actor;
  onProgress?: (p: LoadProgress) => void;
  now?: Date;
}

type Deps = { customers: Pick<CustomersService, 'generatorCatalog'>; customersImport: Pick<CustomersImport, 'importRecords'> };

function mergeMean(into: { meanP: number; positives: number }, n: number, add: { meanP: number; positives: number }, m: number) {
  into.meanP = n + m ? (into.meanP * n + add.meanP * m) / (n + m) : 0;
  into.positives += add.positives;
}

export const defaultSnapshot = (now = new Date()) => addDays(todayUtc(now), -61);

export async function loadSyntheticCustomers(deps: Deps, opts: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const products = await deps.customers.generatorCatalog();
  if (products.length === 0) throw new Error('The catalog has no active, priced products: load or sync a catalog first');
  const now = opts.now ?? new Date();
  const snapshot = opts.snapshot ?? defaultSnapshot(now);
  const today = Math.floor(now.getTime() / DAY_MS);
  const snapshotDay = Math.floor(Date.parse(`${snapshot}T00:00:00Z`) / DAY_MS);
  // The extract is as of yesterday; a recent snapshot still needs its label windows, even if that runs ahead.
  const extractedOn = isoDate(Math.max(today - 1, snapshotDay + DEFAULT_DUE_WINDOW_DAYS + DEFAULT_GRACE_DAYS));
  const actor = opts.actor ?? { ...SYSTEM_ACTOR, email: 'synthetic-generator' };
  const chunk = Math.max(1, opts.chunk ?? 5000);
  const tables = Object.fromEntries(CUSTOMER_IMPORT_TABLES.map((t) => [t, { created: 0, updated: 0 }])) as LoadResult['tables'];
  const summary: SyntheticSummary = { purchase: { pairs: 0, meanP: 0, positives: 0 }, response: { contacts: 0, meanP: 0, positives: 0 }, default: { bills: 0, meanP: 0, positives: 0 } };
  let currency = '';
  let total = 0;
  for (let from = 0; from < opts.customers; from += chunk) {
    const data = generateSynthetic({
      customers: opts.customers, seed: opts.seed, snapshot, products, extractedOn, keepTruth: false,
      range: { from, to: Math.min(opts.customers, from + chunk) },
      ...(opts.historyMonths !== undefined && { historyMonths: opts.historyMonths }),
    });
    currency = data.currency;
    for (const table of LOAD_ORDER) {
      const records = data[table];
      for (let i = 0; i < records.length; i += ROWS_PER_IMPORT) {
        const result = await deps.customersImport.importRecords(actor, table, records.slice(i, i + ROWS_PER_IMPORT));
        if (!result.imported) {
          const first = result.errors.slice(0, 5).map((e) => `row ${e.row} ${e.field ?? ''}: ${e.message}`).join('; ');
          throw new Error(`Generated ${table} were refused by the import: ${first}`);
        }
        tables[table].created += result.created;
        tables[table].updated += result.updated;
        total += result.total_rows;
      }
    }
    const { purchase, response, default: defaults } = data.summary;
    mergeMean(summary.purchase, summary.purchase.pairs, purchase, purchase.pairs);
    summary.purchase.pairs += purchase.pairs;
    mergeMean(summary.response, summary.response.contacts, response, response.contacts);
    summary.response.contacts += response.contacts;
    mergeMean(summary.default, summary.default.bills, defaults, defaults.bills);
    summary.default.bills += defaults.bills;
    opts.onProgress?.({ done: Math.min(opts.customers, from + chunk), total: opts.customers, rows: total, elapsedMs: Date.now() - started });
  }
  return { snapshot, extractedOn, currency, products: products.length, customers: opts.customers, tables, rows: total, elapsedMs: Date.now() - started, summary };
}

/**
 * Demo data: synthetic subscribers with history, once, into an empty subscriber base only (an
 * operator's data is never touched). Returns how many subscribers were loaded (0: none needed).
 */
export async function seedDemoCustomers(
  container: Deps & { customers: Pick<CustomersService, 'hasAny' | 'generatorCatalog'> },
  opts: { customers?: number; seed?: number; snapshot?: string } = {},
): Promise<number> {
  if (await container.customers.hasAny()) return 0;
  // Without a priced catalog there is nothing for subscribers to hold or buy: no demo subscribers either.
  if ((await container.customers.generatorCatalog()).length === 0) return 0;
  const n = opts.customers ?? 3000;
  await loadSyntheticCustomers(container, { customers: n, seed: opts.seed ?? 1, ...(opts.snapshot && { snapshot: opts.snapshot }) });
  return n;
}
