import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { LloydConfig } from '@lloyd/config';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';

// The SDK and instrumentations are imported inside startTracing only, so that with tracing off none of them loads.

/** The part of the configuration tracing needs; a full {@link LloydConfig} fits. */
export type TracingConfig = Pick<LloydConfig, 'observability'>;

/** A running tracing SDK. */
export interface TracingHandle {
  /** Exports every span ended so far. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops the SDK and its instrumentations. Safe to call more than once. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests use an in-memory one). Spans still go through the batch processor. */
  spanExporter?: NodeSDKConfiguration['traceExporter'];
}

/** Paths polled by orchestrators and scrapers; tracing them would fill the trace store with noise. */
function isHousekeepingPath(path: string | undefined): boolean {
  if (path === undefined) return false;
  const bare = path.split('?', 1)[0] ?? path;
  return bare === '/metrics' || bare.startsWith('/health/');
}

/**
 * The ioredis instrumentation patches the package when it is `require`d. Lloyd imports ioredis (CommonJS) from ES
 * modules, which Node loads without passing through that hook, so the client would go untraced. Requiring it once
 * here, after the hook is installed, patches the class that the later `import` receives from Node's module cache.
 */
function preloadForRequireHooks(packages: readonly string[]): void {
  const require = createRequire(import.meta.url);
  for (const name of packages) {
    try {
      require(name);
    } catch {
      // Not installed: nothing to trace.
    }
  }
}

/**
 * The OTLP/HTTP traces URL for an endpoint given the way `OTEL_EXPORTER_OTLP_ENDPOINT` is: a base URL to which the
 * signal path `v1/traces` is appended. A URL that already ends in `/v1/traces` is used as it is.
 */
export function otlpTracesUrl(endpoint: string): string {
  if (/\/v1\/traces\/?$/.test(endpoint)) return endpoint;
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts OpenTelemetry tracing when `observability.otlpEndpoint` is set: OTLP/HTTP export through a batch processor,
 * `ParentBased(TraceIdRatioBased(traceSampleRatio))` sampling, and spans for inbound and outbound `http`, ioredis
 * and Fastify (Fastify through `@fastify/otel`, which attaches when Fastify initialises, so Nest needs no plugin).
 * Returns null and loads nothing when no endpoint is configured.
 *
 * Call it before the application's modules load (the gateway does it in an `--import` preload): instrumentations
 * patch modules as they are required. Outbound requests made with the global `fetch` (undici) are not traced.
 */
export async function startTracing(config: TracingConfig, options: TracingOptions = {}): Promise<TracingHandle | null> {
  const { otlpEndpoint, serviceName, traceSampleRatio } = config.observability;
  if (!otlpEndpoint) return null;

  const [
    { NodeSDK, tracing, api },
    { OTLPTraceExporter },
    { HttpInstrumentation },
    { IORedisInstrumentation },
    { UndiciInstrumentation },
    fastifyOtel,
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-ioredis'),
    // Supplier adapters call out through undici (its dispatch API, and fetch), which the http instrumentation does
    // not see.
    import('@opentelemetry/instrumentation-undici'),
    import('@fastify/otel'),
  ]);

  const exporter = options.spanExporter ?? new OTLPTraceExporter({ url: otlpTracesUrl(otlpEndpoint) });
  const spanProcessor = new tracing.BatchSpanProcessor(exporter);
  const instrumentations = [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req: IncomingMessage) => isHousekeepingPath(req.url) }),
    new IORedisInstrumentation(),
    new UndiciInstrumentation(),
    new fastifyOtel.FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route: { url: string }) => isHousekeepingPath(route.url),
    }),
  ];

  const sdk = new NodeSDK({
    serviceName,
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(traceSampleRatio) }),
    spanProcessors: [spanProcessor],
    instrumentations,
    // Metrics are served by Prometheus (MetricsService) and logs go to stdout; without these empty lists the SDK
    // would start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  preloadForRequireHooks(['ioredis']);

  let stopped: Promise<void> | undefined;
  return {
    forceFlush: () => spanProcessor.forceFlush(),
    shutdown: () =>
      (stopped ??= sdk.shutdown().finally(() => {
        for (const instrumentation of instrumentations) instrumentation.disable();
        // Unregisters the global provider, context manager and propagator, so a later startTracing starts clean.
        api.trace.disable();
        api.context.disable();
        api.propagation.disable();
      })),
  };
}
