import { PRODUCT_CSV_COLUMNS, ProductCreate, type ProductImportResult, type ProductListQuery } from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { csvCell, parseCsv, unguardCell } from '../../lib/csv.js';
import { findUnsafeInput, MAX_JSON_DEPTH, parseJsonText } from '../../lib/input-safety.js';
import { AppError } from '../../lib/errors.js';
import { zodIssuesToFields } from '../../http/errors.plugin.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { toProduct, toRowValues } from './products.mapper.js';
import type { NewProductRow, ProductsRepository } from './products.repository.js';

const TEXT_COLUMNS = new Set(['name', 'description', 'category', 'notes', 'external_product_id']);
const BOOL_COLUMNS = new Set(['recurring', 'is_active', 'is_available']);
const JSON_COLUMNS = new Set(['features', 'attributes']);
const NULLABLE_COLUMNS = new Set(['price', 'min_customer_value', 'max_customer_value', 'notes', 'valid_from', 'valid_to']);
export const MAX_IMPORT_ROWS = 50_000;

type RowError = ProductImportResult['errors'][number];

/** One CSV cell -> the JSON value the API schema expects; a thrown message becomes a row error. */
function cellValue(column: string, raw: string): unknown {
  // An empty cell is a missing value; a lone apostrophe is the empty string (see csvCell).
  if (raw === '') {
    if (NULLABLE_COLUMNS.has(column)) return null;
    if (column === 'target_segments') return [];
    return undefined; // let the schema default (or require) it
  }
  const s = unguardCell(raw);
  if (TEXT_COLUMNS.has(column)) return s;
  if (s === '') return cellValue(column, s);
  if (BOOL_COLUMNS.has(column)) {
    const v = s.trim().toLowerCase();
    if (['true', '1', 'yes', 'y'].includes(v)) return true;
    if (['false', '0', 'no', 'n'].includes(v)) return false;
    throw new Error('must be true or false');
  }
  if (JSON_COLUMNS.has(column)) {
    let parsed: unknown;
    try {
      parsed = parseJsonText(s, 'The cell');
    } catch {
      throw new Error(`must be a JSON object such as {"data_gb": 10}, nested at most ${MAX_JSON_DEPTH} levels`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
    const unsafe = findUnsafeInput(parsed);
    if (unsafe) throw new Error(`${unsafe.field}: ${unsafe.problem}`);
    return parsed;
  }
  if (column === 'target_segments') return s.split(';').map((x) => x.trim()).filter(Boolean);
  return s;
}

export function createProductsCsv(deps: {
  products: Pick<ProductsRepository, 'iterate'>;
  uow: UnitOfWork<{ products: Pick<ProductsRepository, 'findUnattachedByExternalIds' | 'update' | 'insertMany'>; audit: Pick<AuditRepository, 'record'> }>;
}) {
  const { products, uow } = deps;

  return {
    /** CSV text in chunks (header first), for streaming a whole filtered catalog. */
    async *export(q: Omit<ProductListQuery, 'limit' | 'offset'>): AsyncGenerator<string> {
      yield `${PRODUCT_CSV_COLUMNS.join(',')}\r\n`;
      for await (const rows of products.iterate(q, q.ordering)) {
        let chunk = '';
        for (const r of rows) {
          const p = toProduct(r) as unknown as Record<string, unknown>;
          chunk += PRODUCT_CSV_COLUMNS.map((c) => {
            const v = p[c];
            if (c === 'target_segments') return csvCell((v as string[]).join(';'), true);
            if (c === 'is_available') return csvCell(p.source_is_available);
            return csvCell(v, TEXT_COLUMNS.has(c), NULLABLE_COLUMNS.has(c));
          }).join(',') + '\r\n';
        }
        yield chunk;
      }
    },

    /**
     * Validates every row first; writes only when all rows are valid, in one transaction,
     * so an import never leaves half a file behind. Rows upsert manual products by external id.
     */
    async import(actor: Actor, text: string): Promise<ProductImportResult> {
      let table: string[][];
      try {
        table = parseCsv(text);
      } catch (err) {
        throw AppError.badRequest(`The file is not valid CSV: ${(err as Error).message}`);
      }
      const [header, ...body] = table;
      if (!header || header.length === 0) throw AppError.badRequest('The file is empty: expected a header row and at least one product');
      const columns = header.map((h) => h.trim().toLowerCase());
      const known = new Set<string>(PRODUCT_CSV_COLUMNS);
      const unknown = columns.filter((c) => !known.has(c));
      const missing = ['external_product_id', 'name', 'product_type', 'currency'].filter((c) => !columns.includes(c));
      if (unknown.length || missing.length) {
        throw AppError.validation(
          Object.fromEntries([...unknown.map((c) => [c, ['unknown column']]), ...missing.map((c) => [c, ['required column is missing']])]),
          'The header row does not match the product CSV format',
        );
      }
      if (body.length === 0) throw AppError.badRequest('The file has a header but no products');
      if (body.length > MAX_IMPORT_ROWS) throw AppError.badRequest(`At most ${MAX_IMPORT_ROWS} rows per import`);

      const errors: RowError[] = [];
      const valid: { row: number; input: ProductCreate }[] = [];
      const seen = new Map<string, number>();
      body.forEach((cells, i) => {
        const rowNo = i + 2; // 1-based, after the header: what a spreadsheet shows
        if (cells.length !== columns.length) {
          errors.push({ row: rowNo, field: null, message: `has ${cells.length} cells, the header has ${columns.length}` });
          return;
        }
        const obj: Record<string, unknown> = {};
        let ok = true;
        columns.forEach((c, j) => {
          try {
            const v = cellValue(c, cells[j]!);
            if (v !== undefined) obj[c] = v;
          } catch (err) {
            ok = false;
            errors.push({ row: rowNo, field: c, message: (err as Error).message });
          }
        });
        if (!ok) return;
        const parsed = ProductCreate.safeParse(obj);
        if (!parsed.success) {
          for (const [field, msgs] of Object.entries(zodIssuesToFields(parsed.error.issues))) {
            for (const m of msgs) errors.push({ row: rowNo, field, message: m });
          }
          return;
        }
        if (parsed.data.external_system !== 'manual') {
          errors.push({ row: rowNo, field: 'external_system', message: 'only manual products can be imported; other systems come from sync' });
          return;
        }
        const prev = seen.get(parsed.data.external_product_id);
        if (prev) {
          errors.push({ row: rowNo, field: 'external_product_id', message: `duplicates row ${prev}` });
          return;
        }
        seen.set(parsed.data.external_product_id, rowNo);
        try {
          toRowValues(parsed.data); // price precision per currency
          valid.push({ row: rowNo, input: parsed.data });
        } catch (err) {
          const details = (err as AppError).details as { fields?: Record<string, string[]> } | undefined;
          for (const [field, msgs] of Object.entries(details?.fields ?? { _row: [(err as Error).message] })) {
            for (const m of msgs) errors.push({ row: rowNo, field, message: m });
          }
        }
      });
      const result = { total_rows: body.length, errors: errors.slice(0, 1000) };
      if (errors.length > 0) return { imported: false, created: 0, updated: 0, ...result };

      return uow.transaction(async ({ products, audit }) => {
        const existing = new Map(
          (await products.findUnattachedByExternalIds('manual', valid.map((v) => v.input.external_product_id))).map((r) => [r.externalProductId, r]),
        );
        let created = 0;
        let updated = 0;
        const toInsert: NewProductRow[] = [];
        for (const { input } of valid) {
          const values = toRowValues(input) as NewProductRow;
          const current = existing.get(input.external_product_id);
          if (!current) {
            toInsert.push(values);
            continue;
          }
          // Targeting columns absent from the file keep their values.
          for (const c of ['target_segments', 'min_customer_value', 'max_customer_value', 'notes', 'max_default_risk'] as const) {
            if (!columns.includes(c)) delete values[({ target_segments: 'targetSegments', min_customer_value: 'minCustomerValue', max_customer_value: 'maxCustomerValue', notes: 'notes', max_default_risk: 'maxDefaultRisk' } as const)[c]];
          }
          const row = await products.update(current.id, values);
          updated++;
          await audit.record(actor, { action: 'update', entityType: 'product', entityId: current.id, before: toProduct(current), after: toProduct(row!) });
        }
        for (let i = 0; i < toInsert.length; i += 500) {
          for (const row of await products.insertMany(toInsert.slice(i, i + 500))) {
            created++;
            await audit.record(actor, { action: 'create', entityType: 'product', entityId: row.id, after: toProduct(row) });
          }
        }
        await audit.record(actor, { action: 'import', entityType: 'product', entityId: null, after: { created, updated, total_rows: body.length } });
        return { imported: true, created, updated, ...result };
      });
    },
  };
}
export type ProductsCsv = ReturnType<typeof createProductsCsv>;
