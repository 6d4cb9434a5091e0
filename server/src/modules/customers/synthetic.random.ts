/**
 * Seeded randomness and calendar arithmetic for the synthetic generator. Every subscriber draws
 * from its own stream (seed, index), so any slice of the population comes out identical to the
 * same subscribers of a whole run: the CLI can generate 100,000 subscribers in bounded chunks.
 */
import { isoDay } from '../../lib/time.js';

/** splitmix32: spreads (seed, stream) over the 32-bit state space. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128**: fast, 2^128 period, good enough statistics for simulation. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number, stream = 0) {
    let s = splitmix32((seed | 0) ^ Math.imul(stream | 0, 0x27d4eb2d));
    this.a = s = splitmix32(s ^ 0x1b873593);
    this.b = s = splitmix32(s);
    this.c = s = splitmix32(s);
    this.d = splitmix32(s) || 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  bool(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-scale spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count (inversion for small means, a rounded normal for large ones). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One of the items with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// -------------------------------------------------------------------------------------------------
// Calendar: days since 1970-01-01 (UTC) and months as year * 12 + month-index

export const DAY_MS = 86_400_000;
export const dayOf = (isoDate: string) => Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);
/** A day number (days since 1970-01-01) as YYYY-MM-DD. */
export const isoDate = (day: number) => isoDay(new Date(day * DAY_MS));
/** An instant inside a day, to the second. */
export const isoInstant = (day: number, secondOfDay: number) => new Date(day * DAY_MS + Math.floor(secondOfDay) * 1000).toISOString().replace('.000Z', 'Z');
export const monthOfDay = (day: number) => {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
export const firstDayOfMonth = (month: number) => Math.floor(Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS);
export const daysInMonth = (month: number) => firstDayOfMonth(month + 1) - firstDayOfMonth(month);
export const monthLabel = (month: number) => `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
/** Whole months from day `from` to day `to` (a month counts once its day-of-month is reached). */
export function monthsBetweenDays(from: number, to: number): number {
  const a = new Date(from * DAY_MS);
  const b = new Date(to * DAY_MS);
  const m = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) - (b.getUTCDate() < a.getUTCDate() ? 1 : 0);
  return Math.max(0, m);
}

// -------------------------------------------------------------------------------------------------
// Names and places (a Gulf operator with a large expatriate base)

export const FIRST_NAMES = [
  'Mohammed', 'Abdullah', 'Fahad', 'Khalid', 'Saud', 'Faisal', 'Omar', 'Ahmed', 'Sultan', 'Turki', 'Nasser', 'Yousef', 'Ali', 'Hamad', 'Majed',
  'Nora', 'Sara', 'Fatimah', 'Aisha', 'Reem', 'Lama', 'Hessa', 'Maha', 'Dana', 'Layla', 'Noura', 'Ghada', 'Amal', 'Mariam', 'Huda',
];
export const LAST_NAMES = [
  'Al-Otaibi', 'Al-Qahtani', 'Al-Harbi', 'Al-Ghamdi', 'Al-Zahrani', 'Al-Shehri', 'Al-Dosari', 'Al-Mutairi', 'Al-Anazi', 'Al-Shammari',
  'Al-Subaie', 'Al-Juhani', 'Al-Malki', 'Al-Rashidi', 'Al-Amri', 'Al-Yami', 'Al-Asmari', 'Al-Saud', 'Al-Tamimi', 'Al-Balawi',
];
export const EXPAT_FIRST_NAMES = ['Rahul', 'Priya', 'Imran', 'Ayesha', 'Jose', 'Maria', 'Mohamed', 'Fatima', 'Ramesh', 'Anita', 'Bilal', 'Sana', 'Kofi', 'Grace', 'Arjun', 'Deepa'];
export const EXPAT_LAST_NAMES = ['Sharma', 'Khan', 'Santos', 'Reyes', 'Hassan', 'Nair', 'Kumar', 'Hussain', 'Mensah', 'Fernandes', 'Iqbal', 'Pillai', 'Cruz', 'Mahmoud'];
export const REGIONS: readonly (readonly [string, number])[] = [
  ['Riyadh', 26], ['Makkah', 26], ['Eastern Province', 15], ['Madinah', 7], ['Asir', 6], ['Qassim', 4], ['Jazan', 4], ['Tabuk', 3],
  ['Hail', 2], ['Najran', 2], ['Al Jouf', 2], ['Al Bahah', 1.5], ['Northern Borders', 1.5],
];
