import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createLogger, type LoggerConfig } from './logger.js';
import { LineCapture } from './testing/capture.js';

const config = (logLevel: LoggerConfig['observability']['logLevel'] = 'info'): LoggerConfig => ({
  observability: { logLevel, serviceName: 'lloyd-test', traceSampleRatio: 1 },
});

describe('createLogger', () => {
  it('writes one JSON line with the level name, the service and the message', () => {
    const out = new LineCapture();
    createLogger(config(), out).info({ patient: '9990000018' }, 'record read');

    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({
      level: 'info',
      service: 'lloyd-test',
      msg: 'record read',
      patient: '9990000018',
    });
    expect(typeof out.lines[0]!['time']).toBe('string');
  });

  it('drops lines below the configured level', () => {
    const out = new LineCapture();
    const logger = createLogger(config('warn'), out);
    logger.info('not written');
    logger.warn('written');

    expect(out.lines.map((l) => l['msg'])).toEqual(['written']);
  });

  it('redacts the authorization header, access tokens and client assertions', () => {
    const out = new LineCapture();
    createLogger(config(), out).info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.sig', accept: 'application/fhir+json' } },
        body: { client_assertion: 'eyJ.assertion.sig', grant_type: 'client_credentials' },
        result: { access_token: 'eyJ.token.sig' },
      },
      'token issued',
    );

    const text = JSON.stringify(out.lines[0]);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('assertion.sig');
    expect(text).not.toContain('token.sig');
    expect(out.lines[0]).toMatchObject({
      req: { headers: { authorization: '[REDACTED]', accept: 'application/fhir+json' } },
      body: { client_assertion: '[REDACTED]', grant_type: 'client_credentials' },
      result: { access_token: '[REDACTED]' },
    });
  });

  it('does not carry one line’s fields into the next', () => {
    const out = new LineCapture();
    const logger = createLogger(config(), out);
    logger.info({ patient: '9990000018' }, 'first');
    logger.info('second');

    expect(out.lines[1]).not.toHaveProperty('patient');
  });

  it('has no trace fields when no span is active', () => {
    const out = new LineCapture();
    createLogger(config(), out).info('no tracing');

    expect(out.lines[0]).not.toHaveProperty('trace_id');
    expect(out.lines[0]).not.toHaveProperty('span_id');
  });

  describe('with a tracer registered', () => {
    const contextManager = new AsyncLocalStorageContextManager();
    const provider = new BasicTracerProvider();

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      trace.setGlobalTracerProvider(provider);
    });

    afterAll(async () => {
      trace.disable();
      context.disable();
      await provider.shutdown();
    });

    it('adds the active span’s trace and span ids to the line', async () => {
      const out = new LineCapture();
      const logger = createLogger(config(), out);
      const span = trace.getTracer('test').startSpan('read');

      await context.with(trace.setSpan(context.active(), span), async () => {
        await Promise.resolve();
        logger.info('inside the span');
      });
      logger.info('outside the span');
      span.end();

      const { traceId, spanId } = span.spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(out.lines[0]).toMatchObject({ msg: 'inside the span', trace_id: traceId, span_id: spanId });
      expect(out.lines[1]).not.toHaveProperty('trace_id');
    });
  });
});
