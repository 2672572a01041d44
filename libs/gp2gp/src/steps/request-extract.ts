import { type BlobStore } from '@lloyd/store';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import type { Transfer } from '../model/transfer.js';
import { moveTo } from '../model/transitions.js';
import type { AnswerEhrRequest } from '../sender/answer-ehr-request.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import type { ReceiveExtract } from '../usecases/receive-extract.js';
import type { TransferStep } from './step-runner.js';

/**
 * `requested` → `extract-requested` → `extract-received`: the requester's EHR request (`RCMR_IN010000UK05`) is
 * built and stored; then the sending side answers it (Lloyd brokers it too) and the extract's arrival is recorded.
 * Fails with reason 10 when the sender cannot produce the extract, or with the sender's own reason code.
 */
export class RequestExtractStep implements TransferStep {
  readonly job = Gp2gpJob.RequestExtract;
  readonly failureCode = '10' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly messages: Gp2gpMessages,
    private readonly answerRequest: AnswerEhrRequest,
    private readonly receiveExtract: ReceiveExtract,
  ) {}

  handles(t: Transfer): boolean {
    return t.state === 'requested' || t.state === 'extract-requested';
  }

  async run(t: Transfer): Promise<Transfer> {
    let current = t;
    if (current.state === 'requested') {
      const request = this.messages.ehrRequest(current);
      await this.blobs.put(transferBlobs.ehrRequest(current.id), request.xml, { contentType: 'application/xml' });
      const written = await this.transfers.update(current.id, (latest, now) =>
        latest.state === 'requested'
          ? moveTo(latest, 'extract-requested', now, {
              messageIds: { ...latest.messageIds, ehrRequest: request.messageId },
            })
          : null,
      );
      if (!written) return current;
      current = written.transfer;
    }
    if (current.state !== 'extract-requested') return current;
    const arrival = await this.answerRequest.execute(current);
    const { transfer } = await this.receiveExtract.execute(current.id, arrival);
    return transfer ?? current;
  }
}
