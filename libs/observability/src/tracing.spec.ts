import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { otlpTracesUrl, startTracing, type TracingConfig } from './tracing.js';

const config = (observability: Partial<TracingConfig['observability']> = {}): TracingConfig => ({
  observability: { logLevel: 'silent', serviceName: 'lloyd-tracing-test', traceSampleRatio: 1, ...observability },
});

describe('startTracing', () => {
  it('returns null and registers no tracer when no OTLP endpoint is configured', async () => {
    const handle = await startTracing(config(), { spanExporter: new InMemorySpanExporter() });

    expect(handle).toBeNull();
    expect(trace.getTracer('test').startSpan('unrecorded').isRecording()).toBe(false);
  });

  describe('with an endpoint', () => {
    const endpoint = 'http://127.0.0.1:4318';

    it('exports spans, with the service name, through the SDK it starts and stops', async () => {
      const exporter = new InMemorySpanExporter();
      const handle = await startTracing(config({ otlpEndpoint: endpoint }), { spanExporter: exporter });
      try {
        trace.getTracer('test').startActiveSpan('read record', (span) => {
          trace.getTracer('test').startSpan('call supplier').end();
          span.end();
        });
        await handle!.forceFlush();

        const spans = exporter.getFinishedSpans();
        expect(spans.map((s) => s.name).sort()).toEqual(['call supplier', 'read record']);
        const parent = spans.find((s) => s.name === 'read record')!;
        const child = spans.find((s) => s.name === 'call supplier')!;
        expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
        expect(parent.resource.attributes['service.name']).toBe('lloyd-tracing-test');
      } finally {
        await handle!.shutdown();
      }
      expect(trace.getTracer('test').startSpan('after shutdown').isRecording()).toBe(false);
    });

    it('samples new traces by ratio but follows a sampled parent (ParentBased)', async () => {
      const exporter = new InMemorySpanExporter();
      const handle = await startTracing(config({ otlpEndpoint: endpoint, traceSampleRatio: 0 }), {
        spanExporter: exporter,
      });
      try {
        const tracer = trace.getTracer('test');
        const root = tracer.startSpan('new trace');
        const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
        });
        const continued = tracer.startSpan('continued trace', {}, remoteParent);
        root.end();
        continued.end();
        await handle!.forceFlush();

        expect(root.isRecording()).toBe(false);
        expect(exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([
          ['continued trace', '0af7651916cd43dd8448eb211c80319c'],
        ]);
      } finally {
        await handle!.shutdown();
      }
    });

    it('can be shut down twice', async () => {
      const handle = await startTracing(config({ otlpEndpoint: endpoint }), {
        spanExporter: new InMemorySpanExporter(),
      });

      await handle!.shutdown();
      await expect(handle!.shutdown()).resolves.toBeUndefined();
      expect(context.active()).toBe(ROOT_CONTEXT);
    });
  });
});

describe('otlpTracesUrl', () => {
  it('appends the traces path to a base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT is defined', () => {
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('https://otel.example/prefix')).toBe('https://otel.example/prefix/v1/traces');
  });

  it('keeps an endpoint that already names the traces path', () => {
    expect(otlpTracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});
