/**
 * What the three simulators' record stores share: which items are malformed at the current rate,
 * random picks for the test store's changes, and the "mutateWhilePaging" fault.
 */
import type { CatalogGenerator, MalformKind } from './catalog.js';
import type { Rng } from './random.js';

/** The malformation of catalog item `index` at `rate` (0..1), if it has one. */
export function malformationAt(catalog: CatalogGenerator, index: number, rate: number): MalformKind | undefined {
  if (rate === 0) return undefined;
  const m = catalog.malformation(index);
  return m.u < rate ? m.kind : undefined;
}

/**
 * Up to n distinct items drawn at random among those `isValid` accepts. The attempts are bounded,
 * so a catalog with few valid items yields fewer.
 */
export function pickValid<T>(rng: Rng, items: readonly T[], n: number, isValid: (item: T) => boolean): T[] {
  const chosen = new Set<T>();
  for (let attempts = 0; chosen.size < n && attempts < n * 20 + 100 && items.length > 0; attempts++) {
    const r = items[Math.floor(rng() * items.length)];
    if (r !== undefined && isValid(r)) chosen.add(r);
  }
  return [...chosen];
}

/** The fault "mutateWhilePaging": n random steps between two pages, 60% a change, 20% a removal, 20% an addition. */
export function mutateRandomly(rng: Rng, n: number, step: { change(): void; remove(): void; add(): void }): void {
  for (let i = 0; i < n; i++) {
    const u = rng();
    if (u < 0.6) step.change();
    else if (u < 0.8) step.remove();
    else step.add();
  }
}

/** The malformed items a client still sees as records (those that kept their id). */
export function malformedWithId<T>(items: readonly T[], malformOf: (item: T) => MalformKind | undefined): T[] {
  return items.filter((r) => {
    const m = malformOf(r);
    return m !== undefined && m !== 'missing-id';
  });
}
