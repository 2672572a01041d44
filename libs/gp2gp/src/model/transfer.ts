import type { ReasonCode } from './reason-codes.js';
import type { TransferState } from './transfer-state.js';

/** One entry of a transfer's timeline: a state reached, or a notable event within a state. */
export interface TimelineEntry {
  /** ISO 8601 instant. */
  at: string;
  state: TransferState;
  /** A notable event that did not change the state (paper fallback, duplicate extract ignored, ...). */
  note?: string;
}

/** An attachment of the record as the transfer knows it (the GP2GP attachment description). */
export interface TransferAttachment {
  /** The item's id in the sending record. */
  id: string;
  filename: string;
  contentType: string;
  /** Bytes as the sender stored them. */
  length: number;
  sha256: string;
  /** COPC fragments the attachment travels in. */
  fragments: number;
  /** Set once the receiving side has it, reassembled and checked. */
  received: boolean;
  /** The compressed extract itself, sent as an attachment because it was too large for one message. */
  skeleton?: boolean;
  /** The sender could not produce the document: a placeholder travels instead (kept, never silently dropped). */
  absent?: boolean;
}

/** A failure: the GP2GP reason code and what went wrong, in words a practice can act on. */
export interface TransferFailure {
  code: ReasonCode;
  reason: string;
  /** The step that failed, for operators. */
  step?: string;
}

/**
 * A step failing for a reason that may pass (a supplier system down), retried on the backoff schedule until
 * {@link until}. Cleared when the transfer moves on.
 */
export interface StepRetry {
  /** The job whose step is being retried. */
  step: string;
  /** Retries scheduled so far (1 after the first failure). */
  retry: number;
  /** When the step first failed (ISO 8601). */
  since: string;
  /** When the next try runs (ISO 8601). */
  nextAttemptAt: string;
  /** When retrying stops and the transfer fails with the step's reason code (ISO 8601). */
  until: string;
  /** The delays scheduled so far, summed: the retry period ends by them too, should the clock stand still. */
  waitedMs: number;
  /** What the last try failed with. */
  lastError: string;
}

/** What the receiving system reported per item (the GP2GP 2.2 integration note), summed. */
export interface IntegrationSummary {
  integrated: number;
  degraded: number;
  notIntegrated: number;
}

/** Who asked for the transfer. */
export interface Requester {
  clientId: string;
  organisation: string;
}

/**
 * A GP2GP transfer, persisted as JSON in the KeyValueStore and changed only by compare-and-set on its whole value
 * (`version` increases with every write).
 */
export interface Transfer {
  /** The transfer's id; equal to the GP2GP ConversationId. */
  id: string;
  conversationId: string;
  version: number;
  nhsNumber: string;
  /** The sending (old) practice. */
  fromOds: string;
  /** The requesting (new) practice. */
  toOds: string;
  state: TransferState;
  /** The state each step reached, with times. */
  timeline: TimelineEntry[];
  /** HL7 message ids of the messages exchanged so far. */
  messageIds: {
    ehrRequest?: string;
    requestAck?: string;
    extract?: string;
    continue?: string;
    fragments?: string[];
    fragmentAcks?: string[];
    finalAck?: string;
  };
  sizes: { extractBytes: number; attachmentBytes: number };
  /** Whether the extract travelled as a GP2GP large message (over the size limit, or with attachments). */
  largeMessage: boolean;
  attachments: TransferAttachment[];
  fragmentCount: number;
  fragmentsReceived: number;
  /** Items of the translated record whose codes could not be translated (kept, marked degraded). */
  degradedCount: number;
  /**
   * What the extract the sending side built could not carry (an item or a part of one, one line each, at most
   * {@link MAX_NOT_CARRIED} kept); such a record is never auto-integrated.
   */
  notCarried?: string[];
  /** Clinical items in the translated record. */
  itemCount: number;
  /**
   * The patient's dissent and S-flag as the sending practice holds them (read when the extract is translated); they
   * travel with the delivery so the receiving system keeps them.
   */
  patientStatus?: { dissent: boolean; sensitive: boolean };
  /** The receiving practice's auto-integration applied (opted in, nothing degraded or missing, in translation or at the receiver). */
  autoIntegrate?: boolean;
  integration?: IntegrationSummary;
  /** Set when the receiving practice rejected the record. */
  rejection?: TransferFailure;
  /** Set in state `failed`. */
  failure?: TransferFailure;
  /** Set while a failing step is retried (see {@link StepRetry}). */
  retry?: StepRetry;
  /** Deadlines (ISO instants) that the timeout check enforces. */
  deadlines: { largeMessage?: string; integration?: string };
  /** Not integrated within 8 days of the extract arriving: the sending practice falls back to paper. */
  paperFallback: boolean;
  /** Duplicate extracts received and refused with reason 12. */
  duplicateExtracts: number;
  /**
   * The end of the transfer has been carried out: final acknowledgement stored, data-in-transit marker cleared and,
   * when integrated, the registry moved. Completed transfers are always settled; failed ones become settled.
   */
  settled: boolean;
  /** When {@link settled} became true (ISO 8601); the file retention period runs from here. */
  settledAt?: string;
  /** When the transfer's files were deleted, the retention period after it ended (ISO 8601). */
  filesRemovedAt?: string;
  requestedBy?: Requester;
  traceId?: string;
  createdAt: string;
  updatedAt: string;
}

/** How many lines of {@link Transfer.notCarried} a transfer keeps (the count beyond is said in its last line). */
export const MAX_NOT_CARRIED = 100;

/** Inputs of a new transfer. */
export interface NewTransfer {
  id: string;
  nhsNumber: string;
  fromOds: string;
  toOds: string;
  at: Date;
  requestedBy?: Requester;
  traceId?: string;
}

export function newTransfer(input: NewTransfer): Transfer {
  const at = input.at.toISOString();
  return {
    id: input.id,
    conversationId: input.id,
    version: 1,
    nhsNumber: input.nhsNumber,
    fromOds: input.fromOds,
    toOds: input.toOds,
    state: 'requested',
    timeline: [{ at, state: 'requested' }],
    messageIds: {},
    sizes: { extractBytes: 0, attachmentBytes: 0 },
    largeMessage: false,
    attachments: [],
    fragmentCount: 0,
    fragmentsReceived: 0,
    degradedCount: 0,
    itemCount: 0,
    deadlines: {},
    paperFallback: false,
    duplicateExtracts: 0,
    settled: false,
    ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
    ...(input.traceId ? { traceId: input.traceId } : {}),
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * When the files of an ended, settled transfer fall due for deletion ({@link Transfer.settledAt} plus the retention;
 * transfers settled before `settledAt` was recorded count from their last change); undefined while it is open.
 */
export function filesDueAt(transfer: Transfer, retentionMs: number): number | undefined {
  if (!transfer.settled || (transfer.state !== 'completed' && transfer.state !== 'failed')) return undefined;
  return Date.parse(transfer.settledAt ?? transfer.updatedAt) + retentionMs;
}

/** When the transfer first reached `state`, if it did. */
export function reachedAt(transfer: Pick<Transfer, 'timeline'>, state: TransferState): Date | undefined {
  const entry = transfer.timeline.find((e) => e.state === state && e.note === undefined);
  return entry ? new Date(entry.at) : undefined;
}
