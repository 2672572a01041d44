import { type BlobStore } from '@lloyd/store';
import { transferBlobs } from '../store/transfer-keys.js';

/** A COPC fragment on its way from the sending practice's system to the requesting one's. */
export interface FragmentMessage {
  transferId: string;
  /** Position of the fragment among all of the transfer's fragments (0-based). */
  index: number;
  /** The COPC_IN000001UK01 message; its content (the MIME part) is already in the blob store. */
  xml: string;
}

/**
 * Carries large-message fragments between the two practices of a transfer. Lloyd brokers for both, so the default
 * transport is in-process; a Spine (MHS) transport would put the same messages on the wire. Tests replace it to lose
 * or delay fragments.
 */
export abstract class SpineTransport {
  /** Delivers one fragment; resolves once the receiving side has it stored (persisted before it is acknowledged). */
  abstract deliverFragment(message: FragmentMessage): Promise<void>;
}

/** The in-process Spine: a delivered fragment is written to the receiving side's inbox in the blob store. */
export class InProcessSpineTransport extends SpineTransport {
  constructor(private readonly blobs: BlobStore) {
    super();
  }

  async deliverFragment(message: FragmentMessage): Promise<void> {
    await this.blobs.put(transferBlobs.inboundFragment(message.transferId, message.index), message.xml, {
      contentType: 'application/xml',
    });
  }
}
