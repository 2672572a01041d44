import type { AuditEvent } from '@lloyd/fhir';
import type { KeyValueStore } from '@lloyd/store';
import {
  AUDIT_CHECKPOINT_KEY,
  AUDIT_HEAD_KEY,
  AUDIT_INDEX_PREFIX,
  auditEventKey,
  parseCheckpoint,
  parseHead,
  storedEvents,
  type Checkpoint,
} from './audit-keys.js';
import { chainLink, checkStoredEvent, GENESIS_HASH } from './hash-chain.js';

const BATCH = 200;

/** Where archived events go: an append-only file in production (`npm run -s audit:archive`). */
export interface ArchiveSink {
  /** Writes events, each as the exact text the store kept (so their hashes can be checked from the file alone). */
  write(stored: readonly string[]): Promise<void>;
  /** Makes everything written durable. Called once, before the store lets go of any archived event. */
  commit(): Promise<void>;
}

export interface ArchiveOptions {
  /** Events recorded before this instant are archived: the oldest part of the chain, up to the first one after it. */
  before: Date;
  sink: ArchiveSink;
  /** Told after each batch: events archived so far and the time the last of them was recorded. */
  onProgress?: (archived: number, lastRecorded: string) => void;
}

export interface ArchiveResult {
  /** Events written to the sink (0: nothing was recorded before the cut-off; the sink was not committed). */
  archived: number;
  /** First and last sequence numbers archived, and the last one's hash (the store's new checkpoint). */
  from?: number;
  through?: number;
  hash?: string;
  firstRecorded?: string;
  lastRecorded?: string;
  /** An earlier run had stopped after moving the checkpoint but before removing its events; they were removed. */
  finishedEarlierRun: boolean;
  /**
   * Why the archived events could not all be removed from the store, when they could not. The archive stands: the
   * store's chain starts after the checkpoint whatever is left before it, and the next run removes the rest.
   */
  pruneError?: string;
}

/** The stored chain does not hold together, so nothing is archived: an archive must hold a verified chain. */
export class AuditChainBrokenError extends Error {
  constructor(
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`the audit chain is broken at event ${seq}: ${reason}`);
  }
}

/**
 * The sink was committed, but the store's checkpoint did not move: another archive run moved it meanwhile (`conflict`),
 * or the store failed. The store still holds the events (or the other run archived them), so this run's archive must
 * be discarded.
 */
export class ArchiveNotRecordedError extends Error {
  constructor(
    message: string,
    readonly conflict: boolean,
  ) {
    super(message);
  }
}

/**
 * Moves the oldest part of the audit trail out of the store into archive files, so the store (Redis memory, or the
 * in-process store) does not grow without bound.
 *
 * The events are checked link by link as they are read, written to the sink as the exact stored text, and committed
 * there. Only then does the store's checkpoint (`audit:checkpoint`: the last archived event's number and hash) move,
 * with compare-and-set, and the events and their index entries are removed. The stored chain then starts after the
 * checkpoint, and {@link AuditTrail.verify} starts there. A run interrupted after moving the checkpoint is finished by
 * the next one. Writers are never paused: they only touch the chain's head.
 */
export class AuditArchive {
  constructor(private readonly store: KeyValueStore) {}

  async archive(options: ArchiveOptions): Promise<ArchiveResult> {
    const checkpointRaw = await this.store.get(AUDIT_CHECKPOINT_KEY);
    let checkpoint = parseCheckpoint(checkpointRaw);
    let currentRaw = checkpointRaw;
    const finishedEarlierRun = !checkpoint.pruned;
    if (finishedEarlierRun) currentRaw = await this.prune(checkpoint, currentRaw);
    checkpoint = parseCheckpoint(currentRaw);

    const head = parseHead(await this.store.get(AUDIT_HEAD_KEY));
    const cutoff = options.before.toISOString();
    let previousHash = checkpoint.hash;
    let archived = 0;
    let firstRecorded: string | undefined;
    let lastRecorded: string | undefined;
    const pending: string[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      await options.sink.write(pending.splice(0));
      if (lastRecorded) options.onProgress?.(archived, lastRecorded);
    };
    for await (const { seq, raw } of storedEvents(this.store, checkpoint.seq + 1, head.seq)) {
      if (raw === null) throw new AuditChainBrokenError(seq, `event ${seq} is missing, but the head is at ${head.seq}`);
      const checked = checkStoredEvent(raw, seq, previousHash);
      if (typeof checked === 'string') throw new AuditChainBrokenError(seq, checked);
      const recorded = recordedAt(checked.event);
      if (recorded >= cutoff) break;
      previousHash = checked.hash;
      firstRecorded ??= recorded;
      lastRecorded = recorded;
      pending.push(raw);
      archived++;
      if (pending.length >= BATCH) await flush();
    }
    await flush();
    if (archived === 0) return { archived, finishedEarlierRun };

    await options.sink.commit();
    const from = checkpoint.seq + 1;
    const through = checkpoint.seq + archived;
    const next: Checkpoint = {
      seq: through,
      hash: previousHash,
      from,
      pruned: false,
      archivedAt: new Date().toISOString(),
    };
    const nextRaw = JSON.stringify(next);
    let moved: boolean;
    try {
      moved = await this.store.compareAndSet(AUDIT_CHECKPOINT_KEY, currentRaw, nextRaw);
    } catch (err) {
      throw new ArchiveNotRecordedError(`the store's checkpoint could not be moved: ${describe(err)}`, false);
    }
    if (!moved) {
      throw new ArchiveNotRecordedError(
        'another archive run moved the checkpoint while this one was writing, so it has archived these events',
        true,
      );
    }
    let pruneError: string | undefined;
    try {
      await this.prune(next, nextRaw);
    } catch (err) {
      pruneError = describe(err);
    }
    return {
      archived,
      from,
      through,
      hash: previousHash,
      ...(firstRecorded ? { firstRecorded } : {}),
      ...(lastRecorded ? { lastRecorded } : {}),
      finishedEarlierRun,
      ...(pruneError ? { pruneError } : {}),
    };
  }

  /**
   * How many entries at the start of an index are archived (`<= through`). Entries are appended in claim order, which
   * is sequence order, so the archived ones lead; the list is read a page at a time, never whole.
   */
  private async archivedLead(indexKey: string, through: number): Promise<number> {
    let lead = 0;
    for (;;) {
      const page = await this.store.range(indexKey, lead, lead + BATCH - 1);
      const firstKept = page.findIndex((entry) => Number(entry) > through);
      if (firstKept !== -1) return lead + firstKept;
      lead += page.length;
      if (page.length < BATCH) return lead;
    }
  }

  /** Removes the events of the checkpoint's run and their index entries, then marks it pruned. */
  private async prune(checkpoint: Checkpoint, checkpointRaw: string | null): Promise<string | null> {
    for (let start = checkpoint.from; start <= checkpoint.seq; start += BATCH) {
      const end = Math.min(checkpoint.seq, start + BATCH - 1);
      await Promise.all(Array.from({ length: end - start + 1 }, (_, i) => this.store.delete(auditEventKey(start + i))));
    }
    for (const indexKey of await this.store.keys(AUDIT_INDEX_PREFIX)) {
      await this.store.trimStart(indexKey, await this.archivedLead(indexKey, checkpoint.seq));
    }
    const prunedRaw = JSON.stringify({ ...checkpoint, pruned: true });
    // Losing this race means another run has already moved on from this checkpoint.
    return (await this.store.compareAndSet(AUDIT_CHECKPOINT_KEY, checkpointRaw, prunedRaw))
      ? prunedRaw
      : this.store.get(AUDIT_CHECKPOINT_KEY);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function recordedAt(event: AuditEvent): string {
  return new Date(event.recorded).toISOString();
}

/**
 * Checks archived events line by line, across as many files as are given in order: each must be intact and follow
 * the one before. The first event may start anywhere in the chain (after an earlier archive), but event 1 must start
 * from the genesis hash.
 */
export class ArchiveVerifier {
  checked = 0;
  from?: number;
  through?: number;
  hash?: string;

  /** Checks the next archived event (one line); returns why it does not hold, or undefined when it does. */
  check(line: string): string | undefined {
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      return 'the line is not valid JSON: it was altered after it was archived';
    }
    const link = event?.resourceType === 'AuditEvent' ? chainLink(event) : undefined;
    if (!link) return 'the line is not an AuditEvent with an audit-chain extension';
    const seq = this.through === undefined ? link.sequence : this.through + 1;
    if (link.sequence !== seq) {
      return `event ${seq} should come next, but the line holds event ${link.sequence}: events are missing or out of order`;
    }
    const previousHash = this.hash ?? (seq === 1 ? GENESIS_HASH : link.previousHash);
    const checked = checkStoredEvent(line, seq, previousHash);
    if (typeof checked === 'string') return checked;
    this.from ??= seq;
    this.through = seq;
    this.hash = checked.hash;
    this.checked++;
    return undefined;
  }
}
