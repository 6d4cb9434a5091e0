import { StringDecoder } from 'node:string_decoder';
import { AppError } from '../../lib/errors.js';

/**
 * Incremental readers for import bodies: records come out while the body is still arriving, so a
 * 100 MB extract is never held as one string and a too-large body is refused as soon as it is.
 */

export type ByteSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Text chunks of a byte stream, refused with 413 past `limitBytes`. */
export async function* textChunks(source: ByteSource | string, limitBytes: number): AsyncGenerator<string> {
  if (typeof source === 'string') {
    if (Buffer.byteLength(source) > limitBytes) throw tooLarge(limitBytes);
    yield source;
    return;
  }
  const decoder = new StringDecoder('utf8');
  let total = 0;
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      total += Buffer.byteLength(chunk);
      if (total > limitBytes) throw tooLarge(limitBytes);
      yield chunk;
      continue;
    }
    total += chunk.byteLength;
    if (total > limitBytes) throw tooLarge(limitBytes);
    const text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

function tooLarge(limitBytes: number) {
  const size = limitBytes >= 1024 * 1024 ? `${Math.round(limitBytes / 1024 / 1024)} MB` : `${Math.ceil(limitBytes / 1024)} KB`;
  return new AppError('payload_too_large', `The body is larger than ${size}; split the file`);
}

/**
 * RFC 4180 CSV over chunks: quoted fields (with doubled quotes and line breaks inside), CRLF or LF,
 * a leading BOM, blank lines skipped. Same dialect as lib/csv.ts `parseCsv`, without the whole text.
 */
export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  // A quote just closed: the next char decides between an escaped quote ("") and the field's end.
  let quotePending = false;
  let fieldStarted = false;
  let skipLf = false;
  let first = true;

  const endRecord = (): string[] | null => {
    row.push(field);
    const rec = row.length === 1 && row[0] === '' ? null : row;
    row = [];
    field = '';
    fieldStarted = false;
    return rec;
  };

  for await (let text of chunks) {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length > 0) first = false;
    }
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (skipLf) {
        skipLf = false;
        if (text.charCodeAt(i) === 10) {
          i++;
          continue;
        }
      }
      if (quotePending) {
        quotePending = false;
        if (text.charCodeAt(i) === 34) {
          field += '"';
          inQuotes = true;
          i++;
          continue;
        }
      }
      if (inQuotes) {
        // Copy everything up to the next quote in one slice.
        const q = text.indexOf('"', i);
        if (q === -1) {
          field += text.slice(i);
          break;
        }
        field += text.slice(i, q);
        inQuotes = false;
        quotePending = true;
        i = q + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 34 && field === '' && !fieldStarted) {
        inQuotes = true;
        fieldStarted = true;
        i++;
      } else if (c === 44) {
        row.push(field);
        field = '';
        fieldStarted = false;
        i++;
      } else if (c === 10 || c === 13) {
        const rec = endRecord();
        if (rec) yield rec;
        if (c === 13) skipLf = true;
        i++;
      } else {
        // A plain run up to the next delimiter, copied in one slice.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13) break;
          j++;
        }
        field += text.slice(i, j);
        fieldStarted = true;
        i = j;
      }
    }
  }
  if (inQuotes) throw AppError.badRequest('The file is not valid CSV: unterminated quoted field');
  if (field !== '' || row.length > 0 || fieldStarted) {
    const rec = endRecord();
    if (rec) yield rec;
  }
}

export interface TextLine {
  line: number;
  text: string;
}

/** Non-blank lines of JSON-lines text with their 1-based line numbers. */
export async function* textLines(chunks: AsyncIterable<string>): AsyncGenerator<TextLine> {
  let carry = '';
  let line = 0;
  let first = true;
  for await (let text of chunks) {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length > 0) first = false;
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const piece = carry + text.slice(start, nl);
      carry = '';
      line++;
      const trimmed = piece.trim();
      if (trimmed) yield { line, text: trimmed };
      start = nl + 1;
    }
    carry += text.slice(start);
  }
  const last = carry.trim();
  if (last) yield { line: line + 1, text: last };
}
