import { type TransferMarkers } from '@lloyd/federation';
import { type BlobStore, type KeyValueStore } from '@lloyd/store';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { FinalAck, Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import type { Transfer } from '../model/transfer.js';
import { fail, moveTo } from '../model/transitions.js';
import type { StorePatientRegistry } from '@lloyd/federation';
import { transferBlobs, transferKeys } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import type { TransferStep } from './step-runner.js';

/**
 * The end of a transfer. `integrated` | `rejected` → `acknowledged`: the requester's final acknowledgement of the
 * extract (`MCCI_IN010000UK13`: AA, or AE with the rejection's reason code), beside the per-item integration note of
 * GP2GP 2.2. `acknowledged` → `completed`: when integrated, the registry now places the patient at the new practice;
 * the data-in-transit marker and the open-transfer claim are cleared. A `failed` transfer is settled the same way: a
 * negative acknowledgement with its reason code when an extract had arrived, marker and claim cleared. A transfer
 * whose patient the registry has meanwhile placed at a third practice is stale: it fails with reason 06 and the
 * registry is left as it is.
 */
export class AcknowledgeTransferStep implements TransferStep {
  readonly job = Gp2gpJob.Acknowledge;
  readonly failureCode = '99' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly kv: KeyValueStore,
    private readonly messages: Gp2gpMessages,
    private readonly registry: StorePatientRegistry,
    private readonly markers: TransferMarkers,
  ) {}

  handles(t: Transfer): boolean {
    return (
      t.state === 'integrated' ||
      t.state === 'rejected' ||
      t.state === 'acknowledged' ||
      (t.state === 'failed' && !t.settled)
    );
  }

  async run(t: Transfer): Promise<Transfer> {
    if (t.state === 'failed') return this.settleFailure(t);
    let current = t;
    if (!current.rejection) {
      const stale = await this.failIfStale(current);
      if (stale) return stale;
    }
    if (current.state === 'integrated' || current.state === 'rejected') {
      const ack: FinalAck = current.rejection
        ? { typeCode: 'AE', reasonCode: current.rejection.code, reasonText: current.rejection.reason }
        : { typeCode: 'AA' };
      const message = this.messages.finalAck(current, current.messageIds.extract ?? '', ack);
      await this.blobs.put(transferBlobs.finalAck(current.id), message.xml, { contentType: 'application/xml' });
      const written = await this.transfers.update(current.id, (latest, now) =>
        latest.state === 'integrated' || latest.state === 'rejected'
          ? moveTo(latest, 'acknowledged', now, { messageIds: { ...latest.messageIds, finalAck: message.messageId } })
          : null,
      );
      if (!written) return current;
      current = written.transfer;
    }
    if (current.state !== 'acknowledged') return current;
    if (!current.rejection) await this.registry.recordMove(current.nhsNumber, current.toOds);
    await this.release(current);
    const written = await this.transfers.update(current.id, (latest, now) =>
      latest.state === 'acknowledged'
        ? moveTo(latest, 'completed', now, { settled: true, settledAt: now.toISOString() })
        : null,
    );
    return written?.transfer ?? current;
  }

  /**
   * A transfer completes only while the registry still has the patient at the practice the record came from (or
   * already at the new one, when the move itself was done): otherwise the transfer is stale, because the patient moved
   * elsewhere meanwhile, and it fails with reason 06 rather than move the patient back. Resolves the failed,
   * settled transfer, or null when the transfer is current.
   */
  private async failIfStale(t: Transfer): Promise<Transfer | null> {
    const registered = await this.registry.practiceFor(t.nhsNumber);
    if (registered === t.fromOds || registered === t.toOds) return null;
    const reason =
      `The registry no longer places patient ${t.nhsNumber} at ${t.fromOds} (now: ${registered ?? 'nowhere'}), so this ` +
      `transfer to ${t.toOds} is out of date: the registry was not moved and a negative acknowledgement was sent. ` +
      `If the patient is registering at ${t.toOds}, start a new transfer from the practice the patient is now at.`;
    const written = await this.transfers.update(t.id, (latest, now) =>
      latest.state === t.state ? fail(latest, '06', reason, now, this.job) : null,
    );
    if (!written) return t;
    if (!written.changed) return written.transfer;
    return this.settleFailure(written.transfer);
  }

  private async settleFailure(t: Transfer): Promise<Transfer> {
    let finalAck: string | undefined;
    if (t.messageIds.extract && t.failure) {
      const message = this.messages.finalAck(t, t.messageIds.extract, {
        typeCode: 'AE',
        reasonCode: t.failure.code,
        reasonText: t.failure.reason,
      });
      await this.blobs.put(transferBlobs.finalAck(t.id), message.xml, { contentType: 'application/xml' });
      finalAck = message.messageId;
    }
    await this.release(t);
    const written = await this.transfers.update(t.id, (latest, now) =>
      latest.state === 'failed' && !latest.settled
        ? {
            ...latest,
            settled: true,
            settledAt: now.toISOString(),
            ...(finalAck ? { messageIds: { ...latest.messageIds, finalAck } } : {}),
          }
        : null,
    );
    return written?.transfer ?? t;
  }

  /**
   * Clears the data-in-transit marker and the open-transfer claim, unless a newer transfer of the patient has claimed
   * them since (its claim, and its marker when it goes to the same practice, must stay).
   */
  private async release(t: Transfer): Promise<void> {
    const openKey = transferKeys.open(t.nhsNumber);
    const claim = await this.kv.get(openKey);
    if (claim !== null && claim !== t.id) {
      const newer = await this.transfers.get(claim);
      if (!newer || newer.toOds !== t.toOds) await this.markers.clear(t.toOds, t.nhsNumber);
      return;
    }
    await this.markers.clear(t.toOds, t.nhsNumber);
    // Compare-and-delete (expire at once), so a claim a new transfer has just taken over is never removed.
    if (claim === t.id) await this.kv.compareAndSet(openKey, t.id, t.id, { ttlSeconds: 0.001 });
  }
}
