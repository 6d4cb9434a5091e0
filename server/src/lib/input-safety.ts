import { AppError } from './errors.js';

/**
 * The edge rules every request meets before its schema is checked, whatever the route:
 * - JSON is nested at most MAX_JSON_DEPTH levels (the deepest Lyra document, a product with
 *   attributes, needs 4); deeper bodies are refused before they are parsed, so no recursion
 *   anywhere (parser, validator, serializer) can run out of stack;
 * - no key anywhere is the name of an Object.prototype member (`__proto__`, `constructor`,
 *   `toString`, ...): such keys are how input reaches prototypes or shadows methods, and no Lyra
 *   field is named so;
 * - no text holds a NUL character (PostgreSQL cannot store 0x00) or a lone UTF-16 surrogate (it
 *   has no UTF-8 form);
 * each refused with 400 naming the field, before anything is read or written.
 */
export const MAX_JSON_DEPTH = 32;

export const RESERVED_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** The first problem in a parsed value, with the dotted path of the field that has it. */
export function findUnsafeInput(value: unknown, path = ''): { field: string; problem: string } | null {
  if (typeof value === 'string') return textProblem(value, path || '_root');
  if (value === null || typeof value !== 'object') return null;
  // Only parsed data is walked: a streamed body (imports) is checked by its own parser, row by row.
  // (Fastify's params and query objects are of null-prototype classes: data too.)
  const proto = Object.getPrototypeOf(value) as object | null;
  if (!Array.isArray(value) && proto !== null && proto !== Object.prototype && Object.getPrototypeOf(proto) !== null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeInput(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    const keyProblem = RESERVED_KEYS.has(key) ? `"${key}" is a reserved name and cannot be used as a field` : textProblem(key, field)?.problem;
    if (keyProblem) return { field: printable(field), problem: keyProblem };
    const found = findUnsafeInput((value as Record<string, unknown>)[key], field);
    if (found) return found;
  }
  return null;
}

export function textProblem(text: string, field: string): { field: string; problem: string } | null {
  const nul = text.indexOf('\u0000');
  // A whole-text body (a CSV upload) says on which line, a field's value needs no more.
  const where = field === '_root' && nul >= 0 ? ` on line ${text.slice(0, nul).split('\n').length}` : '';
  if (nul >= 0) return { field: printable(field), problem: `contains a NUL character (\\u0000)${where}, which cannot be stored` };
  if (!text.isWellFormed()) return { field: printable(field), problem: 'contains an unpaired UTF-16 surrogate, which is not valid Unicode' };
  return null;
}

/** Field names are echoed in answers and logs: never echo control characters or megabytes. */
function printable(field: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
  const clean = field.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).toWellFormed();
  return clean.length > 120 ? `${clean.slice(0, 120)}...` : clean;
}

/** Nesting depth of a JSON text, counted without parsing it (so a hostile text cannot exhaust the stack). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Parses a JSON document under the edge rules, or throws a 400 naming what is wrong. */
export function parseJsonText(text: string, what = 'The body'): unknown {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new AppError('json_too_deep', `${what} is nested deeper than ${MAX_JSON_DEPTH} levels`, { max_depth: MAX_JSON_DEPTH });
  }
  try {
    // JSON.parse makes "__proto__" an own property (never the prototype); findUnsafeInput then refuses it.
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('invalid_json', `${what} is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

