import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';
import { note } from '../model/transitions.js';
import type { Transfers } from '../store/transfers.js';
import { TransferStepError } from './step-error.js';
import type { TransferStep } from './step-runner.js';

/** States in which the record has been integrated (or finally refused): the 8-day rule is met or moot. */
const PAST_INTEGRATION = new Set(['integrated', 'rejected', 'acknowledged', 'completed', 'failed']);

/**
 * The GP2GP timers, checked against the injected clock whenever a scheduled check fires (a deadline is passed once
 * the clock is beyond it: exactly 8×24 h after the extract is still within 8 days):
 * - large messages: an attachment still missing fragments when the overall timeout passes fails the transfer with
 *   reason 31 (attachment not received); a large message not reassembled for any other reason, with 25;
 * - the final-ack rule: a record not integrated within 8 days of the extract arriving is flagged for the paper
 *   fallback (the transfer itself goes on and may still be integrated, late).
 */
export class CheckTimeoutsStep implements TransferStep {
  readonly job = Gp2gpJob.TimeoutCheck;
  readonly failureCode = '99' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly scheduler: TransferScheduler,
  ) {}

  handles(t: Transfer): boolean {
    return !isTerminal(t.state);
  }

  async run(t: Transfer): Promise<Transfer> {
    const now = this.transfers.now().getTime();
    const largeDue = t.deadlines.largeMessage ? Date.parse(t.deadlines.largeMessage) : Infinity;
    if (t.state === 'fragments-pending' && now > largeDue) {
      const missing = t.attachments.filter((a) => !a.received).map((a) => a.filename);
      if (missing.length > 0) {
        throw new TransferStepError(
          '31',
          `Missing attachment: ${missing.join(', ')} did not arrive before the large-message timeout. ` +
            'Ask the sending practice to send the record again, or to send the documents another way.',
        );
      }
      throw new TransferStepError(
        '25',
        'The large message was not reassembled before the overall transfer timeout. Ask the sending practice to send the record again.',
      );
    }
    const integrationDue = t.deadlines.integration ? Date.parse(t.deadlines.integration) : Infinity;
    if (!t.paperFallback && !PAST_INTEGRATION.has(t.state) && now > integrationDue) {
      const written = await this.transfers.update(t.id, (latest, at) =>
        latest.paperFallback || PAST_INTEGRATION.has(latest.state)
          ? null
          : note(
              latest,
              'Not integrated within 8 days: the sending practice falls back to paper (Lloyd George envelope)',
              at,
              {
                paperFallback: true,
              },
            ),
      );
      return written?.transfer ?? t;
    }
    await this.scheduler.deadlines(t, true);
    return t;
  }
}
