import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  documentUrlById,
  getFromSupplier,
  readTextCapped,
  throwIfServerError,
  SupplierProtocolError,
  toSupplierError,
  type RecordQuery,
  type SupplierIdentity,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import { recordSections } from '@lloyd/config';
import { DOCUMENTS_PATH, JsonCtv3Adapter, type JsonCtv3AdapterOptions } from '../json-ctv3.adapter.js';
import { documentIdOf, toNativeTransfer } from './to-native.js';
import {
  settleHeldImport,
  TransferEndpoint,
  TransferRefusedError,
  type AttachmentSource,
  type ExportedRecord,
  type ImportDecision,
  type IntegrationItem,
  type IntegrationResult,
  type RecordDelivery,
  type TransferCallContext,
} from '@lloyd/adapters-core';

export type JsonCtv3TransferOptions = JsonCtv3AdapterOptions;

const ACCEPT = 'application/json';
const MAX_ANSWER_BYTES = 16_000_000;
const ALL_SECTIONS: RecordQuery = { sections: recordSections };
const EXTENSION: Record<string, string> = {
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/html': '.html',
  'application/rtf': '.rtf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/tiff': '.tif',
  'application/msword': '.doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
};

/** The vendor's answer about a transfer (`GET /api/v2/transfers/{id}` and the calls that change it). */
interface TransferState {
  readonly status: 'receiving' | 'held' | 'filed' | 'rejected';
  readonly reasonCode?: string;
  readonly attachments: readonly { documentId: string; received: boolean }[];
  readonly items: readonly {
    kind: string;
    id: string;
    outcome: 'filed' | 'filedAsText' | 'notFiled';
    note?: string;
    sourceIds?: readonly string[];
  }[];
  readonly unfiled: readonly { sourceId: string; note?: string }[];
}

const OUTCOME = { filed: 'integrated', filedAsText: 'degraded', notFiled: 'not-integrated' } as const;

function isTransferState(value: unknown): value is TransferState {
  const v = value as Partial<TransferState> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['receiving', 'held', 'filed', 'rejected'].includes(v.status as string) &&
    Array.isArray(v.attachments) &&
    Array.isArray(v.items)
  );
}

/** A file name for a document: its title, made safe, with the extension of its type. */
function filenameOf(document: fhir4.DocumentReference): string {
  const attachment = document.content[0]?.attachment;
  const base = (attachment?.title ?? document.description ?? `document-${document.id ?? ''}`)
    .replace(/[^A-Za-z0-9 ._-]+/g, '_')
    .trim()
    .slice(0, 100);
  const extension = EXTENSION[attachment?.contentType ?? ''] ?? '';
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`;
}

/**
 * GP2GP transfers for systems that speak the JSON/CTV3 vendor API (P20002). Sending: the record is read like
 * {@link JsonCtv3Adapter.getRecord} (CTV3 codes kept; Lloyd adds SNOMED CT) and each document is streamed from
 * `GET /api/v2/documents/{id}` when opened. Receiving: the record is translated to the vendor's transfer document
 * (`PUT /api/v2/transfers/{conversationId}`), each attachment is streamed to
 * `PUT …/attachments/{documentId}`, then `POST …/filing` files or holds it and `POST …/decision` accepts or rejects a
 * held one. Entries with no CTV3 coding are filed as text and reported degraded. Every step is keyed by the
 * conversation id, so a repeated call files nothing twice.
 */
export class JsonCtv3Transfer extends TransferEndpoint {
  private readonly reader: JsonCtv3Adapter;
  private readonly identity: SupplierIdentity;
  private readonly base: URL;

  constructor(private readonly options: JsonCtv3TransferOptions) {
    super();
    this.reader = new JsonCtv3Adapter(options);
    this.identity = { ods: options.ods, format: this.reader.format };
    this.base = supplierBaseUrl(options.baseUrl);
  }

  override async exportRecord(nhsNumber: string, ctx: TransferCallContext): Promise<ExportedRecord> {
    const record = await this.reader.getRecord(nhsNumber, ALL_SECTIONS, ctx);
    if (!record) throw new TransferRefusedError('06', `Patient ${nhsNumber} is not registered at ${this.options.ods}`);
    const attachments = record.resources
      .filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference' && r.id !== undefined)
      .map((document): AttachmentSource => {
        const attachment = document.content[0]?.attachment;
        const id = document.id ?? '';
        return {
          id,
          filename: filenameOf(document),
          contentType: attachment?.contentType ?? 'application/octet-stream',
          ...(attachment?.size !== undefined ? { length: attachment.size } : {}),
          open: () => this.openDocument(id),
        };
      });
    return { extract: { format: 'canonical', record }, attachments };
  }

  override async importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult> {
    const transferUrl = this.transferUrl(ctx.conversationId);
    let state = await this.readTransfer(ctx);
    if (!state) {
      const { document } = toNativeTransfer({
        nhsNumber,
        fromOds: delivery.fromOds,
        ods: this.options.ods,
        record: delivery.record,
        attachments: delivery.attachments,
        receivedOn: new Date().toISOString().slice(0, 10),
        patientStatus: delivery.patientStatus,
      });
      state = await this.send('PUT', transferUrl, 'transfer record', JSON.stringify(document), ctx);
    }
    if (state.status === 'receiving') {
      const received = new Set(state.attachments.filter((a) => a.received).map((a) => a.documentId));
      for (const attachment of delivery.attachments) {
        const documentId = documentIdOf(attachment.id);
        if (received.has(documentId)) continue;
        await this.upload(
          new URL(`attachments/${encodeURIComponent(documentId)}`, `${transferUrl.href}/`),
          attachment,
          ctx,
        );
      }
      const mode = delivery.mode === 'hold' ? 'hold' : 'file';
      state = await this.send('POST', new URL(`${transferUrl.href}/filing`), 'filing', JSON.stringify({ mode }), ctx);
    }
    return this.resultOf(state);
  }

  override async completeImport(
    _nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    held: IntegrationResult,
  ): Promise<IntegrationResult> {
    const body = decision.accept ? { accept: true } : { accept: false, reasonCode: decision.reasonCode };
    const url = new URL(`${this.transferUrl(ctx.conversationId).href}/decision`);
    const state = await this.send('POST', url, 'acceptance decision', JSON.stringify(body), ctx);
    return settleHeldImport(held, this.resultOf(state));
  }

  private transferUrl(conversationId: string): URL {
    return new URL(`api/v2/transfers/${encodeURIComponent(conversationId)}`, this.base);
  }

  private resultOf(state: TransferState): IntegrationResult {
    const items: IntegrationItem[] = [];
    for (const item of state.items)
      for (const sourceId of item.sourceIds ?? [])
        items.push({
          sourceId,
          outcome: OUTCOME[item.outcome],
          ...(item.note && item.outcome !== 'filed' ? { note: item.note } : {}),
        });
    for (const item of state.unfiled ?? [])
      items.push({ sourceId: item.sourceId, outcome: 'not-integrated', ...(item.note ? { note: item.note } : {}) });
    switch (state.status) {
      case 'filed':
        return { status: 'integrated', items };
      case 'held':
        return { status: 'awaiting-acceptance', items };
      case 'rejected':
        return { status: 'rejected', reasonCode: state.reasonCode ?? '11', items };
      case 'receiving':
        throw this.protocolError('the transfer is still receiving after it was filed');
    }
  }

  private async readTransfer(ctx: TransferCallContext): Promise<TransferState | undefined> {
    const response = await getFromSupplier(
      {
        url: this.transferUrl(ctx.conversationId),
        label: 'transfer state',
        accept: ACCEPT,
        maxBytes: MAX_ANSWER_BYTES,
        expectedStatuses: [404],
      },
      this.identity,
      ctx,
    );
    return response.status === 404 ? undefined : this.parseState(response.body, 'transfer state');
  }

  /** Sends a JSON body and reads the transfer's state from the answer. */
  private async send(
    method: 'PUT' | 'POST',
    url: URL,
    label: string,
    body: string,
    ctx: TransferCallContext,
  ): Promise<TransferState> {
    const response = await this.call(url, label, ctx, {
      method,
      body,
      headers: { 'content-type': 'application/json', accept: ACCEPT },
    });
    return this.parseState(await readTextCapped(response, MAX_ANSWER_BYTES, this.identity), label);
  }

  /** Streams one attachment to the system; its content is never held whole. */
  private async upload(url: URL, attachment: AttachmentSource, ctx: TransferCallContext): Promise<void> {
    const content = await attachment.open();
    try {
      // Node's fetch streams a web stream body as it is read; `duplex: 'half'` is required for that.
      const init: RequestInit & { duplex: 'half' } = {
        method: 'PUT',
        body: Readable.toWeb(content) as ReadableStream<Uint8Array>,
        duplex: 'half',
        headers: { 'content-type': attachment.contentType || 'application/octet-stream', accept: ACCEPT },
      };
      const response = await this.call(url, 'attachment upload', ctx, init);
      await readTextCapped(response, MAX_ANSWER_BYTES, this.identity);
    } finally {
      content.destroy();
    }
  }

  private async call(url: URL, label: string, ctx: TransferCallContext, init: RequestInit): Promise<Response> {
    try {
      const response = await fetch(url, {
        ...init,
        signal: ctx.signal,
        headers: { ...(init.headers as Record<string, string>), 'x-correlation-id': ctx.correlationId },
      });
      await throwIfServerError(response, this.identity, label);
      if (response.status < 200 || response.status >= 300) {
        const text = await readTextCapped(response, 64_000, this.identity).catch(() => '');
        const code = /"code"\s*:\s*"([A-Z_]+)"/.exec(text)?.[1];
        throw this.protocolError(`unexpected HTTP ${response.status} to the ${label}${code ? ` (${code})` : ''}`);
      }
      return response;
    } catch (err) {
      throw toSupplierError(err, this.identity, ctx.signal);
    }
  }

  /**
   * A document's content, streamed. It is opened when Lloyd reads it, possibly long after the export call, so it
   * is not bound to that call's signal: the reader ends it by destroying the stream.
   */
  private async openDocument(id: string): Promise<Readable> {
    const label = 'document download';
    try {
      const response = await fetch(documentUrlById(this.base, DOCUMENTS_PATH, id));
      await throwIfServerError(response, this.identity, label);
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel();
        throw this.protocolError(`unexpected HTTP ${response.status} to the ${label}`);
      }
      return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    } catch (err) {
      throw toSupplierError(err, this.identity, new AbortController().signal);
    }
  }

  private parseState(text: string, label: string): TransferState {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.protocolError(`${label} answer is not valid JSON`);
    }
    if (!isTransferState(value)) throw this.protocolError(`${label} answer is not a transfer state`);
    return value;
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
