export { createLogger, traceMixin, REDACTED_PATHS, type AppLogger, type LoggerConfig } from './logger.js';
export { PinoNestLogger } from './pino-nest-logger.js';
export {
  MetricsService,
  METRICS_OPTIONS,
  HTTP_DURATION_BUCKETS,
  type HttpLabel,
  type MetricsServiceOptions,
  type MetricsText,
} from './metrics.service.js';
export { registerHttpMetrics, UNMATCHED_ROUTE } from './http-metrics.js';
export { ObservabilityModule, LOGGER, type ObservabilityModuleOptions } from './observability.module.js';
export { startTracing, otlpTracesUrl, type TracingConfig, type TracingHandle, type TracingOptions } from './tracing.js';
export { shutdownTracingOnSignals, type ShutdownOnSignalsOptions, type SignalTarget } from './tracing-shutdown.js';
