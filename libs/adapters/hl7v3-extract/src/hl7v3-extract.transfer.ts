import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  documentUrlById,
  SupplierProtocolError,
  SupplierUnavailableError,
  TransferEndpoint,
  TransferRefusedError,
  type AttachmentSource,
  type ExportedRecord,
  type ImportDecision,
  type IntegrationItem,
  type IntegrationResult,
  type RecordDelivery,
  type SupplierIdentity,
  type TransferCallContext,
  settleHeldImport,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import {
  buildEhrRequest,
  GP2GP_REASON_CODES,
  parseAcknowledgement,
  parseEhrExtract,
  streamEhrExtract,
  type PartNotCarried,
} from '@lloyd/hl7v3';
import { DOCUMENTS_PATH, extractDocumentId } from './document-address.js';
import type { Hl7v3ExtractAdapterOptions } from './hl7v3-extract.adapter.js';
import {
  carriedInside,
  derivedUuid,
  documentStatementIds,
  inboundItems,
  readReport,
  type InboundReport,
} from './inbound-report.js';
import { renderRegistration } from './registration.js';
import { asSupplierError, postEhrRequest } from './ehr-request.js';

const XML = 'application/xml';
const UNKNOWN_ASID = '000000000000';

/** The delivered items an integration report is read against. */
interface DeliveredItems {
  /** The items' `Type/id`, in the record's order. */
  readonly ids: readonly string[];
  /** Items travelling inside another item's statement (see {@link carriedInside}). */
  readonly inside?: ReadonlyMap<string, readonly string[]>;
  /**
   * Given when the record was delivered (not for a decision, whose held note already covers every item): what the
   * extract could not carry, wholly or in part. Every item then gets an outcome.
   */
  readonly skipped?: readonly fhir4.Resource[];
  readonly partly?: readonly { resource: fhir4.Resource; part: PartNotCarried }[];
}

/** Text compared loosely: case and a closing full stop aside. */
function plain(text: string): string {
  return text.replace(/\.$/, '').toLowerCase();
}

function deliveredItems(
  record: RecordDelivery['record'],
  skipped: readonly fhir4.Resource[],
  partly: readonly { resource: fhir4.Resource; part: PartNotCarried }[],
): DeliveredItems {
  return { ids: unique(record.resources.map(idOf)), inside: carriedInside(record), skipped, partly };
}

function idOf(resource: fhir4.Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * GP2GP transfers for the HL7 V3 GP2GP system (P30003). Sending: the system's own EHR extract, exactly as it answers
 * an EHR request (`POST /gp2gp/ehr-request`), plus the external documents it refers to, streamed from
 * `GET /documents/{id}`. Receiving: Lloyd builds an EHR extract from the delivered record and hands it to the
 * system's inbound endpoints (`/gp2gp/inbound/{conversationId}`): the extract, the registration (a PDS-style
 * `PatientSummary`), each attachment as a streamed upload, then filing (`integrate` or `hold`); the system answers
 * with its integration report.
 */
export class Hl7v3ExtractTransfer extends TransferEndpoint {
  readonly format = 'hl7v3-extract';
  readonly ods: string;
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly asid: string;
  private readonly maxSmallAnswerBytes: number;
  private readonly maxKeptExtractBytes: number;

  constructor(options: Hl7v3ExtractAdapterOptions) {
    super();
    this.ods = options.ods;
    this.identity = { ods: options.ods, format: this.format };
    this.base = supplierBaseUrl(options.baseUrl);
    this.asid = options.asid ?? UNKNOWN_ASID;
    this.maxSmallAnswerBytes = options.maxSmallAnswerBytes ?? 1024 * 1024;
    this.maxKeptExtractBytes = options.maxKeptExtractBytes ?? 5 * 1024 * 1024;
  }

  override async exportRecord(nhsNumber: string, ctx: TransferCallContext): Promise<ExportedRecord> {
    // The first request reads the extract to learn which documents it refers to, keeping the bytes when the extract
    // is small enough to hold; open() replays them, or asks again for a bigger one (the system answers the same
    // extract, because the request's ids derive from the conversation).
    const first = await this.requestExtract(nhsNumber, ctx);
    const kept = keepUpTo(first, this.maxKeptExtractBytes);
    let documents: fhir4.DocumentReference[];
    try {
      const parsed = await parseEhrExtract(kept.stream);
      if (parsed.header.nhsNumber !== nhsNumber) throw this.protocolError('the EHR extract is for a different patient');
      documents = parsed.record.resources.filter(
        (r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference',
      );
    } catch (err) {
      throw this.supplierError(err, ctx.signal, 'EHR extract');
    }
    return {
      extract: {
        format: 'hl7v3',
        open: async () => {
          const bytes = kept.bytes();
          return bytes ? Readable.from([bytes]) : Readable.from(await this.requestExtract(nhsNumber, ctx));
        },
      },
      attachments: documents.flatMap((d) => this.attachmentOf(d, ctx)),
    };
  }

  private attachmentOf(document: fhir4.DocumentReference, ctx: TransferCallContext): AttachmentSource[] {
    const attachment = document.content[0]?.attachment;
    const documentId = extractDocumentId(document);
    if (!attachment || !documentId || !document.id) return [];
    const url = documentUrlById(this.base, DOCUMENTS_PATH, documentId);
    const source: AttachmentSource = {
      id: document.id,
      filename: attachment.title ?? documentId,
      contentType: attachment.contentType ?? 'application/octet-stream',
      ...(attachment.size !== undefined ? { length: attachment.size } : {}),
      open: async () => {
        try {
          const response = await fetch(url, {
            signal: ctx.signal,
            headers: { 'x-correlation-id': ctx.correlationId },
          });
          if (response.status >= 500) {
            await response.body?.cancel();
            throw new SupplierUnavailableError({ ...this.identity, status: response.status, detail: 'document' });
          }
          if (response.status !== 200 || !response.body) {
            await response.body?.cancel();
            throw this.protocolError(`unexpected HTTP ${response.status} to a document request`);
          }
          return Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
        } catch (err) {
          throw this.supplierError(err, ctx.signal, 'document');
        }
      },
    };
    return [source];
  }

  /** Posts the EHR request; the answer's body is the extract, streamed. A NACK becomes a refusal. */
  private async requestExtract(nhsNumber: string, ctx: TransferCallContext): Promise<AsyncIterable<Uint8Array>> {
    const messageId = derivedUuid(`lloyd-ehr-request-message:${ctx.conversationId}`);
    const body = buildEhrRequest({
      messageId,
      fromAsid: UNKNOWN_ASID,
      toAsid: this.asid,
      ehrRequestId: ctx.conversationId.toUpperCase(),
      nhsNumber,
      requestingOds: ctx.counterpartOds,
      sendingOds: this.ods,
    });
    try {
      const { status, kind, peeked } = await postEhrRequest(this.base, body, this.identity, ctx);
      if (kind === 'acknowledgement') {
        const ack = await parseAcknowledgement(peeked.body, { maxBytes: this.maxSmallAnswerBytes });
        const code = ack.reason?.code ?? '99';
        if (ack.typeCode === 'AA') throw this.protocolError('the EHR request was acknowledged but no extract was sent');
        // A fault of the moment (reason 99 with a 5xx) is retried; any other NACK is the system's answer.
        if (status >= 500) throw new SupplierUnavailableError({ ...this.identity, status, detail: `reason ${code}` });
        // The reason code travels on its own; the message carries only what the system said beyond its standard text.
        const display = ack.reason?.display?.trim() ?? '';
        const standard = GP2GP_REASON_CODES[code as keyof typeof GP2GP_REASON_CODES] ?? '';
        const own = plain(display) !== plain(standard) ? display : '';
        throw new TransferRefusedError(
          code,
          `its system sent a negative acknowledgement, ${ack.typeCode}${own ? `: "${own}"` : ''}`,
        );
      }
      if (kind !== 'ehr-extract' || status !== 200) {
        await peeked.cancel();
        throw this.protocolError(`unexpected answer to the EHR request: HTTP ${status}`);
      }
      return peeked.body;
    } catch (err) {
      if (err instanceof TransferRefusedError) throw err;
      throw this.supplierError(err, ctx.signal, 'EHR extract');
    }
  }

  override async importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult> {
    const skipped: fhir4.Resource[] = [];
    const partly: { resource: fhir4.Resource; part: PartNotCarried }[] = [];
    const inbound = `gp2gp/inbound/${encodeURIComponent(ctx.conversationId)}`;
    const extract = streamEhrExtract(delivery.record, {
      messageId: derivedUuid(`lloyd-inbound-extract:${ctx.conversationId}`),
      conversationId: ctx.conversationId,
      fromAsid: UNKNOWN_ASID,
      toAsid: this.asid,
      fromOds: delivery.fromOds,
      toOds: this.ods,
      onSkipped: (resource) => skipped.push(resource),
      onPartNotCarried: (resource, part) => partly.push({ resource, part }),
    });
    let report = await this.send('POST', inbound, extract, `${XML}; charset=utf-8`, ctx);
    if (report.nhsNumber !== nhsNumber) throw this.protocolError('the system filed the extract for another patient');
    if (report.status === 'receiving') {
      const registration = renderRegistration(delivery.record.patient, delivery.patientStatus);
      await this.send('PUT', `${inbound}/registration`, registration, XML, ctx);
      const documentIds = documentStatementIds(delivery.record);
      for (const attachment of delivery.attachments) {
        const target = documentIds.get(attachment.id) ?? attachment.id;
        const content = await attachment.open();
        await this.send(
          'PUT',
          `${inbound}/attachments/${encodeURIComponent(target)}`,
          content,
          'application/octet-stream',
          ctx,
        );
      }
      report = await this.send('POST', `${inbound}/file?mode=${delivery.mode}`, undefined, undefined, ctx);
    }
    return this.resultOf(report, deliveredItems(delivery.record, skipped, partly));
  }

  override async completeImport(
    _nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    held: IntegrationResult,
  ): Promise<IntegrationResult> {
    const inbound = `gp2gp/inbound/${encodeURIComponent(ctx.conversationId)}`;
    const path = decision.accept
      ? `${inbound}/accept`
      : `${inbound}/reject?reason=${encodeURIComponent(decision.reasonCode)}`;
    const report = await this.send('POST', path, undefined, undefined, ctx);
    // The held note names the delivered items, in the order they were delivered.
    const decided = this.resultOf(report, { ids: unique(held.items.map((i) => i.sourceId)) });
    return settleHeldImport(held, decided);
  }

  private resultOf(report: InboundReport, delivered: DeliveredItems): IntegrationResult {
    const items = inboundItems(report, delivered.ids, delivered.inside);
    const index = new Map(items.map((item, at) => [item.sourceId, at]));
    const put = (item: IntegrationItem): void => {
      const at = index.get(item.sourceId);
      if (at === undefined) index.set(item.sourceId, items.push(item) - 1);
      else items[at] = item;
    };
    for (const resource of delivered.skipped ?? []) {
      put({ sourceId: idOf(resource), outcome: 'not-integrated', note: 'An EHR extract cannot carry this item' });
    }
    // The item itself travelled; one of its parts could not, so it arrives degraded rather than whole.
    for (const { resource, part } of delivered.partly ?? []) {
      const sourceId = idOf(resource);
      const earlier = items[index.get(sourceId) ?? -1];
      if (earlier?.outcome === 'not-integrated') continue;
      const note = `An EHR extract cannot carry part of this item (${part.kind}: ${part.detail})`;
      put({ sourceId, outcome: 'degraded', note: earlier?.note ? `${earlier.note}; ${note}` : note });
    }
    // Nothing is left out silently: an item the system's report says nothing about is not known to be filed.
    if (delivered.skipped) {
      for (const sourceId of delivered.ids) {
        if (!index.has(sourceId))
          put({
            sourceId,
            outcome: 'not-integrated',
            note: "The receiving system's report does not mention this item",
          });
      }
    }
    switch (report.status) {
      case 'integrated':
        return { status: 'integrated', items };
      case 'held':
        return { status: 'awaiting-acceptance', items };
      case 'rejected':
        return { status: 'rejected', reasonCode: report.reason ?? '11', items };
      case 'receiving':
        throw this.protocolError('the system has not filed the record');
    }
  }

  /** One call to the inbound endpoints; the body may be a stream (sent as it is read, never held whole). */
  private async send(
    method: 'POST' | 'PUT',
    path: string,
    body: string | Readable | undefined,
    contentType: string | undefined,
    ctx: TransferCallContext,
  ): Promise<InboundReport> {
    try {
      const response = await fetch(new URL(path, this.base), {
        method,
        signal: ctx.signal,
        headers: {
          accept: XML,
          'x-correlation-id': ctx.correlationId,
          ...(contentType ? { 'content-type': contentType } : {}),
        },
        ...(body === undefined
          ? {}
          : typeof body === 'string'
            ? { body }
            : { body: Readable.toWeb(body) as ReadableStream<Uint8Array>, duplex: 'half' as const }),
      });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new SupplierUnavailableError({
          ...this.identity,
          status: response.status,
          detail: `HTTP ${response.status}`,
        });
      }
      const text = await response.text();
      if (response.status >= 400) {
        const code = /\bcode="([^"]+)"/.exec(text)?.[1] ?? 'UNKNOWN';
        if (code === 'WRONG_PATIENT') throw new TransferRefusedError('28', 'The record is for another patient');
        throw this.protocolError(`HTTP ${response.status} (${code}) from the inbound GP2GP endpoint`);
      }
      const report = readReport(text);
      if (!report) throw this.protocolError('the inbound GP2GP endpoint answered without an integration report');
      return report;
    } catch (err) {
      if (err instanceof TransferRefusedError) throw err;
      throw this.supplierError(err, ctx.signal, 'integration report');
    }
  }

  private supplierError(err: unknown, signal: AbortSignal, what: string): Error {
    return asSupplierError(err, this.identity, signal, what);
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}

/**
 * Passes a stream through while keeping a copy of its bytes, up to `limit`: `bytes()` answers the whole content once
 * the stream has been read to the end within the limit, and undefined otherwise.
 */
function keepUpTo(
  source: AsyncIterable<Uint8Array>,
  limit: number,
): { stream: AsyncIterable<Uint8Array>; bytes(): Buffer | undefined } {
  let chunks: Uint8Array[] | undefined = [];
  let total = 0;
  let complete = false;
  async function* stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      total += chunk.byteLength;
      if (chunks && total <= limit) chunks.push(chunk);
      else chunks = undefined;
      yield chunk;
    }
    complete = true;
  }
  return { stream: stream(), bytes: () => (complete && chunks ? Buffer.concat(chunks) : undefined) };
}
