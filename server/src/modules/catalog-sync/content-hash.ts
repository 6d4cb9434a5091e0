import { createHash } from 'node:crypto';
import type { MappedProduct } from './connectors/types.js';

/**
 * Stable JSON: object keys sorted at every depth (UTF-16 order), undefined members left out, so
 * equal content always hashes equal. Stored hashes depend on this exact text: a change here makes
 * the next sync rewrite every product. Loops rather than entries/filter/map: it runs once per
 * record read.
 */
function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stableStringify(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${stableStringify(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** Hash of the mapped source content: same hash -> "unchanged", nothing written. */
export function contentHash(p: MappedProduct): string {
  return createHash('sha256').update(stableStringify(p)).digest('base64url');
}
