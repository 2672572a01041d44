/**
 * P10001's GP2GP receiving endpoints, in the system's own XML vocabulary. A transfer is keyed by its conversation id,
 * so a repeated delivery files nothing twice:
 *
 * - `POST /transfers/{conversationId}/record` with an `<IncomingRecord mode="integrate|hold">` (the patient and
 *   its `<ClinicalRecord>`, codes in any scheme): 201 `<TransferReceipt>` (200 with the first receipt when repeated);
 *   `status` is `receiving` until every announced attachment has arrived, then `integrated` or `awaiting-acceptance`;
 * - `PUT /transfers/{conversationId}/attachments/{attachmentId}` with the raw bytes, streamed to disk: the receipt;
 * - `GET /transfers/{conversationId}`: the receipt;
 * - `POST /transfers/{conversationId}/decision` with `<Decision accept="true"/>` or
 *   `<Decision accept="false" reasonCode="NN"/>` for a held record: files it, or discards it.
 *
 * Exporting needs nothing new: the sender reads the record and documents through the ordinary read endpoints.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Practice } from '../generator/model.js';
import { IncomingRecordError, readIncomingRecord, type IncomingRecord } from './xml-readv2-transfer-parse.js';
import type { XmlReadV2Store } from './xml-readv2-transfer-store.js';
import { renderError, XML_CONTENT_TYPE } from './xml-readv2-render.js';
import { XmlWriter } from './xml-writer.js';

/** GP2GP allows 100 MB per attachment. */
const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
const MAX_RECORD_BYTES = 50 * 1024 * 1024;
const CONVERSATION_ID = /^[A-Za-z0-9-]{1,64}$/;

type TransferStatus = 'receiving' | 'awaiting-acceptance' | 'integrated' | 'rejected';

interface Transfer {
  readonly conversationId: string;
  readonly incoming: IncomingRecord;
  status: TransferStatus;
  reasonCode?: string;
  /** Attachments received in full: their file and size. */
  readonly received: Map<string, { path: string; size: number }>;
}

export interface TransferRoutesOptions {
  readonly store: XmlReadV2Store;
  readonly practice: Practice;
  /** The date a transferred patient's registration here starts. */
  readonly registrationDate: () => string;
}

/** Installs the transfer endpoints in their own scope (they alone take XML and raw request bodies). */
export function installTransferRoutes(app: FastifyInstance, options: TransferRoutesOptions): void {
  const { store, practice } = options;
  const transfers = new Map<string, Transfer>();

  const send = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type(XML_CONTENT_TYPE).send(body);
  const fail = (reply: FastifyReply, status: number, code: string, message: string) =>
    send(reply, status, renderError(status, code, message));

  const file = (t: Transfer) => {
    const documentFiles = new Map<string, string>();
    const sizes = new Map<string, number>();
    for (const a of t.incoming.attachments) {
      const got = t.received.get(a.id);
      if (got) {
        documentFiles.set(a.documentId, got.path);
        sizes.set(a.documentId, got.size);
      }
    }
    const { patient } = t.incoming;
    const documents = patient.record.documents.map((d) => ({ ...d, size: sizes.get(d.id) ?? d.size }));
    store.file({
      patient: { ...patient, record: { ...patient.record, documents } },
      codes: t.incoming.codes,
      documentFiles,
    });
    t.status = 'integrated';
  };
  const allReceived = (t: Transfer) => t.incoming.attachments.every((a) => t.received.has(a.id));
  const settle = (t: Transfer) => {
    if (t.status !== 'receiving' || !allReceived(t)) return;
    if (t.incoming.mode === 'hold') t.status = 'awaiting-acceptance';
    else file(t);
  };

  app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/xml', 'text/xml'],
      { parseAs: 'string', bodyLimit: MAX_RECORD_BYTES },
      (_request, body, next) => next(null, body),
    );
    // Attachments are read from the raw request as a stream, never parsed or buffered.
    scope.addContentTypeParser('*', (_request, _payload, next) => next(null));

    scope.post<{ Params: { conversationId: string }; Body: unknown }>(
      '/transfers/:conversationId/record',
      (request, reply) => {
        const { conversationId } = request.params;
        if (!CONVERSATION_ID.test(conversationId))
          return fail(reply, 400, 'INVALID_CONVERSATION_ID', 'The conversation id must be a UUID');
        if (typeof request.body !== 'string')
          return fail(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the record as application/xml');
        let incoming: IncomingRecord;
        try {
          incoming = readIncomingRecord(request.body, practice, options.registrationDate());
        } catch (err) {
          if (err instanceof IncomingRecordError) return fail(reply, 400, 'INVALID_RECORD', err.message);
          throw err;
        }
        const earlier = transfers.get(conversationId);
        if (earlier) {
          if (earlier.incoming.patient.demographics.nhsNumber !== incoming.patient.demographics.nhsNumber)
            return fail(reply, 409, 'CONVERSATION_IN_USE', 'This conversation id carries another patient');
          return send(reply, 200, renderReceipt(earlier));
        }
        const transfer: Transfer = { conversationId, incoming, status: 'receiving', received: new Map() };
        transfers.set(conversationId, transfer);
        settle(transfer);
        return send(reply, 201, renderReceipt(transfer));
      },
    );

    scope.put<{ Params: { conversationId: string; attachmentId: string } }>(
      '/transfers/:conversationId/attachments/:attachmentId',
      async (request, reply) => {
        const { conversationId, attachmentId } = request.params;
        const transfer = transfers.get(conversationId);
        if (!transfer) return fail(reply, 404, 'NO_SUCH_TRANSFER', 'Send the record before its attachments');
        const expected = transfer.incoming.attachments.find((a) => a.id === attachmentId);
        if (!expected) return fail(reply, 404, 'NO_SUCH_ATTACHMENT', 'The record does not announce this attachment');
        if (transfer.received.has(attachmentId) || transfer.status !== 'receiving')
          return send(reply, 200, renderReceipt(transfer));
        const path = await store.attachmentPath(`${conversationId}-${attachmentId}`);
        let size = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, next) {
            size += chunk.length;
            next(size > MAX_ATTACHMENT_BYTES ? new RangeError('too large') : null, chunk);
          },
        });
        try {
          await pipeline(request.raw, counter, createWriteStream(`${path}.part`));
        } catch (err) {
          await rm(`${path}.part`, { force: true });
          if (err instanceof RangeError)
            return fail(reply, 413, 'ATTACHMENT_TOO_LARGE', `Attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`);
          throw err;
        }
        if (expected.length !== undefined && expected.length !== size) {
          await rm(`${path}.part`, { force: true });
          return fail(reply, 400, 'LENGTH_MISMATCH', `Expected ${expected.length} bytes, received ${size}; send again`);
        }
        await rename(`${path}.part`, path);
        // A concurrent repeat of the same upload may have finished first; either copy is the same bytes.
        if (!transfer.received.has(attachmentId)) transfer.received.set(attachmentId, { path, size });
        settle(transfer);
        return send(reply, 200, renderReceipt(transfer));
      },
    );

    scope.get<{ Params: { conversationId: string } }>('/transfers/:conversationId', (request, reply) => {
      const transfer = transfers.get(request.params.conversationId);
      return transfer
        ? send(reply, 200, renderReceipt(transfer))
        : fail(reply, 404, 'NO_SUCH_TRANSFER', 'No transfer with that conversation id');
    });

    scope.post<{ Params: { conversationId: string }; Body: unknown }>(
      '/transfers/:conversationId/decision',
      async (request, reply) => {
        const transfer = transfers.get(request.params.conversationId);
        if (!transfer) return fail(reply, 404, 'NO_SUCH_TRANSFER', 'No transfer with that conversation id');
        const decision = readDecision(request.body);
        if (!decision)
          return fail(reply, 400, 'INVALID_DECISION', 'Send <Decision accept="true|false" reasonCode="NN"/>');
        if (transfer.status === 'receiving')
          return fail(reply, 409, 'TRANSFER_INCOMPLETE', 'Attachments are still missing; send them first');
        if (transfer.status === 'awaiting-acceptance') {
          if (decision.accept) file(transfer);
          else {
            transfer.status = 'rejected';
            transfer.reasonCode = decision.reasonCode;
            await Promise.all([...transfer.received.values()].map((r) => rm(r.path, { force: true })));
          }
        }
        return send(reply, 200, renderReceipt(transfer));
      },
    );
    done();
  });
}

function readDecision(body: unknown): { accept: true } | { accept: false; reasonCode: string } | undefined {
  if (typeof body !== 'string') return undefined;
  const match =
    /^\s*(?:<\?xml[^>]*\?>\s*)?<Decision\s+accept="(true|false)"(?:\s+reasonCode="(\d{2})")?\s*\/>\s*$/.exec(body);
  if (!match) return undefined;
  if (match[1] === 'true') return { accept: true };
  return { accept: false, reasonCode: match[2] ?? '11' };
}

function renderReceipt(t: Transfer): string {
  const w = new XmlWriter();
  w.start('TransferReceipt', {
    conversationId: t.conversationId,
    nhsNumber: t.incoming.patient.demographics.nhsNumber,
    from: t.incoming.from,
    status: t.status,
    reasonCode: t.reasonCode,
  });
  for (const item of t.incoming.items) {
    w.element('Item', {
      ref: item.ref,
      sourceRefs: item.sourceRefs.length > 0 ? item.sourceRefs.join(' ') : undefined,
      outcome: item.outcome,
      note: item.note,
    });
  }
  for (const a of t.incoming.attachments) {
    const got = t.received.get(a.id);
    w.element('Attachment', { id: a.id, document: a.documentId, received: got !== undefined, size: got?.size });
  }
  w.end();
  return w.toString();
}
