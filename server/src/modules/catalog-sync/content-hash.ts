import { createHash } from 'node:crypto';
import type { MappedProduct } from './connectors/types.js';

/** Stable JSON: object keys sorted at every depth, so equal content always hashes equal. */
function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** Hash of the mapped source content: same hash -> "unchanged", nothing written. */
export function contentHash(p: MappedProduct): string {
  return createHash('sha256').update(stableStringify(p)).digest('base64url');
}
