import { HttpException } from '@nestjs/common';
import { OperationOutcomeError, outcomes, type SpineCode } from '@lloyd/fhir';
import { isStoreFull, isStoreUnavailable, STORE_FULL_ADVICE } from '@lloyd/store';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const unsupportedMediaType = () =>
  OperationOutcomeError.of(
    'UNSUPPORTED_MEDIA_TYPE',
    'Unsupported Content-Type. Send application/fhir+json or application/json (application/x-www-form-urlencoded for /oauth2/token).',
  );
const tooLarge = (_e: unknown, ctx: ErrorContext) => outcomes.payloadTooLarge(ctx.bodyLimit);

const FASTIFY_CODES: Record<string, (err: FastifyLikeError, ctx: ErrorContext) => OperationOutcomeError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: tooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: unsupportedMediaType,
  FST_ERR_CTP_EMPTY_JSON_BODY: () => outcomes.badRequest('The request body is empty; send a JSON document.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => outcomes.badRequest('Content-Length does not match the body sent.'),
};

const STATUS_CODES: Record<number, SpineCode> = {
  400: 'BAD_REQUEST',
  401: 'INVALID_TOKEN',
  403: 'ACCESS DENIED',
  404: 'NO_RECORD_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'INVALID_RESOURCE',
  429: 'TOO_MANY_REQUESTS',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

export interface ErrorContext {
  correlationId: string;
  bodyLimit: number;
}

/**
 * Maps anything thrown while serving a request to the one error shape Lloyd answers with. Returns `expected: false`
 * for faults that are Lloyd's own (they are logged in full and answered with a generic 500).
 */
export function toOutcomeError(err: unknown, ctx: ErrorContext): { error: OperationOutcomeError; expected: boolean } {
  if (err instanceof OperationOutcomeError) return { error: err, expected: true };
  // Lloyd's own store not answering is an outage to wait out, not a fault in Lloyd: 503 at once, saying so.
  if (isStoreUnavailable(err)) {
    return {
      error: OperationOutcomeError.of(
        'SERVICE_UNAVAILABLE',
        "Lloyd's store (Redis) is not answering, so the request could not be served. Try again shortly; operators: check Redis and /health/ready.",
        { headers: { 'retry-after': '5' } },
      ),
      expected: true,
    };
  }
  // A full store refuses writes until an operator acts: the same 503, saying so, and logged as Lloyd's own fault.
  if (isStoreFull(err)) {
    return {
      error: OperationOutcomeError.of('SERVICE_UNAVAILABLE', `The request could not be served: ${STORE_FULL_ADVICE}`, {
        headers: { 'retry-after': '60' },
      }),
      expected: false,
    };
  }
  if (err instanceof SyntaxError && /JSON/i.test(err.message)) {
    return { error: outcomes.badRequest(`The request body is not valid JSON: ${err.message}`), expected: true };
  }
  const fastifyErr = err as FastifyLikeError;
  const byCode = fastifyErr?.code ? FASTIFY_CODES[fastifyErr.code] : undefined;
  if (byCode) return { error: byCode(fastifyErr, ctx), expected: true };
  if (fastifyErr?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyErr?.code?.startsWith('FST_ERR_CTP')) {
    return {
      error: outcomes.badRequest(`The request body could not be parsed: ${fastifyErr.message ?? 'unknown error'}`),
      expected: true,
    };
  }
  const status = err instanceof HttpException ? err.getStatus() : fastifyErr?.statusCode;
  // The framework may report the body's media type or size as its own exception: the same answers, with the limit.
  if (status === 415) return { error: unsupportedMediaType(), expected: true };
  if (status === 413) return { error: tooLarge(err, ctx), expected: true };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const spine = STATUS_CODES[status] ?? 'BAD_REQUEST';
    const message = err instanceof HttpException ? err.message : (fastifyErr.message ?? 'Bad request');
    return { error: OperationOutcomeError.of(spine, message), expected: true };
  }
  return { error: outcomes.internal(ctx.correlationId), expected: false };
}
