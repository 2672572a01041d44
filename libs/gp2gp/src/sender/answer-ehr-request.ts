import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { SupplierError } from '@lloyd/adapters-core';
import { type BlobStore } from '@lloyd/store';
import { callContext } from '../endpoints/call-context.js';
import type { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import type { FragmentStore } from '../messaging/fragment-store.js';
import type { Gp2gpMessages } from '../messaging/gp2gp-messages.js';
import { isReasonCode, refusalNextStep } from '../model/reason-codes.js';
import type { Transfer, TransferAttachment } from '../model/transfer.js';
import type { Gp2gpOptions } from '../options.js';
import { TransferStepError } from '../steps/step-error.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { Terminology } from '@lloyd/terminology';
import { TransferRefusedError, type AttachmentSource, type ExportedRecord } from '@lloyd/adapters-core';

/** The sender's answer to an EHR request, as it arrives at the requesting side. */
export interface ExtractArrival {
  /** HL7 message id of the extract (core) message. */
  messageId: string;
  requestAckId: string;
  /** Size of the whole extract as the sender produced it. */
  extractBytes: number;
  /** True when the extract travels as a large message (too big for one message, or with attachments). */
  largeMessage: boolean;
  attachments: TransferAttachment[];
  /**
   * Items of the sending practice's record, or parts of them, that the extract Lloyd built cannot carry (for example a
   * type GP2GP has no statement for), one line each. Empty when the practice's system sent its own extract.
   */
  notCarried: string[];
}

const PLACEHOLDER = (a: AttachmentSource, why: string) =>
  `The sending practice's system could not provide the document "${a.filename}" (${a.contentType}): ${why}. ` +
  'Ask the sending practice for a copy.';

/**
 * Sending side of GP2GP, brokered by Lloyd: asks the old practice's system for the record (its transfer endpoint's
 * `exportRecord`), stores the extract (the system's own HL7 V3, or built from its canonical record with SNOMED CT
 * added by `@lloyd/terminology`) and cuts each
 * attachment into large-message fragments as it streams in. Nothing is held whole in memory. Idempotent: a repeated
 * call overwrites the same blobs with the same content and message ids.
 */
export class AnswerEhrRequest {
  constructor(
    private readonly endpoints: TransferEndpoints,
    private readonly blobs: BlobStore,
    private readonly fragments: FragmentStore,
    private readonly messages: Gp2gpMessages,
    private readonly terminology: Terminology,
    private readonly options: Gp2gpOptions,
  ) {}

  async execute(t: Transfer): Promise<ExtractArrival> {
    const endpoint = this.endpoints.get(t.fromOds);
    if (!endpoint) {
      throw new TransferStepError(
        '07',
        `GP2GP is not enabled for practice ${t.fromOds}: its supplier system has no transfer endpoint.`,
      );
    }
    let exported: ExportedRecord;
    try {
      exported = await endpoint.exportRecord(t.nhsNumber, callContext(t, t.toOds, this.options.supplierCallTimeoutMs));
    } catch (error) {
      if (error instanceof TransferRefusedError) {
        const code = isReasonCode(error.reasonCode) ? error.reasonCode : '99';
        const said = error.message.replace(/\.$/, '');
        throw new TransferStepError(
          code,
          `The sending practice ${t.fromOds} refused the EHR request${said ? ` (${said})` : ''}. ${refusalNextStep(code)}`,
        );
      }
      throw error;
    }

    const extractKey = transferBlobs.senderExtract(t.id);
    const notCarried: string[] = [];
    const messageId = await this.storeExtract(t, exported, extractKey, notCarried);
    const extract = await this.blobs.stat(extractKey);
    const extractBytes = extract?.bytes ?? 0;

    const attachments: TransferAttachment[] = [];
    for (const [index, source] of exported.attachments.entries()) {
      attachments.push(await this.storeAttachment(t, index, source));
    }
    const oversized = extractBytes > this.options.largeMessageThresholdBytes;
    let coreMessageId = messageId;
    if (oversized) {
      attachments.push(await this.storeSkeleton(t, attachments.length, extractKey));
      const core = this.messages.skeletonCore(t, attachments[attachments.length - 1]!.filename);
      coreMessageId = core.messageId;
      await this.blobs.put(transferBlobs.inboundCore(t.id), core.stream, { contentType: 'application/xml' });
    } else {
      await this.blobs.put(transferBlobs.inboundCore(t.id), await this.blobs.get(extractKey), {
        contentType: 'application/xml',
      });
    }
    const ack = this.messages.requestAck(t, t.messageIds.ehrRequest ?? '');
    await this.blobs.put(transferBlobs.requestAck(t.id), ack.xml, { contentType: 'application/xml' });
    return {
      messageId: coreMessageId,
      requestAckId: ack.messageId,
      extractBytes,
      largeMessage: oversized || attachments.length > 0,
      attachments,
      notCarried,
    };
  }

  private async storeExtract(
    t: Transfer,
    exported: ExportedRecord,
    key: string,
    notCarried: string[],
  ): Promise<string> {
    if (exported.extract.format === 'hl7v3') {
      await this.blobs.put(key, await exported.extract.open(), { contentType: 'application/xml' });
      return this.messages.extractMessageId(t);
    }
    // GP2GP extracts carry SNOMED CT: add it where a map exists before building (untranslatable items go degraded).
    const built = this.messages.extractFromRecord(t, this.terminology.normaliseRecord(exported.extract.record).record, {
      onSkipped: (resource, reason) => notCarried.push(`${resource.resourceType}/${resource.id ?? ''}: ${reason}`),
      onPartNotCarried: (resource, part) =>
        notCarried.push(`${resource.resourceType}/${resource.id ?? ''}: its ${part.kind} (${part.detail})`),
    });
    await this.blobs.put(key, built.stream, { contentType: 'application/xml' });
    return built.messageId;
  }

  private async storeAttachment(t: Transfer, index: number, source: AttachmentSource): Promise<TransferAttachment> {
    const key = (part: number) => transferBlobs.fragment(t.id, index, part);
    const base = { id: source.id, filename: source.filename, contentType: source.contentType, received: false };
    try {
      const written = await this.fragments.write(await source.open(), key);
      return { ...base, length: written.bytes, sha256: written.sha256, fragments: written.fragments };
    } catch (error) {
      // Connection trouble is retried with the whole step; anything else means the document itself is unavailable.
      if (error instanceof SupplierError) throw error;
      const why = error instanceof Error ? error.message : String(error);
      const written = await this.fragments.write([Buffer.from(PLACEHOLDER(source, why))], key);
      return {
        ...base,
        filename: `AbsentAttachment_${source.filename}.txt`,
        contentType: 'text/plain',
        length: written.bytes,
        sha256: written.sha256,
        fragments: written.fragments,
        absent: true,
      };
    }
  }

  /** The extract, gzip-compressed, as an attachment of its own (GP2GP `X-GP2GP-Skeleton: Yes`). */
  private async storeSkeleton(t: Transfer, index: number, extractKey: string): Promise<TransferAttachment> {
    const compressed = createGzip();
    pipeline(await this.blobs.get(extractKey), compressed).catch((error: unknown) =>
      compressed.destroy(error as Error),
    );
    const written = await this.fragments.write(compressed, (part) => transferBlobs.fragment(t.id, index, part));
    return {
      id: 'skeleton',
      filename: `${t.conversationId}_extract.xml.gz`,
      contentType: 'application/xml',
      length: written.bytes,
      sha256: written.sha256,
      fragments: written.fragments,
      received: false,
      skeleton: true,
    };
  }
}
