import { fragmentOrder, ReassemblyError } from '@lloyd/hl7v3';
import { type BlobStore } from '@lloyd/store';
import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { FragmentStore } from '../messaging/fragment-store.js';
import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import type { Transfer, TransferAttachment } from '../model/transfer.js';
import { moveTo, note } from '../model/transitions.js';
import { largeMessageTimeoutMs, type Gp2gpOptions } from '../options.js';
import { fragmentsOf, type AnswerContinue } from '../sender/answer-continue.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Transfers } from '../store/transfers.js';
import { TransferStepError } from './step-error.js';
import type { TransferStep } from './step-runner.js';

interface Received {
  /** Message ids of the COPCs that arrived, in fragment order. */
  ids: string[];
  /** Message ids of the acknowledgements sent for them. */
  acks: string[];
  /** Attachments (by index) still missing a fragment. */
  incomplete: Set<number>;
}

/**
 * Large messages: `extract-received` → `fragments-pending` → `reassembled`. The requester sends its continue (COPC
 * "Continue Acknowledgement") and starts the overall large-message timeout; the sender answers with one COPC per
 * fragment; the requester acknowledges each COPC it has (an MCCI each), and once every fragment is there checks each
 * attachment against its description (length and SHA-256) and decompresses a skeleton extract. Missing fragments
 * leave the transfer waiting: the timeout check fails it with reason 31 when the deadline passes. A fragment that does
 * not match its description fails it with reason 29.
 */
export class ReceiveFragmentsStep implements TransferStep {
  readonly job = Gp2gpJob.ReceiveFragments;
  readonly failureCode = '30' as const;

  constructor(
    private readonly transfers: Transfers,
    private readonly blobs: BlobStore,
    private readonly fragments: FragmentStore,
    private readonly messages: Gp2gpMessages,
    private readonly answerContinue: AnswerContinue,
    private readonly scheduler: TransferScheduler,
    private readonly options: Gp2gpOptions,
  ) {}

  handles(t: Transfer): boolean {
    return (t.state === 'extract-received' && t.largeMessage) || t.state === 'fragments-pending';
  }

  async run(t: Transfer): Promise<Transfer> {
    let current = t;
    if (current.state === 'extract-received') {
      const message = this.messages.continue(current, current.messageIds.extract ?? '');
      await this.blobs.put(transferBlobs.continue(current.id), message.xml, { contentType: 'application/xml' });
      const written = await this.transfers.update(current.id, (latest, now) =>
        latest.state === 'extract-received'
          ? moveTo(latest, 'fragments-pending', now, {
              messageIds: { ...latest.messageIds, continue: message.messageId },
              deadlines: {
                ...latest.deadlines,
                largeMessage: new Date(
                  now.getTime() + largeMessageTimeoutMs(this.options, latest.fragmentCount),
                ).toISOString(),
              },
            })
          : null,
      );
      if (!written) return current;
      current = written.transfer;
      await this.scheduler.deadlines(current);
    }
    if (current.state !== 'fragments-pending') return current;

    await this.answerContinue.execute(current);
    const received = await this.collect(current);
    if (received.incomplete.size > 0) return this.waiting(current, received);
    await this.verify(current);
    const written = await this.transfers.update(current.id, (latest, now) =>
      latest.state === 'fragments-pending'
        ? moveTo(latest, 'reassembled', now, {
            fragmentsReceived: received.ids.length,
            attachments: latest.attachments.map((a) => ({ ...a, received: true })),
            messageIds: { ...latest.messageIds, fragments: received.ids, fragmentAcks: received.acks },
          })
        : null,
    );
    return written?.transfer ?? current;
  }

  /** Acknowledges every fragment that has arrived; finds the attachments still missing some (in index order). */
  private async collect(t: Transfer): Promise<Received> {
    const ids: string[] = [];
    const acks: string[] = [];
    const expected = new Map<number, string[]>();
    for (const fragment of fragmentsOf(t)) {
      expected.set(fragment.attachment, [
        ...(expected.get(fragment.attachment) ?? []),
        this.messages.fragmentMessageId(t, fragment.index),
      ]);
      const key = transferBlobs.inboundFragment(t.id, fragment.index);
      if (!(await this.blobs.stat(key))) continue;
      const copc = await this.messages.readFragment(await this.blobs.get(key));
      if (copc.fileName !== fragment.fileName) {
        throw new TransferStepError(
          '29',
          `Large message re-assembly failed: COPC ${copc.messageId} carries "${copc.fileName ?? '(nothing)'}" where "${fragment.fileName}" was expected.`,
        );
      }
      const ack = this.messages.fragmentAck(t, fragment.index, copc.messageId);
      await this.blobs.put(transferBlobs.fragmentAck(t.id, fragment.index), ack.xml, {
        contentType: 'application/xml',
      });
      ids.push(copc.messageId);
      acks.push(ack.messageId);
    }
    const incomplete = new Set<number>();
    for (const [attachment, indexIds] of expected) {
      if (fragmentOrder(indexIds, ids).missing.length > 0) incomplete.add(attachment);
    }
    return { ids, acks, incomplete };
  }

  /** Some fragments are missing: record what has arrived and wait (the timeout check ends the wait). */
  private async waiting(t: Transfer, received: Received): Promise<Transfer> {
    const missing = t.attachments.filter((_, i) => received.incomplete.has(i)).map((a) => a.filename);
    const written = await this.transfers.update(t.id, (latest, now) =>
      latest.state === 'fragments-pending' && latest.fragmentsReceived !== received.ids.length
        ? note(latest, `Waiting for fragments of: ${missing.join(', ')}`, now, {
            fragmentsReceived: received.ids.length,
            attachments: latest.attachments.map((a, i) => ({ ...a, received: !received.incomplete.has(i) })),
          })
        : null,
    );
    return written?.transfer ?? t;
  }

  /** Checks every attachment against the sender's description; decompresses the skeleton extract. */
  private async verify(t: Transfer): Promise<void> {
    for (const [index, attachment] of t.attachments.entries()) {
      const key = (part: number) => transferBlobs.fragment(t.id, index, part);
      const measured = await this.fragments.measure(attachment.fragments, key).catch((error: unknown) => {
        if (!(error instanceof ReassemblyError)) throw error;
        throw new TransferStepError('29', `"${attachment.filename}" could not be reassembled: ${error.message}`, {
          cause: error,
        });
      });
      if (measured.bytes !== attachment.length || measured.sha256 !== attachment.sha256) {
        throw new TransferStepError(
          '29',
          `Large message re-assembly failed: "${attachment.filename}" reassembled to ${measured.bytes} bytes that do not match ` +
            `the ${attachment.length} bytes the sender described. Ask the sending practice to send the record again.`,
        );
      }
      if (attachment.skeleton) await this.decompress(t, attachment, key);
    }
  }

  private async decompress(t: Transfer, attachment: TransferAttachment, key: (part: number) => string): Promise<void> {
    try {
      const extract = this.fragments.read(attachment.fragments, key, true);
      await this.blobs.put(transferBlobs.extract(t.id), extract, { contentType: 'application/xml' });
    } catch (error) {
      if (!(error instanceof ReassemblyError)) throw error;
      throw new TransferStepError('29', `The compressed EHR extract could not be reassembled: ${error.message}`, {
        cause: error,
      });
    }
  }
}
