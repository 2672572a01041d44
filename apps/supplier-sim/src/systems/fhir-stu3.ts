import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { installFaults } from '../faults.js';
import { documentContent } from '../generator/documents.js';
import type { SyntheticDataset } from '../generator/generate.js';
import type { SyntheticPatient } from '../generator/model.js';
import { practiceProfile } from '../generator/practices.js';
import {
  FHIR_JSON,
  NHS_NUMBER,
  operationOutcome,
  renderConsent,
  renderPatient,
  type Json,
} from './fhir-stu3-common.js';
import { renderDocument, type ItemContext } from './fhir-stu3-items.js';
import { parseStructuredRecordRequest } from './fhir-stu3-params.js';
import { renderStructuredRecord } from './fhir-stu3-record.js';
import { CONVERSATION_HEADER, installTransferRoutes } from './fhir-stu3-transfer.js';
import {
  filedDocuments,
  renderFiledConsent,
  renderFiledPatient,
  renderFiledRecord,
} from './fhir-stu3-transfer-record.js';
import { FhirStu3TransferStore } from './fhir-stu3-transfer-store.js';

export interface FhirStu3SystemOptions {
  readonly dataset: SyntheticDataset;
  /** The practice this system serves (default P40004). */
  readonly ods?: string;
}

/** GP Connect's limit on a document (Binary). */
const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

function capabilityStatement(ods: string, asOf: string): Json {
  const search = (type: string, params: string[]) => ({
    type,
    interaction: [{ code: 'search-type' }],
    searchParam: params.map((name) => ({ name, type: 'token' })),
  });
  return {
    resourceType: 'CapabilityStatement',
    version: '1.6.0',
    name: `Supplier simulator ${ods} GP Connect provider`,
    status: 'active',
    date: asOf,
    publisher: 'Lloyd supplier simulator',
    kind: 'instance',
    software: { name: 'Lloyd supplier simulator (FHIR STU3, GP Connect style)', version: '1.6.0' },
    fhirVersion: '3.0.1',
    acceptUnknown: 'both',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        operation: [
          {
            name: 'gpc.getstructuredrecord',
            definition: {
              reference: 'https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1',
            },
          },
          { name: 'gp2gp.import', definition: { reference: 'OperationDefinition/gp2gp-import' } },
          { name: 'gp2gp.decision', definition: { reference: 'OperationDefinition/gp2gp-decision' } },
        ],
        resource: [
          search('Patient', ['identifier']),
          search('DocumentReference', ['patient']),
          { type: 'Binary', interaction: [{ code: 'read' }, { code: 'update' }] },
        ],
      },
    ],
  };
}

function searchset(entries: { resource: Json; mode: 'match' | 'include' }[], baseUrl: string): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: entries.filter((e) => e.mode === 'match').length,
    entry: entries.map(({ resource, mode }) => ({
      fullUrl: `${baseUrl}/${String(resource['resourceType'])}/${String(resource['id'])}`,
      resource,
      search: { mode },
    })),
  };
}

/**
 * The P40004 supplier system: a GP Connect-like FHIR STU3 provider, SNOMED CT coded (Read v2 beside).
 *
 * - `GET /health`
 * - `GET /metadata`: STU3 CapabilityStatement
 * - `GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|N`: searchset with the Patient and a Consent
 *   (sharing decision, see `renderConsent`), empty when unknown
 * - `POST /Patient/$gpc.getstructuredrecord`: STU3 Parameters → collection Bundle
 * - `GET /Patient/{id}/DocumentReference`: searchset of the patient's documents (GP Connect Access Document)
 * - `GET /Binary/{id}`: a document (a FHIR Binary for `Accept: application/fhir+json`, else the bytes); GP Connect's
 *   5 MB limit does not apply to a GP2GP transfer's read (header `X-GP2GP-ConversationId`)
 * - GP2GP receiving: `PUT /Binary/{id}`, `POST /Patient/$gp2gp.import`, `POST /Patient/$gp2gp.decision` (see
 *   fhir-stu3-transfer.ts); a transferred patient is then served by the endpoints above like any other
 *
 * plus fault injection (see faults.ts). Confidential items carry `meta.security` NOPAT and are not removed.
 */
export function createFhirStu3System(options: FhirStu3SystemOptions): FastifyInstance {
  const { dataset } = options;
  const practice = practiceProfile(options.ods ?? 'P40004');
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const asOf = dataset.asOf;
  const transfers = new FhirStu3TransferStore(() => new Date().toISOString().slice(0, 10));
  app.addHook('onClose', () => transfers.close());

  const fhir = (reply: FastifyReply, status: number, body: Json) =>
    reply.code(status).header('content-type', FHIR_JSON).header('cache-control', 'no-store').send(JSON.stringify(body));
  const error = (reply: FastifyReply, status: number, code: string, issue: string, message: string) =>
    fhir(reply, status, operationOutcome(code, issue, message));
  const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  installFaults(app, {
    seed: dataset.seed,
    failureBody: (status, message) => ({
      contentType: FHIR_JSON,
      body: JSON.stringify(
        operationOutcome(status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR', 'processing', message),
      ),
    }),
  });

  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(['application/fhir+json', 'application/json+fhir'], { parseAs: 'string' }, jsonParser);

  app.setNotFoundHandler((request, reply) =>
    error(reply, 404, 'NOT_FOUND', 'not-found', `No resource at ${request.method} ${request.url}`),
  );
  app.setErrorHandler((err: { statusCode?: number; message: string }, _request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? 400 : 500;
    return status === 400
      ? error(reply, 400, 'BAD_REQUEST', 'invalid', `The request could not be read: ${err.message}`)
      : error(reply, 500, 'INTERNAL_SERVER_ERROR', 'processing', 'The simulator failed to answer.');
  });

  const findBySourceId = (id: string): SyntheticPatient | undefined =>
    dataset.patientsOf(practice.ods).find((p) => p.sourceId === id);

  installTransferRoutes(app, { store: transfers, fhir, error });

  app.get('/health', () => ({
    status: 'ok',
    practice: practice.ods,
    patients: dataset.patientsOf(practice.ods).length,
  }));

  app.get('/metadata', (_request, reply) => fhir(reply, 200, capabilityStatement(practice.ods, asOf)));

  app.get<{ Querystring: { identifier?: string } }>('/Patient', (request, reply) => {
    const { identifier } = request.query;
    if (typeof identifier !== 'string')
      return error(reply, 400, 'BAD_REQUEST', 'invalid', `Search by identifier=${NHS_NUMBER}|<NHS number>.`);
    const bar = identifier.indexOf('|');
    const system = bar < 0 ? '' : identifier.slice(0, bar);
    const value = identifier.slice(bar + 1);
    if (system !== NHS_NUMBER)
      return error(reply, 400, 'INVALID_IDENTIFIER_SYSTEM', 'value', `The identifier system must be ${NHS_NUMBER}.`);
    if (!/^\d{10}$/.test(value))
      return error(reply, 400, 'INVALID_IDENTIFIER_VALUE', 'value', 'An NHS number has 10 digits.');
    const filed = transfers.patient(value);
    const found = dataset.findPatient(practice.ods, value);
    const entries = filed
      ? [
          { resource: renderFiledPatient(filed, practice), mode: 'match' as const },
          { resource: renderFiledConsent(filed, practice), mode: 'include' as const },
        ]
      : found
        ? [
            { resource: renderPatient(found, practice), mode: 'match' as const },
            { resource: renderConsent(found, practice, asOf), mode: 'include' as const },
          ]
        : [];
    return fhir(reply, 200, searchset(entries, baseUrl(request)));
  });

  // Fault injection for one clinical area: a provider whose, say, immunisations module is failing. The record
  // requests that include a listed parameter fail; the others succeed.
  let failingParameters = new Set<string>();
  app.post<{ Body: { fail?: unknown } }>('/_faults/areas', (request, reply) => {
    const fail = request.body?.fail;
    if (!Array.isArray(fail) || !fail.every((f) => typeof f === 'string'))
      return error(reply, 400, 'BAD_REQUEST', 'invalid', 'Send { "fail": ["includeImmunisations", ...] }.');
    failingParameters = new Set(fail);
    return reply.code(204).send();
  });
  app.delete('/_faults/areas', (_request, reply) => {
    failingParameters = new Set();
    return reply.code(204).send();
  });

  app.post('/Patient/$gpc.getstructuredrecord', (request, reply) => {
    const asked = ((request.body as { parameter?: { name?: string }[] } | undefined)?.parameter ?? []).map(
      (p) => p.name,
    );
    const failing = asked.find((name) => name !== undefined && failingParameters.has(name));
    if (failing) return error(reply, 500, 'INTERNAL_SERVER_ERROR', 'processing', `The ${failing} module failed.`);
    const parsed = parseStructuredRecordRequest(request.body);
    if (!parsed.ok) return error(reply, parsed.status, parsed.code, parsed.issue, parsed.message);
    const filed = transfers.patient(parsed.nhsNumber);
    if (filed) return fhir(reply, 200, renderFiledRecord(filed, parsed.request, practice));
    const patient = dataset.findPatient(practice.ods, parsed.nhsNumber);
    if (!patient)
      return error(reply, 404, 'PATIENT_NOT_FOUND', 'not-found', 'No patient with that NHS number is registered here.');
    return fhir(
      reply,
      200,
      renderStructuredRecord(patient, parsed.request, { practice, asOf, baseUrl: baseUrl(request) }),
    );
  });

  app.get<{ Params: { id: string } }>('/Patient/:id/DocumentReference', (request, reply) => {
    const filed = transfers.patientById(request.params.id);
    if (filed) {
      const documents = filedDocuments(filed, baseUrl(request)).map((resource) => ({
        resource,
        mode: 'match' as const,
      }));
      return fhir(reply, 200, searchset(documents, baseUrl(request)));
    }
    const patient = findBySourceId(request.params.id);
    if (!patient)
      return error(reply, 404, 'PATIENT_NOT_FOUND', 'not-found', 'No patient with that id is registered here.');
    const ctx: ItemContext = {
      practice,
      patient,
      clinicians: new Map(practice.clinicians.map((c) => [c.sdsUserId, c])),
      consultations: new Map(patient.record.consultations.map((c) => [c.id, c])),
      references: new Map(),
      baseUrl: baseUrl(request),
    };
    const entries = patient.record.documents.map((d) => ({ resource: renderDocument(d, ctx), mode: 'match' as const }));
    return fhir(reply, 200, searchset(entries, baseUrl(request)));
  });

  app.get<{ Params: { id: string } }>('/Binary/:id', async (request, reply) => {
    const wantsFhir = (request.headers.accept ?? '').includes('fhir+json');
    const transfer = typeof request.headers[CONVERSATION_HEADER] === 'string';
    const binary = transfers.binary(request.params.id);
    if (binary) {
      if (binary.size > MAX_DOCUMENT_BYTES && !transfer)
        return error(
          reply,
          422,
          'INVALID_RESOURCE',
          'too-costly',
          'The document is larger than the 5 MB GP Connect allows.',
        );
      if (wantsFhir) {
        const content = await readFile(binary.path);
        return fhir(reply, 200, {
          resourceType: 'Binary',
          id: binary.id,
          contentType: binary.contentType,
          content: content.toString('base64'),
        });
      }
      return reply.type(binary.contentType).header('content-length', binary.size).send(createReadStream(binary.path));
    }
    const found = dataset.findDocument(practice.ods, request.params.id);
    if (!found) return error(reply, 404, 'NO_RECORD_FOUND', 'not-found', 'No document with that id.');
    if (found.document.size > MAX_DOCUMENT_BYTES && !transfer)
      return error(
        reply,
        422,
        'INVALID_RESOURCE',
        'too-costly',
        'The document is larger than the 5 MB GP Connect allows.',
      );
    const content = documentContent(found.document, found.patient);
    if (wantsFhir) {
      return fhir(reply, 200, {
        resourceType: 'Binary',
        id: found.document.id,
        contentType: found.document.contentType,
        content: content.toString('base64'),
      });
    }
    return reply.type(found.document.contentType).send(content);
  });

  return app;
}
