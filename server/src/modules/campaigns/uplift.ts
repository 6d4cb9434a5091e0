import { amountFromMinorUnits, normalizeAmount } from '../../lib/money.js';

/**
 * What a campaign achieved beyond what would have happened anyway: response rates of the treated
 * and control groups, their difference (the uplift) with a 95% interval, and what that means in
 * responders and revenue.
 *
 * The interval is Newcombe's hybrid score interval (method 10 of Newcombe 1998, "square and add"
 * of the two Wilson score intervals): response rates of a few percent and control groups of a few
 * hundred are normal in campaigns, and there the Wald interval is too narrow or leaves [-1, 1],
 * while this one keeps close to its nominal coverage and needs no iteration.
 */

/** The 97.5th percentile of the standard normal (a two-sided 95% interval). */
export const Z_95 = 1.959963984540054;

export interface GroupCounts {
  /** Subscribers in the group (treated: contacted; control: held out). */
  members: number;
  /** Members who responded within the response window. */
  responders: number;
}

export interface Interval {
  lower: number;
  upper: number;
}

function checkCounts(name: string, g: GroupCounts): void {
  if (!Number.isSafeInteger(g.members) || g.members < 0) throw new RangeError(`${name}.members must be a whole number >= 0, got ${g.members}`);
  if (!Number.isSafeInteger(g.responders) || g.responders < 0 || g.responders > g.members) {
    throw new RangeError(`${name}.responders must be a whole number from 0 to ${name}.members (${g.members}), got ${g.responders}`);
  }
}

function checkZ(z: number): void {
  if (!(Number.isFinite(z) && z > 0)) throw new RangeError(`z must be a positive number, got ${z}`);
}

/** Wilson's score interval for responders / members (members > 0). */
export function wilsonInterval(responders: number, members: number, z = Z_95): Interval {
  checkCounts('group', { members, responders });
  checkZ(z);
  if (members === 0) throw new RangeError('a group without members has no rate');
  const z2 = z * z;
  const denominator = members + z2;
  const centre = (responders + z2 / 2) / denominator;
  const half = (z / denominator) * Math.sqrt((responders * (members - responders)) / members + z2 / 4);
  // At 0 or all responders the bound is exactly 0 or 1; the floating subtraction would leave dust.
  return {
    lower: responders === 0 ? 0 : Math.max(0, centre - half),
    upper: responders === members ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Newcombe's hybrid score interval for rate(a) − rate(b), both groups with members:
 * lower = d − √((p₁ − l₁)² + (u₂ − p₂)²), upper = d + √((u₁ − p₁)² + (p₂ − l₂)²).
 */
export function newcombeInterval(a: GroupCounts, b: GroupCounts, z = Z_95): Interval & { difference: number } {
  const p1 = a.responders / a.members;
  const p2 = b.responders / b.members;
  const w1 = wilsonInterval(a.responders, a.members, z);
  const w2 = wilsonInterval(b.responders, b.members, z);
  const difference = p1 - p2;
  return {
    difference,
    lower: Math.max(-1, difference - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2)),
    upper: Math.min(1, difference + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2)),
  };
}

export interface GroupResult extends GroupCounts {
  /** responders / members; null for a group without members. */
  rate: number | null;
  /** The rate's 95% Wilson interval. */
  interval: Interval | null;
}

export type UpliftUnavailable = 'no_treated_members' | 'no_control_members';

export interface IncrementalRevenue {
  currency: string;
  /** Decimal strings at the currency's minor units (negative when the campaign lost responses). */
  estimate: string;
  lower: string;
  upper: string;
}

export interface UpliftReport {
  treated: GroupResult;
  control: GroupResult;
  /** rate(treated) − rate(control); null without both groups. */
  uplift: number | null;
  interval: (Interval & { confidence: 0.95; method: 'newcombe_hybrid_score' }) | null;
  /** Why there is no uplift, for the report to say so instead of showing 0. */
  unavailable: { reason: UpliftUnavailable; message: string } | null;
  /** uplift × treated members: responders the campaign added, with the interval scaled alike. */
  incrementalResponders: { estimate: number; lower: number; upper: number } | null;
  /** incremental responders × revenue per response. */
  incrementalRevenue: IncrementalRevenue | null;
}

/** a / b rounded half away from zero, b > 0. */
function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** Interval bounds are irrational (square roots): they enter the integer money arithmetic as millionths of a responder. */
const MICRO = 1_000_000n;
const micros = (responders: number) => BigInt(responders.toFixed(6).replace('.', ''));

function groupResult(g: GroupCounts): GroupResult {
  return g.members === 0
    ? { ...g, rate: null, interval: null }
    : { ...g, rate: g.responders / g.members, interval: wilsonInterval(g.responders, g.members) };
}

export function measureUplift(input: {
  treated: GroupCounts;
  control: GroupCounts;
  /** What one response is worth (e.g. the offer's price), as a decimal string in `currency`. */
  revenuePerResponse?: { amount: string; currency: string } | undefined;
}): UpliftReport {
  const { treated, control, revenuePerResponse } = input;
  checkCounts('treated', treated);
  checkCounts('control', control);
  // Checked before any early return, so a bad amount is refused whatever the counts.
  let minorPerResponse: bigint | null = null;
  if (revenuePerResponse) {
    const normalized = normalizeAmount(revenuePerResponse.amount, revenuePerResponse.currency);
    if (normalized.startsWith('-')) throw new RangeError(`revenue per response must not be negative, got ${revenuePerResponse.amount}`);
    minorPerResponse = BigInt(normalized.replace('.', ''));
  }

  const base = { treated: groupResult(treated), control: groupResult(control), uplift: null, interval: null, incrementalResponders: null, incrementalRevenue: null };
  if (treated.members === 0) {
    return { ...base, unavailable: { reason: 'no_treated_members', message: 'No subscriber was contacted, so there is no response rate to compare.' } };
  }
  if (control.members === 0) {
    return {
      ...base,
      unavailable: { reason: 'no_control_members', message: 'The campaign has no control group (control share 0, or no control member yet), so its uplift cannot be measured.' },
    };
  }

  const ci = newcombeInterval(treated, control);
  const n1 = treated.members;
  const incremental = { estimate: ci.difference * n1, lower: ci.lower * n1, upper: ci.upper * n1 };

  let incrementalRevenue: IncrementalRevenue | null = null;
  if (revenuePerResponse && minorPerResponse !== null) {
    const { currency } = revenuePerResponse;
    // uplift × n₁ = (x₁·n₂ − x₂·n₁) / n₂ exactly, so the estimate is exact to the minor unit.
    const numerator = BigInt(treated.responders) * BigInt(control.members) - BigInt(control.responders) * BigInt(n1);
    const money = (minor: bigint) => amountFromMinorUnits(minor, currency);
    incrementalRevenue = {
      currency,
      estimate: money(divRound(numerator * minorPerResponse, BigInt(control.members))),
      lower: money(divRound(micros(incremental.lower) * minorPerResponse, MICRO)),
      upper: money(divRound(micros(incremental.upper) * minorPerResponse, MICRO)),
    };
  }

  return {
    ...base,
    uplift: ci.difference,
    interval: { lower: ci.lower, upper: ci.upper, confidence: 0.95, method: 'newcombe_hybrid_score' },
    unavailable: null,
    incrementalResponders: incremental,
    incrementalRevenue,
  };
}
