import type { CanonicalRecord } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { type BlobStore } from '@lloyd/store';
import type { AutoIntegrationPolicy } from '../endpoints/auto-integration.js';
import { callContext } from '../endpoints/call-context.js';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { FragmentStore } from '../messaging/fragment-store.js';
import type { Transfer } from '../model/transfer.js';
import { moveTo, note } from '../model/transitions.js';
import type { Gp2gpOptions } from '../options.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { attachmentSources } from './attachment-sources.js';
import { applyIntegration, storeIntegrationNote, summarise } from './integration-outcome.js';
import { TransferStepError } from './step-error.js';
import type { TransferStep } from './step-runner.js';

/**
 * `translated` → `delivered` → `integrated` | `awaiting-acceptance` | `rejected`: hands the translated record and
 * its attachments (streamed from the blob store) to the receiving practice's system, held for acceptance. Auto-
 * integration applies when the practice opted in, nothing was degraded in translation, nothing is missing, and the
 * receiving system's answer shows every item filed as coded: Lloyd then accepts the held record at once. When the
 * receiving system degraded or could not file anything, the record stays held for a clinician's review (noted on the
 * timeline). The delivery is written before the calls, and they are idempotent per conversation, so a crash in
 * between repeats them harmlessly. A receiving system that keeps failing fails the transfer with reason 11.
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
    const ctx = callContext(current, current.fromOds, this.options.supplierCallTimeoutMs);
    let result = await endpoint.importRecord(
      current.nhsNumber,
      {
        record,
        attachments: attachmentSources(current, this.fragments),
        fromOds: current.fromOds,
        // Always held first: only the receiving system's answer says what it could not file as coded.
        mode: 'hold',
        degradedCount: current.degradedCount,
        missingAttachments: missing,
        // A transfer translated before the status was kept has only the extract's restricted label to go on.
        patientStatus: current.patientStatus ?? { dissent: false, sensitive: hasConfidentialityLabel(record.patient) },
      },
      ctx,
    );
    let withheld: string | undefined;
    if (current.autoIntegrate && result.status === 'awaiting-acceptance') {
      const { degraded, notIntegrated } = summarise(result);
      if (degraded === 0 && notIntegrated === 0) {
        result = await endpoint.completeImport(current.nhsNumber, { accept: true }, ctx, result);
      } else {
        withheld =
          `Not integrated automatically: the receiving system filed ${degraded} item(s) as degraded and could not ` +
          `file ${notIntegrated}; a clinician must review the record (accept or reject).`;
      }
    }
    await storeIntegrationNote(this.blobs, current, result);
    const settled = result;
    const written = await this.transfers.update(current.id, (latest, now) => {
      if (latest.state !== 'delivered') return null;
      const next = applyIntegration(latest, settled, now);
      return withheld ? note(next, withheld, now, { autoIntegrate: false }) : next;
    });
    return written?.transfer ?? current;
  }

  private async readRecord(t: Transfer): Promise<CanonicalRecord> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blobs.get(transferBlobs.translated(t.id))) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as CanonicalRecord;
  }
}
