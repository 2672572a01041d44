import { SupplierError, SupplierTimeoutError } from '@lloyd/adapters-core';
import { OperationOutcomeError } from '@lloyd/fhir';
import { type BlobStore } from '@lloyd/store';
import { callContext } from '../endpoints/call-context.js';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { Transfer } from '../model/transfer.js';
import type { Gp2gpOptions } from '../options.js';
import { applyIntegration, storeIntegrationNote } from '../steps/integration-outcome.js';
import type { Transfers } from '../store/transfers.js';
import type { ImportDecision } from '@lloyd/adapters-core';
import { transferNotFound } from './transfer-view.js';

/**
 * The shared part of accepting and rejecting a held record: tell the receiving system, write the outcome, enqueue the
 * final acknowledgement. Deciding twice the same way returns the transfer as it is.
 */
export class SettleAcceptance {
  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly endpoints: TransferEndpoints,
    private readonly scheduler: TransferScheduler,
    private readonly options: Pick<Gp2gpOptions, 'supplierCallTimeoutMs'>,
  ) {}

  async execute(id: string, decision: ImportDecision): Promise<Transfer> {
    const transfer = await this.transfers.get(id);
    if (!transfer) throw transferNotFound(id);
    if (transfer.state !== 'awaiting-acceptance') {
      if (alreadyDecided(transfer, decision)) return transfer;
      throw OperationOutcomeError.of(
        'BAD_REQUEST',
        `GP2GP transfer ${id} is ${transfer.state}; only a transfer awaiting acceptance can be accepted or rejected. ` +
          'Check its state with GET /gp2gp/transfers/{id}.',
        { issueType: 'processing' },
      );
    }
    const endpoint = this.endpoints.get(transfer.toOds);
    if (!endpoint) {
      throw OperationOutcomeError.of(
        'BAD_GATEWAY',
        `The supplier system of practice ${transfer.toOds} has no GP2GP endpoint; the decision cannot be passed on. Try again later.`,
      );
    }
    let result;
    try {
      result = await endpoint.completeImport(
        transfer.nhsNumber,
        decision,
        callContext(transfer, transfer.fromOds, this.options.supplierCallTimeoutMs),
      );
    } catch (error) {
      if (!(error instanceof SupplierError)) throw error;
      throw OperationOutcomeError.of(
        error instanceof SupplierTimeoutError ? 'GATEWAY_TIMEOUT' : 'BAD_GATEWAY',
        `The supplier system of practice ${transfer.toOds} could not take the decision (${error.detail}). The record is still awaiting acceptance; try again later.`,
      );
    }
    if (result.status === 'awaiting-acceptance') {
      throw OperationOutcomeError.of(
        'BAD_GATEWAY',
        `The supplier system of practice ${transfer.toOds} did not act on the decision. Try again later.`,
      );
    }
    const settled = decision.accept
      ? result
      : { ...result, status: 'rejected' as const, reasonCode: decision.reasonCode };
    await storeIntegrationNote(this.blobs, transfer, settled);
    const written = await this.transfers.update(id, (latest, now) =>
      latest.state === 'awaiting-acceptance' ? applyIntegration(latest, settled, now) : null,
    );
    const after = written?.transfer ?? transfer;
    await this.scheduler.continue(after);
    return after;
  }
}

function alreadyDecided(t: Transfer, decision: ImportDecision): boolean {
  const accepted = !t.rejection && ['integrated', 'acknowledged', 'completed'].includes(t.state);
  const rejected = t.rejection !== undefined && ['rejected', 'acknowledged', 'completed'].includes(t.state);
  return decision.accept ? accepted : rejected;
}
