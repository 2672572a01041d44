import { text } from 'node:stream/consumers';
import { type AuditTrail } from '@lloyd/access';
import type { IntegrationResult } from '@lloyd/adapters-core';
import { OperationOutcomeError, operationOutcome, spineIssue } from '@lloyd/fhir';
import { BlobNotFoundError, type BlobStore } from '@lloyd/store';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { audited, type Gp2gpCaller } from './caller.js';
import { transferIdOf, transferNotFound } from './transfer-view.js';

/**
 * `GET /gp2gp/transfers/{id}/integration-note`: the GP2GP 2.2 integration note sent back to the old practice with
 * the final acknowledgement: per item of the record, integrated, degraded or not integrated, with why.
 */
export class GetIntegrationNote {
  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly audit: AuditTrail,
  ) {}

  async execute(given: string, caller: Gp2gpCaller): Promise<Pick<IntegrationResult, 'status' | 'items'>> {
    const id = transferIdOf(given);
    const transfer = await this.transfers.get(id);
    return audited(
      this.audit,
      caller,
      { interaction: 'read', ...(transfer ? { patient: transfer.nhsNumber, practiceOds: transfer.toOds } : {}) },
      async () => {
        if (!transfer) throw transferNotFound(id);
        try {
          return JSON.parse(await text(await this.blobs.get(transferBlobs.integrationNote(id)))) as Pick<
            IntegrationResult,
            'status' | 'items'
          >;
        } catch (err) {
          if (!(err instanceof BlobNotFoundError)) throw err;
          if (transfer.filesRemovedAt) throw filesRemoved(transfer.id, transfer.filesRemovedAt);
          throw OperationOutcomeError.of(
            'NO_RECORD_FOUND',
            `Transfer ${id} has no integration note yet: the receiving practice has not integrated or rejected the record (state ${transfer.state}).`,
          );
        }
      },
      () => ({ resources: [`Gp2gpTransfer/${id}`] }),
    );
  }
}

/**
 * 410: the note is not there, and the transfer's files were deleted after the retention period (a note is kept with
 * the transfer, so this is one removed by hand or never made); what remains is on the transfer itself.
 */
function filesRemoved(id: string, at: string): OperationOutcomeError {
  return new OperationOutcomeError(
    410,
    operationOutcome(
      spineIssue(
        'NO_RECORD_FOUND',
        `Transfer ${id} has no integration note: its files were removed at ${at}, after the retention period ` +
          '(gp2gp.fileRetentionMs). Its outcome and integration summary are in GET /gp2gp/transfers/{id}.',
        { issueType: 'not-found' },
      ),
    ),
  );
}
