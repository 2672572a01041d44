import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobQueue, type JobCounts, type JobHandler, type JobOptions } from './ports.js';
import { connectRedis, quitRedis, type RedisClientOptions } from './redis-client.js';

/**
 * BullMQ rejects custom job ids that contain `:` or look like integers (they would clash with its own ids).
 * URI-encoding removes `:` (and `%` stays unambiguous); integer-looking ids get a `#` mark, which encoding never
 * produces. The mapping is injective and reversible, so dedupe by id is preserved.
 */
export function toBullJobId(id: string): string {
  return /^\d+$/.test(id) ? `#${id}` : encodeURIComponent(id);
}

/** Inverse of {@link toBullJobId}; BullMQ's own numeric ids pass through unchanged. */
export function fromBullJobId(id: string): string {
  return id.startsWith('#') ? id.slice(1) : decodeURIComponent(id);
}

/** Queue names may not contain `:` in BullMQ either. */
function queueName(jobName: string): string {
  return encodeURIComponent(jobName);
}

/** Applies `action` to every value that was successfully created, whatever happened to the others. */
async function settleEach<T>(pending: Iterable<Promise<T>>, action: (value: T) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled([...pending]);
  await Promise.allSettled(settled.map((r) => (r.status === 'fulfilled' ? action(r.value) : Promise.resolve())));
}

export interface BullMqJobQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix, e.g. `lloyd:bull` (keys become `lloyd:bull:<queue>:...`). */
  prefix: string;
  /** Completed jobs kept per job name (for dedupe and inspection); failed jobs are always kept. Default 1000. */
  keepCompleted?: number;
  /** Test hook: extra ioredis options for every connection. */
  connectionOverrides?: RedisClientOptions['overrides'];
  /**
   * How long a job stays locked to the worker running it without renewal; a worker that dies (SIGKILL) loses its
   * jobs to another worker within about twice this. Default 30 s (BullMQ's own default).
   */
  lockDurationMs?: number;
}

/**
 * {@link JobQueue} on BullMQ: one BullMQ Queue and, where handlers are registered, one Worker per job name, each with
 * its own Redis connections so a worker's blocking reads never stall producers. Several processes may add and
 * process the same names. Jobs are retried with exponential backoff and failed jobs are kept (`removeOnFail: false`).
 */
export class BullMqJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger('BullMqJobQueue');
  /** BullMQ reports an error per reconnect attempt; the connection itself already logs each outage once. */
  private readonly errors = new ThrottledErrors(this.logger);
  private readonly queues = new Map<string, Promise<Queue>>();
  private readonly workers = new Map<string, Promise<Worker>>();
  private readonly connections = new Set<Promise<Redis>>();
  private readonly control: Promise<Redis>;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BullMqJobQueueOptions) {
    super();
    this.control = this.connect('queue-control');
    // Surfaces through ping() and close(); avoid an unhandled rejection until then.
    this.control.catch(() => undefined);
  }

  async add<T extends object>(name: string, data: T, options: JobOptions = {}): Promise<string> {
    if (this.closing) throw new Error(`Cannot add job "${name}": the job queue is closed`);
    const queue = await this.queue(name);
    const job = await queue.add(name, data, {
      ...(options.jobId !== undefined && { jobId: toBullJobId(options.jobId) }),
      attempts: Math.max(1, options.attempts ?? 1),
      ...(options.backoffMs && { backoff: { type: 'exponential', delay: options.backoffMs } }),
      ...(options.delayMs && { delay: options.delayMs }),
      removeOnComplete: { count: this.options.keepCompleted ?? 1000 },
      removeOnFail: false,
    });
    if (job.id === undefined) throw new Error(`BullMQ returned no id for job "${name}"`);
    return fromBullJobId(job.id);
  }

  process<T extends object>(name: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): void {
    if (this.closing) throw new Error(`Cannot register a handler for "${name}": the job queue is closed`);
    if (this.workers.has(name)) throw new Error(`A handler for jobs "${name}" is already registered`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    const worker = (async () => {
      // Counts cover the names this instance processes, even if it never adds to them.
      await this.queue(name);
      const connection = await this.connect(`worker:${name}`, true);
      const created = new Worker(
        queueName(name),
        async (job: BullJob<T>) => {
          await handler({ id: fromBullJobId(job.id ?? ''), name, data: job.data, attemptsMade: job.attemptsMade });
        },
        {
          connection,
          prefix: this.options.prefix,
          concurrency,
          ...(this.options.lockDurationMs && {
            lockDuration: this.options.lockDurationMs,
            stalledInterval: this.options.lockDurationMs,
          }),
        },
      );
      created.on('error', (error: Error) => this.errors.report(`Worker for "${name}" failed`, error));
      return created;
    })();
    worker.catch((error: unknown) =>
      this.logger.error(
        `Could not start the worker for "${name}": ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    this.workers.set(name, worker);
  }

  async counts(): Promise<JobCounts> {
    const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const pending of this.queues.values()) {
      const queue = await pending;
      const byType = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      counts.waiting += byType['waiting'] ?? 0;
      counts.active += byType['active'] ?? 0;
      counts.delayed += byType['delayed'] ?? 0;
      counts.completed += byType['completed'] ?? 0;
      counts.failed += byType['failed'] ?? 0;
    }
    return counts;
  }

  /** Workers connected to the job's queue, counted by Redis (`CLIENT LIST`), so those of other processes too. */
  async consumers(name: string): Promise<number> {
    if (this.closing) throw new Error('The job queue is closed');
    return (await this.queue(name)).getWorkersCount();
  }

  async ping(): Promise<void> {
    if (this.closing) throw new Error('The job queue is closed');
    await (await this.control).ping();
  }

  /** Closes workers first (waiting for running jobs), then queues, then every connection this instance opened. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await settleEach(this.workers.values(), (worker) => worker.close());
      await settleEach(this.queues.values(), (queue) => queue.close());
      await settleEach(this.connections, quitRedis);
    })();
    return this.closing;
  }

  /** After the HTTP server has closed (see StoreModule), so a request in flight can still add its job. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private queue(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.connect(`queue:${name}`).then((connection) => {
        const created = new Queue(queueName(name), { connection, prefix: this.options.prefix });
        created.on('error', (error: Error) => this.errors.report(`Queue "${name}" failed`, error));
        return created;
      });
      this.queues.set(name, queue);
      // A failed connection is retried on the next call instead of being cached.
      queue.catch(() => this.queues.delete(name));
    }
    return queue;
  }

  private connect(name: string, blocking = false): Promise<Redis> {
    const connection = connectRedis(this.options.redisUrl, {
      name,
      blocking,
      overrides: this.options.connectionOverrides,
    });
    this.connections.add(connection);
    return connection;
  }
}

/** How often one source's errors are logged at most; the repeats in between are counted and said with the next. */
export const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Logs a source's errors at most once per {@link ERROR_LOG_INTERVAL_MS}: during a Redis outage BullMQ emits an
 * error for every reconnect attempt of every queue and worker, hundreds a minute, which would bury everything else.
 */
export class ThrottledErrors {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Pick<Logger, 'error'>,
    private readonly now: () => number = Date.now,
  ) {}

  report(source: string, error: Error): void {
    const at = this.now();
    const seen = this.last.get(source);
    if (seen && at - seen.at < ERROR_LOG_INTERVAL_MS) {
      seen.suppressed++;
      return;
    }
    const repeats = seen?.suppressed ? ` (and ${seen.suppressed} more since the last report)` : '';
    this.logger.error(`${source}: ${error.message}${repeats}`);
    this.last.set(source, { at, suppressed: 0 });
  }
}
