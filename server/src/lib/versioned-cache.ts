/**
 * A small LRU whose entries are valid only for the data version they were computed at. Reads pass
 * the current version (one cheap query), so an answer is never older than the data it describes,
 * on this instance or after a write by another instance.
 */
export class VersionedCache<V> {
  private readonly entries = new Map<string, { version: string; value: V }>();
  constructor(private readonly maxEntries = 500) {}

  get(key: string, version: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.version !== version) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, version: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { version, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async getOrCompute(key: string, version: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.get(key, version);
    if (hit !== undefined) return hit;
    const value = await compute();
    this.set(key, version, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A time-bounded memo, for lookups where a few seconds of staleness are acceptable. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();
  constructor(private readonly ttlMs: number, private readonly maxEntries = 5000) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.set(key, { at: now, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
