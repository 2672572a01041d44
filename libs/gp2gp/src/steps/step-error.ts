import type { ReasonCode } from '../model/reason-codes.js';

/**
 * A step found something that retrying cannot fix (a refusal, a wrong patient, a broken message): the transfer
 * fails at once with this GP2GP reason code.
 */
export class TransferStepError extends Error {
  override readonly name = 'TransferStepError';

  constructor(
    readonly code: ReasonCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
