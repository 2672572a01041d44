// Tracing preload: `node --import ./dist/apps/gateway/src/otel.js dist/apps/<app>/src/main.js`. It runs before the
// entry point so the instrumentations are in place before http, Fastify and ioredis load. With no OTLP endpoint
// configured it loads no OpenTelemetry SDK at all.
import { loadConfig, type LloydConfig } from '@lloyd/config';
import { shutdownTracingOnSignals, startTracing } from '@lloyd/observability';

function configOrUndefined(): LloydConfig | undefined {
  try {
    return loadConfig();
  } catch {
    // The entry point loads the configuration again and reports what is wrong; tracing just stays off.
    return undefined;
  }
}

const config = configOrUndefined();
if (config) {
  try {
    const tracing = await startTracing(config);
    if (tracing) shutdownTracingOnSignals(tracing);
  } catch (err) {
    // Losing traces must not stop the service from starting.
    console.error(`lloyd: tracing not started (${(err as Error).message}); the service runs without traces.`);
  }
}
