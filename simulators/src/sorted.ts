/**
 * Sorted arrays kept up to date on every change, so that a list page is a binary search
 * plus a slice (O(log n + page)) even with 100,000 items and data changing between pages.
 */

export class SortedList<T> {
  private built: T[] | undefined;
  private readonly source: () => readonly T[];

  /**
   * `items` is either the initial content or, for a lazy index, a function giving the current
   * members: the index is then sorted on first use (an index nobody queries costs nothing at
   * start-up) and insert/remove are no-ops until then.
   */
  constructor(
    private readonly cmp: (a: T, b: T) => number,
    items: readonly T[] | (() => readonly T[]) = [],
  ) {
    if (typeof items === 'function') {
      this.source = items;
    } else {
      this.built = items.slice().sort(cmp);
      this.source = () => [];
    }
  }

  get items(): T[] {
    return (this.built ??= this.source().slice().sort(this.cmp));
  }

  get length(): number {
    return this.items.length;
  }

  /** First index whose item is not below the target; `probe(item)` < 0 means item is below it. */
  lowerBound(probe: (item: T) => number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (probe(this.items[mid] as T) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose item is above the target. */
  upperBound(probe: (item: T) => number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (probe(this.items[mid] as T) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(x: T): void {
    if (!this.built) return;
    const i = this.upperBound((item) => this.cmp(item, x));
    this.items.splice(i, 0, x);
  }

  /** Must be called before the item's sort key changes. */
  remove(x: T): boolean {
    if (!this.built) return true;
    let i = this.lowerBound((item) => this.cmp(item, x));
    while (i < this.items.length && this.cmp(this.items[i] as T, x) === 0) {
      if (this.items[i] === x) {
        this.items.splice(i, 1);
        return true;
      }
      i++;
    }
    return false;
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Results of filtered queries that cannot be answered from one index (e.g. "changed since t,
 * ordered by id") are computed once and reused for every page until the data changes.
 */
export class QueryCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 16) {}

  get(key: string, version: number, build: () => T): T {
    const full = `${version}|${key}`;
    const hit = this.entries.get(full);
    if (hit !== undefined) {
      this.entries.delete(full);
      this.entries.set(full, hit);
      return hit;
    }
    const value = build();
    this.entries.set(full, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}
