/**
 * Column-oriented data set on typed arrays, a CSV reader and seeded splitting.
 *
 * Numeric features are Float64Array with NaN = missing (never 0: a missing value
 * must stay distinguishable from a real zero all the way to the model).
 * Categorical features are Int32 codes into a vocabulary, -1 = missing.
 */
import { readFileSync } from 'node:fs';

export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
}

export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  /** index into `vocabulary`, -1 = missing */
  codes: Int32Array;
  vocabulary: string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** A single observation for scoring: missing keys, null, undefined and '' are missing. */
export type Row = Record<string, number | string | null | undefined>;

// ---------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------

/** mulberry32: tiny, fast, good enough for sampling; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded random source with the few helpers the algorithms need. */
export class Rng {
  private readonly u: () => number;
  private spare = NaN;
  constructor(seed: number) {
    this.u = mulberry32(seed);
  }
  /** uniform in [0, 1) */
  next(): number {
    return this.u();
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.u() * n);
  }
  /** standard normal (Box-Muller, caching the second value) */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.u();
    const v = this.u();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** in-place Fisher-Yates shuffle */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

// ---------------------------------------------------------------------------
// Dataset
// ---------------------------------------------------------------------------

export class Dataset {
  readonly nRows: number;
  private readonly byName = new Map<string, Column>();

  constructor(
    readonly columns: Column[],
    /** binary label 0/1 (null when scoring) */
    readonly label: Uint8Array | null = null,
    /** treatment indicator 0/1 for uplift (null when absent) */
    readonly treatment: Uint8Array | null = null,
    /** name of the label column (informational) */
    readonly labelName: string | null = null,
  ) {
    const n = columns.length > 0 ? colLength(columns[0]!) : (label?.length ?? 0);
    for (const c of columns) {
      if (colLength(c) !== n) throw new Error(`column ${c.name} has ${colLength(c)} rows, expected ${n}`);
      if (this.byName.has(c.name)) throw new Error(`duplicate column ${c.name}`);
      this.byName.set(c.name, c);
    }
    if (label && label.length !== n) throw new Error(`label has ${label.length} rows, expected ${n}`);
    if (treatment && treatment.length !== n) throw new Error(`treatment has ${treatment.length} rows, expected ${n}`);
    this.nRows = n;
  }

  get featureNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  column(name: string): Column | undefined {
    return this.byName.get(name);
  }

  /** Rows by index (order kept), sharing vocabularies. */
  subset(rows: ArrayLike<number>): Dataset {
    const m = rows.length;
    const cols: Column[] = this.columns.map((c) => {
      if (c.kind === 'numeric') {
        const v = new Float64Array(m);
        for (let i = 0; i < m; i++) v[i] = c.values[rows[i]!]!;
        return { kind: 'numeric', name: c.name, values: v };
      }
      const codes = new Int32Array(m);
      for (let i = 0; i < m; i++) codes[i] = c.codes[rows[i]!]!;
      return { kind: 'categorical', name: c.name, codes, vocabulary: c.vocabulary };
    });
    const pick = (a: Uint8Array | null): Uint8Array | null => {
      if (!a) return null;
      const o = new Uint8Array(m);
      for (let i = 0; i < m; i++) o[i] = a[rows[i]!]!;
      return o;
    };
    return new Dataset(cols, pick(this.label), pick(this.treatment), this.labelName);
  }

  /** A copy without the named feature columns. */
  dropColumns(names: string[]): Dataset {
    const drop = new Set(names);
    return new Dataset(
      this.columns.filter((c) => !drop.has(c.name)),
      this.label,
      this.treatment,
      this.labelName,
    );
  }

  /** Value of one cell as a Row value (numbers, category strings, null = missing). */
  cell(col: Column, r: number): number | string | null {
    if (col.kind === 'numeric') {
      const v = col.values[r]!;
      return Number.isNaN(v) ? null : v;
    }
    const c = col.codes[r]!;
    return c < 0 ? null : col.vocabulary[c]!;
  }

  /** Row r as a plain record (for single-row scoring and reasons). */
  row(r: number): Row {
    const o: Row = {};
    for (const c of this.columns) o[c.name] = this.cell(c, r);
    return o;
  }

  /**
   * Builds a data set from plain records. Columns whose non-missing values are all
   * numbers are numeric, others categorical (or as forced by `categorical`).
   */
  static fromRows(
    rows: Row[],
    opts: { label?: string; treatment?: string; features?: string[]; categorical?: string[] } = {},
  ): Dataset {
    const names =
      opts.features ??
      [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== opts.label && k !== opts.treatment);
    const forced = new Set(opts.categorical ?? []);
    const n = rows.length;
    const cols: Column[] = names.map((name) => {
      let numeric = !forced.has(name);
      if (numeric) {
        for (const r of rows) {
          const v = r[name];
          if (isMissingValue(v)) continue;
          if (typeof v === 'number' || isNumericString(v as string)) continue;
          numeric = false;
          break;
        }
      }
      if (numeric) {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = rows[i]![name];
          values[i] = isMissingValue(v) ? NaN : Number(v);
        }
        return { kind: 'numeric', name, values };
      }
      const vocab = new Map<string, number>();
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![name];
        codes[i] = isMissingValue(v) ? -1 : internCode(vocab, String(v));
      }
      return { kind: 'categorical', name, codes, vocabulary: [...vocab.keys()] };
    });
    const lab = opts.label ? binaryColumn(rows.map((r) => r[opts.label!]), opts.label) : null;
    const tr = opts.treatment ? binaryColumn(rows.map((r) => r[opts.treatment!]), opts.treatment) : null;
    return new Dataset(cols, lab, tr, opts.label ?? null);
  }
}

function colLength(c: Column): number {
  return c.kind === 'numeric' ? c.values.length : c.codes.length;
}

function internCode(vocab: Map<string, number>, s: string): number {
  let c = vocab.get(s);
  if (c === undefined) {
    c = vocab.size;
    vocab.set(s, c);
  }
  return c;
}

export function isMissingValue(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));
}

/** 1,5 or -12,25: a decimal comma (a thousands separator would be 1,500 — also caught, also not a number here) */
const DECIMAL_COMMA_RE = /^[+-]?\d+,\d+$/;
const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** True for decimal numbers as written in CSV extracts (not 'Infinity', '0x1F', ' 12 '). */
export function isNumericString(s: string): boolean {
  return NUM_RE.test(s);
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'f']);

function binaryColumn(values: unknown[], name: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = parseBinary(values[i], name, i);
  return out;
}

function parseBinary(v: unknown, name: string, row: number): number {
  if (v === 1 || v === true) return 1;
  if (v === 0 || v === false) return 0;
  const s = String(v ?? '').trim().toLowerCase();
  if (TRUE_WORDS.has(s) || s === '1.0') return 1;
  if (FALSE_WORDS.has(s) || s === '0.0') return 0;
  throw new Error(`column ${name}: row ${row + 1} has value ${JSON.stringify(v)}; expected a binary 0/1 value`);
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180)
// ---------------------------------------------------------------------------

/**
 * Calls `onRecord(fields, index)` for every record. Handles quoted fields with
 * embedded commas, doubled quotes and line breaks, CRLF or LF line ends and a
 * UTF-8 BOM. A final empty line is not a record. The `fields` array is reused.
 */
export function forEachCsvRecord(
  text: string,
  onRecord: (fields: string[], index: number) => void,
  delimiter = ',',
): number {
  const len = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const d = delimiter.charCodeAt(0);
  const fields: string[] = [];
  let rec = 0;
  while (i < len) {
    fields.length = 0;
    // parse one record
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === 34 /* " */) {
        // quoted field: runs to the closing quote not followed by another quote
        let s = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new Error(`CSV: unterminated quoted field in record ${rec + 1}`);
          s += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            s += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        field = s;
        // tolerate junk between the closing quote and the delimiter by appending it
        let k = i;
        while (k < len) {
          const c = text.charCodeAt(k);
          if (c === d || c === 10 || c === 13) break;
          k++;
        }
        if (k > i) field += text.slice(i, k);
        i = k;
      } else {
        let k = i;
        while (k < len) {
          const c = text.charCodeAt(k);
          if (c === d || c === 10 || c === 13) break;
          k++;
        }
        field = text.slice(i, k);
        i = k;
      }
      fields.push(field);
      if (i >= len) break;
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        if (i >= len) {
          fields.push(''); // trailing delimiter at end of file
          break;
        }
        continue;
      }
      // line end
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2;
      else i++;
      break;
    }
    // a blank line (single empty field) is skipped, it is not a record of missing values
    if (!(fields.length === 1 && fields[0] === '')) {
      onRecord(fields, rec);
      rec++;
    }
  }
  return rec;
}

/** Parses CSV text into an array of records (small files, tests). */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const out: string[][] = [];
  forEachCsvRecord(text, (f) => out.push(f.slice()), delimiter);
  return out;
}

/**
 * Cells read as missing in every column, compared after trimming and ignoring
 * case: pandas' default markers plus '-' (report extracts print it for "none").
 * A cell of only spaces is always missing, whatever the list.
 */
export const DEFAULT_MISSING_VALUES: readonly string[] = Object.freeze(['NA', 'N/A', '#N/A', '<NA>', 'NaN', 'null', 'None', '-']);

/** A categorical column with more levels than this gets a warning (an id or a broken numeric column). */
export const MANY_LEVELS = 100;

export interface CsvOptions {
  /** binary label column (0/1, true/false, yes/no) */
  label?: string;
  /** binary treatment column for uplift */
  treatment?: string;
  /** row identifier: kept beside the data set (CsvRead.ids), never a feature */
  id?: string;
  /** columns to ignore (ids, leakage) */
  drop?: string[];
  /** columns to read as categorical even if they look numeric (codes, zip codes) */
  categorical?: string[];
  /**
   * The kinds of a training file's features, so a scoring/test file is read the same way:
   * a cell that is not a number in a numeric column is missing (counted as invalid).
   */
  kinds?: Record<string, 'numeric' | 'categorical'>;
  /** tokens read as missing (replaces DEFAULT_MISSING_VALUES; case-insensitive, trimmed) */
  missingValues?: readonly string[];
  /** field separator; detected from the header line when absent (see detectDelimiter) */
  delimiter?: string;
}

export interface CsvColumnReport {
  name: string;
  role: 'feature' | 'label' | 'treatment' | 'id' | 'dropped';
  /** features only */
  kind?: 'numeric' | 'categorical';
  /** 'inferred' from the cells, 'forced' by CsvOptions.categorical or CsvOptions.kinds */
  how?: 'inferred' | 'forced';
  /** cells read as missing (empty, blank or a missing-value token) */
  missing: number;
  /** the non-empty cells read as missing, by their text (e.g. {" ": 12, "NA": 3}) */
  missingTokens: Record<string, number>;
  /** categorical: distinct values */
  levels?: number;
  /** inferred categorical: cells that are numbers (a mostly numeric column with a few text cells) */
  numericCells?: number;
  /** forced numeric: cells that are not numbers, read as missing */
  invalid?: number;
  /** first cell that made an inferred column categorical, or the first invalid one */
  example?: { row: number; value: string };
}

export interface CsvRead {
  dataset: Dataset;
  delimiter: string;
  /** true when the delimiter was detected from the header line */
  delimiterDetected: boolean;
  /** every header column in file order */
  columns: CsvColumnReport[];
  /** CsvOptions.id values, one per row */
  ids: string[] | null;
  /** what a person should check: text cells in numeric-looking columns, very many levels, invalid cells */
  warnings: string[];
}

/**
 * The delimiter of a header line: the most frequent of ',', ';' and tab outside
 * double quotes (',' when none occurs or on a tie with ',').
 */
export function detectDelimiter(text: string): string {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, c] of counts) if (c > counts.get(best)!) best = d;
  return best;
}

/** Reads CSV text with a header row into a data set (see readCsvReport). */
export function readCsv(text: string, opts: CsvOptions = {}): Dataset {
  return readCsvReport(text, opts).dataset;
}

/**
 * Reads CSV text with a header row and says what it inferred. Missing cells: empty,
 * blank or a missing-value token (DEFAULT_MISSING_VALUES unless opts.missingValues).
 * A column is numeric when every other cell is a decimal number, otherwise categorical
 * (or as forced by opts.categorical / opts.kinds). Two passes over the text (types,
 * then values) keep memory at the typed arrays instead of millions of intermediate strings.
 */
export function readCsvReport(text: string, opts: CsvOptions = {}): CsvRead {
  const delimiterDetected = opts.delimiter === undefined;
  const delimiter = opts.delimiter ?? detectDelimiter(text);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`CSV: the delimiter must be one character other than a quote or a line break (got ${JSON.stringify(delimiter)})`);
  }
  const tokens = new Set((opts.missingValues ?? DEFAULT_MISSING_VALUES).map((t) => t.trim().toLowerCase()));
  const isMissingCell = (v: string): boolean => {
    const t = v.trim();
    return t === '' || tokens.has(t.toLowerCase());
  };
  let header: string[] = [];
  let nonNumeric: number[] = [];
  let numericCells: number[] = [];
  let decimalCommas: number[] = [];
  let firstText: Array<{ row: number; value: string } | undefined> = [];
  let nRows = 0;
  forEachCsvRecord(
    text,
    (f, idx) => {
      if (idx === 0) {
        header = f.map((h) => h.trim());
        nonNumeric = header.map(() => 0);
        numericCells = header.map(() => 0);
        decimalCommas = header.map(() => 0);
        firstText = header.map(() => undefined);
        return;
      }
      if (f.length !== header.length) {
        throw new Error(`CSV: record ${idx + 1} has ${f.length} fields, header has ${header.length}`);
      }
      for (let c = 0; c < f.length; c++) {
        const v = f[c]!;
        if (isMissingCell(v)) continue;
        const t = v.trim();
        if (isNumericString(t)) numericCells[c]!++;
        else {
          if (nonNumeric[c] === 0) firstText[c] = { row: idx, value: v };
          nonNumeric[c]!++;
          if (DECIMAL_COMMA_RE.test(t)) decimalCommas[c]!++;
        }
      }
      nRows++;
    },
    delimiter,
  );
  if (header.length === 0) throw new Error('CSV: no header row');
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new Error(`CSV: duplicate column ${JSON.stringify(h)}`);
    seen.add(h);
  }
  const need = (name: string | undefined, what: string): number => {
    if (name === undefined) return -1;
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`CSV: ${what} column ${JSON.stringify(name)} not found (columns: ${header.join(', ')})`);
    return k;
  };
  const labelIdx = need(opts.label, 'label');
  const treatIdx = need(opts.treatment, 'treatment');
  const idIdx = need(opts.id, 'id');
  for (const c of opts.drop ?? []) need(c, 'drop');
  for (const c of opts.categorical ?? []) need(c, 'categorical');
  const drop = new Set(opts.drop ?? []);
  const forced = new Set(opts.categorical ?? []);

  type Builder = { src: number; report: CsvColumnReport } & (
    | { kind: 'numeric'; values: Float64Array }
    | { kind: 'categorical'; codes: Int32Array; vocab: Map<string, number> }
  );
  const builders: Builder[] = [];
  const reports: CsvColumnReport[] = header.map((name, c) => {
    const role = c === labelIdx ? 'label' : c === treatIdx ? 'treatment' : c === idIdx ? 'id' : drop.has(name) ? 'dropped' : 'feature';
    const report: CsvColumnReport = { name, role, missing: 0, missingTokens: {} };
    if (role !== 'feature') return report;
    const given = opts.kinds?.[name];
    const kind = forced.has(name) ? 'categorical' : (given ?? (nonNumeric[c] === 0 ? 'numeric' : 'categorical'));
    report.kind = kind;
    report.how = forced.has(name) || given !== undefined ? 'forced' : 'inferred';
    if (kind === 'numeric') {
      if (nonNumeric[c]! > 0) {
        report.invalid = nonNumeric[c]!;
        report.example = firstText[c]!;
      }
      builders.push({ kind, src: c, report, values: new Float64Array(nRows) });
    } else {
      if (report.how === 'inferred') {
        report.numericCells = numericCells[c]!;
        report.example = firstText[c]!;
      }
      builders.push({ kind, src: c, report, codes: new Int32Array(nRows), vocab: new Map() });
    }
    return report;
  });
  const label = labelIdx >= 0 ? new Uint8Array(nRows) : null;
  const treatment = treatIdx >= 0 ? new Uint8Array(nRows) : null;
  const ids = idIdx >= 0 ? new Array<string>(nRows) : null;
  const countMissing = (r: CsvColumnReport, v: string): void => {
    r.missing++;
    if (v !== '') r.missingTokens[v] = (r.missingTokens[v] ?? 0) + 1;
  };

  forEachCsvRecord(
    text,
    (f, idx) => {
      if (idx === 0) return;
      const r = idx - 1;
      for (const b of builders) {
        const v = f[b.src]!;
        const missing = isMissingCell(v);
        if (missing) countMissing(b.report, v);
        if (b.kind === 'numeric') {
          const t = v.trim();
          b.values[r] = missing || !isNumericString(t) ? NaN : Number(t);
        } else b.codes[r] = missing ? -1 : internCode(b.vocab, v);
      }
      if (label) label[r] = parseBinary(f[labelIdx], opts.label!, r);
      if (treatment) treatment[r] = parseBinary(f[treatIdx], opts.treatment!, r);
      if (ids) ids[r] = f[idIdx]!;
    },
    delimiter,
  );
  const warnings: string[] = [];
  const cols: Column[] = builders.map((b) => {
    const rep = b.report;
    if (nRows > 0 && rep.missing === nRows) warnings.push(`column ${rep.name}: every cell is missing`);
    if (b.kind === 'numeric') {
      if (rep.invalid) {
        warnings.push(`column ${rep.name}: ${rep.invalid} cells are not numbers (first: ${JSON.stringify(rep.example!.value)} in row ${rep.example!.row}); read as missing`);
      }
      return { kind: 'numeric', name: rep.name, values: b.values };
    }
    rep.levels = b.vocab.size;
    const filled = nRows - rep.missing;
    const commas = decimalCommas[b.src]!;
    if (rep.how === 'inferred' && commas > 0 && rep.numericCells! + commas >= 0.9 * filled) {
      warnings.push(
        `column ${rep.name}: read as categorical because ${commas} of ${filled} filled cells are numbers with a decimal comma ` +
          `(first: ${JSON.stringify(rep.example!.value)} in row ${rep.example!.row}); numbers are read with a decimal point`,
      );
    } else if (rep.how === 'inferred' && rep.numericCells! >= 0.9 * filled) {
      warnings.push(
        `column ${rep.name}: read as categorical because ${filled - rep.numericCells!} of ${filled} filled cells are not numbers ` +
          `(first: ${JSON.stringify(rep.example!.value)} in row ${rep.example!.row}); if they mean "missing", list them in --missing-values`,
      );
    } else if (rep.levels > MANY_LEVELS) {
      const distinct = rep.levels === filled ? ' (every value distinct: an identifier? --drop or --id it)' : '';
      warnings.push(`column ${rep.name}: categorical with ${rep.levels} levels${distinct}`);
    }
    return { kind: 'categorical', name: rep.name, codes: b.codes, vocabulary: [...b.vocab.keys()] };
  });
  return {
    dataset: new Dataset(cols, label, treatment, opts.label ?? null),
    delimiter,
    delimiterDetected,
    columns: reports,
    ids,
    warnings,
  };
}

export function readCsvFile(path: string, opts: CsvOptions = {}): Dataset {
  return readCsv(readFileSync(path, 'utf8'), opts);
}

export function readCsvFileReport(path: string, opts: CsvOptions = {}): CsvRead {
  return readCsvReport(readFileSync(path, 'utf8'), opts);
}

// ---------------------------------------------------------------------------
// Splitting
// ---------------------------------------------------------------------------

/**
 * Stratified split: the positive and negative rows are shuffled separately (seeded)
 * and the same fraction of each goes to the test part, so both parts keep the base
 * rate. With a treatment column, strata are label x treatment. Row order inside
 * each part stays ascending (deterministic, cache friendly).
 */
export function stratifiedSplitIndices(
  label: Uint8Array,
  testFraction: number,
  seed: number,
  treatment: Uint8Array | null = null,
): { train: Uint32Array; test: Uint32Array } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`test fraction must be in (0, 1), got ${testFraction}`);
  const n = label.length;
  const strata: number[][] = [[], [], [], []];
  for (let i = 0; i < n; i++) strata[label[i]! + (treatment ? 2 * treatment[i]! : 0)]!.push(i);
  const rng = new Rng(seed);
  const isTest = new Uint8Array(n);
  for (const s of strata) {
    rng.shuffle(s);
    const k = Math.round(s.length * testFraction);
    for (let j = 0; j < k; j++) isTest[s[j]!] = 1;
  }
  let nTest = 0;
  for (let i = 0; i < n; i++) nTest += isTest[i]!;
  const train = new Uint32Array(n - nTest);
  const test = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

export function stratifiedSplit(ds: Dataset, testFraction: number, seed: number): { train: Dataset; test: Dataset } {
  if (!ds.label) throw new Error('stratified split needs a label');
  const { train, test } = stratifiedSplitIndices(ds.label, testFraction, seed, ds.treatment);
  return { train: ds.subset(train), test: ds.subset(test) };
}
