import { type AuditTrail } from '@lloyd/access';
import type { TransferEvent, TransferEvents } from '../events/transfer-events.js';
import type { Transfers } from '../store/transfers.js';
import { audited, type Gp2gpCaller } from './caller.js';
import { transferIdOf, transferNotFound } from './transfer-view.js';

/**
 * `GET /gp2gp/transfers/{id}/events`: the transfer's progress as it happens. Checks the transfer exists (404
 * otherwise) and audits the read before the stream starts; the stream replays the timeline after `lastEventId`, then
 * follows it until the transfer ends or the client goes away.
 */
export class WatchTransfer {
  constructor(
    private readonly transfers: Transfers,
    private readonly events: TransferEvents,
    private readonly audit: AuditTrail,
  ) {}

  async execute(
    given: string,
    caller: Gp2gpCaller,
    signal: AbortSignal,
    lastEventId?: string,
  ): Promise<AsyncGenerator<TransferEvent>> {
    const id = transferIdOf(given);
    const transfer = await this.transfers.get(id);
    await audited(
      this.audit,
      caller,
      { interaction: 'read', ...(transfer ? { patient: transfer.nhsNumber, practiceOds: transfer.fromOds } : {}) },
      () => (transfer ? Promise.resolve(transfer) : Promise.reject(transferNotFound(id))),
      (t) => ({ resources: [`Gp2gpTransfer/${t.id}`] }),
    );
    const after = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : -1;
    return this.events.watch(id, signal, after);
  }
}
