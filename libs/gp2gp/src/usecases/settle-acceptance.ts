import { setTimeout as sleep } from 'node:timers/promises';
import { SupplierError, SupplierTimeoutError } from '@lloyd/adapters-core';
import { OperationOutcomeError } from '@lloyd/fhir';
import { type BlobStore } from '@lloyd/store';
import { callContext } from '../endpoints/call-context.js';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { Transfer } from '../model/transfer.js';
import type { Gp2gpOptions } from '../options.js';
import { applyIntegration, readHeldNote, storeIntegrationNote } from '../steps/integration-outcome.js';
import type { Lease, StepLeases } from '../store/step-lease.js';
import type { Transfers } from '../store/transfers.js';
import type { ImportDecision, IntegrationResult } from '@lloyd/adapters-core';
import { transferIdOf, transferNotFound } from './transfer-view.js';

/** The lease that serialises the decisions on one transfer (beside the steps' leases). */
const DECISION = 'decision';

/**
 * The shared part of accepting and rejecting a held record: tell the receiving system, write the outcome, enqueue the
 * final acknowledgement. Decisions on one transfer are taken one at a time (a lease, so across replicas too), and the
 * receiving system has the last word: when it had already integrated the record (filed at the practice, or by an
 * accept that won a race), the transfer completes as integrated and a rejection is answered 409; when it had already
 * rejected it, the transfer ends rejected and an acceptance is answered 409. Deciding twice the same way returns the
 * transfer as it is.
 */
export class SettleAcceptance {
  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly endpoints: TransferEndpoints,
    private readonly scheduler: TransferScheduler,
    private readonly leases: StepLeases,
    private readonly options: Pick<Gp2gpOptions, 'supplierCallTimeoutMs' | 'leaseTtlMs'>,
  ) {}

  async execute(given: string, decision: ImportDecision): Promise<Transfer> {
    // One id for one transfer, whatever its case: the decision lease must be the same for every caller.
    const id = transferIdOf(given);
    const lease = await this.lock(id);
    try {
      return await this.decide(id, decision);
    } finally {
      await lease.release();
    }
  }

  private async decide(id: string, decision: ImportDecision): Promise<Transfer> {
    const transfer = await this.transfers.get(id);
    if (!transfer) throw transferNotFound(id);
    if (transfer.state !== 'awaiting-acceptance') {
      if (alreadyDecided(transfer, decision)) return transfer;
      throw decidedOtherwise(transfer, decision);
    }
    const endpoint = this.endpoints.get(transfer.toOds);
    if (!endpoint) {
      throw OperationOutcomeError.of(
        'BAD_GATEWAY',
        `The supplier system of practice ${transfer.toOds} has no GP2GP endpoint; the decision cannot be passed on. Try again later.`,
      );
    }
    const held = await readHeldNote(this.blobs, transfer);
    let result: IntegrationResult;
    try {
      result = await endpoint.completeImport(
        transfer.nhsNumber,
        decision,
        callContext(transfer, transfer.fromOds, this.options.supplierCallTimeoutMs),
        held,
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
    // What the receiving system holds decides the outcome; the caller's reason code names a rejection it carried out.
    const overruled = (result.status === 'integrated') !== decision.accept;
    const settled: IntegrationResult =
      decision.accept || overruled ? result : { ...result, reasonCode: decision.reasonCode };
    await storeIntegrationNote(this.blobs, transfer, settled);
    const written = await this.transfers.update(id, (latest, now) =>
      latest.state === 'awaiting-acceptance' ? applyIntegration(latest, settled, now) : null,
    );
    const after = written?.transfer ?? transfer;
    await this.scheduler.continue(after);
    if (overruled) throw overruledBySystem(after, result);
    return after;
  }

  /**
   * Takes the transfer's decision lease, waiting while another decision is being taken (a holder that died lets go
   * within the lease's time to live); 409 when it is still held after that.
   */
  private async lock(id: string): Promise<Lease> {
    const giveUpAfter = 2 * this.options.leaseTtlMs;
    const pause = Math.max(10, Math.min(250, Math.floor(this.options.leaseTtlMs / 3)));
    for (let waited = 0; ; waited += pause) {
      const lease = await this.leases.acquire(id, DECISION);
      if (lease) return lease;
      if (waited >= giveUpAfter) {
        throw OperationOutcomeError.of(
          'DUPLICATE_REJECTED',
          `Another decision on GP2GP transfer ${id} is still being passed to the receiving practice's system. ` +
            'Check the outcome with GET /gp2gp/transfers/{id} before deciding again.',
          { issueType: 'processing' },
        );
      }
      await sleep(pause, undefined, { ref: false });
    }
  }
}

function alreadyDecided(t: Transfer, decision: ImportDecision): boolean {
  const accepted = !t.rejection && ['integrated', 'acknowledged', 'completed'].includes(t.state);
  const rejected = t.rejection !== undefined && ['rejected', 'acknowledged', 'completed'].includes(t.state);
  return decision.accept ? accepted : rejected;
}

/** The transfer is not awaiting acceptance: 409 when it was decided the other way, 400 when it is not there yet. */
function decidedOtherwise(t: Transfer, decision: ImportDecision): OperationOutcomeError {
  const wanted = decision.accept ? 'accepted' : 'rejected';
  const decided = ['integrated', 'rejected', 'acknowledged', 'completed'].includes(t.state);
  if (decided) {
    const outcome = t.rejection
      ? `rejected (reason ${t.rejection.code})`
      : "accepted: the receiving practice's system has integrated the record";
    return OperationOutcomeError.of(
      'DUPLICATE_REJECTED',
      `GP2GP transfer ${t.id} was already ${outcome} (state ${t.state}); it cannot now be ${wanted}.`,
      { issueType: 'processing' },
    );
  }
  return OperationOutcomeError.of(
    'BAD_REQUEST',
    `GP2GP transfer ${t.id} is ${t.state}; only a transfer awaiting acceptance can be accepted or rejected. ` +
      'Check its state with GET /gp2gp/transfers/{id}.',
    { issueType: 'processing' },
  );
}

/** 409: the receiving system had already settled the record the other way, and the transfer follows it. */
function overruledBySystem(t: Transfer, result: IntegrationResult): OperationOutcomeError {
  const message =
    result.status === 'integrated'
      ? `The receiving practice's system (${t.toOds}) had already integrated the record of GP2GP transfer ${t.id}, ` +
        'so it cannot be rejected: the transfer completes as integrated and the patient moves to the new practice. ' +
        'To remove the record, the practice must do so in its own system.'
      : `The receiving practice's system (${t.toOds}) had already rejected the record of GP2GP transfer ${t.id} ` +
        `(reason ${result.reasonCode ?? '11'}), so it cannot be accepted: the transfer ends rejected.`;
  return OperationOutcomeError.of('DUPLICATE_REJECTED', message, { issueType: 'processing' });
}
