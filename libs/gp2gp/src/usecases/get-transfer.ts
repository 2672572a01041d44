import { type AuditTrail } from '@lloyd/access';
import type { Transfers } from '../store/transfers.js';
import { audited, type Gp2gpCaller } from './caller.js';
import { toView, transferIdOf, transferNotFound, type TransferView } from './transfer-view.js';

/** `GET /gp2gp/transfers/{id}`: a transfer's state, timeline, sizes, counts and failure. Audited as a read. */
export class GetTransfer {
  constructor(
    private readonly transfers: Transfers,
    private readonly audit: AuditTrail,
  ) {}

  async execute(given: string, caller: Gp2gpCaller): Promise<TransferView> {
    const id = transferIdOf(given);
    const transfer = await this.transfers.get(id);
    return audited(
      this.audit,
      caller,
      { interaction: 'read', ...(transfer ? { patient: transfer.nhsNumber, practiceOds: transfer.fromOds } : {}) },
      () => {
        if (!transfer) throw transferNotFound(id);
        return Promise.resolve(toView(transfer));
      },
      (view) => ({ resources: [`Gp2gpTransfer/${view.id}`] }),
    );
  }
}
