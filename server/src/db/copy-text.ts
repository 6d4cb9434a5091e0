/**
 * PostgreSQL's COPY text format (see bulk-copy.ts, which sends it): pure string work, so a worker
 * thread can encode rows without loading a database driver (batch scoring encodes its pages there).
 */

/** A staging column: its name and SQL type (`text`, `numeric`, `jsonb`, `text[]`, `timestamptz` ...). */
export interface StagingColumn {
  name: string;
  type: string;
}

/**
 * A value for one staging cell. Strings go as they are (money as decimal strings); string arrays
 * into array columns; other objects into jsonb columns as JSON; null/undefined is SQL NULL.
 */
export type CopyValue = string | number | bigint | boolean | null | undefined | readonly (string | null)[] | Record<string, unknown> | unknown[];

/** Text-format escaping: backslash, newline, carriage return and tab are the only bytes COPY treats specially. */
function escapeText(s: string): string {
  if (s.includes('\u0000')) throw new Error('a text value cannot hold the NUL character (U+0000)');
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : s;
}

/** A PostgreSQL array literal of text elements: every element quoted, `"` and `\` escaped, NULL bare. */
function arrayLiteral(items: readonly (string | null)[]): string {
  return `{${items.map((x) => (x === null ? 'NULL' : `"${x.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/** One cell in COPY text format (before the field escaping for the raw kinds, after it for all). */
export function copyCell(value: CopyValue, type: string): string {
  if (value === null || value === undefined) return '\\N';
  // A JSON column takes any value as JSON, a bare string too (a jsonb string is "quoted").
  if (type === 'jsonb' || type === 'json') return escapeText(JSON.stringify(value));
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      // Floating-point columns hold NaN and the infinities (as an INSERT would write them); other types cannot.
      if (!/^(double precision|float[48]?|real)$/.test(type)) throw new Error(`a ${type} value must be a finite number, got ${value}`);
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value) && type.endsWith('[]')) {
    if (value.some((x) => x !== null && typeof x !== 'string')) throw new Error(`a ${type} value must hold strings or nulls`);
    return escapeText(arrayLiteral(value as (string | null)[]));
  }
  return escapeText(JSON.stringify(value));
}

/** Rows in COPY text format, cut into chunks of about 256 KB so neither driver holds one huge string. */
export function* copyText(columns: readonly StagingColumn[], rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`a staging row has ${row.length} values for ${columns.length} columns`);
    let line = '';
    for (let i = 0; i < columns.length; i++) line += (i ? '\t' : '') + copyCell(row[i], columns[i]!.type);
    chunk += `${line}\n`;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
