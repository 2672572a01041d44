/**
 * The states of a GP2GP transfer through Lloyd (Lloyd plays both the requesting and the sending broker).
 *
 * `requested` → `extract-requested` (EHR request built and sent) → `extract-received` (the sender's extract core
 * arrived) → [`fragments-pending` (continue sent, large-message fragments travelling) → `reassembled`] →
 * `translated` (parsed, codes translated for the receiving system) → `delivered` (handed to the receiving system) →
 * `integrated` | `awaiting-acceptance` (→ `integrated` | `rejected`) | `rejected` → `acknowledged` (final MCCI
 * built) → `completed`. Any open state may end in `failed`, with a GP2GP reason code.
 */
export const TRANSFER_STATES = [
  'requested',
  'extract-requested',
  'extract-received',
  'fragments-pending',
  'reassembled',
  'translated',
  'delivered',
  'awaiting-acceptance',
  'integrated',
  'rejected',
  'acknowledged',
  'completed',
  'failed',
] as const;

export type TransferState = (typeof TRANSFER_STATES)[number];

export function isTransferState(value: unknown): value is TransferState {
  return typeof value === 'string' && (TRANSFER_STATES as readonly string[]).includes(value);
}

/** The forward moves allowed from each state (besides `failed`, allowed from every open state). */
const NEXT: Readonly<Record<TransferState, readonly TransferState[]>> = {
  requested: ['extract-requested'],
  'extract-requested': ['extract-received'],
  // A small extract is complete on arrival; a large one waits for its fragments.
  'extract-received': ['fragments-pending', 'translated'],
  'fragments-pending': ['reassembled'],
  reassembled: ['translated'],
  translated: ['delivered'],
  delivered: ['integrated', 'awaiting-acceptance', 'rejected'],
  'awaiting-acceptance': ['integrated', 'rejected'],
  integrated: ['acknowledged'],
  rejected: ['acknowledged'],
  acknowledged: ['completed'],
  completed: [],
  failed: [],
};

export const TERMINAL_STATES: ReadonlySet<TransferState> = new Set(['completed', 'failed']);

export function isTerminal(state: TransferState): boolean {
  return TERMINAL_STATES.has(state);
}

export function canMove(from: TransferState, to: TransferState): boolean {
  if (to === 'failed') return !isTerminal(from);
  return NEXT[from].includes(to);
}

/** Position in the normal order, to tell a step that is still ahead from one already done. */
export function stateRank(state: TransferState): number {
  return TRANSFER_STATES.indexOf(state);
}
