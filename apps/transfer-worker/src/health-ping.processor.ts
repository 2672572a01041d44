import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@lloyd/observability';
import {
  JobQueue,
  KeyValueStore,
  SystemJob,
  WORKER_HEARTBEAT_KEY,
  type HealthPingPayload,
  type Job,
} from '@lloyd/store';

/** Consumes health pings: records that this worker took a job off the queue, so operators can see workers alive. */
@Injectable()
export class HealthPingProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly queue: JobQueue,
    private readonly kv: KeyValueStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.process<HealthPingPayload>(SystemJob.HealthPing, (job) => this.handle(job), { concurrency: 1 });
  }

  async handle(job: Job<HealthPingPayload>): Promise<void> {
    const heartbeat = {
      jobId: job.id,
      requestedAt: job.data.requestedAt,
      processedAt: new Date().toISOString(),
      pid: process.pid,
    };
    await this.kv.set(WORKER_HEARTBEAT_KEY, JSON.stringify(heartbeat), { ttlSeconds: 3600 });
    this.logger.info({ job: job.id }, 'health ping processed');
  }
}
