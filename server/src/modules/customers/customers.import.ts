import type { z } from 'zod';
import {
  CUSTOMER_IMPORT_ROWS, EXTERNAL_SYSTEMS, MAX_CUSTOMER_IMPORT_ROWS,
  type BillImportRow, type ContactImportRow, type CustomerImportInputs, type CustomerImportResult, type CustomerImportRow,
  type CustomerImportTable, type HoldingImportRow, type PaymentImportRow, type PurchaseImportRow, type UsageImportRow,
} from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { zodIssuesToFields } from '../../http/errors.plugin.js';
import { AppError } from '../../lib/errors.js';
import { findUnsafeInput, parseJsonText, textProblem } from '../../lib/input-safety.js';
import { normalizeAmount } from '../../lib/money.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { designatedSystems, type NamedSystem, type SystemRefMatch } from '../catalog-sync/system-ref.js';
import { csvRecords, textChunks, textLines, type ByteSource } from './customers.parse.js';
import type { ContactWrite, CustomersRepository, HoldingWrite, ProductCandidate, PurchaseWrite, UpsertCounts } from './customers.repository.js';

/**
 * Imports of subscriber data: CSV (header row) or JSON lines, or records handed over in process (the
 * synthetic generator). Every row is validated first; only when all rows are valid and every
 * reference resolves is anything written, in one transaction, in batches.
 */

export type ImportFormat = 'csv' | 'ndjson';
export const IMPORT_BODY_LIMIT = 100 * 1024 * 1024;
/** Errors listed per answer; the rest are counted in one closing entry. */
export const MAX_LISTED_ERRORS = 1000;
/** An import writing at least this many rows analyzes its table after committing (when its statistics are stale). */
export const ANALYZE_AFTER_ROWS = 10_000;
/** Rows validated, resolved and written at a time: the database writes one block while the next is validated. */
const WRITE_BLOCK = 10_000;
/** Thrown inside the write's transaction to undo the blocks it wrote once a later one has a problem. */
const ROLL_BACK = new Error('import rejected: rolled back');
/** Rows validated between turns of the event loop (the driver streams a block's COPY in those turns). */
const YIELD_EVERY = 1000;

type RowError = CustomerImportResult['errors'][number];
type Parsed = { [K in CustomerImportTable]: z.output<(typeof CUSTOMER_IMPORT_ROWS)[K]> };

/** How a CSV cell becomes the JSON value the row schema expects (text otherwise). */
type CellKind = 'number' | 'int' | 'bool' | 'list';
const CELL_KINDS: Partial<Record<string, CellKind>> = {
  segments: 'list',
  data_gb: 'number',
  voice_minutes: 'number',
  sms: 'int',
  topup_count: 'int',
  responded: 'bool',
};

interface TableSpec {
  /** Audit log entity type. */
  entity: string;
  /** The natural id of a row, for duplicate detection inside one file. */
  key: (row: Record<string, unknown>) => string;
  keyField: string;
}

const SPECS: Record<CustomerImportTable, TableSpec> = {
  customers: { entity: 'customer', key: (r) => String(r.id), keyField: 'id' },
  holdings: { entity: 'customer_holding', key: (r) => String(r.id), keyField: 'id' },
  usage: { entity: 'customer_usage', key: (r) => `${String(r.customer_id)}|${String(r.month)}`, keyField: 'month' },
  bills: { entity: 'customer_bill', key: (r) => String(r.id), keyField: 'id' },
  payments: { entity: 'customer_payment', key: (r) => String(r.id), keyField: 'id' },
  purchases: { entity: 'customer_purchase', key: (r) => String(r.id), keyField: 'id' },
  contacts: { entity: 'campaign_contact', key: (r) => String(r.id), keyField: 'id' },
};

/** Columns a file may carry, and those it must: a field is required when the schema has no default for it. */
export function importColumns(table: CustomerImportTable): { all: string[]; required: string[] } {
  const shape = CUSTOMER_IMPORT_ROWS[table].shape as Record<string, z.ZodType>;
  const all = Object.keys(shape);
  return { all, required: all.filter((k) => !shape[k]!.safeParse(undefined).success) };
}

function cellValue(kind: CellKind | undefined, raw: string): unknown {
  const s = raw.trim();
  if (s === '') return undefined; // the schema's default, or "is required"
  switch (kind) {
    case undefined:
      return raw;
    case 'list':
      return s.split(';').map((x) => x.trim()).filter(Boolean);
    case 'number':
      if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) throw new Error('must be a number');
      return Number(s);
    case 'int':
      if (!/^-?\d+$/.test(s)) throw new Error('must be a whole number');
      return Number(s);
    case 'bool': {
      const v = s.toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(v)) return true;
      if (['false', '0', 'no', 'n'].includes(v)) return false;
      throw new Error('must be true or false');
    }
  }
}

interface SourceRecord {
  row: number;
  value?: Record<string, unknown>;
  /** Problems found before the schema could look at the row (cell count, bad JSON, a bad cell). */
  errors?: RowError[];
}

async function* fromCsv(table: CustomerImportTable, chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  let columns: string[] | null = null;
  let kinds: (CellKind | undefined)[] = [];
  let index = 0;
  for await (const cells of csvRecords(chunks)) {
    if (!columns) {
      columns = cells.map((h) => h.trim().toLowerCase());
      const { all, required } = importColumns(table);
      const known = new Set(all);
      const unknown = columns.filter((c) => !known.has(c));
      const missing = required.filter((c) => !columns!.includes(c));
      const product = table === 'holdings' || table === 'purchases' ? ['product_id', 'product_external_id'].some((c) => columns!.includes(c)) : true;
      const dup = columns.filter((c, i) => columns!.indexOf(c) !== i);
      if (unknown.length || missing.length || !product || dup.length) {
        throw AppError.validation(
          Object.fromEntries([
            ...unknown.map((c) => [c, ['unknown column']]),
            ...missing.map((c) => [c, ['required column is missing']]),
            ...(product ? [] : [['product_id', ['required column is missing (or product_external_id)']]]),
            ...dup.map((c) => [c, ['appears twice']]),
          ]),
          `The header row does not match the ${table} CSV format (columns: ${all.join(', ')})`,
        );
      }
      kinds = columns.map((c) => CELL_KINDS[c]);
      continue;
    }
    const row = ++index + 1; // 1-based, after the header: what a spreadsheet shows
    if (cells.length !== columns.length) {
      yield { row, errors: [{ row, field: null, message: `has ${cells.length} cells, the header has ${columns.length}` }] };
      continue;
    }
    const value: Record<string, unknown> = {};
    const errors: RowError[] = [];
    for (let j = 0; j < columns.length; j++) {
      const unsafe = textProblem(cells[j]!, columns[j]!);
      if (unsafe) {
        errors.push({ row, field: unsafe.field, message: unsafe.problem });
        continue;
      }
      try {
        const v = cellValue(kinds[j], cells[j]!);
        if (v !== undefined) value[columns[j]!] = v;
      } catch (err) {
        errors.push({ row, field: columns[j]!, message: (err as Error).message });
      }
    }
    yield errors.length ? { row, errors } : { row, value };
  }
  if (!columns) throw AppError.badRequest(`The file is empty: expected a header row and at least one ${table} row`);
}

async function* fromJsonLines(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  for await (const { line, text } of textLines(chunks)) {
    let value: unknown;
    try {
      value = parseJsonText(text, 'The line');
    } catch (err) {
      const tooDeep = err instanceof AppError && err.code === 'json_too_deep';
      yield { row: line, errors: [{ row: line, field: null, message: tooDeep ? err.message.replace(/^The line /, '') : 'is not valid JSON' }] };
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { row: line, errors: [{ row: line, field: null, message: 'must be a JSON object (one per line)' }] };
      continue;
    }
    // Keys such as "__proto__" or "constructor", NUL characters: named, never passed on.
    const unsafe = findUnsafeInput(value);
    if (unsafe) {
      yield { row: line, errors: [{ row: line, field: unsafe.field, message: unsafe.problem }] };
      continue;
    }
    yield { row: line, value: value as Record<string, unknown> };
  }
}

/** Collects row errors up to the listed maximum, counting the rest. */
class ErrorList {
  readonly items: RowError[] = [];
  more = 0;
  add(e: RowError) {
    if (this.items.length < MAX_LISTED_ERRORS) this.items.push(e);
    else this.more++;
  }
  get count() {
    return this.items.length + this.more;
  }
  list(): RowError[] {
    return this.more ? [...this.items, { row: 0, field: null, message: `${this.more} more errors not listed` }] : this.items;
  }
}

const valueAt = (obj: Record<string, unknown>, path: readonly PropertyKey[]) =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), obj);

function validate<T extends CustomerImportTable>(table: T, rec: SourceRecord, errors: ErrorList): Parsed[T] | null {
  if (rec.errors) {
    for (const e of rec.errors) errors.add(e);
    return null;
  }
  const value = rec.value!;
  const parsed = CUSTOMER_IMPORT_ROWS[table].safeParse(value);
  if (parsed.success) return parsed.data as Parsed[T];
  const issues = parsed.error.issues.map((i) =>
    i.code === 'invalid_type' && valueAt(value, i.path) === undefined ? { ...i, message: 'is required' } : i,
  );
  for (const [field, msgs] of Object.entries(zodIssuesToFields(issues))) {
    for (const m of msgs) errors.add({ row: rec.row, field: field === '_root' ? null : field, message: m });
  }
  return null;
}

/** Amount at the currency's minor units, or a row error. */
function amountOr(errors: ErrorList, row: number, field: string, value: string, currency: string): string | null {
  try {
    return normalizeAmount(value, currency);
  } catch (err) {
    errors.add({ row, field, message: (err as Error).message.replace(/^"[^"]*" /, '') + ` (${currency})` });
    return null;
  }
}

interface Valid<T> {
  row: number;
  data: T;
}

type ProductRef = { product_id: string | null; product_external_id: string | null; product_system: string | null };

/** Where a candidate product comes from, as a person would name it: its system's name, else its type. */
const sourceLabel = (p: ProductCandidate) => p.systemName ?? (p.externalSystemId ? `${p.externalSystem} (removed system)` : p.externalSystem);

/** Reference look-ups: on the database for a file already refused, inside the write's transaction otherwise. */
type Lookups = Pick<CustomersRepository, 'customerCurrencies' | 'billCurrencies' | 'productsByIds' | 'productsByExternalIds' | 'systemNames'>;
/** Outside the write's transaction, once it committed. */
type Maintenance = Pick<CustomersRepository, 'refreshStatistics' | 'compactStatusCounts'>;
type Upserts = Pick<CustomersRepository, 'upsertCustomers' | 'upsertHoldings' | 'upsertUsage' | 'upsertBills' | 'upsertPayments' | 'upsertPurchases' | 'upsertContacts'>;
/** The writes of one table, run once every reference resolved. */
type Upsert = (to: Upserts) => Promise<UpsertCounts>;

export function createCustomersImport(deps: {
  customers: Lookups & Maintenance;
  uow: UnitOfWork<{ customers: Lookups & Upserts; audit: Pick<AuditRepository, 'record'> }>;
  /** The managed segment list, told once a customers import committed which segments its subscribers carry. */
  segments?: { addFromData(names: readonly string[]): Promise<unknown> };
}) {
  const { customers: lookups, uow } = deps;

  /**
   * Lyra product ids for the rows' references; a reference that resolves to nothing (or to several)
   * is a row error. `product_system` designates systems as the command line does (name, id, then
   * type; see system-ref.ts): with several systems of one type, a type may still match several
   * products, and the error then names their systems.
   */
  async function resolveProducts(repo: Lookups, rows: Valid<ProductRef>[], errors: ErrorList): Promise<Map<number, string | null>> {
    const out = new Map<number, string | null>();
    const uuids = [...new Set(rows.map((r) => r.data.product_id).filter((v): v is string => v != null))];
    const externals = [...new Set(rows.map((r) => r.data.product_external_id).filter((v): v is string => v != null))];
    const [known, byExternal, systems] = await Promise.all([
      repo.productsByIds(uuids),
      repo.productsByExternalIds(externals),
      rows.some((r) => r.data.product_system) ? repo.systemNames() : Promise.resolve([]),
    ]);
    const candidates = new Map<string, ProductCandidate[]>();
    for (const p of byExternal) candidates.set(p.externalProductId, [...(candidates.get(p.externalProductId) ?? []), p]);
    const designations = new Map<string, SystemRefMatch<NamedSystem>>();
    const designate = (ref: string) => {
      let m = designations.get(ref);
      if (!m) designations.set(ref, (m = designatedSystems(ref, systems, EXTERNAL_SYSTEMS)));
      return m;
    };
    const inDesignated = (p: ProductCandidate, m: SystemRefMatch<NamedSystem>) =>
      m.by === 'type' ? p.externalSystem === m.type : m.systems.some((s) => s.id === p.externalSystemId);
    for (const { row, data } of rows) {
      if (data.product_id) {
        if (known.has(data.product_id)) out.set(row, data.product_id);
        else errors.add({ row, field: 'product_id', message: `unknown product ${data.product_id}` });
        continue;
      }
      if (!data.product_external_id) {
        out.set(row, null);
        continue;
      }
      let matches = candidates.get(data.product_external_id) ?? [];
      if (data.product_system) {
        const designated = designate(data.product_system);
        if (designated.by === 'none') {
          errors.add({ row, field: 'product_system', message: `no system is named "${data.product_system}"; give a connected system's name or id, or a type (${EXTERNAL_SYSTEMS.join(', ')})` });
          continue;
        }
        matches = matches.filter((p) => inDesignated(p, designated));
      }
      if (matches.length === 1) out.set(row, matches[0]!.id);
      else if (matches.length === 0) {
        errors.add({ row, field: 'product_external_id', message: `unknown product "${data.product_external_id}"${data.product_system ? ` in ${data.product_system}` : ''}` });
      } else {
        errors.add({ row, field: 'product_system', message: `"${data.product_external_id}" exists in ${matches.map(sourceLabel).join(', ')}; name the system` });
      }
    }
    return out;
  }

  async function customersOf(repo: Lookups, rows: Valid<{ customer_id: string }>[], errors: ErrorList): Promise<Map<string, string>> {
    const currencies = await repo.customerCurrencies([...new Set(rows.map((r) => r.data.customer_id))]);
    for (const { row, data } of rows) {
      if (!currencies.has(data.customer_id)) errors.add({ row, field: 'customer_id', message: `unknown customer ${data.customer_id}` });
    }
    return currencies;
  }

  /**
   * Resolves references and normalises money whose currency lives on another row (the customer's or
   * the bill's); returns the upsert to run, or adds row errors. Reads only: it also runs on a file
   * with schema errors, so one answer lists every problem.
   */
  async function prepare(repo: Lookups, table: CustomerImportTable, valid: Valid<unknown>[], errors: ErrorList): Promise<Upsert> {
    switch (table) {
      case 'customers': {
        const rows = valid.map((v) => v.data as CustomerImportRow);
        return (w) => w.upsertCustomers(rows);
      }
      case 'holdings': {
        const rows = valid as Valid<HoldingImportRow>[];
        await customersOf(repo, rows, errors);
        const products = await resolveProducts(repo, rows, errors);
        const out = rows.map(({ row, data }): HoldingWrite => ({
          id: data.id, customer_id: data.customer_id, product_id: products.get(row) ?? '', started_at: data.started_at, ended_at: data.ended_at,
        }));
        return (w) => w.upsertHoldings(out);
      }
      case 'usage': {
        const rows = valid as Valid<UsageImportRow>[];
        const currencies = await customersOf(repo, rows, errors);
        const out: UsageImportRow[] = [];
        for (const { row, data } of rows) {
          const currency = currencies.get(data.customer_id);
          if (!currency) continue;
          const spend = amountOr(errors, row, 'spend', data.spend, currency);
          const topup = amountOr(errors, row, 'topup_amount', data.topup_amount, currency);
          if (spend != null && topup != null) out.push({ ...data, spend, topup_amount: topup });
        }
        return (w) => w.upsertUsage(out);
      }
      case 'bills': {
        const rows = valid as Valid<BillImportRow>[];
        await customersOf(repo, rows, errors);
        return (w) => w.upsertBills(rows.map((r) => r.data));
      }
      case 'payments': {
        const rows = valid as Valid<PaymentImportRow>[];
        const bills = await repo.billCurrencies([...new Set(rows.map((r) => r.data.bill_id))]);
        const out: PaymentImportRow[] = [];
        for (const { row, data } of rows) {
          const currency = bills.get(data.bill_id);
          if (!currency) {
            errors.add({ row, field: 'bill_id', message: `unknown bill ${data.bill_id}` });
            continue;
          }
          const amount = amountOr(errors, row, 'amount', data.amount, currency);
          if (amount != null) out.push({ ...data, amount });
        }
        return (w) => w.upsertPayments(out);
      }
      case 'purchases': {
        const rows = valid as Valid<PurchaseImportRow>[];
        const currencies = await customersOf(repo, rows, errors);
        const products = await resolveProducts(repo, rows, errors);
        const out: PurchaseWrite[] = [];
        for (const { row, data } of rows) {
          const currency = currencies.get(data.customer_id);
          const productId = products.get(row);
          if (!currency || !productId) continue;
          const price = amountOr(errors, row, 'price', data.price, currency);
          if (price != null) out.push({ id: data.id, customer_id: data.customer_id, product_id: productId, purchased_at: data.purchased_at, price, channel: data.channel });
        }
        return (w) => w.upsertPurchases(out);
      }
      case 'contacts': {
        const rows = valid as Valid<ContactImportRow>[];
        await customersOf(repo, rows, errors);
        const products = await resolveProducts(repo, rows, errors);
        const out = rows.map(({ row, data }): ContactWrite => {
          const { product_external_id: _e, product_system: _s, ...rest } = data;
          return { ...rest, product_id: products.get(row) ?? null };
        });
        return (w) => w.upsertContacts(out);
      }
    }
  }

  async function run(actor: Actor, table: CustomerImportTable, format: ImportFormat | 'records', records: AsyncIterable<SourceRecord>): Promise<CustomerImportResult> {
    const spec = SPECS[table];
    const errors = new ErrorList();
    // The whole source is read first (bounded by the row limit): the write's transaction below then
    // never waits on a slow client, only on validation of rows already here.
    const source: (SourceRecord | undefined)[] = [];
    for await (const rec of records) {
      if (source.length >= MAX_CUSTOMER_IMPORT_ROWS) throw AppError.badRequest(`At most ${MAX_CUSTOMER_IMPORT_ROWS} rows per import; split the file`);
      source.push(rec);
    }
    const total = source.length;
    if (total === 0) throw AppError.badRequest(`The file has no ${table} rows`);
    const valid: Valid<unknown>[] = [];
    const seen = new Map<string, number>();
    let next = 0;

    /** Validates the next block of rows (schema, money, duplicates), yielding now and then so a write in flight streams on. */
    async function validateBlock(): Promise<Valid<unknown>[]> {
      const block: Valid<unknown>[] = [];
      const end = Math.min(total, next + WRITE_BLOCK);
      while (next < end) {
        const rec = source[next]!;
        source[next++] = undefined;
        if (next % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const data = validate(table, rec, errors);
        if (!data) continue;
        const row = data as Record<string, unknown>;
        if (table === 'customers' || table === 'bills') {
          const r = data as CustomerImportRow | BillImportRow;
          const field = 'customer_value' in r ? 'customer_value' : 'amount';
          const amount = amountOr(errors, rec.row, field, 'customer_value' in r ? r.customer_value : r.amount, r.currency);
          if (amount == null) continue;
          row[field] = amount;
        }
        const key = spec.key(row);
        const prev = seen.get(key);
        if (prev !== undefined) {
          errors.add({ row: rec.row, field: spec.keyField, message: `duplicates row ${prev}` });
          continue;
        }
        seen.set(key, rec.row);
        block.push({ row: rec.row, data });
      }
      valid.push(...block);
      return block;
    }

    const rejected = async (): Promise<CustomerImportResult> => {
      while (next < total) await validateBlock();
      // Reference problems of every valid row, found as a file with no schema errors would find them.
      await prepare(lookups, table, valid, errors);
      // Errors come in row order, whichever check found them.
      errors.items.sort((x, y) => x.row - y.row);
      return { imported: false, created: 0, updated: 0, total_rows: total, errors: errors.list() };
    };
    let block = await validateBlock();
    if (errors.count) return rejected();
    // Block by block: the database writes one block (its references resolved in the transaction)
    // while the next is validated. A problem anywhere rolls everything back: nothing is written.
    const written = await uow.transaction(async ({ customers, audit }) => {
      const counts: UpsertCounts = { created: 0, updated: 0 };
      for (;;) {
        const problems = new ErrorList();
        const upsert = await prepare(customers, table, block, problems);
        if (problems.count) throw ROLL_BACK;
        const writing = upsert(customers);
        writing.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
        const following = next < total ? await validateBlock() : null;
        const done = await writing;
        counts.created += done.created;
        counts.updated += done.updated;
        if (errors.count) throw ROLL_BACK;
        if (!following) break;
        block = following;
      }
      await audit.record(actor, {
        action: 'import',
        entityType: spec.entity,
        entityId: null,
        after: { table, format, created: counts.created, updated: counts.updated, total_rows: total },
      });
      return counts;
    }).catch((err: unknown) => {
      if (err === ROLL_BACK) return null;
      throw err;
    });
    if (!written) return rejected();
    // A bulk load ends with fresh statistics for its table (the next preview plans on them).
    const rows = written.created + written.updated;
    if (rows >= ANALYZE_AFTER_ROWS) await lookups.refreshStatistics(table, rows);
    if (table === 'customers') await lookups.compactStatusCounts();
    if (table === 'customers' && deps.segments) {
      // The managed list gains the segments these subscribers carry (no other table carries any).
      const names = new Set<string>();
      for (const v of valid) for (const s of (v.data as CustomerImportRow).segments) names.add(s);
      if (names.size) await deps.segments.addFromData([...names]);
    }
    return { imported: true, created: written.created, updated: written.updated, total_rows: total, errors: [] };
  }

  return {
    /** A CSV or JSON-lines body (text or a byte stream), parsed as it arrives. */
    importBody(actor: Actor, table: CustomerImportTable, format: ImportFormat, body: ByteSource | string, limitBytes = IMPORT_BODY_LIMIT) {
      const chunks = textChunks(body, limitBytes);
      return run(actor, table, format, format === 'csv' ? fromCsv(table, chunks) : fromJsonLines(chunks));
    },

    /** Records already in memory (the synthetic generator): the same validation, references and writes as a file. */
    importRecords<T extends CustomerImportTable>(actor: Actor, table: T, records: Iterable<CustomerImportInputs[T]>) {
      async function* source(): AsyncGenerator<SourceRecord> {
        let row = 0;
        for (const value of records) yield { row: ++row, value: value as unknown as Record<string, unknown> };
      }
      return run(actor, table, 'records', source());
    },
  };
}
export type CustomersImport = ReturnType<typeof createCustomersImport>;
