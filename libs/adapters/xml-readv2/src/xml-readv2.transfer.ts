import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { recordSections } from '@lloyd/config';
import {
  documentUrlById,
  readTextCapped,
  throwIfServerError,
  SupplierProtocolError,
  toSupplierError,
  TransferEndpoint,
  TransferRefusedError,
  type AttachmentSource,
  type CanonicalRecord,
  type ExportedRecord,
  type ImportDecision,
  type IntegrationResult,
  type RecordDelivery,
  settleHeldImport,
  type SupplierIdentity,
  type TransferCallContext,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import { toNativeDelivery } from './to-native-record.js';
import { readReceipt, toIntegrationResult, type TransferReceipt } from './transfer-receipt.js';
import { DOCUMENTS_PATH, XmlReadV2Adapter, type XmlReadV2AdapterOptions } from './xml-readv2.adapter.js';
import { parseXml } from './xml.js';

const XML = 'application/xml';
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const EXTENSIONS_BY_TYPE: Record<string, string> = {
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/tiff': '.tif',
  'application/rtf': '.rtf',
};

export type XmlReadV2TransferOptions = XmlReadV2AdapterOptions;

/**
 * GP2GP transfers for supplier systems that speak XML over REST with Read v2 coding (P10001). Exporting reads the
 * record through {@link XmlReadV2Adapter} (native Read v2 codes kept) and offers each document as an attachment,
 * streamed from `GET /documents/{id}` when Lloyd opens it. Importing sends the record in the system's own
 * vocabulary to `POST /transfers/{conversationId}/record`, then streams each attachment the system still lacks to
 * `PUT /transfers/{conversationId}/attachments/{id}`; the system keys everything by the conversation id, so a
 * repeated call files nothing twice and answers the first receipt.
 */
export class XmlReadV2Transfer extends TransferEndpoint {
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly reader: XmlReadV2Adapter;

  constructor(options: XmlReadV2TransferOptions) {
    super();
    this.reader = new XmlReadV2Adapter(options);
    this.identity = { ods: options.ods, format: this.reader.format };
    this.base = supplierBaseUrl(options.baseUrl);
  }

  override async exportRecord(nhsNumber: string, ctx: TransferCallContext): Promise<ExportedRecord> {
    const record = await this.reader.getRecord(nhsNumber, { sections: recordSections }, ctx);
    if (!record)
      throw new TransferRefusedError('06', `Patient ${nhsNumber} is not registered at ${this.identity.ods}.`);
    return { extract: { format: 'canonical', record }, attachments: this.documentsOf(record, ctx) };
  }

  override async importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult> {
    const delivered = delivery.record.patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value;
    if (delivered !== nhsNumber) {
      // GP2GP 28: wrong record or wrong patient; nothing is sent to the system.
      return { status: 'rejected', reasonCode: '28', items: [] };
    }
    const native = toNativeDelivery(
      delivery.record,
      delivery.attachments,
      delivery.fromOds,
      delivery.mode,
      delivery.patientStatus,
    );
    const path = `transfers/${encodeURIComponent(ctx.conversationId)}`;
    const xml = native.xml;
    let receipt = await this.call('POST', `${path}/record`, 'transferred record', ctx, xml);
    const sources = new Map(delivery.attachments.map((a) => [a.id, a]));
    for (const pending of receipt.Attachment.filter((a) => !a['@received'])) {
      const source = sources.get(pending['@id']);
      if (!source) continue;
      receipt = await this.call(
        'PUT',
        `${path}/attachments/${encodeURIComponent(source.id)}`,
        'attachment upload',
        ctx,
        await source.open(),
        source.contentType,
      );
    }
    if (receipt['@status'] === 'receiving') {
      throw this.protocolError('the system still waits for attachments after every one was sent');
    }
    return toIntegrationResult(receipt, native.notIntegrated);
  }

  override async completeImport(
    _nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    held: IntegrationResult,
  ): Promise<IntegrationResult> {
    const body = decision.accept
      ? '<Decision accept="true"/>'
      : `<Decision accept="false" reasonCode="${/^\d{2}$/.test(decision.reasonCode) ? decision.reasonCode : '99'}"/>`;
    const path = `transfers/${encodeURIComponent(ctx.conversationId)}/decision`;
    const receipt = await this.call('POST', path, 'acceptance decision', ctx, body);
    return settleHeldImport(held, toIntegrationResult(receipt, []));
  }

  /** Every document of the record, opened lazily from the system's document endpoint. */
  private documentsOf(record: CanonicalRecord, ctx: TransferCallContext): AttachmentSource[] {
    return record.resources
      .filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference' && r.id !== undefined)
      .map((doc) => {
        const attachment = doc.content[0]?.attachment;
        const contentType = attachment?.contentType ?? 'application/octet-stream';
        return {
          id: doc.id!,
          filename: `${doc.id!}${EXTENSIONS_BY_TYPE[contentType] ?? ''}`,
          contentType,
          ...(attachment?.size !== undefined ? { length: attachment.size } : {}),
          open: () => this.openDocument(doc.id!, ctx),
        };
      });
  }

  private async openDocument(id: string, ctx: TransferCallContext): Promise<Readable> {
    const url = documentUrlById(this.base, DOCUMENTS_PATH, id);
    let response: Response;
    try {
      response = await fetch(url, { signal: ctx.signal, headers: { 'x-correlation-id': ctx.correlationId } });
    } catch (err) {
      throw toSupplierError(err, this.identity, ctx.signal);
    }
    await throwIfServerError(response, this.identity, 'document download');
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      // Not a connection problem: the document itself is unavailable, which Lloyd reports as a missing attachment.
      throw new Error(`Document ${id} is not available from ${this.identity.ods} (HTTP ${response.status}).`);
    }
    return Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  }

  /** Sends a body (text whole, attachments streamed) and reads the system's receipt. */
  private async call(
    method: 'POST' | 'PUT',
    path: string,
    label: string,
    ctx: TransferCallContext,
    body: string | Readable,
    contentType = XML,
  ): Promise<TransferReceipt> {
    let text: string;
    let status: number;
    try {
      const response = await fetch(new URL(path, this.base), {
        method,
        signal: ctx.signal,
        headers: { 'content-type': contentType, accept: XML, 'x-correlation-id': ctx.correlationId },
        body: typeof body === 'string' ? body : (Readable.toWeb(body) as ReadableStream<Uint8Array>),
        duplex: 'half',
      });
      status = response.status;
      await throwIfServerError(response, this.identity, label);
      text = await readTextCapped(response, 10_000_000, this.identity);
    } catch (err) {
      if (typeof body !== 'string') body.destroy();
      throw toSupplierError(err, this.identity, ctx.signal);
    }
    const parsed = parseXml(text);
    if (status >= 400) {
      const error = parsed.ok ? (parsed.document['Error'] as { '#text'?: unknown } | undefined) : undefined;
      const why = typeof error?.['#text'] === 'string' ? `: ${error['#text']}` : '';
      throw this.protocolError(`HTTP ${status} to the ${label}${why}`);
    }
    if (!parsed.ok) throw this.protocolError(`${label} answer: ${parsed.reason}`);
    const receipt = readReceipt(parsed.document['TransferReceipt']);
    if (!receipt.ok) throw this.protocolError(receipt.reason);
    return receipt.receipt;
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
