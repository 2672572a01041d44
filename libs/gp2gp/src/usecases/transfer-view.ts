import { OperationOutcomeError } from '@lloyd/fhir';
import type { IntegrationSummary, StepRetry, TimelineEntry, Transfer, TransferFailure } from '../model/transfer.js';
import { isTerminal, type TransferState } from '../model/transfer-state.js';

const INTEGRATED: ReadonlySet<TransferState> = new Set(['integrated', 'acknowledged', 'completed']);

/** A transfer as the HTTP API shows it. */
export interface TransferView {
  id: string;
  conversationId: string;
  nhsNumber: string;
  fromOds: string;
  toOds: string;
  state: TransferState;
  /** How it ended or is ending: `integrated` or `rejected` once the receiving practice decided. */
  outcome?: 'integrated' | 'rejected';
  timeline: TimelineEntry[];
  sizes: { extractBytes: number; attachmentBytes: number };
  counts: { attachments: number; fragments: number; fragmentsReceived: number; items: number; degraded: number };
  degradedCount: number;
  largeMessage: boolean;
  autoIntegrate?: boolean;
  integration?: IntegrationSummary;
  /** What the extract built from the sending practice's record could not carry, one line each. */
  notCarried?: string[];
  paperFallback: boolean;
  failure?: TransferFailure;
  rejection?: TransferFailure;
  /** While a failing step is retried: which, how often so far, the next try, and when retrying stops. */
  retry?: Omit<StepRetry, 'waitedMs'>;
  attachments: {
    id: string;
    filename: string;
    contentType: string;
    bytes: number;
    received: boolean;
    absent: boolean;
  }[];
  messageIds: Transfer['messageIds'];
  /**
   * When the transfer's files (extracts, fragments, attachments, translated record, messages) were deleted, the
   * retention period after it ended; the transfer, its outcome and its integration note stay.
   */
  filesRemovedAt?: string;
  createdAt: string;
  updatedAt: string;
}

export function toView(t: Transfer): TransferView {
  const outcome = t.rejection ? 'rejected' : INTEGRATED.has(t.state) ? 'integrated' : undefined;
  const attachments = t.attachments.filter((a) => !a.skeleton);
  return {
    id: t.id,
    conversationId: t.conversationId,
    nhsNumber: t.nhsNumber,
    fromOds: t.fromOds,
    toOds: t.toOds,
    state: t.state,
    ...(outcome ? { outcome } : {}),
    timeline: t.timeline,
    sizes: t.sizes,
    counts: {
      attachments: attachments.length,
      fragments: t.fragmentCount,
      fragmentsReceived: t.fragmentsReceived,
      items: t.itemCount,
      degraded: t.degradedCount,
    },
    degradedCount: t.degradedCount,
    largeMessage: t.largeMessage,
    ...(t.autoIntegrate !== undefined ? { autoIntegrate: t.autoIntegrate } : {}),
    ...(t.integration ? { integration: t.integration } : {}),
    ...(t.notCarried?.length ? { notCarried: t.notCarried } : {}),
    paperFallback: t.paperFallback,
    ...(t.failure ? { failure: t.failure } : {}),
    ...(t.rejection ? { rejection: t.rejection } : {}),
    ...(t.retry && !isTerminal(t.state) ? { retry: retryView(t.retry) } : {}),
    attachments: attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      contentType: a.contentType,
      bytes: a.length,
      received: a.received,
      absent: a.absent ?? false,
    })),
    messageIds: t.messageIds,
    ...(t.filesRemovedAt ? { filesRemovedAt: t.filesRemovedAt } : {}),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** 404 for a transfer id Lloyd does not know. */
/**
 * A transfer id as Lloyd stores it: ids are GP2GP ConversationIds, UUIDs Lloyd writes in upper case, and a UUID's
 * case carries no meaning, so one given in any case names the same transfer.
 */
export function transferIdOf(id: string): string {
  return id.toUpperCase();
}

export function transferNotFound(id: string): OperationOutcomeError {
  return OperationOutcomeError.of(
    'NO_RECORD_FOUND',
    `GP2GP transfer ${id.slice(0, 64)} was not found. Use the id (or the Location) that POST /gp2gp/transfers returned.`,
  );
}

function retryView({ waitedMs: _waited, ...retry }: StepRetry): Omit<StepRetry, 'waitedMs'> {
  return retry;
}
