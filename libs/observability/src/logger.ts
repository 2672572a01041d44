import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LloydConfig } from '@lloyd/config';
import { pino, type DestinationStream, type Logger } from 'pino';

/** The application's structured logger (a pino instance). */
export type AppLogger = Logger;

/** The part of the configuration the logger needs; a full {@link LloydConfig} fits. */
export type LoggerConfig = Pick<LloydConfig, 'observability'>;

/**
 * Secrets that must never reach a log line. Paths are pino redaction paths; `*.x` matches one level down only,
 * so the top-level forms are listed as well.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'access_token',
  'client_assertion',
  '*.access_token',
  '*.client_assertion',
];

const NO_TRACE: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Adds the active span's ids so logs and traces can be joined. Without a registered tracer provider the API is
 * a no-op and this returns a shared empty object, so it costs a function call per line and nothing else.
 */
export function traceMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return NO_TRACE;
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return NO_TRACE;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/**
 * Creates the JSON logger: level from `observability.logLevel`, `service` on every line, the active trace and span
 * ids when tracing is on, and credentials redacted. Writes to stdout unless a destination is given (tests pass one).
 */
export function createLogger(config: LoggerConfig, destination?: DestinationStream): AppLogger {
  const { logLevel, serviceName } = config.observability;
  const options = {
    level: logLevel,
    base: { service: serviceName, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not numbers: log aggregators and people read `"level":"warn"` without a lookup table.
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: traceMixin,
    // pino's default strategy assigns the line's fields into the mixin result; the shared empty object must stay empty.
    mixinMergeStrategy: (fields: object, mixed: object) => (mixed === NO_TRACE ? fields : Object.assign(mixed, fields)),
    redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
