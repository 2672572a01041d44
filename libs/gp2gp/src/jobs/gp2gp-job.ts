import type { Transfer } from '../model/transfer.js';

/** The transfer broker's jobs. Each moves a transfer through the states named beside it. */
export enum Gp2gpJob {
  /** `requested` → `extract-requested` → `extract-received`: send the EHR request; the sender exports. */
  RequestExtract = 'gp2gp.request-extract',
  /** `extract-received` (large) → `fragments-pending` → `reassembled`: continue, fragments, reassembly. */
  ReceiveFragments = 'gp2gp.receive-fragments',
  /** `extract-received` (small) | `reassembled` → `translated`: parse and translate codes. */
  Translate = 'gp2gp.translate',
  /** `translated` → `delivered` → `integrated` | `awaiting-acceptance` | `rejected`. */
  Deliver = 'gp2gp.deliver',
  /** `integrated` | `rejected` → `acknowledged` → `completed`; and settles `failed` transfers. */
  Acknowledge = 'gp2gp.acknowledge',
  /** Enforces the large-message timeout and flags the 8-day paper fallback. */
  TimeoutCheck = 'gp2gp.timeout-check',
  /** `completed` | `failed` (settled): deletes the transfer's files once the retention period has passed. */
  RemoveFiles = 'gp2gp.remove-files',
}

/** The only payload of every GP2GP job: ids, never documents. */
export interface Gp2gpJobPayload {
  transferId: string;
  traceId?: string;
}

/**
 * The job that moves a transfer on from its current state, if any (none while awaiting a person or when done; the
 * deletion of an ended transfer's files is scheduled apart, see `TransferScheduler.removeFiles`).
 */
export function jobFor(transfer: Transfer): Gp2gpJob | undefined {
  switch (transfer.state) {
    case 'requested':
    case 'extract-requested':
      return Gp2gpJob.RequestExtract;
    case 'extract-received':
      return transfer.largeMessage ? Gp2gpJob.ReceiveFragments : Gp2gpJob.Translate;
    case 'fragments-pending':
      return Gp2gpJob.ReceiveFragments;
    case 'reassembled':
      return Gp2gpJob.Translate;
    case 'translated':
    case 'delivered':
      return Gp2gpJob.Deliver;
    case 'integrated':
    case 'rejected':
    case 'acknowledged':
      return Gp2gpJob.Acknowledge;
    case 'failed':
      return transfer.settled ? undefined : Gp2gpJob.Acknowledge;
    case 'awaiting-acceptance':
    case 'completed':
      return undefined;
  }
}

/**
 * The idempotency key of a step's job: the conversation and the step. Fragment reception also counts the fragments
 * seen, so that a fragment arriving later wakes the step again.
 */
export function jobIdFor(transfer: Transfer, job: Gp2gpJob): string {
  const base = `${transfer.conversationId}:${job}`;
  return job === Gp2gpJob.ReceiveFragments ? `${base}:${transfer.fragmentsReceived}` : base;
}
