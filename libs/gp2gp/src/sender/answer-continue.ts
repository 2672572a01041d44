import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import type { SpineTransport } from '../messaging/spine-transport.js';
import type { Transfer } from '../model/transfer.js';

/** A message arrived before the one it depends on (GP2GP: a continue before the extract was sent). */
export class OutOfOrderMessageError extends Error {
  override readonly name = 'OutOfOrderMessageError';
}

/** The COPC file name of part `part` of an attachment cut into `parts` fragments. */
export function fragmentFileName(filename: string, part: number, parts: number): string {
  return parts > 1 ? `${filename}_${String(part + 1).padStart(3, '0')}` : filename;
}

/** Fragments of a transfer in sending order: attachment by attachment, part by part. */
export function* fragmentsOf(
  t: Transfer,
): Generator<{ index: number; attachment: number; part: number; fileName: string }> {
  let index = 0;
  for (const [attachment, a] of t.attachments.entries()) {
    for (let part = 0; part < a.fragments; part++) {
      yield { index: index++, attachment, part, fileName: fragmentFileName(a.filename, part, a.fragments) };
    }
  }
}

/**
 * Sending side: the requester's continue arrived, so send every attachment and fragment, one COPC each, through
 * the transport. GP2GP forbids sending any before the continue, and a continue for an extract not yet sent is an
 * out-of-order error. Idempotent: fragments are re-sent with the same message ids.
 */
export class AnswerContinue {
  constructor(
    private readonly messages: Gp2gpMessages,
    private readonly transport: SpineTransport,
  ) {}

  async execute(t: Transfer): Promise<void> {
    if (!t.messageIds.extract || !t.messageIds.continue) {
      throw new OutOfOrderMessageError(
        `Continue for conversation ${t.conversationId} arrived before its EHR extract was sent; it is ignored until then.`,
      );
    }
    for (const fragment of fragmentsOf(t)) {
      const message = this.messages.fragment(t, fragment.index, fragment.fileName);
      await this.transport.deliverFragment({ transferId: t.id, index: fragment.index, xml: message.xml });
    }
  }
}
