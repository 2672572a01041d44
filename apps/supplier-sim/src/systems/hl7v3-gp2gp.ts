import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { installFaults } from '../faults.js';
import { documentContent } from '../generator/documents.js';
import type { SyntheticDataset } from '../generator/generate.js';
import { practiceProfile } from '../generator/practices.js';
import { asidOf } from './hl7v3-gp2gp-codes.js';
import { renderExtract } from './hl7v3-gp2gp-extract.js';
import {
  HL7_CONTENT_TYPE,
  NACK_REASONS,
  parseEhrRequest,
  renderError,
  renderHealth,
  renderNack,
  renderSummary,
  type EhrRequestInfo,
} from './hl7v3-gp2gp-messages.js';
import { installInboundTransfer } from './hl7v3-gp2gp-transfer.js';
import { InboundStore } from './hl7v3-gp2gp-transfer-store.js';

export interface Hl7v3Gp2gpSystemOptions {
  readonly dataset: SyntheticDataset;
  /** The practice this system serves (default P30003). */
  readonly ods?: string;
}

const NHS_NUMBER = /^\d{10}$/;
const XML_TYPES = ['application/xml', 'text/xml', 'application/hl7-v3+xml'];
const MAX_REQUEST_BYTES = 1_000_000;

/**
 * The P30003 supplier system: it answers only GP2GP. Given an EHR request it returns the patient's whole record as
 * an HL7 V3 EHR extract; there is no query for parts of a record.
 *
 * - `GET /health`
 * - `POST /gp2gp/ehr-request` with an `RCMR_IN010000UK05` (XML): 200 `RCMR_IN030000UK06` (UK07 when the record has
 *   confidential items); 404 `MCCI_IN010000UK13` NACK reason 06 when the patient is not registered here; 400 NACK
 *   reason 18 when the request cannot be read; `x-sim-nack: NN` forces a NACK with reason NN (HTTP 200)
 * - `GET /gp2gp/patients/{nhsNumber}/summary`: the "PDS-like" demographics and flags (see renderSummary); 404
 * - `GET /documents/{id}`: an attachment's bytes (the extract refers to them by URL)
 * - `/gp2gp/inbound/…`: receiving a record by GP2GP (see hl7v3-gp2gp-transfer.ts); a filed record is served by the
 *   endpoints above like any other patient's
 *
 * plus fault injection (see faults.ts); injected failures answer with a NACK reason 99.
 */
export function createHl7v3Gp2gpSystem(options: Hl7v3Gp2gpSystemOptions): FastifyInstance {
  const { dataset } = options;
  const practice = practiceProfile(options.ods ?? 'P30003');
  const asid = asidOf(practice.ods);
  const createdAt = `${dataset.asOf}T00:00`;
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: MAX_REQUEST_BYTES });
  const inbound = new InboundStore(practice, dataset.asOf);
  // Patients received by GP2GP are registered here now, whatever the generated dataset says.
  const findPatient = (nhsNumber: string) =>
    inbound.findPatient(nhsNumber) ?? dataset.findPatient(practice.ods, nhsNumber);

  const nack = (reply: FastifyReply, status: number, reason: string, request?: EhrRequestInfo) =>
    reply
      .code(status)
      .type(HL7_CONTENT_TYPE)
      .send(renderNack({ reason, asid, createdAt, ...(request ? { request } : {}) }));

  installFaults(app, {
    seed: dataset.seed,
    failureBody: () => ({ contentType: HL7_CONTENT_TYPE, body: renderNack({ reason: '99', asid, createdAt }) }),
  });

  app.addContentTypeParser(XML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type(HL7_CONTENT_TYPE)
      .send(renderError(404, 'NO_SUCH_RESOURCE', `No resource at ${request.method} ${request.url}`)),
  );
  app.setErrorHandler((err: { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    // Whatever stops a request being read is GP2GP's reason 18; anything else is "unexpected condition".
    if (request.url.startsWith('/gp2gp/ehr-request')) return nack(reply, status, status < 500 ? '18' : '99');
    return reply
      .code(status)
      .type(HL7_CONTENT_TYPE)
      .send(renderError(status, status === 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', 'The request could not be served'));
  });

  app.get('/health', (_request, reply) =>
    reply
      .type(HL7_CONTENT_TYPE)
      .send(renderHealth(practice, asid, dataset.patientsOf(practice.ods).length + inbound.patientCount)),
  );

  app.post<{ Body: unknown }>('/gp2gp/ehr-request', (request, reply) => {
    if (typeof request.body !== 'string') return nack(reply, 400, '18');
    const parsed = parseEhrRequest(request.body);
    if (!parsed.ok) return nack(reply, 400, '18');
    const forced = request.headers['x-sim-nack'];
    if (typeof forced === 'string' && /^\d{2}$/.test(forced) && forced in NACK_REASONS) {
      return nack(reply, 200, forced, parsed.request);
    }
    const patient = findPatient(parsed.request.nhsNumber);
    if (!patient) return nack(reply, 404, '06', parsed.request);
    const base = `${request.protocol}://${request.host}`;
    return reply.type(HL7_CONTENT_TYPE).send(
      renderExtract({
        patient,
        practice,
        asid,
        request: parsed.request,
        createdAt,
        documentUrl: (d) => `${base}/documents/${d.id}`,
      }),
    );
  });

  app.get<{ Params: { nhsNumber: string } }>('/gp2gp/patients/:nhsNumber/summary', (request, reply) => {
    const { nhsNumber } = request.params;
    if (!NHS_NUMBER.test(nhsNumber)) {
      return reply
        .code(400)
        .type(HL7_CONTENT_TYPE)
        .send(renderError(400, 'INVALID_NHS_NUMBER', 'The NHS number must be 10 digits'));
    }
    const patient = findPatient(nhsNumber);
    if (!patient) {
      return reply
        .code(404)
        .type(HL7_CONTENT_TYPE)
        .send(renderError(404, 'PATIENT_NOT_FOUND', 'No patient with that NHS number is registered here'));
    }
    return reply.type(HL7_CONTENT_TYPE).send(renderSummary(patient, practice));
  });

  installInboundTransfer(app, { store: inbound, practice, asOf: dataset.asOf });

  app.get<{ Params: { id: string } }>('/documents/:id', (request, reply) => {
    const received = inbound.findDocument(request.params.id);
    if (received) return reply.type(received.document.contentType).send(received.content);
    const found = dataset.findDocument(practice.ods, request.params.id);
    if (!found) {
      return reply
        .code(404)
        .type(HL7_CONTENT_TYPE)
        .send(renderError(404, 'DOCUMENT_NOT_FOUND', 'No document with that id'));
    }
    return reply.type(found.document.contentType).send(documentContent(found.document, found.patient));
  });

  return app;
}
