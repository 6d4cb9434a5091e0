/**
 * How a score's reasons are stored in ml_scores.reasons: each reason as a `[feature, value,
 * contribution]` triple, the contribution to 6 significant digits. A batch run stores some six rows
 * of five reasons per subscriber; as objects with their keys and 17-digit contributions they were
 * ~570 bytes a row, three quarters of what a page sends to PostgreSQL and what it parses as jsonb.
 * As triples they are about half that. The direction is the contribution's sign (TreeSHAP reasons
 * never have a zero contribution), and 6 digits are more than any reader shows (the console: 3
 * decimals). Rows written before this format (objects) are read as they are.
 */
import type { MlReason } from '@lyra/contracts';

export type StoredReason = [feature: string, value: number | string | null, contribution: number];

export function toStoredReasons(reasons: readonly MlReason[]): StoredReason[] {
  return reasons.map((r) => [r.feature, r.value, Number(r.contribution.toPrecision(6))]);
}

export function fromStoredReasons(stored: unknown): MlReason[] {
  if (!Array.isArray(stored)) return [];
  const out: MlReason[] = [];
  for (const r of stored as unknown[]) {
    if (Array.isArray(r)) {
      const [feature, value, contribution] = r as StoredReason;
      out.push({ feature, contribution, direction: contribution > 0 ? 'increases' : 'decreases', value });
    } else if (r !== null && typeof r === 'object') {
      const { feature, contribution, direction, value } = r as MlReason;
      out.push({ feature, contribution, direction, value });
    }
  }
  return out;
}
