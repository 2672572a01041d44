import type { CanonicalRecord } from '@lloyd/adapters-core';
import { type BlobStore } from '@lloyd/store';
import type { AutoIntegrationPolicy } from '../endpoints/auto-integration.js';
import { callContext } from '../endpoints/call-context.js';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { FragmentStore } from '../messaging/fragment-store.js';
import type { Transfer } from '../model/transfer.js';
import { moveTo } from '../model/transitions.js';
import type { Gp2gpOptions } from '../options.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { attachmentSources } from './attachment-sources.js';
import { applyIntegration, storeIntegrationNote } from './integration-outcome.js';
import { TransferStepError } from './step-error.js';
import type { TransferStep } from './step-runner.js';

/**
 * `translated` → `delivered` → `integrated` | `awaiting-acceptance` | `rejected`: hands the translated record and
 * its attachments (streamed from the blob store) to the receiving practice's system. Auto-integration applies when
 * the practice opted in and nothing is degraded or missing; otherwise the record is held for acceptance. The
 * delivery is written before the call, and the call is idempotent per conversation, so a crash in between repeats it
 * harmlessly. A receiving system that keeps failing fails the transfer with reason 11.
 */
export class DeliverRecordStep implements TransferStep {
  readonly job = Gp2gpJob.Deliver;
  readonly failureCode = '11' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly fragments: FragmentStore,
    private readonly endpoints: TransferEndpoints,
    private readonly autoIntegration: AutoIntegrationPolicy,
    private readonly options: Gp2gpOptions,
  ) {}

  handles(t: Transfer): boolean {
    return t.state === 'translated' || t.state === 'delivered';
  }

  async run(t: Transfer): Promise<Transfer> {
    const endpoint = this.endpoints.get(t.toOds);
    if (!endpoint) {
      throw new TransferStepError(
        '07',
        `GP2GP is not enabled for practice ${t.toOds}: its supplier system has no transfer endpoint.`,
      );
    }
    let current = t;
    const missing = current.attachments.filter((a) => a.absent).map((a) => a.id);
    if (current.state === 'translated') {
      const eligible =
        current.degradedCount === 0 &&
        missing.length === 0 &&
        !current.notCarried?.length &&
        (await this.autoIntegration.isEnabled(current.toOds));
      const written = await this.transfers.update(current.id, (latest, now) =>
        latest.state === 'translated' ? moveTo(latest, 'delivered', now, { autoIntegrate: eligible }) : null,
      );
      if (!written) return current;
      current = written.transfer;
    }
    if (current.state !== 'delivered') return current;

    const record = await this.readRecord(current);
    const result = await endpoint.importRecord(
      current.nhsNumber,
      {
        record,
        attachments: attachmentSources(current, this.fragments),
        fromOds: current.fromOds,
        mode: current.autoIntegrate ? 'integrate' : 'hold',
        degradedCount: current.degradedCount,
        missingAttachments: missing,
      },
      callContext(current, current.fromOds, this.options.supplierCallTimeoutMs),
    );
    await storeIntegrationNote(this.blobs, current, result);
    const written = await this.transfers.update(current.id, (latest, now) =>
      latest.state === 'delivered' ? applyIntegration(latest, result, now) : null,
    );
    return written?.transfer ?? current;
  }

  private async readRecord(t: Transfer): Promise<CanonicalRecord> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blobs.get(transferBlobs.translated(t.id))) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as CanonicalRecord;
  }
}
