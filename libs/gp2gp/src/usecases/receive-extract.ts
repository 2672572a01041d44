import { type BlobStore } from '@lloyd/store';
import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import { MAX_NOT_CARRIED, type Transfer } from '../model/transfer.js';
import { moveTo, note } from '../model/transitions.js';
import type { Gp2gpOptions } from '../options.js';
import type { ExtractArrival } from '../sender/answer-ehr-request.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';

/**
 * What became of an arriving extract (GP2GP duplicate handling): `accepted` (the awaited extract), `duplicate`
 * (the same message again: dropped, as Spine's duplicate elimination would), `refused` (a second, different extract
 * for the conversation: negative acknowledgement with reason 12) or `unrequested` (no request is waiting for it:
 * reason 09).
 */
export type ExtractReceipt = 'accepted' | 'duplicate' | 'refused' | 'unrequested';

/**
 * Requesting side: an EHR extract (core) arrived for a conversation. Persists the arrival (state
 * `extract-received`, sizes, attachment descriptions, the 8-day integration deadline) before anything acknowledges
 * or continues it.
 */
export class ReceiveExtract {
  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly messages: Gp2gpMessages,
    private readonly options: Pick<Gp2gpOptions, 'integrationDeadlineMs'>,
  ) {}

  async execute(
    transferId: string,
    arrival: ExtractArrival,
  ): Promise<{ receipt: ExtractReceipt; transfer: Transfer | null }> {
    let receipt = 'unrequested' as ExtractReceipt;
    const result = await this.transfers.update(transferId, (current, now) => {
      if (current.state === 'extract-requested') {
        receipt = 'accepted';
        const notCarried = keptLines(arrival.notCarried);
        return moveTo(current, 'extract-received', now, {
          ...(notCarried.length ? { notCarried } : {}),
          messageIds: { ...current.messageIds, extract: arrival.messageId, requestAck: arrival.requestAckId },
          sizes: {
            extractBytes: arrival.extractBytes,
            attachmentBytes: arrival.attachments.filter((a) => !a.skeleton).reduce((n, a) => n + a.length, 0),
          },
          largeMessage: arrival.largeMessage,
          attachments: arrival.attachments,
          fragmentCount: arrival.attachments.reduce((n, a) => n + a.fragments, 0),
          deadlines: {
            ...current.deadlines,
            integration: new Date(now.getTime() + this.options.integrationDeadlineMs).toISOString(),
          },
        });
      }
      if (!current.messageIds.extract) {
        receipt = 'unrequested';
        return null;
      }
      if (current.messageIds.extract === arrival.messageId) {
        receipt = 'duplicate';
        return null;
      }
      receipt = 'refused';
      return note(current, `A second EHR extract (${arrival.messageId}) arrived and was refused: reason 12`, now, {
        duplicateExtracts: current.duplicateExtracts + 1,
      });
    });
    if (!result) return { receipt: 'unrequested', transfer: null };
    if (receipt === 'refused' || receipt === 'unrequested') {
      const code = receipt === 'refused' ? '12' : '09';
      const nack = this.messages.negativeAck(
        result.transfer,
        `nack-${code}-${arrival.messageId}`,
        arrival.messageId,
        code,
      );
      await this.blobs.put(transferBlobs.duplicateNack(transferId, arrival.messageId), nack.xml, {
        contentType: 'application/xml',
      });
    }
    return { receipt, transfer: result.transfer };
  }
}

/** The lines a transfer keeps of what its extract could not carry: the first ones, and how many more there were. */
function keptLines(lines: readonly string[]): string[] {
  if (lines.length <= MAX_NOT_CARRIED) return [...lines];
  return [...lines.slice(0, MAX_NOT_CARRIED - 1), `and ${lines.length - MAX_NOT_CARRIED + 1} more`];
}
