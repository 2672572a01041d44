/**
 * P40004's GP2GP receiving side, in its own FHIR STU3 style (operations on Patient, Binary uploads), keyed by the
 * GP2GP conversation id (header `X-GP2GP-ConversationId` on uploads, parameter `conversationId` on operations):
 *
 * - `PUT /Binary/{id}`: one attachment of the record, raw bytes streamed to disk (Content-Type: its MIME type;
 *   optional `Content-Disposition: attachment; filename="…"`). Send them before the record, so the record's
 *   DocumentReferences (attachment url `Binary/{id}`) find them.
 * - `POST /Patient/$gp2gp.import`: STU3 Parameters `conversationId`, `patientNHSNumber`, `fromOds`, `mode`
 *   (`integrate` | `hold`), `record` (an STU3 collection Bundle; the Patient's S-flag is its `meta.security` R label)
 *   and `consent` (a Consent, `policyRule` opt-in or opt-out: the patient's sharing decision, which is kept). Files or holds the record and answers Parameters
 *   `status` (integrated | awaiting-acceptance | rejected), `reasonCode`, and one `item` per clinical item and
 *   attachment (`sourceId`, `outcome` integrated | degraded | not-integrated, `note`).
 * - `POST /Patient/$gp2gp.decision`: Parameters `conversationId`, `accept` (boolean), `reasonCode`: files or
 *   discards a held record; answers as above.
 *
 * A repeated upload, import or decision of a conversation changes nothing and gets the first answer.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OPT_IN, OPT_OUT, type Json } from './fhir-stu3-common.js';
import {
  AttachmentTooLarge,
  ImportRefusal,
  MAX_ATTACHMENT_BYTES,
  type FhirStu3TransferStore,
  type ImportAnswer,
} from './fhir-stu3-transfer-store.js';

export const CONVERSATION_HEADER = 'x-gp2gp-conversationid';

/** A whole record travels in one request; attachments do not (they are uploaded as Binaries). */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

type Reply = (reply: FastifyReply, status: number, body: Json) => FastifyReply;
type ErrorReply = (reply: FastifyReply, status: number, code: string, issue: string, message: string) => FastifyReply;

export interface TransferRoutesOptions {
  readonly store: FhirStu3TransferStore;
  readonly fhir: Reply;
  readonly error: ErrorReply;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parameters(body: unknown): Map<string, Json> | undefined {
  if (!isObject(body) || body['resourceType'] !== 'Parameters' || !Array.isArray(body['parameter'])) return undefined;
  return new Map(body['parameter'].filter(isObject).map((p) => [String(p['name']), p]));
}

function stringParam(params: Map<string, Json>, name: string): string | undefined {
  const p = params.get(name);
  const value = p?.['valueString'] ?? p?.['valueCode'] ?? p?.['valueId'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function answerParameters(answer: ImportAnswer): Json {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'status', valueCode: answer.status },
      ...(answer.reasonCode ? [{ name: 'reasonCode', valueString: answer.reasonCode }] : []),
      ...answer.items.map((i) => ({
        name: 'item',
        part: [
          { name: 'sourceId', valueString: i.sourceId },
          { name: 'outcome', valueCode: i.outcome },
          ...(i.note ? [{ name: 'note', valueString: i.note }] : []),
        ],
      })),
    ],
  };
}

function filenameOf(disposition: string | undefined): string | undefined {
  const match = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return match?.[1];
}

export function installTransferRoutes(app: FastifyInstance, options: TransferRoutesOptions): void {
  const { store, fhir, error } = options;

  app.register((uploads, _options, done) => {
    // Attachments are streamed to disk as they arrive, whatever their type: never parsed, never buffered whole.
    uploads.removeAllContentTypeParsers();
    uploads.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    uploads.put<{ Params: { id: string } }>('/Binary/:id', async (request, reply) => {
      const conversationId = request.headers[CONVERSATION_HEADER];
      if (typeof conversationId !== 'string' || conversationId === '') {
        return error(
          reply,
          400,
          'BAD_REQUEST',
          'required',
          `Send the GP2GP conversation id in ${CONVERSATION_HEADER}.`,
        );
      }
      const body = request.body as Readable | undefined;
      if (!body) return error(reply, 400, 'BAD_REQUEST', 'required', 'Send the attachment bytes as the request body.');
      const contentType = request.headers['content-type'] ?? 'application/octet-stream';
      const filename = filenameOf(request.headers['content-disposition']);
      let stored: boolean;
      try {
        stored = await store.stage(
          conversationId,
          request.params.id,
          { contentType, ...(filename ? { filename } : {}) },
          body,
        );
      } catch (err) {
        if (!(err instanceof AttachmentTooLarge)) throw err;
        return error(
          reply,
          413,
          'BAD_REQUEST',
          'too-costly',
          `GP2GP allows ${MAX_ATTACHMENT_BYTES} bytes per attachment.`,
        );
      }
      return fhir(reply, stored ? 201 : 200, { resourceType: 'Binary', id: request.params.id, contentType });
    });
    done();
  });

  app.post('/Patient/$gp2gp.import', { bodyLimit: MAX_RECORD_BYTES }, (request, reply) => {
    const params = parameters(request.body);
    if (!params) return error(reply, 422, 'INVALID_RESOURCE', 'invalid', 'Send an STU3 Parameters resource.');
    const conversationId = stringParam(params, 'conversationId');
    const identifier = params.get('patientNHSNumber')?.['valueIdentifier'];
    const nhsNumber = isObject(identifier) && typeof identifier['value'] === 'string' ? identifier['value'] : undefined;
    const mode = stringParam(params, 'mode');
    const bundle = params.get('record')?.['resource'];
    const consent = params.get('consent')?.['resource'];
    const policyRule = isObject(consent) && consent['resourceType'] === 'Consent' ? consent['policyRule'] : undefined;
    if (
      !conversationId ||
      !nhsNumber ||
      (mode !== 'integrate' && mode !== 'hold') ||
      !isObject(bundle) ||
      (policyRule !== OPT_IN && policyRule !== OPT_OUT)
    ) {
      return error(
        reply,
        422,
        'INVALID_PARAMETER',
        'invalid',
        'Send conversationId, patientNHSNumber, mode (integrate or hold), record (a Bundle) and consent ' +
          "(a Consent whose policyRule is opt-in or opt-out: the patient's sharing decision).",
      );
    }
    try {
      const answer = store.receive({
        conversationId,
        nhsNumber,
        mode,
        fromOds: stringParam(params, 'fromOds') ?? 'unknown',
        bundle,
        dissent: policyRule === OPT_OUT,
      });
      return fhir(reply, 200, answerParameters(answer));
    } catch (err) {
      if (!(err instanceof ImportRefusal)) throw err;
      return fhir(reply, 200, answerParameters({ status: 'rejected', reasonCode: err.code, items: [] }));
    }
  });

  app.post('/Patient/$gp2gp.decision', async (request, reply) => {
    const params = parameters(request.body);
    const conversationId = params && stringParam(params, 'conversationId');
    const accept = params?.get('accept')?.['valueBoolean'];
    if (!params || !conversationId || typeof accept !== 'boolean') {
      return error(reply, 422, 'INVALID_PARAMETER', 'invalid', 'Send conversationId and accept (boolean).');
    }
    const answer = await store.decide(conversationId, accept, stringParam(params, 'reasonCode') ?? '11');
    if (!answer) {
      return error(reply, 404, 'NO_RECORD_FOUND', 'not-found', 'No record of that conversation is held here.');
    }
    return fhir(reply, 200, answerParameters(answer));
  });
}
