import { KeyValueStore, type ClaimFollowUp, type ClaimOutcome, type SetOptions } from './ports.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** In-process {@link KeyValueStore}: the single-node default and the reference for the contract suite. */
export class InMemoryKeyValueStore extends KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly lists = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private expiry(options?: SetOptions): number | null {
    const seconds = options?.ttlSeconds ?? 0;
    return seconds > 0 ? this.now() + Math.max(1, Math.round(seconds * 1000)) : null;
  }

  /** A key holds a value or a list, never both (as in Redis): writing a value replaces a list. */
  private write(key: string, value: string, expiresAt: number | null): void {
    this.lists.delete(key);
    this.entries.set(key, { value, expiresAt });
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key)?.value ?? null);
  }

  set(key: string, value: string, options?: SetOptions): Promise<void> {
    this.write(key, value, this.expiry(options));
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, options?: SetOptions): Promise<boolean> {
    return Promise.resolve(this.createIfAbsent(key, value, options));
  }

  compareAndSet(key: string, expected: string | null, next: string, options?: SetOptions): Promise<boolean> {
    return Promise.resolve(this.swapIfEqual(key, expected, next, options));
  }

  claim(key: string, value: string, then: ClaimFollowUp = {}): Promise<ClaimOutcome> {
    // Synchronous from check to last write, so nothing else runs in between: atomic, as on Redis.
    try {
      if (!this.createIfAbsent(key, value)) return Promise.resolve('taken');
      const cas = then.compareAndSet;
      const swapped = !cas || this.swapIfEqual(cas.key, cas.expected, cas.next);
      for (const { listKey, value: item } of then.append ?? []) this.push(listKey, item);
      return Promise.resolve(swapped ? 'claimed' : 'claimed-unswapped');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private createIfAbsent(key: string, value: string, options?: SetOptions): boolean {
    if (this.live(key) || this.lists.has(key)) return false;
    this.write(key, value, this.expiry(options));
    return true;
  }

  private swapIfEqual(key: string, expected: string | null, next: string, options?: SetOptions): boolean {
    const current = this.live(key)?.value ?? null;
    if (current !== expected || (expected === null && this.lists.has(key))) return false;
    this.write(key, next, this.expiry(options));
    return true;
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    this.lists.delete(key);
    return Promise.resolve();
  }

  increment(key: string, options?: SetOptions): Promise<number> {
    const entry = this.live(key);
    const current = entry ? Number(entry.value) : 0;
    if (!Number.isSafeInteger(current) || this.lists.has(key)) {
      return Promise.reject(new TypeError(`Cannot increment "${key}": it does not hold an integer`));
    }
    const next = current + 1;
    this.entries.set(key, { value: String(next), expiresAt: entry ? entry.expiresAt : this.expiry(options) });
    return Promise.resolve(next);
  }

  ttlMillis(key: string): Promise<number | null> {
    const entry = this.live(key);
    return Promise.resolve(entry?.expiresAt != null ? Math.max(0, entry.expiresAt - this.now()) : null);
  }

  append(listKey: string, value: string): Promise<number> {
    try {
      return Promise.resolve(this.push(listKey, value));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private push(listKey: string, value: string): number {
    if (this.live(listKey)) throw new TypeError(`Cannot append to "${listKey}": it holds a value, not a list`);
    const list = this.lists.get(listKey) ?? [];
    list.push(value);
    this.lists.set(listKey, list);
    return list.length;
  }

  range(listKey: string, start: number, stop: number): Promise<string[]> {
    const list = this.lists.get(listKey) ?? [];
    const from = start < 0 ? Math.max(0, list.length + start) : start;
    const to = stop < 0 ? list.length + stop : Math.min(stop, list.length - 1);
    return Promise.resolve(to < from ? [] : list.slice(from, to + 1));
  }

  trimStart(listKey: string, count: number): Promise<void> {
    const list = this.lists.get(listKey);
    if (list && count > 0) {
      list.splice(0, count);
      if (list.length === 0) this.lists.delete(listKey);
    }
    return Promise.resolve();
  }

  listLength(listKey: string): Promise<number> {
    return Promise.resolve(this.lists.get(listKey)?.length ?? 0);
  }

  keys(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const key of this.entries.keys()) if (key.startsWith(prefix) && this.live(key)) out.push(key);
    for (const key of this.lists.keys()) if (key.startsWith(prefix)) out.push(key);
    return Promise.resolve(out.sort());
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
