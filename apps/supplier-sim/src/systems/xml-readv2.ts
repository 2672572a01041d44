import { createReadStream } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { installFaults } from '../faults.js';
import { notModified } from './conditional.js';
import { documentContent } from '../generator/documents.js';
import type { SyntheticDataset } from '../generator/generate.js';
import { practiceProfile } from '../generator/practices.js';
import {
  renderError,
  renderHealth,
  renderPatient,
  renderRecord,
  renderSearchResult,
  XML_CONTENT_TYPE,
} from './xml-readv2-render.js';
import { installTransferRoutes } from './xml-readv2-transfer.js';
import { XmlReadV2Store } from './xml-readv2-transfer-store.js';

export interface XmlReadV2SystemOptions {
  readonly dataset: SyntheticDataset;
  /** The practice this system serves (default P10001). */
  readonly ods?: string;
}

const NHS_NUMBER = /^\d{10}$/;

/**
 * The P10001 supplier system: XML over REST, Read v2 coded.
 *
 * - `GET /health`
 * - `GET /patients?nhsNumber=N` (or `?id=<patient id>`): 200 with a `<PatientSearchResult>`, possibly empty
 * - `GET /patients/{nhsNumber}`: 200 `<Patient>`, 404 when unknown
 * - `GET /patients/{nhsNumber}/record`: 200 `<ClinicalRecord>`, 404 when unknown
 * - `GET /documents/{id}`: the document's bytes, 404 when unknown
 * - the search by NHS number and the record carry an `ETag` (the patient's stored version) and answer
 *   `304 Not Modified` to a matching `If-None-Match`, as systems that support conditional reads do
 * - GP2GP transfers in (see xml-readv2-transfer.ts): a transferred patient is filed in this system's own store and
 *   served by the endpoints above like any other
 *
 * plus fault injection (see faults.ts).
 */
export function createXmlReadV2System(options: XmlReadV2SystemOptions): FastifyInstance {
  const { dataset } = options;
  const practice = practiceProfile(options.ods ?? 'P10001');
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const store = new XmlReadV2Store(dataset, practice.ods);
  app.addHook('onClose', () => store.close());

  const xml = (status: number, body: string) => ({ status, body });
  const error = (status: number, code: string, message: string) => xml(status, renderError(status, code, message));

  installFaults(app, {
    seed: dataset.seed,
    failureBody: (status, message) => ({
      contentType: XML_CONTENT_TYPE,
      body: renderError(status, 'SIMULATED_FAILURE', message),
    }),
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(XML_CONTENT_TYPE)
      .send(renderError(404, 'NO_SUCH_RESOURCE', `No resource at ${request.method} ${request.url}`)),
  );
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply
      .code(status)
      .type(XML_CONTENT_TYPE)
      .send(renderError(status, status === 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', err.message));
  });

  app.get('/health', (_request, reply) =>
    reply.type(XML_CONTENT_TYPE).send(renderHealth(practice.ods, store.patients().length)),
  );

  app.get<{ Querystring: { nhsNumber?: string; id?: string } }>('/patients', (request, reply) => {
    const { nhsNumber, id } = request.query;
    let answer: { status: number; body: string };
    if (nhsNumber !== undefined) {
      if (!NHS_NUMBER.test(nhsNumber)) answer = error(400, 'INVALID_NHS_NUMBER', 'nhsNumber must be 10 digits');
      else {
        const found = store.findPatient(nhsNumber);
        if (found && notModified(request.headers['if-none-match'], `"${found.version}"`, reply)) return reply.send();
        answer = xml(200, renderSearchResult(found ? [found.patient] : [], practice));
      }
    } else if (id !== undefined) {
      answer = xml(
        200,
        renderSearchResult(
          store.patients().filter((p) => p.sourceId === id),
          practice,
        ),
      );
    } else {
      answer = error(400, 'MISSING_PARAMETER', 'Search by nhsNumber or id');
    }
    return reply.code(answer.status).type(XML_CONTENT_TYPE).send(answer.body);
  });

  app.get<{ Params: { nhsNumber: string } }>('/patients/:nhsNumber', (request, reply) => {
    const found = store.findPatient(request.params.nhsNumber);
    const answer = found
      ? xml(200, renderPatient(found.patient, practice))
      : error(404, 'PATIENT_NOT_FOUND', 'No patient with that NHS number is registered here');
    return reply.code(answer.status).type(XML_CONTENT_TYPE).send(answer.body);
  });

  app.get<{ Params: { nhsNumber: string } }>('/patients/:nhsNumber/record', (request, reply) => {
    const found = store.findPatient(request.params.nhsNumber);
    if (found && notModified(request.headers['if-none-match'], `"${found.version}-record"`, reply)) return reply.send();
    const answer = found
      ? xml(200, renderRecord(found.patient, practice, `${dataset.asOf}T00:00:00Z`, found.codeOf))
      : error(404, 'PATIENT_NOT_FOUND', 'No patient with that NHS number is registered here');
    return reply.code(answer.status).type(XML_CONTENT_TYPE).send(answer.body);
  });

  app.get<{ Params: { id: string } }>('/documents/:id', (request, reply) => {
    const found = store.findDocument(request.params.id);
    if (!found)
      return reply
        .code(404)
        .type(XML_CONTENT_TYPE)
        .send(renderError(404, 'DOCUMENT_NOT_FOUND', 'No document with that id'));
    reply.type(found.document.contentType);
    return found.kind === 'file'
      ? reply.header('content-length', found.document.size).send(createReadStream(found.path))
      : reply.send(documentContent(found.document, found.patient));
  });

  installTransferRoutes(app, { store, practice, registrationDate: () => dataset.asOf });

  return app;
}
