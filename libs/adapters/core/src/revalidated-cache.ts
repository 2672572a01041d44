import { deepFreeze } from '@lloyd/fhir';
import type { SupplierResponse } from './http.js';

/**
 * How a read went: `not-modified` reused the held answer (304); `changed` sent a validator and got a new answer;
 * `full` had nothing to validate (nothing held, the cache off, or the system sends no `ETag`).
 */
export type RevalidationOutcome = 'not-modified' | 'changed' | 'full';

/** A held answer: what the parse made of it, its validator and its weight against the budget. */
interface Held {
  readonly value: unknown;
  readonly etag: string;
  readonly bytes: number;
}

/**
 * Parsed supplier answers kept with their validators (HTTP `ETag`) and revalidated on every use, so a record that
 * has not changed is not transferred, parsed and mapped again, and a record that has changed is never served stale:
 * each read still asks the supplier (`If-None-Match`), and only a `304 Not Modified` reuses what is held.
 *
 * Held values are shared by concurrent requests, so they are deep-frozen when stored: a caller that tried to change
 * one would throw rather than alter another request's answer. The budget is in bytes of the suppliers' answers
 * (parsed objects take a few times more); least recently used answers go first. A budget of 0 holds nothing and sends
 * no validators.
 *
 * One cache serves all of an adapter's kinds of answer under one budget; each kind keeps to its own keys (a prefix),
 * since a key always reads back what its own parse made.
 */
export class RevalidatedCache {
  private readonly held = new Map<string, Held>();
  private bytes = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly observe: (outcome: RevalidationOutcome) => void = () => undefined,
  ) {}

  /**
   * Reads `key` through `request`, which must send `ifNoneMatch` as `If-None-Match` and accept a 304. A 200 with
   * an `ETag` is parsed and held; any other answer is parsed and the held value dropped.
   */
  async read<T>(
    key: string,
    request: (ifNoneMatch: string | undefined) => Promise<SupplierResponse>,
    parse: (response: SupplierResponse) => T,
  ): Promise<T> {
    const held = this.held.get(key);
    const response = await request(held?.etag);
    if (response.status === 304) {
      // The request only sends a validator it holds, but the entry may have been evicted meanwhile.
      const current = this.held.get(key);
      if (!current || current.etag !== held?.etag) return this.read(key, request, parse);
      this.held.delete(key);
      this.held.set(key, current);
      this.observe('not-modified');
      return current.value as T;
    }
    this.observe(held ? 'changed' : 'full');
    const value = parse(response);
    this.forget(key);
    const bytes = Buffer.byteLength(response.body);
    if (response.status === 200 && response.etag && bytes <= this.budgetBytes) {
      this.held.set(key, { value: deepFreeze(value), etag: response.etag, bytes });
      this.bytes += bytes;
      for (const [oldest, entry] of this.held) {
        if (this.bytes <= this.budgetBytes) break;
        this.held.delete(oldest);
        this.bytes -= entry.bytes;
      }
    }
    return value;
  }

  /** Answers held, and their size in bytes as the supplier sent them. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.held.size, bytes: this.bytes };
  }

  private forget(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    this.bytes -= entry.bytes;
  }
}
