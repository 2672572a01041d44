import { Inject, Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { Gp2gp, GP2GP_OPTIONS, type Gp2gpJobPayload, type Gp2gpOptions } from '@lloyd/gp2gp';
import { LOGGER, type AppLogger } from '@lloyd/observability';
import { JobQueue, type Job } from '@lloyd/store';

/**
 * Consumes the GP2GP jobs: one processor per step (`Gp2gpJob.*`), each running the step for the transfer named in
 * the payload. Steps re-read the transfer, so redelivered, duplicate and late jobs are harmless; a step that fails
 * is retried with backoff by the queue, and fails the transfer with its reason code on its last try.
 */
@Injectable()
export class Gp2gpProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly gp2gp: Gp2gp,
    private readonly queue: JobQueue,
    @Inject(LOGGER) private readonly logger: AppLogger,
    @Optional() @Inject(GP2GP_OPTIONS) private readonly options?: Partial<Gp2gpOptions>,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.options?.concurrency ?? this.gp2gp.options.concurrency;
    for (const step of this.gp2gp.steps) {
      this.queue.process<Gp2gpJobPayload>(step.job, (job) => this.handle(job), { concurrency });
    }
  }

  async handle(job: Job<Gp2gpJobPayload>): Promise<void> {
    const result = await this.gp2gp.handle(job);
    this.logger.debug({ job: job.name, transferId: job.data.transferId, traceId: job.data.traceId, result }, 'GP2GP step ran');
  }
}
