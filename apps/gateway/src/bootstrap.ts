import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { LloydConfig } from '@lloyd/config';
import { createLogger, MetricsService, PinoNestLogger, registerHttpMetrics } from '@lloyd/observability';
import { CoreModule } from '@lloyd/platform';
import { GatewayModule } from './gateway.module.js';
import { refuseFormBodies, refuseUnacceptableFormats } from './http/content-negotiation.js';
import { RouteTable } from './http/route-table.js';
import { sendOutcomeError } from './http/send-outcome.js';
import { fhirJson, OperationOutcomeError, outcomes } from '@lloyd/fhir';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface GatewayOptions {
  logger?: Logger;
  /** Further feature modules to mount in the same process (the all-in-one launcher adds the transfer worker). */
  mount?: Type[];
}

@Module({})
class GatewayRoot {}

/**
 * Builds the gateway application (not yet listening). Used by the gateway's own entry point, the all-in-one
 * launcher and the end-to-end tests, so all three run the same wiring.
 */
export async function createGatewayApp(
  config: LloydConfig,
  options: GatewayOptions = {},
): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger(config);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Lloyd logs one line per request itself (onResponse below), with the route pattern and status.
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: answerMalformedRequest,
    frameworkErrors: answerUnroutableUrl,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const fastify = adapter.getInstance<FastifyInstance>();
  const routes = new RouteTable();
  fastify.addHook('onRoute', (route) => routes.add(route.url, route.method));
  configureParsers(fastify);
  fastify.addHook('onRequest', refuseUnacceptableFormats(sendOutcomeError));
  fastify.addHook('onRequest', refuseFormBodies(sendOutcomeError));
  // FHIR answers reuse the JSON of resources held unchanged between requests (see fhirJson).
  fastify.setReplySerializer((payload) => fhirJson(payload));
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // Answers sent once a shutdown has begun close their connection, so that a keep-alive client does not hold the
  // shutdown open until the connection idles out (Fastify answers new requests then with 503 itself).
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });

  const root: DynamicModule = {
    module: GatewayRoot,
    imports: [CoreModule.forRoot(config, { logger }), GatewayModule, ...(options.mount ?? [])],
    providers: [{ provide: RouteTable, useValue: routes }],
    exports: [RouteTable],
    global: true,
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new PinoNestLogger(logger),
    bodyParser: true,
  });
  registerHttpMetrics(fastify, app.get(MetricsService));
  return app;
}

/** Requests too malformed to reach Fastify (bad header bytes, broken framing) still get an OperationOutcome. */
function answerMalformedRequest(_err: Error, socket: Socket): void {
  if (!socket.writable) return;
  const body = JSON.stringify(
    outcomes.badRequest('The HTTP request is malformed (for example a header with invalid characters).').outcome,
  );
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/fhir+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * URLs Fastify's router refuses before any route runs still get an OperationOutcome: a path that is not valid
 * percent-encoding, or a path segment longer than any Lloyd id could be.
 */
function answerUnroutableUrl(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const outcome =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? OperationOutcomeError.of(
          'NO_RECORD_FOUND',
          'No resource has an id that long: FHIR ids are at most 64 characters. Use an id from a search or a reference.',
          { issueType: 'not-found' },
        )
      : outcomes.badRequest(
          'The URL is not valid: a path segment is not well-formed percent-encoding (for example "%ZZ"). Encode the URL and try again.',
        );
  sendOutcomeError(reply, outcome);
}

function configureParsers(fastify: FastifyInstance): void {
  // No Lloyd endpoint takes plain text: without this, a FHIR body sent as text/plain would be read as a string and
  // refused as "not a Parameters resource" (422) rather than as the wrong media type (415) it is.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(
    ['application/fhir+json'],
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  );
}
