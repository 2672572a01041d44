/**
 * P20002's record-transfer API (the vendor's own design, under `/api/v2/transfers`): a whole record arrives for a
 * patient, keyed by the GP2GP conversation id, its documents follow as separate streamed uploads, and the practice
 * files it straight away or holds it for a clinician to accept or reject. Every call is idempotent per conversation:
 * a repeated delivery files nothing twice. Sending needs no extra endpoint: the record is read through the normal
 * patient, journal and document endpoints, and exporting does not change the store.
 *
 * - `GET /api/v2/transfers/{conversationId}`: the transfer's state and filing report; 404 when unknown
 * - `PUT /api/v2/transfers/{conversationId}`: the transfer document (JSON); 201 when new, 200 when already known
 * - `PUT /api/v2/transfers/{conversationId}/attachments/{documentId}`: a document's raw bytes, streamed to disk
 * - `POST /api/v2/transfers/{conversationId}/filing` `{ mode: "file" | "hold" }`: files or holds the record
 * - `POST /api/v2/transfers/{conversationId}/decision` `{ accept: true }` | `{ accept: false, reasonCode }`
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Practice } from '../generator/model.js';
import { JSON_CONTENT_TYPE, renderError } from './json-ctv3-render.js';
import {
  expectedAttachments,
  fileSubmission,
  submissionProblems,
  type ExpectedAttachment,
  type Filing,
  type FilingItem,
} from './json-ctv3-transfer-filing.js';
import type { JsonCtv3TransferStore } from './json-ctv3-transfer-store.js';

type Json = Record<string, unknown>;

/** GP2GP allows 100 MB per attachment. */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
/** The transfer document is read whole; a large record's journal is a few MB. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const CONVERSATION_ID = /^[A-Za-z0-9-]{1,64}$/;
const REASON_CODE = /^\d{2}$/;
/** GP2GP reason code 28: non-A-B-A extract rejected, wrong record or wrong patient. */
const WRONG_PATIENT = '28';

type Status = 'receiving' | 'held' | 'filed' | 'rejected';

interface Conversation {
  readonly conversationId: string;
  readonly nhsNumber: string;
  readonly body: Json;
  readonly attachments: ExpectedAttachment[];
  status: Status;
  mode?: 'file' | 'hold';
  filing?: Filing;
  items: FilingItem[];
  reasonCode?: string;
  patientId?: string;
}

export interface TransferRoutesOptions {
  readonly practice: Practice;
  readonly store: JsonCtv3TransferStore;
}

function view(c: Conversation): Json {
  return {
    conversationId: c.conversationId,
    nhsNumber: c.nhsNumber,
    status: c.status,
    ...(c.mode ? { mode: c.mode } : {}),
    ...(c.patientId ? { patientId: c.patientId } : {}),
    ...(c.reasonCode ? { reasonCode: c.reasonCode } : {}),
    attachments: c.attachments.map((a) => ({
      documentId: a.documentId,
      received: a.received !== undefined,
      ...(a.received ? { sizeBytes: a.received.size } : {}),
    })),
    items: c.items,
    // What the sender said it could not put in this system's format, kept for its integration report.
    unfiled: Array.isArray(c.body.unfiled) ? c.body.unfiled : [],
  };
}

/** Counts the bytes going through and fails past `max`, so an upload is never stored beyond the limit. */
function capped(max: number): Transform & { bytes: () => number } {
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > max) callback(Object.assign(new Error('too large'), { code: 'TOO_LARGE' }));
      else callback(null, chunk);
    },
  });
  return Object.assign(transform, { bytes: () => bytes });
}

/** Adds the transfer routes to a P20002 system. */
export function installTransferRoutes(app: FastifyInstance, options: TransferRoutesOptions): void {
  const { practice, store } = options;
  const conversations = new Map<string, Conversation>();

  const fail = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply
      .code(status)
      .type(JSON_CONTENT_TYPE)
      .send(renderError(status, code, message));
  const answer = (reply: FastifyReply, c: Conversation, status = 200) =>
    reply.code(status).type(JSON_CONTENT_TYPE).send(view(c));

  const file = (c: Conversation, filing: Filing) => {
    store.file(filing.patient, filing.documents);
    c.status = 'filed';
    c.patientId = filing.patient.id;
    c.filing = undefined;
  };
  const discard = async (c: Conversation) => {
    for (const a of c.attachments) if (a.received) await store.discard(a.received.path);
  };

  app.addHook('onClose', () => store.close());

  app.get<{ Params: { cid: string } }>('/api/v2/transfers/:cid', (request, reply) => {
    const c = conversations.get(request.params.cid);
    if (!c) return fail(reply, 404, 'TRANSFER_NOT_FOUND', 'No transfer with that conversation id; PUT its record');
    return answer(reply, c);
  });

  app.put<{ Params: { cid: string }; Body: unknown }>(
    '/api/v2/transfers/:cid',
    { bodyLimit: MAX_DOCUMENT_BYTES },
    (request, reply) => {
      const { cid } = request.params;
      if (!CONVERSATION_ID.test(cid))
        return fail(reply, 400, 'INVALID_CONVERSATION_ID', 'The conversation id must be a UUID');
      const body = request.body as Json | undefined;
      const nhsNumber = body?.nhsNumber;
      if (typeof nhsNumber !== 'string' || !/^\d{10}$/.test(nhsNumber))
        return fail(reply, 400, 'INVALID_NHS_NUMBER', 'nhsNumber (10 digits) names the patient of the transfer');
      const earlier = conversations.get(cid);
      if (earlier) {
        if (earlier.nhsNumber !== nhsNumber)
          return fail(reply, 409, 'CONVERSATION_IN_USE', 'This conversation id carries another patient');
        return answer(reply, earlier);
      }
      const problems = submissionProblems(body);
      if (problems.length > 0) return fail(reply, 400, 'INVALID_TRANSFER', problems.slice(0, 5).join('; '));
      const record = body as Json;
      const conversation: Conversation = {
        conversationId: cid,
        nhsNumber,
        body: record,
        attachments: expectedAttachments(record),
        status: 'receiving',
        items: [],
      };
      if ((record.patient as Json).nhsNumber !== nhsNumber) {
        conversation.status = 'rejected';
        conversation.reasonCode = WRONG_PATIENT;
      }
      conversations.set(cid, conversation);
      return answer(reply, conversation, 201);
    },
  );

  // Document content is raw bytes of any type, streamed to disk as it arrives: no parser may buffer it.
  void app.register((scope: FastifyInstance, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload));
    scope.put<{ Params: { cid: string; documentId: string } }>(
      '/api/v2/transfers/:cid/attachments/:documentId',
      async (request, reply) => {
        const payload = (request.body ?? request.raw) as IncomingMessage;
        const c = conversations.get(request.params.cid);
        const attachment = c?.attachments.find((a) => a.documentId === request.params.documentId);
        if (!c || !attachment) {
          payload.resume();
          return fail(reply, 404, 'ATTACHMENT_NOT_EXPECTED', 'PUT the transfer record first; it lists its documents');
        }
        if (attachment.received || c.status !== 'receiving') {
          // A repeated upload: the first copy stands.
          payload.resume();
          return answer(reply, c);
        }
        const path = await store.newFilePath();
        const counter = capped(MAX_ATTACHMENT_BYTES);
        try {
          await pipeline(payload, counter, createWriteStream(path));
        } catch (err) {
          await store.discard(path);
          if ((err as { code?: string }).code === 'TOO_LARGE') {
            payload.resume();
            return fail(reply, 413, 'ATTACHMENT_TOO_LARGE', `A document may be at most ${MAX_ATTACHMENT_BYTES} bytes`);
          }
          throw err;
        }
        // Two uploads of the same document may race; the first to finish stands.
        if (attachment.received || c.status !== 'receiving') await store.discard(path);
        else attachment.received = { path, size: counter.bytes() };
        return answer(reply, c);
      },
    );
    done();
  });

  app.post<{ Params: { cid: string }; Body: { mode?: unknown } | undefined }>(
    '/api/v2/transfers/:cid/filing',
    (request, reply) => {
      const c = conversations.get(request.params.cid);
      if (!c) return fail(reply, 404, 'TRANSFER_NOT_FOUND', 'No transfer with that conversation id; PUT its record');
      const mode = request.body?.mode;
      if (mode !== 'file' && mode !== 'hold')
        return fail(reply, 400, 'INVALID_MODE', 'mode is "file" (file now) or "hold" (await acceptance)');
      if (c.status !== 'receiving') return answer(reply, c);
      const filing = fileSubmission({
        body: c.body,
        patientId: randomUUID(),
        practice,
        registeredOn: new Date().toISOString().slice(0, 10),
        attachments: c.attachments,
      });
      c.items = filing.items;
      c.mode = mode;
      if (mode === 'file') file(c, filing);
      else {
        c.status = 'held';
        c.filing = filing;
      }
      return answer(reply, c);
    },
  );

  app.post<{ Params: { cid: string }; Body: { accept?: unknown; reasonCode?: unknown } | undefined }>(
    '/api/v2/transfers/:cid/decision',
    async (request, reply) => {
      const c = conversations.get(request.params.cid);
      if (!c) return fail(reply, 404, 'TRANSFER_NOT_FOUND', 'No transfer with that conversation id');
      const accept = request.body?.accept;
      const reasonCode = request.body?.reasonCode;
      if (accept !== true && accept !== false)
        return fail(reply, 400, 'INVALID_DECISION', 'accept is true (file the record) or false (discard it)');
      if (accept === false && (typeof reasonCode !== 'string' || !REASON_CODE.test(reasonCode)))
        return fail(reply, 400, 'INVALID_REASON', 'A rejection needs a two-digit GP2GP reasonCode');
      if (c.status === 'held') {
        if (accept && c.filing) file(c, c.filing);
        else {
          c.status = 'rejected';
          c.reasonCode = reasonCode as string;
          c.filing = undefined;
          await discard(c);
        }
        return answer(reply, c);
      }
      // A repeated decision gets the same answer; a contrary one is refused.
      if ((accept && c.status === 'filed') || (!accept && c.status === 'rejected')) return answer(reply, c);
      return fail(reply, 409, 'NOT_AWAITING_DECISION', `The transfer is ${c.status}, not held for a decision`);
    },
  );
}
