/**
 * P30003's inbound GP2GP endpoints: how the system receives a whole record, in its own GP2GP terms. One
 * conversation (the GP2GP ConversationId) carries one record; every step is idempotent per conversation.
 *
 * - `POST /gp2gp/inbound/{conversationId}` with the EHR extract (`RCMR_IN030000UK06`/`UK07`, XML): 202 and the
 *   integration report in state `receiving`; 400 `Error` code `EXTRACT_UNREADABLE` (GP2GP reason 21) when it cannot
 *   be read; a repeat answers the conversation's report and changes nothing
 * - `PUT /gp2gp/inbound/{conversationId}/registration` with a `PatientSummary` (the PDS trace the practice does at
 *   registration; the same document `GET /gp2gp/patients/{nhs}/summary` serves)
 * - `PUT /gp2gp/inbound/{conversationId}/attachments/{documentId}` with the document's raw bytes
 *   (`application/octet-stream`), streamed; `documentId` is the id of the NarrativeStatement that refers to it
 * - `POST /gp2gp/inbound/{conversationId}/file?mode=integrate|hold`: files the record (state `integrated`) or holds
 *   it for a clinician's review (`held`)
 * - `POST /gp2gp/inbound/{conversationId}/accept`, `POST …/reject?reason=NN`: the decision on a held record
 * - `GET /gp2gp/inbound/{conversationId}`: the integration report
 *
 * The integration report (`IntegrationReport`) lists every statement filed, with outcome `integrated`, `degraded`
 * (filed as text with a transfer-degraded code) or `not-integrated`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import type { Gender, Practice } from '../generator/model.js';
import { HL7_CONTENT_TYPE, renderError } from './hl7v3-gp2gp-messages.js';
import { readInboundExtract } from './hl7v3-gp2gp-transfer-reader.js';
import type { InboundConversation, InboundStore, RegistrationDetails } from './hl7v3-gp2gp-transfer-store.js';
import { attr, first, isoOf, kids, parseXml, text } from './hl7v3-gp2gp-transfer-xml.js';
import { Hl7Writer } from './hl7v3-gp2gp-xml.js';

const CONVERSATION_ID = /^[0-9A-Fa-f-]{8,64}$/;
const MAX_EXTRACT_BYTES = 50 * 1024 * 1024;
const MAX_ATTACHMENT_BYTES = 110 * 1024 * 1024;
const GENDERS: Readonly<Record<string, Gender>> = { '1': 'male', '2': 'female', '9': 'other', '0': 'unknown' };

export interface InboundOptions {
  readonly store: InboundStore;
  readonly practice: Practice;
  readonly asOf: string;
}

function renderReport(store: InboundStore, c: InboundConversation): string {
  const w = new Hl7Writer();
  w.wrap(
    'IntegrationReport',
    {
      conversationId: c.id,
      nhsNumber: c.extract.nhsNumber,
      status: c.state,
      ...(c.reason ? { reason: c.reason } : {}),
    },
    () => {
      for (const item of store.itemsOf(c)) {
        w.element('item', {
          id: item.id,
          kind: item.kind,
          outcome: item.outcome,
          ...(item.note ? { note: item.note } : {}),
        });
      }
      for (const id of c.extract.documentIds) {
        w.element('attachment', { id, received: c.attachments.has(id), bytes: c.attachments.get(id)?.byteLength ?? 0 });
      }
    },
  );
  return w.toString();
}

/** Reads the PDS-style registration document; undefined when it lacks what a registration needs. */
function readRegistration(xml: string): RegistrationDetails | undefined {
  const parsed = parseXml(xml);
  if (!parsed.ok) return undefined;
  const s = first(parsed.root, 'PatientSummary');
  const nhsNumber = attr(s, 'nhsNumber');
  const birthDate = isoOf(attr(first(s, 'birthTime'), 'value'));
  const family = text(first(s, 'name', 'family'));
  if (!nhsNumber || !/^\d{10}$/.test(nhsNumber) || !birthDate || !family) return undefined;
  const deceasedDate = isoOf(attr(first(s, 'deceasedTime'), 'value'));
  const addr = first(s, 'addr');
  return {
    nhsNumber,
    name: {
      title: text(first(s, 'name', 'prefix')) ?? '',
      given: kids(first(s, 'name'), 'given')
        .map(text)
        .filter((g): g is string => g !== undefined),
      family,
    },
    gender: GENDERS[attr(first(s, 'administrativeGenderCode'), 'code') ?? '0'] ?? 'unknown',
    birthDate,
    address: {
      lines: kids(addr, 'streetAddressLine')
        .map(text)
        .filter((l): l is string => l !== undefined),
      town: text(first(addr, 'city')) ?? '',
      postcode: text(first(addr, 'postalCode')) ?? '',
    },
    phone: (attr(first(s, 'telecom'), 'value') ?? '').replace(/^tel:/, ''),
    ...(deceasedDate ? { deceasedDate } : {}),
    sensitive: attr(first(s, 'confidentiality'), 'sensitive') === 'true',
    dissent: attr(first(s, 'consent'), 'dissent') === 'true',
  };
}

async function readCapped(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    total += buffer.byteLength;
    if (total > max) {
      stream.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Installs the inbound endpoints on the P30003 system. */
export function installInboundTransfer(app: FastifyInstance, options: InboundOptions): void {
  const { store } = options;
  const error = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply
      .code(status)
      .type(HL7_CONTENT_TYPE)
      .send(renderError(status, code, message));
  const report = (reply: FastifyReply, c: InboundConversation, status = 200) =>
    reply.code(status).type(HL7_CONTENT_TYPE).send(renderReport(store, c));

  type Params = { Params: { conversationId: string } };
  const conversation = (id: string) => store.conversations.get(id.toUpperCase());
  const badId = (reply: FastifyReply) =>
    error(reply, 400, 'INVALID_CONVERSATION_ID', 'The conversation id must be the GP2GP ConversationId (a UUID)');

  app.post<Params & { Body: unknown }>(
    '/gp2gp/inbound/:conversationId',
    { bodyLimit: MAX_EXTRACT_BYTES },
    (request, reply) => {
      const id = request.params.conversationId;
      if (!CONVERSATION_ID.test(id)) return badId(reply);
      const known = conversation(id);
      if (known) return report(reply, known, known.state === 'receiving' ? 202 : 200);
      if (typeof request.body !== 'string') {
        return error(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the EHR extract as application/xml');
      }
      const read = readInboundExtract(request.body, {
        clinician: options.practice.clinicians[0]!.sdsUserId,
        asOf: options.asOf,
      });
      if (!read.ok) return error(reply, 400, 'EXTRACT_UNREADABLE', `GP2GP reason 21: ${read.reason}`);
      const created: InboundConversation = {
        id: id.toUpperCase(),
        extract: read.extract,
        attachments: new Map(),
        state: 'receiving',
      };
      store.conversations.set(created.id, created);
      return report(reply, created, 202);
    },
  );

  app.put<Params & { Body: unknown }>('/gp2gp/inbound/:conversationId/registration', (request, reply) => {
    const c = conversation(request.params.conversationId);
    if (!c) return error(reply, 404, 'NO_SUCH_CONVERSATION', 'Send the EHR extract for this conversation first');
    const details = typeof request.body === 'string' ? readRegistration(request.body) : undefined;
    if (!details)
      return error(reply, 400, 'INVALID_REGISTRATION', 'Send a PatientSummary with NHS number, name and birth date');
    if (details.nhsNumber !== c.extract.nhsNumber) {
      return error(
        reply,
        409,
        'WRONG_PATIENT',
        'GP2GP reason 28: the registration is for another patient than the extract',
      );
    }
    if (c.state === 'receiving') c.registration = details;
    return report(reply, c);
  });

  // Attachments arrive as raw bytes, read as they stream by the handler; only this route accepts them.
  void app.register((scope, _opts, done) => {
    scope.addContentTypeParser('application/octet-stream', (_request, payload, next) => next(null, payload));
    scope.put<Params & { Params: { documentId: string }; Body: unknown }>(
      '/gp2gp/inbound/:conversationId/attachments/:documentId',
      async (request, reply) => {
        const c = conversation(request.params.conversationId);
        const body = request.body as Readable | undefined;
        if (!c) {
          body?.resume();
          return error(reply, 404, 'NO_SUCH_CONVERSATION', 'Send the EHR extract for this conversation first');
        }
        if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
          return error(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the attachment as application/octet-stream');
        }
        const { documentId } = request.params;
        const content = await readCapped(body, MAX_ATTACHMENT_BYTES);
        if (!content)
          return error(
            reply,
            413,
            'ATTACHMENT_TOO_LARGE',
            `Attachments are accepted up to ${MAX_ATTACHMENT_BYTES} bytes`,
          );
        // Once filed or decided, a repeated upload changes nothing (GP2GP duplicate elimination).
        if (c.state === 'receiving') c.attachments.set(documentId, content);
        return report(reply, c);
      },
    );
    done();
  });

  app.post<Params & { Querystring: { mode?: string } }>('/gp2gp/inbound/:conversationId/file', (request, reply) => {
    const c = conversation(request.params.conversationId);
    if (!c) return error(reply, 404, 'NO_SUCH_CONVERSATION', 'Send the EHR extract for this conversation first');
    const mode = request.query.mode ?? 'integrate';
    if (mode !== 'integrate' && mode !== 'hold') return error(reply, 400, 'INVALID_MODE', 'mode is integrate or hold');
    if (c.state !== 'receiving') return report(reply, c);
    if (!c.registration) {
      return error(reply, 409, 'NOT_REGISTERED', 'PUT the registration (PatientSummary) before filing the record');
    }
    if (mode === 'hold') c.state = 'held';
    else store.file(c);
    return report(reply, c);
  });

  app.post<Params>('/gp2gp/inbound/:conversationId/accept', (request, reply) => {
    const c = conversation(request.params.conversationId);
    if (!c) return error(reply, 404, 'NO_SUCH_CONVERSATION', 'No record was received in this conversation');
    if (c.state === 'held') store.file(c);
    if (c.state === 'receiving')
      return error(reply, 409, 'NOT_HELD', 'File the record (mode hold) before accepting it');
    return report(reply, c);
  });

  app.post<Params & { Querystring: { reason?: string } }>('/gp2gp/inbound/:conversationId/reject', (request, reply) => {
    const c = conversation(request.params.conversationId);
    if (!c) return error(reply, 404, 'NO_SUCH_CONVERSATION', 'No record was received in this conversation');
    if (c.state === 'receiving')
      return error(reply, 409, 'NOT_HELD', 'File the record (mode hold) before rejecting it');
    if (c.state === 'held') {
      c.state = 'rejected';
      c.reason = /^\d{2}$/.test(request.query.reason ?? '') ? request.query.reason! : '11';
      // A rejected record is discarded: only the decision is kept, to answer repeats.
      c.attachments.clear();
    }
    return report(reply, c);
  });

  app.get<Params>('/gp2gp/inbound/:conversationId', (request, reply) => {
    const c = conversation(request.params.conversationId);
    if (!c) return error(reply, 404, 'NO_SUCH_CONVERSATION', 'No record was received in this conversation');
    return report(reply, c);
  });
}
