/**
 * A bounded in-process cache whose entries expire after `ttlMs`. Used where staleness is bounded on
 * purpose (revocation state: at most `ttlMs` old on any instance).
 * @example const cache = new TtlCache<string, Row>(2000, 10_000); cache.get(id) ?? cache.set(id, await load(id))
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly ttlMs: number;
  private readonly limit: number;

  constructor(ttlMs: number, limit = 10_000) {
    this.ttlMs = ttlMs;
    this.limit = limit;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V): V {
    // Maps iterate in insertion order: dropping the first entry drops the oldest.
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every entry the predicate matches (e.g. all entries of one account). */
  deleteWhere(predicate: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
