import type { ReasonCode } from './reason-codes.js';
import { explainCode, REASON_CODES } from './reason-codes.js';
import type { Transfer } from './transfer.js';
import { canMove, type TransferState } from './transfer-state.js';

/** A step tried a move the state machine does not allow from the transfer's current state. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly from: TransferState,
    readonly to: TransferState,
  ) {
    super(`A GP2GP transfer cannot move from ${from} to ${to}`);
  }
}

/**
 * The transfer moved to `to` at `at`, with `patch` applied (pure: returns a new object); a step retry ends. The
 * version is left alone: the repository sets it when it writes.
 */
export function moveTo(transfer: Transfer, to: TransferState, at: Date, patch: Partial<Transfer> = {}): Transfer {
  if (!canMove(transfer.state, to)) throw new IllegalTransitionError(transfer.state, to);
  const iso = at.toISOString();
  // A step that was being retried has got past its trouble once the transfer moves.
  const { retry: _retried, ...moved } = transfer;
  return {
    ...moved,
    ...patch,
    state: to,
    timeline: [...transfer.timeline, { at: iso, state: to }],
    updatedAt: iso,
  };
}

/** A notable event that leaves the state as it is. */
export function note(transfer: Transfer, text: string, at: Date, patch: Partial<Transfer> = {}): Transfer {
  const iso = at.toISOString();
  return {
    ...transfer,
    ...patch,
    timeline: [...transfer.timeline, { at: iso, state: transfer.state, note: text }],
    updatedAt: iso,
  };
}

/**
 * The transfer failed with a GP2GP reason code; `reason` says what went wrong and what to do. The reason is stored
 * after the code and its meaning (`GP2GP reason 06 (patient not at surgery): …`).
 */
export function fail(transfer: Transfer, code: ReasonCode, reason: string, at: Date, step?: string): Transfer {
  const explained = reason.startsWith('GP2GP reason ')
    ? reason
    : `${explainCode(code)}: ${reason || REASON_CODES[code]}`;
  return moveTo(transfer, 'failed', at, {
    failure: { code, reason: explained, ...(step ? { step } : {}) },
  });
}
