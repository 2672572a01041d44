import { type AuditTrail } from '@lloyd/access';
import { z } from 'zod';
import { REASON_CODES, REJECTION_CODES } from '../model/reason-codes.js';
import { audited, invalidInput, type Gp2gpCaller } from './caller.js';
import type { SettleAcceptance } from './settle-acceptance.js';
import { toView, type TransferView } from './transfer-view.js';

const rejectSchema = z.object({
  reasonCode: z.enum(REJECTION_CODES, {
    error: `must be a GP2GP reason code a receiving practice may give: ${REJECTION_CODES.map((c) => `${c} (${REASON_CODES[c]})`).join(', ')}`,
  }),
});

/**
 * `POST /gp2gp/transfers/{id}/reject` `{ reasonCode }`: the receiving practice rejects a record held for review;
 * its system discards it and Lloyd sends the negative final acknowledgement with the reason code. Audited.
 */
export class RejectTransfer {
  constructor(
    private readonly settle: SettleAcceptance,
    private readonly audit: AuditTrail,
  ) {}

  execute(id: string, body: unknown, caller: Gp2gpCaller): Promise<TransferView> {
    return audited(
      this.audit,
      caller,
      { interaction: 'operation' },
      async () => {
        const parsed = rejectSchema.safeParse(body ?? {});
        if (!parsed.success) throw invalidInput(parsed.error, 'reasonCode');
        return toView(await this.settle.execute(id, { accept: false, reasonCode: parsed.data.reasonCode }));
      },
      (view) => ({ patient: view.nhsNumber, practiceOds: view.toOds, resources: [`Gp2gpTransfer/${view.id}`] }),
    );
  }
}
