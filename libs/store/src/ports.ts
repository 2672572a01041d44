import type { Readable } from 'node:stream';

export interface SetOptions {
  /** Expire the key after this many seconds (millisecond precision; fractions allowed). Absent or 0: no expiry. */
  ttlSeconds?: number;
}

/**
 * What a {@link KeyValueStore.claim} did: `taken` – the key existed and nothing changed; `claimed` – it created the
 * key and applied every follow-up; `claimed-unswapped` – it created the key and appended, but the compare-and-set key
 * held something other than expected, so that one step was skipped.
 */
export type ClaimOutcome = 'taken' | 'claimed' | 'claimed-unswapped';

/** What a successful {@link KeyValueStore.claim} also does, in the same atomic step. */
export interface ClaimFollowUp {
  /** Moves another key from `expected` (null: absent) to `next`; skipped, not an error, when it holds anything else. */
  readonly compareAndSet?: { readonly key: string; readonly expected: string | null; readonly next: string };
  /** Appends each value to the end of its list. */
  readonly append?: readonly { readonly listKey: string; readonly value: string }[];
}

/**
 * Key-value and state store. Values are strings (callers serialise); every operation is atomic on its key.
 * Implementations: in-process (single node, tests) and Redis (shared by every gateway and worker replica).
 */
export abstract class KeyValueStore {
  /** The current value, or null when the key is absent or expired. */
  abstract get(key: string): Promise<string | null>;
  /** Writes the value, replacing any earlier value and its expiry. */
  abstract set(key: string, value: string, options?: SetOptions): Promise<void>;
  /** Sets the key only if it does not exist. Returns true if this call created it (e.g. a `jti` seen first). */
  abstract setIfAbsent(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /**
   * Compare-and-set: writes `next` only if the current value equals `expected` (`null` meaning absent).
   * Returns true when written. The basis of optimistic state-machine transitions.
   */
  abstract compareAndSet(key: string, expected: string | null, next: string, options?: SetOptions): Promise<boolean>;
  /**
   * Sets `key` to `value` only if it does not exist (as {@link setIfAbsent}, without expiry) and, when this call
   * created it, applies `then` in the same atomic step, and says what it did ({@link ClaimOutcome}). One round trip
   * on a remote store: the audit trail claims a sequence number, moves its head and indexes the event with one call.
   */
  abstract claim(key: string, value: string, then?: ClaimFollowUp): Promise<ClaimOutcome>;
  /** Removes a value or list; absent keys are ignored. */
  abstract delete(key: string): Promise<void>;
  /** Atomically increments an integer counter, creating it at 0 first; the TTL is set when the key is created. */
  abstract increment(key: string, options?: SetOptions): Promise<number>;
  /** Remaining time to live in milliseconds, or null when the key is absent or has no expiry. */
  abstract ttlMillis(key: string): Promise<number | null>;
  /** Appends to the end of a list and returns the new length (audit trails, timelines). */
  abstract append(listKey: string, value: string): Promise<number>;
  /** Reads list items `start..stop` inclusive; negative indexes count from the end, as in Redis LRANGE. */
  abstract range(listKey: string, start: number, stop: number): Promise<string[]>;
  /**
   * Removes the first `count` items of a list, as Redis `LTRIM key count -1`; removing every item removes the list.
   * Items appended meanwhile stay (audit archiving prunes its indexes this way).
   */
  abstract trimStart(listKey: string, count: number): Promise<void>;
  /** Number of items in a list; 0 when absent. */
  abstract listLength(listKey: string): Promise<number>;
  /** Keys (values and lists) starting with `prefix`, sorted (administration and reporting; not for hot paths). */
  abstract keys(prefix: string): Promise<string[]>;
  /** Round-trip check for readiness. */
  abstract ping(): Promise<void>;
}

export interface BlobInfo {
  key: string;
  bytes: number;
  /** Hex SHA-256 of the content, computed while streaming in. */
  sha256: string;
  contentType?: string;
}

/**
 * Blob store for large payloads (GP2GP extracts, fragments, attachments). Content is streamed in and out and never
 * held whole in memory. Implementations: files on local disk (in-process default) and chunked Redis keys.
 */
export abstract class BlobStore {
  /**
   * Streams `content` into the store under `key`, replacing any earlier blob. The new blob becomes visible
   * atomically once fully written; if the content stream fails the call rejects and the earlier blob stays intact.
   */
  abstract put(key: string, content: Readable | Buffer | string, options?: { contentType?: string }): Promise<BlobInfo>;
  /** Streams a blob out. Rejects with {@link BlobNotFoundError} when absent. */
  abstract get(key: string): Promise<Readable>;
  /** Size, digest and content type of a stored blob, or null when absent. */
  abstract stat(key: string): Promise<BlobInfo | null>;
  /** Removes a blob; absent keys are ignored. */
  abstract delete(key: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`No blob stored under "${key}"`);
  }
}

export interface JobOptions {
  /**
   * Idempotency key: adding a job whose id already exists (waiting, running, failed, or among the recently
   * completed) is a no-op that returns the same id. Any string is allowed.
   */
  jobId?: string;
  /** Total number of tries, including the first (default 1). */
  attempts?: number;
  /** Exponential backoff base delay: retry n waits `backoffMs * 2^(n-1)` ms. Absent: retry at once. */
  backoffMs?: number;
  /** Wait this long before the first try. */
  delayMs?: number;
}

export interface Job<T> {
  id: string;
  name: string;
  /** A JSON copy of the payload given to {@link JobQueue.add}. */
  data: T;
  /** Tries that already failed before this one (0 on the first run). */
  attemptsMade: number;
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/**
 * A durable job queue. Payloads carry ids, never documents. Implementations: in-process (single node) and BullMQ
 * on Redis (many workers). Failed jobs are kept for inspection.
 */
export abstract class JobQueue {
  /** Enqueues a job (payload must be JSON-serialisable) and returns its id. */
  abstract add<T extends object>(name: string, data: T, options?: JobOptions): Promise<string>;
  /**
   * Registers the handler for jobs of `name` (one per name); `concurrency` (default 1) bounds parallel executions
   * in this process. A handler that throws or rejects fails the attempt.
   */
  abstract process<T extends object>(name: string, handler: JobHandler<T>, options?: { concurrency?: number }): void;
  /** Job counts by state, summed over the job names this instance has added or processed. */
  abstract counts(): Promise<JobCounts>;
  /** Round-trip check for readiness. */
  abstract ping(): Promise<void>;
  /** How many workers, in any process sharing the queue, take jobs of `name` now (readiness: is anyone consuming?). */
  abstract consumers(name: string): Promise<number>;
  /** Stops taking jobs, waits for running ones, and releases connections. */
  abstract close(): Promise<void>;
}
