import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Gp2gp, type Gp2gpJobPayload } from '@lloyd/gp2gp';
import { LOGGER, type AppLogger } from '@lloyd/observability';
import { JobQueue, type Job } from '@lloyd/store';

/**
 * Consumes the GP2GP jobs: one processor per step (`Gp2gpJob.*`), each running the step for the transfer named in
 * the payload. Steps re-read the transfer, so redelivered, duplicate and late jobs are harmless; a step that fails
 * is tried again on its backoff schedule (`gp2gp.stepBackoffMs` doubling up to `stepRetryMaxDelayMs`) until
 * `stepRetryForMs` after its first failure, then fails the transfer with its reason code. Also runs the lost-job
 * safety net at start and periodically.
 */
@Injectable()
export class Gp2gpProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gp2gp: Gp2gp,
    private readonly queue: JobQueue,
    @Inject(LOGGER) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    for (const step of this.gp2gp.steps) {
      this.queue.process<Gp2gpJobPayload>(step.job, (job) => this.handle(job), {
        concurrency: this.gp2gp.options.concurrency,
      });
    }
    void this.resumeStalled();
    this.timer = setInterval(() => void this.resumeStalled(), this.gp2gp.options.resumeIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async handle(job: Job<Gp2gpJobPayload>): Promise<void> {
    const result = await this.gp2gp.handle(job);
    this.logger.debug(
      { job: job.name, transferId: job.data.transferId, traceId: job.data.traceId, result },
      'GP2GP step ran',
    );
  }

  private async resumeStalled(): Promise<void> {
    try {
      const resumed = await this.gp2gp.resumeStalled.execute();
      if (resumed.length > 0)
        this.logger.warn({ transfers: resumed }, 'GP2GP transfers that had stopped moving were resumed');
    } catch (err) {
      this.logger.error({ err }, 'could not look for stalled GP2GP transfers');
    }
  }
}
