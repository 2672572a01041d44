import type { FastifyReply } from 'fastify';
import type { OperationOutcomeError } from '@lloyd/fhir';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendOutcomeError(reply: FastifyReply, error: OperationOutcomeError): void {
  if (reply.sent) return;
  void reply
    .status(error.status)
    .headers(error.headers)
    .header('content-type', FHIR_JSON)
    .send(JSON.stringify(error.outcome));
}
