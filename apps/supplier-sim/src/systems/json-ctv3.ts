import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { installFaults } from '../faults.js';
import { BOOT_TAG, notModified } from './conditional.js';
import { documentContent } from '../generator/documents.js';
import type { SyntheticDataset } from '../generator/generate.js';
import type { SyntheticPatient } from '../generator/model.js';
import { practiceProfile } from '../generator/practices.js';
import {
  JSON_CONTENT_TYPE,
  journalEvents,
  renderError,
  renderHealth,
  renderJournalPage,
  renderPatient,
  renderSearchResult,
  type JournalEvent,
} from './json-ctv3-render.js';
import { installTransferRoutes } from './json-ctv3-transfer.js';
import { JsonCtv3TransferStore } from './json-ctv3-transfer-store.js';

export interface JsonCtv3SystemOptions {
  readonly dataset: SyntheticDataset;
  /** The practice this system serves (default P20002). */
  readonly ods?: string;
}

const NHS_NUMBER = /^\d{10}$/;
/** Events per journal page when the client does not say; clients may ask for up to {@link MAX_PAGE}. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

interface Cursor {
  readonly patientId: string;
  readonly offset: number;
}

/** Opaque to clients, but bound to the patient so a cursor cannot be replayed against another record. */
function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ p: cursor.patientId, o: cursor.offset })).toString('base64url');
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { p?: unknown; o?: unknown };
    if (typeof parsed.p !== 'string' || typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0)
      return undefined;
    return { patientId: parsed.p, offset: parsed.o };
  } catch {
    return undefined;
  }
}

/**
 * The P20002 supplier system: a vendor's JSON API, CTV3 coded.
 *
 * - `GET /health`
 * - `GET /api/v2/patients?nhsNumber=N`: 200 `{ total, results: [patient…] }`, possibly empty; 400 for a bad number
 * - `GET /api/v2/patients/{id}` (the system's own patient id): 200 `{ patient, registration, consent, flags }`
 * - `GET /api/v2/patients/{id}/journal?limit=L&cursor=C`: one page of the clinical journal, with `next` (a cursor,
 *   or null on the last page)
 * - the search by NHS number and each journal page carry an `ETag` (the patient's stored version) and answer
 *   `304 Not Modified` to a matching `If-None-Match`
 * - `GET /api/v2/documents/{id}`: the document's bytes
 * - `/api/v2/transfers/…`: GP2GP record transfers in (json-ctv3-transfer.ts); a transferred-in patient is then
 *   served by the endpoints above like any other
 *
 * Errors are `{ error: { status, code, message } }`; fault injection as in faults.ts.
 */
export function createJsonCtv3System(options: JsonCtv3SystemOptions): FastifyInstance {
  const { dataset } = options;
  const practice = practiceProfile(options.ods ?? 'P20002');
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const extractedAt = `${dataset.asOf}T00:00:00Z`;
  const byId = new Map(dataset.patientsOf(practice.ods).map((p) => [p.sourceId, p]));
  // Journals are derived from immutable records, so each is built once, on first request.
  const journals = new Map<string, JournalEvent[]>();
  const transfers = new JsonCtv3TransferStore();
  const journalOf = (patient: SyntheticPatient): JournalEvent[] => {
    let events = journals.get(patient.sourceId);
    if (!events) {
      events = journalEvents(patient);
      journals.set(patient.sourceId, events);
    }
    return events;
  };

  /** The ETag of a patient's answers: generated patients never change; a filed one changes each time it is filed. */
  const versionTag = (patientId: string, part = '') =>
    `"${BOOT_TAG}.${patientId}.${transfers.versionOf(patientId) ?? 0}${part ? `.${part}` : ''}"`;
  const fail = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply
      .code(status)
      .type(JSON_CONTENT_TYPE)
      .send(renderError(status, code, message));

  installFaults(app, {
    seed: dataset.seed,
    failureBody: (status, message) => ({
      contentType: JSON_CONTENT_TYPE,
      body: JSON.stringify(renderError(status, 'SIMULATED_FAILURE', message)),
    }),
  });

  app.setNotFoundHandler((request, reply) =>
    fail(reply, 404, 'NO_SUCH_RESOURCE', `No resource at ${request.method} ${request.url}`),
  );
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return fail(reply, status, status === 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', err.message);
  });

  app.get('/health', (_request, reply) =>
    reply.type(JSON_CONTENT_TYPE).send(renderHealth(practice.ods, byId.size + transfers.size)),
  );

  installTransferRoutes(app, { practice, store: transfers });

  app.get<{ Querystring: { nhsNumber?: string } }>('/api/v2/patients', (request, reply) => {
    const { nhsNumber } = request.query;
    if (nhsNumber === undefined) return fail(reply, 400, 'MISSING_PARAMETER', 'Search by nhsNumber');
    if (!NHS_NUMBER.test(nhsNumber)) return fail(reply, 400, 'INVALID_NHS_NUMBER', 'nhsNumber must be 10 digits');
    // A patient transferred in shadows the generated one of the same NHS number.
    const transferred = transfers.patientByNhsNumber(nhsNumber);
    if (transferred) {
      if (notModified(request.headers['if-none-match'], versionTag(transferred.id), reply)) return reply.send();
      return reply.type(JSON_CONTENT_TYPE).send({ total: 1, results: [transferred.resource] });
    }
    const found = dataset.findPatient(practice.ods, nhsNumber);
    if (found && notModified(request.headers['if-none-match'], versionTag(found.sourceId), reply)) return reply.send();
    return reply.type(JSON_CONTENT_TYPE).send(renderSearchResult(found ? [found] : [], practice));
  });

  app.get<{ Params: { id: string } }>('/api/v2/patients/:id', (request, reply) => {
    const transferred = transfers.patient(request.params.id);
    if (transferred) return reply.type(JSON_CONTENT_TYPE).send(transferred.resource);
    const patient = byId.get(request.params.id);
    if (!patient) return fail(reply, 404, 'PATIENT_NOT_FOUND', 'No patient with that id is registered here');
    return reply.type(JSON_CONTENT_TYPE).send(renderPatient(patient, practice));
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>(
    '/api/v2/patients/:id/journal',
    (request, reply) => {
      const transferred = transfers.patient(request.params.id);
      const generated = transferred ? undefined : byId.get(request.params.id);
      const patient = transferred
        ? { id: transferred.id, nhsNumber: transferred.nhsNumber, events: transferred.events, staff: transferred.staff }
        : generated && {
            id: generated.sourceId,
            nhsNumber: generated.demographics.nhsNumber,
            events: journalOf(generated),
            staff: [],
          };
      if (!patient) return fail(reply, 404, 'PATIENT_NOT_FOUND', 'No patient with that id is registered here');
      const { limit: limitText, cursor: cursorText } = request.query;
      const limit = limitText === undefined ? DEFAULT_PAGE : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        return fail(reply, 400, 'INVALID_LIMIT', `limit must be a whole number from 1 to ${MAX_PAGE}`);
      let offset = 0;
      if (cursorText !== undefined) {
        const cursor = decodeCursor(cursorText);
        if (!cursor || cursor.patientId !== patient.id)
          return fail(reply, 400, 'INVALID_CURSOR', 'Use the next cursor of a previous page of this journal');
        offset = cursor.offset;
      }
      const etag = versionTag(patient.id, `${offset}.${limit}`);
      if (notModified(request.headers['if-none-match'], etag, reply)) return reply.send();
      const { events } = patient;
      const end = offset + limit;
      const page = {
        events: events.slice(offset, end),
        total: events.length,
        next: end < events.length ? encodeCursor({ patientId: patient.id, offset: end }) : null,
      };
      return reply.type(JSON_CONTENT_TYPE).send(renderJournalPage(patient, practice, page, extractedAt, patient.staff));
    },
  );

  app.get<{ Params: { id: string } }>('/api/v2/documents/:id', (request, reply) => {
    const stored = transfers.document(request.params.id);
    if (stored)
      return reply.type(stored.contentType).header('content-length', stored.size).send(transfers.openDocument(stored));
    const found = dataset.findDocument(practice.ods, request.params.id);
    if (!found) return fail(reply, 404, 'DOCUMENT_NOT_FOUND', 'No document with that id');
    return reply.type(found.document.contentType).send(documentContent(found.document, found.patient));
  });

  return app;
}
