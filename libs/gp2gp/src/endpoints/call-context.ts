import type { Transfer } from '../model/transfer.js';
import type { TransferCallContext } from '@lloyd/adapters-core';

/** The context of one call to a practice's transfer endpoint, with its own deadline. */
export function callContext(transfer: Transfer, counterpartOds: string, timeoutMs: number): TransferCallContext {
  return {
    signal: AbortSignal.timeout(timeoutMs),
    correlationId: transfer.traceId ?? transfer.conversationId,
    conversationId: transfer.conversationId,
    counterpartOds,
  };
}
