/**
 * Seeded randomness. Every simulator draws from its own named streams so that, for a
 * given seed, the catalog does not change when fault settings change, and fault draws
 * do not change when the catalog size changes.
 */

export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data; returns [0, 1). */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string, used to derive independent stream seeds from (seed, name). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function stream(seed: number, name: string): Rng {
  return mulberry32(hashString(`${seed}:${name}`));
}

/** murmur3's finalizer: spreads a 32-bit integer over all bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Streams for item number `index` of a family named once, e.g. `itemStreams(seed, 'catalog:xiva')`.
 * Hashing the name once, mixing the index numerically and re-seeding one generator (instead
 * of allocating one per item) keeps 100,000 items cheap. Consequence: a stream returned for
 * an index is valid only until the family is asked for the next index.
 */
export function itemStreams(seed: number, name: string): (index: number) => Rng {
  const base = hashString(`${seed}:${name}`);
  let a = 0;
  // The mulberry32 step over a state that is re-seeded per index.
  const next: Rng = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (index) => {
    a = fmix32((base + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    return next;
  };
}

export function pick<T>(rng: Rng, values: readonly T[]): T {
  const v = values[Math.floor(rng() * values.length)];
  if (v === undefined) throw new Error('pick() from an empty list');
  return v;
}

/** Four 32-bit words: the raw material of a UUID, kept as numbers so ids sort without strings. */
export function uuidWords(rng: Rng): [number, number, number, number] {
  const w = () => (rng() * 0x100000000) >>> 0;
  return [w(), w(), w(), w()];
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * RFC 4122 version-4 text of four words. The version nibble replaces bits 12-15 of the second
 * word, so text order equals the order of (a, b & 0xffff0fff, ...): see uuidOrderKey.
 */
export function formatUuid([a, b, c, d]: [number, number, number, number]): string {
  const bs = hex8(b);
  const cs = hex8(c);
  const variant = '89ab'[parseInt(cs[0] as string, 16) & 3] as string;
  return `${hex8(a)}-${bs.slice(0, 4)}-4${bs.slice(5, 8)}-${variant}${cs.slice(1, 4)}-${cs.slice(4)}${hex8(d)}`;
}

/** The part of the second word that survives in the text (see formatUuid). */
export function uuidOrderKey(b: number): number {
  return (b & 0xffff0fff) >>> 0;
}

