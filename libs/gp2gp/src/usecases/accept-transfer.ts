import { type AuditTrail } from '@lloyd/access';
import { audited, type Gp2gpCaller } from './caller.js';
import type { SettleAcceptance } from './settle-acceptance.js';
import { toView, type TransferView } from './transfer-view.js';

/**
 * `POST /gp2gp/transfers/{id}/accept`: the receiving practice accepts a record held for review; its system files it
 * and Lloyd sends the positive final acknowledgement. Audited as an operation on the patient.
 */
export class AcceptTransfer {
  constructor(
    private readonly settle: SettleAcceptance,
    private readonly audit: AuditTrail,
  ) {}

  execute(id: string, caller: Gp2gpCaller): Promise<TransferView> {
    return audited(
      this.audit,
      caller,
      { interaction: 'operation' },
      async () => toView(await this.settle.execute(id, { accept: true })),
      (view) => ({ patient: view.nhsNumber, practiceOds: view.toOds, resources: [`Gp2gpTransfer/${view.id}`] }),
    );
  }
}
