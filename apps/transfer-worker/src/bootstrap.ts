import 'reflect-metadata';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { LloydConfig } from '@lloyd/config';
import { createLogger, PinoNestLogger } from '@lloyd/observability';
import { CoreModule } from '@lloyd/platform';
import { JobQueue, SystemJob, type HealthPingPayload } from '@lloyd/store';
import { WorkerModule } from './worker.module.js';

@Module({})
class WorkerRoot {}

/** Builds the standalone transfer worker: no HTTP, only queue processors. */
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
