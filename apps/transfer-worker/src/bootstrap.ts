import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { LloydConfig } from '@lloyd/config';
import { createLogger, PinoNestLogger } from '@lloyd/observability';
import { CoreModule } from '@lloyd/platform';
import { JobQueue, SystemJob, type HealthPingPayload } from '@lloyd/store';
import { WorkerMetricsServer } from './worker-metrics.server.js';
import { WorkerModule } from './worker.module.js';

/** What only the standalone worker has: its own metrics and liveness listener (npm start's gateway serves those). */
@Module({ providers: [WorkerMetricsServer] })
class WorkerRoot {}

/**
 * Builds the standalone transfer worker: queue processors, and no API; with `worker.metricsPort` set, a small HTTP
 * listener for `/metrics` and `/health/live` ({@link WorkerMetricsServer}).
 */
export async function createWorkerApp(
  config: LloydConfig,
  options: { logger?: Logger } = {},
): Promise<INestApplicationContext> {
  const logger = options.logger ?? createLogger(config);
  const app = await NestFactory.createApplicationContext(
    { module: WorkerRoot, imports: [CoreModule.forRoot(config, { logger }), WorkerModule] },
    { logger: new PinoNestLogger(logger) },
  );
  await app.init();
  return app;
}

/** Enqueues a health ping so a starting worker proves the queue round trip at once. */
export async function pingWorkers(queue: JobQueue): Promise<string> {
  const payload: HealthPingPayload = { requestedAt: new Date().toISOString() };
  return queue.add(SystemJob.HealthPing, payload, { attempts: 3, backoffMs: 500 });
}
