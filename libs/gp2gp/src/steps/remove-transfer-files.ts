import type { AppLogger } from '@lloyd/observability';
import type { BlobStore } from '@lloyd/store';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { TransferMetrics } from '../metrics/transfer-metrics.js';
import { filesDueAt, type Transfer } from '../model/transfer.js';
import { note } from '../model/transitions.js';
import type { Gp2gpOptions } from '../options.js';
import { fragmentsOf } from '../sender/answer-continue.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import type { TransferStep } from './step-runner.js';

/**
 * The blob keys of a transfer's files that nothing reads once it has ended: both sides' extracts, the attachment and
 * COPC fragments, the translated record and the messages exchanged (their ids stay on the transfer). The integration
 * note is not among them: `GET /gp2gp/transfers/{id}/integration-note` serves it for as long as the transfer is kept.
 */
export function transferFileKeys(t: Transfer): string[] {
  const keys = [
    transferBlobs.ehrRequest(t.id),
    transferBlobs.requestAck(t.id),
    transferBlobs.senderExtract(t.id),
    transferBlobs.inboundCore(t.id),
    transferBlobs.continue(t.id),
    transferBlobs.extract(t.id),
    transferBlobs.translated(t.id),
    transferBlobs.finalAck(t.id),
  ];
  for (const fragment of fragmentsOf(t)) {
    keys.push(
      transferBlobs.fragment(t.id, fragment.attachment, fragment.part),
      transferBlobs.inboundFragment(t.id, fragment.index),
      transferBlobs.fragmentAck(t.id, fragment.index),
    );
  }
  return keys;
}

/**
 * `completed` | `failed` (settled), `gp2gp.fileRetentionMs` after it ended: deletes the transfer's files
 * ({@link transferFileKeys}) and records when (`filesRemovedAt`, and a timeline note with the bytes freed). The
 * transfer itself, with its timeline, outcome, sizes and integration summary, stays for the MI report and audits.
 * A try that fails (the store unreachable) is tried again after `stepRetryMaxDelayMs`; deleting is idempotent.
 */
export class RemoveTransferFilesStep implements TransferStep {
  readonly job = Gp2gpJob.RemoveFiles;
  readonly failureCode = '99' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly scheduler: TransferScheduler,
    private readonly metrics: TransferMetrics,
    private readonly options: Pick<Gp2gpOptions, 'fileRetentionMs' | 'stepRetryMaxDelayMs'>,
    private readonly logger?: AppLogger,
  ) {}

  handles(t: Transfer): boolean {
    const due = filesDueAt(t, this.options.fileRetentionMs);
    return due !== undefined && !t.filesRemovedAt && this.transfers.now().getTime() >= due;
  }

  async run(t: Transfer): Promise<Transfer> {
    let bytes = 0;
    try {
      for (const key of transferFileKeys(t)) {
        const info = await this.blobs.stat(key);
        if (!info) continue;
        await this.blobs.delete(key);
        bytes += info.bytes;
      }
    } catch (err) {
      this.logger?.warn({ err, transferId: t.id }, 'could not delete the files of an ended GP2GP transfer; retrying');
      await this.scheduler.removeFiles(t, { retryAfterMs: this.options.stepRetryMaxDelayMs });
      return t;
    }
    this.metrics.filesRemoved(bytes);
    const retention = formatRetention(this.options.fileRetentionMs);
    const written = await this.transfers.update(t.id, (latest, now) =>
      latest.filesRemovedAt
        ? null
        : note(latest, `Files removed ${retention} after the transfer ended (${bytes} bytes)`, now, {
            filesRemovedAt: now.toISOString(),
          }),
    );
    return written?.transfer ?? t;
  }
}

function formatRetention(ms: number): string {
  if (ms === 0) return 'right';
  const hours = ms / 3_600_000;
  if (hours >= 24 && Number.isInteger(hours / 24)) return `${hours / 24} d`;
  return hours >= 1 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(ms / 1000)} s`;
}
