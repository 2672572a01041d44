import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, type TracingHandle } from '@lloyd/observability';
import { requestWhole } from './whole-response.js';

/**
 * Supplier calls go through undici's dispatch API, below `request`: Lloyd's tracing (its undici instrumentation) must
 * still see them, as it sees `request` and `fetch`, through undici's diagnostics channels.
 */
describe('requestWhole under OpenTelemetry tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle | null;
  let server: Server;
  let url: URL;
  let traceparent: string | undefined;

  beforeAll(async () => {
    tracing = await startTracing(
      {
        observability: {
          logLevel: 'silent',
          serviceName: 'lloyd-test',
          traceSampleRatio: 1,
          otlpEndpoint: 'http://127.0.0.1:4318',
        },
      },
      { spanExporter: exporter },
    );
    server = createServer((req, res) => {
      traceparent = req.headers.traceparent as string | undefined;
      res.end('traced');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/record`);
  });

  afterAll(async () => {
    await tracing?.shutdown();
    await new Promise((resolve) => server.close(resolve));
  });

  it('records a client span under the caller’s span, sends its trace context, and keeps the caller’s context', async () => {
    const tracer = trace.getTracer('test');
    const { parentId, traceId, sameContext, body } = await tracer.startActiveSpan('read record', async (span) => {
      const answer = await requestWhole({
        url,
        headers: {},
        signal: new AbortController().signal,
        maxBytes: 100,
        keepBody: () => true,
        tooLarge: () => new Error('too large'),
      });
      const ids = {
        parentId: span.spanContext().spanId,
        traceId: span.spanContext().traceId,
        sameContext: trace.getActiveSpan() === span,
        body: answer.body.toString(),
      };
      span.end();
      return ids;
    });
    await tracing?.forceFlush();
    expect(body).toBe('traced');
    expect(sameContext).toBe(true);
    const client = exporter.getFinishedSpans().find((s) => s.name === 'GET');
    expect(client?.spanContext().traceId).toBe(traceId);
    expect(client?.parentSpanContext?.spanId).toBe(parentId);
    expect(traceparent).toBe(`00-${traceId}-${client?.spanContext().spanId}-01`);
  });
});
