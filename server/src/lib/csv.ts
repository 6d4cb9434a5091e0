/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, a BOM tolerated. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"' && field === '') inQuotes = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (inQuotes) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // Blank lines carry no record.
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/**
 * Formula guard (CSV injection): a spreadsheet runs a cell beginning with = + - @ tab or CR as a
 * formula, so export prefixes those with an apostrophe (which spreadsheets also read as "text
 * follows"). To make the guard reversible, a value that itself begins with an apostrophe is
 * prefixed too; import strips exactly one leading apostrophe when what follows begins with one
 * of those characters, so export -> import gives back every string unchanged. Where a column tells
 * an empty string from a missing value (a nullable text), the empty string is a lone apostrophe.
 */
const GUARDED_START = /^[=+\-@\t\r']/;

/**
 * The cell text for a value. `guardFormula` for text a person typed (names, notes...);
 * `emptyIsText` where '' and null differ (an empty cell reads back as null).
 */
export function csvCell(value: unknown, guardFormula = false, emptyIsText = false): string {
  if (value == null) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (guardFormula && (GUARDED_START.test(s) || (emptyIsText && s === ''))) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Undoes the export's formula guard: one leading apostrophe is dropped when what follows is
 * guarded text (or nothing: the empty string). Any other apostrophe is the value's own, so files
 * typed by hand with "'quoted" keep it.
 */
export function unguardCell(s: string): string {
  return s.startsWith("'") && (s.length === 1 || GUARDED_START.test(s.slice(1))) ? s.slice(1) : s;
}
