import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperationOutcomeError } from '@lloyd/fhir';

/** Media ranges under which Lloyd's FHIR JSON is acceptable (`application/json+fhir` is DSTU2's name for it). */
const JSON_RANGES = new Set([
  '*/*',
  'application/*',
  'application/json',
  'application/fhir+json',
  'application/json+fhir',
]);
/** `_format` values that ask for JSON (FHIR's short form, or a JSON media type). */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);

/**
 * Why Lloyd cannot answer this FHIR request in a format the caller accepts, or undefined when it can. Lloyd writes
 * FHIR as JSON only: an `Accept` header that rules JSON out, or a `_format` other than JSON, gets 406 rather than a
 * JSON answer the caller did not ask for. A Binary read negotiates for itself (it may serve the document's own type).
 */
export function unacceptableFormat(path: string, accept: string | undefined, format: unknown): string | undefined {
  if (!path.startsWith('/fhir/') || path.startsWith('/fhir/Binary/')) return undefined;
  const formats = Array.isArray(format) ? (format as unknown[]) : format === undefined ? [] : [format];
  for (const f of formats) {
    if (typeof f !== 'string' || !namesFhirJson(f)) {
      return `_format=${String(f).slice(0, 100)} is not supported: Lloyd serves FHIR as JSON only (_format=json).`;
    }
  }
  if (formats.length === 0 && accept !== undefined && accept.trim() !== '' && !acceptsJson(accept)) {
    return `Accept: ${accept.slice(0, 200)} rules out JSON, and Lloyd serves FHIR as JSON only: send Accept: application/fhir+json.`;
  }
  return undefined;
}

/** The fastify `onRequest` hook that answers {@link unacceptableFormat} with a 406 OperationOutcome. */
export function refuseUnacceptableFormats(
  send: (reply: FastifyReply, error: OperationOutcomeError) => void,
): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  return (request, reply, done) => {
    const path = request.url.split('?')[0] ?? request.url;
    const why = unacceptableFormat(path, request.headers.accept, (request.query as Record<string, unknown>)?._format);
    if (why) {
      send(reply, OperationOutcomeError.of('NOT_ACCEPTABLE', why));
      return;
    }
    done();
  };
}

/** The one endpoint that takes a form body: OAuth's token endpoint (RFC 6749 §4.4.2). */
const FORM_ENDPOINT = '/oauth2/token';

/**
 * Why a request's body media type is refused before it is parsed, or undefined when it is not. The framework parses
 * `application/x-www-form-urlencoded` for every route because the token endpoint needs it, so without this a form
 * body (curl's default for `-d`) would reach a JSON endpoint as an object of strings and be acted on.
 */
export function unsupportedBodyType(path: string, contentType: string | undefined): string | undefined {
  if (path === FORM_ENDPOINT || contentType === undefined) return undefined;
  if (mediaType(contentType) !== 'application/x-www-form-urlencoded') return undefined;
  return `This endpoint takes JSON, not a form: send the body as JSON with Content-Type: application/json (application/fhir+json for FHIR). Only ${FORM_ENDPOINT} takes application/x-www-form-urlencoded.`;
}

/** The fastify `onRequest` hook that answers {@link unsupportedBodyType} with a 415 OperationOutcome. */
export function refuseFormBodies(
  send: (reply: FastifyReply, error: OperationOutcomeError) => void,
): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  return (request, reply, done) => {
    const why = unsupportedBodyType(request.url.split('?')[0] ?? request.url, request.headers['content-type']);
    if (why) {
      send(reply, OperationOutcomeError.of('UNSUPPORTED_MEDIA_TYPE', why));
      return;
    }
    done();
  };
}

/** Whether a `_format` value names FHIR JSON (`json`, or a JSON media type with any parameters). */
export function namesFhirJson(format: string): boolean {
  return JSON_FORMATS.has(mediaType(format));
}

function acceptsJson(accept: string): boolean {
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((s) => s.trim());
    const q = params.find((p) => /^q=/i.test(p));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return JSON_RANGES.has(mediaType(type ?? ''));
  });
}

function mediaType(value: string): string {
  // An unencoded `+` in a query string (`_format=application/fhir+json`) arrives as a space.
  return (value.split(';')[0] ?? '').trim().toLowerCase().replace(/ /g, '+');
}
