import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { OperationOutcomeError, type AuditEvent } from '@lloyd/fhir';
import { LOGGER, MetricsService, type AppLogger } from '@lloyd/observability';
import { KeyValueStore } from '@lloyd/store';
import type { Counter } from 'prom-client';
import { ACCESS_CLOCK, type AccessClock } from '../clock.js';
import type { AuditEntry } from './audit-entry.js';
import { buildAuditEvent, outcomeOf } from './audit-event.js';
import {
  eventOrganisation,
  eventPatient,
  eventPractice,
  matchesQuery,
  parseAuditQuery,
  type AuditQuery,
} from './audit-query.js';
import {
  AUDIT_CHECKPOINT_KEY,
  AUDIT_HEAD_KEY,
  auditEventKey,
  MalformedAuditKeyError,
  organisationIndexKey,
  parseCheckpoint,
  parseHead,
  patientIndexKey,
  practiceIndexKey,
  storedEvents,
  type Checkpoint,
  type Head,
} from './audit-keys.js';
import { chainLink, checkStoredEvent, sealEvent, type SealedEvent } from './hash-chain.js';

const MAX_ATTEMPTS = 500;
const BATCH = 200;

/** The first place the chain does not hold together. */
export interface ChainBreak {
  seq: number;
  reason: string;
}

export interface ChainReport {
  ok: boolean;
  /** Events whose hash and link were checked and found intact. */
  checked: number;
  /** The sequence number the head points at. */
  head: number;
  /** Events up to this one were moved to archive files (`audit:archive`) and are not in the store; 0 when none. */
  archivedThrough: number;
  /** The hash of event `archivedThrough`, the last of the latest archive file (absent when nothing was archived). */
  archivedHash?: string;
  firstBreak?: ChainBreak;
}

export interface AuditSearchResult {
  /** The page of events, newest first. */
  events: AuditEvent[];
  /** How many events match in all. */
  total: number;
  count: number;
  offset: number;
}

/**
 * The audit trail: one FHIR R4 AuditEvent per request that touches patient data (allowed or denied) and per change
 * to the sharing rules, in a tamper-evident hash chain.
 *
 * Each event carries its sequence number, the previous event's hash and its own hash, taken over the exact text the
 * store keeps (see {@link sealEvent}). Writers on any number of replicas claim the next sequence number by creating
 * `audit:event:<seq>` only if absent (so a number is never used twice), and in the same atomic step move
 * `audit:head` forward with compare-and-set and add the event to its indexes ({@link KeyValueStore.claim}: one round
 * trip on Redis). A writer that finds its number taken helps move the head to it and retries, so an event claimed by
 * an older writer that stopped before moving the head leaves no gap either. {@link record} resolves only once the
 * event is stored, and fails closed (500) when it cannot be.
 */
@Injectable()
export class AuditTrail {
  private readonly clock: AccessClock;
  private readonly written: Counter<'outcome'>;
  private readonly failures: Counter;
  private readonly chainGaps: Counter;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * The head as this process last moved it (as stored), or undefined. The next append first tries to claim the number
   * after it, which saves reading the head for every event: a claim only succeeds on a number nobody has used, so a
   * stale guess costs one failed claim and then a read. (If the store lost events under a running Lloyd, the next
   * event still follows the last one this process wrote, and verification reports the events that went missing.)
   */
  private lastHead: string | null | undefined;

  constructor(
    private readonly store: KeyValueStore,
    metrics: MetricsService,
    @Optional() @Inject(ACCESS_CLOCK) clock?: AccessClock,
    @Optional() @Inject(LOGGER) private readonly logger?: AppLogger,
  ) {
    this.clock = clock ?? Date.now;
    this.written = metrics.counter('lloyd_audit_events_total', 'AuditEvents written, by outcome.', ['outcome']);
    this.failures = metrics.counter(
      'lloyd_audit_write_failures_total',
      'AuditEvents that could not be written (the request was refused).',
    );
    this.chainGaps = metrics.counter(
      'lloyd_audit_chain_gaps_total',
      "Times an AuditEvent was written past the chain's head: events before it had gone missing from the store.",
    );
  }

  /**
   * Writes one AuditEvent and resolves once it is durable in the store. Throws a 500 OperationOutcomeError when it
   * cannot be written: the caller must not answer with patient data then (fail closed).
   */
  async record(entry: AuditEntry): Promise<AuditEvent> {
    const event = buildAuditEvent(entry, randomUUID(), new Date(this.clock()));
    try {
      const sealed = await this.serially(() => this.append(event));
      this.written.inc({ outcome: outcomeOf(entry.error) });
      return sealed.event;
    } catch (err) {
      this.failures.inc();
      this.logger?.error({ err, correlationId: entry.correlationId }, 'audit event could not be written');
      throw OperationOutcomeError.of(
        'INTERNAL_SERVER_ERROR',
        'The audit trail could not be written, so Lloyd refused the request rather than answer unaudited. ' +
          `Try again; if it keeps failing, contact the service desk quoting correlation id ${entry.correlationId}.`,
      );
    }
  }

  /**
   * Walks the stored chain, from event 1 or from the first event after the archive checkpoint, and reports the first
   * event whose content, hash or link does not hold.
   */
  async verify(): Promise<ChainReport> {
    const [headRaw, checkpointRaw] = await Promise.all([
      this.store.get(AUDIT_HEAD_KEY),
      this.store.get(AUDIT_CHECKPOINT_KEY),
    ]);
    let head: Head;
    let checkpoint: Checkpoint;
    try {
      head = parseHead(headRaw);
      checkpoint = parseCheckpoint(checkpointRaw);
    } catch (err) {
      // An altered head or checkpoint is a break like any other: where the chain ends or starts can no longer be told.
      if (!(err instanceof MalformedAuditKeyError)) throw err;
      return { ok: false, checked: 0, head: 0, archivedThrough: 0, firstBreak: { seq: 0, reason: err.message } };
    }
    const archived =
      checkpoint.seq > 0 ? { archivedThrough: checkpoint.seq, archivedHash: checkpoint.hash } : undefined;
    let previousHash = checkpoint.hash;
    let checked = 0;
    const broken = (seq: number, reason: string): ChainReport => ({
      ok: false,
      checked,
      head: head.seq,
      archivedThrough: checkpoint.seq,
      ...archived,
      firstBreak: { seq, reason },
    });
    if (head.seq < checkpoint.seq) {
      return broken(head.seq, `the chain's head is at event ${head.seq}, before the archived ${checkpoint.seq}`);
    }
    for await (const { seq, raw } of storedEvents(this.store, checkpoint.seq + 1)) {
      if (raw === null) {
        if (seq <= head.seq) return broken(seq, `event ${seq} is missing, but the chain's head is at ${head.seq}`);
        return { ok: true, checked, head: head.seq, archivedThrough: checkpoint.seq, ...archived };
      }
      const problem = checkStoredEvent(raw, seq, previousHash);
      if (typeof problem === 'string') return broken(seq, problem);
      previousHash = problem.hash;
      checked++;
      if (seq === head.seq && head.hash !== problem.hash) {
        return broken(seq, `the chain's head records a different hash for event ${seq} than the event itself`);
      }
    }
    throw new Error('unreachable: the stored chain ends at the first absent event');
  }

  /** Searches the trail, newest first. Throws 422 `INVALID_PARAMETER` naming a bad parameter. */
  async search(query: AuditQuery): Promise<AuditSearchResult> {
    const parsed = parseAuditQuery(query);
    const candidates = await this.candidates(parsed);
    const indexed = [parsed.patient, parsed.practice, parsed.organisation].filter((v) => v !== undefined);
    const indexCovers =
      parsed.outcome === undefined && parsed.from === undefined && parsed.to === undefined && indexed.length <= 1;
    if (indexCovers) {
      // The index (or the sequence itself) already matches exactly: read only the page.
      const page = await this.load(candidates.slice(parsed.offset, parsed.offset + parsed.count));
      return { events: page, total: candidates.length, count: parsed.count, offset: parsed.offset };
    }
    const matches: AuditEvent[] = [];
    for (let i = 0; i < candidates.length; i += BATCH) {
      for (const event of await this.load(candidates.slice(i, i + BATCH))) {
        if (matchesQuery(event, parsed)) matches.push(event);
      }
    }
    return {
      events: matches.slice(parsed.offset, parsed.offset + parsed.count),
      total: matches.length,
      count: parsed.count,
      offset: parsed.offset,
    };
  }

  /** Sequence numbers that may match, newest first (archived events are no longer in the store). */
  private async candidates(query: ReturnType<typeof parseAuditQuery>): Promise<number[]> {
    const archivedThrough = parseCheckpoint(await this.store.get(AUDIT_CHECKPOINT_KEY)).seq;
    // The narrowest index the query names: a patient's events, a practice's, or a consumer organisation's.
    const indexKey =
      query.patient !== undefined
        ? patientIndexKey(query.patient)
        : query.practice !== undefined
          ? practiceIndexKey(query.practice)
          : query.organisation !== undefined
            ? organisationIndexKey(query.organisation)
            : undefined;
    if (indexKey) {
      const seqs = (await this.store.range(indexKey, 0, -1)).map(Number).filter((seq) => seq > archivedThrough);
      return [...new Set(seqs)].sort((a, b) => b - a);
    }
    const head = parseHead(await this.store.get(AUDIT_HEAD_KEY));
    let last = head.seq;
    // A writer may have claimed the next number without moving the head yet.
    while ((await this.store.get(auditEventKey(last + 1))) !== null) last++;
    return Array.from({ length: Math.max(0, last - archivedThrough) }, (_, i) => last - i);
  }

  private async load(seqs: readonly number[]): Promise<AuditEvent[]> {
    const raws = await Promise.all(seqs.map((seq) => this.store.get(auditEventKey(seq))));
    return raws.filter((raw): raw is string => raw !== null).map((raw) => JSON.parse(raw) as AuditEvent);
  }

  /**
   * Runs appends from this process one at a time. Concurrent writers in one process would otherwise all race for the
   * same head, and every loser re-hashes and retries: quadratic work under load. Replicas still race each other,
   * which the claim-then-advance protocol handles.
   */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async append(event: AuditEvent): Promise<SealedEvent> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const guessed = attempt === 0 && this.lastHead !== undefined;
      const headRaw = guessed ? (this.lastHead as string | null) : await this.store.get(AUDIT_HEAD_KEY);
      const head = parseHead(headRaw);
      const seq = head.seq + 1;
      const sealed = sealEvent(event, seq, head.hash);
      const next = JSON.stringify({ seq, hash: sealed.hash });
      // Claims the number, moves the head (unless someone moved it already) and indexes the event in one step.
      const claimed = await this.store.claim(auditEventKey(seq), sealed.stored, {
        compareAndSet: { key: AUDIT_HEAD_KEY, expected: headRaw, next },
        append: this.indexEntries(event, seq),
      });
      if (claimed === 'claimed') {
        this.lastHead = next;
        return sealed;
      }
      if (claimed === 'claimed-unswapped') {
        // The number was free but the head was not where the chain says: events before this one went missing from
        // the store (a lost write, a failover, a deletion). The head must still reach this event, or verification and
        // searches, which walk up to the head, would stop short of it and call the shorter chain intact.
        await this.headBehind(seq, sealed.hash);
        this.lastHead = undefined;
        return sealed;
      }
      this.lastHead = undefined;
      if (guessed) continue;
      await this.helpAdvance(headRaw, seq);
      // Back off a little under heavy contention between replicas; never on the first conflicts.
      if (attempt >= 3) await sleep(Math.floor(Math.random() * Math.min(attempt, 20)));
    }
    throw new Error(`could not claim an audit sequence number after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Event `seq` is stored, but the head is elsewhere. Moves the head up to it when the head is behind (from whatever it
   * holds now), and says so loudly: the gap shows in `$verify` as the first missing event.
   */
  private async headBehind(seq: number, hash: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.store.get(AUDIT_HEAD_KEY);
      const head = parseHead(raw);
      if (head.seq >= seq) return;
      if (await this.store.compareAndSet(AUDIT_HEAD_KEY, raw, JSON.stringify({ seq, hash }))) {
        this.chainGaps.inc();
        this.logger?.error(
          { seq, head: head.seq },
          `audit event ${seq} was written after the chain's head at ${head.seq}: events after ${head.seq} are missing from the store; run $verify and restore them from a backup`,
        );
        return;
      }
    }
  }

  /** Moves the head from `expected` to `next`; losing the race is fine, someone else moved it at least as far. */
  private async advanceHead(expected: string | null, next: Head): Promise<void> {
    await this.store.compareAndSet(AUDIT_HEAD_KEY, expected, JSON.stringify(next));
  }

  /** Another writer claimed `seq` but may not have moved the head yet (or died): move it for them. */
  private async helpAdvance(headRaw: string | null, seq: number): Promise<void> {
    const raw = await this.store.get(auditEventKey(seq));
    if (raw === null) return;
    const link = chainLink(JSON.parse(raw) as AuditEvent);
    if (link) await this.advanceHead(headRaw, { seq, hash: link.hash });
  }

  /** The index entries for event `seq`: by patient, by data-controller practice and by requesting organisation. */
  private indexEntries(event: AuditEvent, seq: number): { listKey: string; value: string }[] {
    const patient = eventPatient(event);
    const practice = eventPractice(event);
    const organisation = eventOrganisation(event);
    return [
      ...(patient ? [{ listKey: patientIndexKey(patient), value: String(seq) }] : []),
      ...(practice ? [{ listKey: practiceIndexKey(practice), value: String(seq) }] : []),
      ...(organisation ? [{ listKey: organisationIndexKey(organisation), value: String(seq) }] : []),
    ];
  }
}
