import { randomUUID } from 'node:crypto';
import type { OnApplicationShutdown } from '@nestjs/common';
import { JobQueue, type Job, type JobCounts, type JobHandler, type JobOptions } from './ports.js';

type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

interface JobRecord {
  id: string;
  name: string;
  /** JSON text of the payload: handlers get a fresh copy per attempt, as they would from Redis. */
  payload: string;
  attempts: number;
  backoffMs: number;
  attemptsMade: number;
  state: JobState;
  timer?: NodeJS.Timeout;
  failedReason?: string;
}

interface Registration {
  handler: JobHandler<object>;
  concurrency: number;
  active: number;
}

export interface InMemoryJobQueueOptions {
  /** Completed jobs remembered for dedupe and counts (the oldest are forgotten first), like BullMQ's removeOnComplete. */
  keepCompleted?: number;
}

/** Retry n (1-based) waits `backoffMs * 2^(n-1)`, the same curve as BullMQ's exponential backoff. */
export function backoffDelay(backoffMs: number, attemptsMade: number): number {
  return backoffMs > 0 ? backoffMs * 2 ** (attemptsMade - 1) : 0;
}

/**
 * In-process {@link JobQueue} for the single-node quick start and tests. Jobs live in memory only and are lost on
 * restart; failed jobs are kept for inspection. Timers are unref'd so a pending delayed job never keeps the process
 * alive.
 */
export class InMemoryJobQueue extends JobQueue implements OnApplicationShutdown {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly waiting = new Map<string, JobRecord[]>();
  private readonly registrations = new Map<string, Registration>();
  private readonly running = new Set<Promise<void>>();
  private readonly completedOrder: string[] = [];
  private readonly keepCompleted: number;
  private closing: Promise<void> | undefined;

  constructor(options: InMemoryJobQueueOptions = {}) {
    super();
    this.keepCompleted = options.keepCompleted ?? 1000;
  }

  add<T extends object>(name: string, data: T, options: JobOptions = {}): Promise<string> {
    if (this.closing) return Promise.reject(new Error(`Cannot add job "${name}": the job queue is closed`));
    if (options.jobId !== undefined && this.jobs.has(options.jobId)) return Promise.resolve(options.jobId);
    const job: JobRecord = {
      id: options.jobId ?? randomUUID(),
      name,
      payload: JSON.stringify(data),
      attempts: Math.max(1, options.attempts ?? 1),
      backoffMs: options.backoffMs ?? 0,
      attemptsMade: 0,
      state: 'waiting',
    };
    this.jobs.set(job.id, job);
    if (options.delayMs && options.delayMs > 0) this.delay(job, options.delayMs);
    else this.enqueue(job);
    return Promise.resolve(job.id);
  }

  process<T extends object>(name: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): void {
    if (this.closing) throw new Error(`Cannot register a handler for "${name}": the job queue is closed`);
    if (this.registrations.has(name)) throw new Error(`A handler for jobs "${name}" is already registered`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    this.registrations.set(name, { handler: handler as JobHandler<object>, concurrency, active: 0 });
    this.pump(name);
  }

  counts(): Promise<JobCounts> {
    const counts: JobCounts = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
    for (const job of this.jobs.values()) counts[job.state]++;
    return Promise.resolve(counts);
  }

  /** 1 when this process has a handler for `name` (an in-process queue has no other consumers), else 0. */
  consumers(name: string): Promise<number> {
    return Promise.resolve(this.registrations.has(name) && !this.closing ? 1 : 0);
  }

  ping(): Promise<void> {
    return this.closing ? Promise.reject(new Error('The job queue is closed')) : Promise.resolve();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.jobs.values()) clearTimeout(job.timer);
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
    })();
    return this.closing;
  }

  /** After the HTTP server has closed (see StoreModule), so a request in flight can still add its job. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private enqueue(job: JobRecord): void {
    job.state = 'waiting';
    const list = this.waiting.get(job.name) ?? [];
    list.push(job);
    this.waiting.set(job.name, list);
    this.pump(job.name);
  }

  private delay(job: JobRecord, ms: number): void {
    job.state = 'delayed';
    if (this.closing) return;
    job.timer = setTimeout(() => {
      job.timer = undefined;
      if (!this.closing) this.enqueue(job);
    }, ms);
    job.timer.unref();
  }

  private pump(name: string): void {
    const registration = this.registrations.get(name);
    const list = this.waiting.get(name);
    if (!registration || !list) return;
    while (!this.closing && registration.active < registration.concurrency && list.length > 0) {
      const job = list.shift()!;
      registration.active++;
      const run = this.run(job, registration).finally(() => {
        registration.active--;
        this.running.delete(run);
        this.pump(name);
      });
      this.running.add(run);
    }
  }

  private async run(job: JobRecord, registration: Registration): Promise<void> {
    job.state = 'active';
    const view: Job<object> = {
      id: job.id,
      name: job.name,
      data: JSON.parse(job.payload) as object,
      attemptsMade: job.attemptsMade,
    };
    try {
      await registration.handler(view);
    } catch (error) {
      job.attemptsMade++;
      job.failedReason = error instanceof Error ? error.message : String(error);
      if (job.attemptsMade < job.attempts) {
        const wait = backoffDelay(job.backoffMs, job.attemptsMade);
        if (wait > 0) this.delay(job, wait);
        else this.enqueue(job);
      } else {
        job.state = 'failed';
      }
      return;
    }
    job.state = 'completed';
    this.completedOrder.push(job.id);
    while (this.completedOrder.length > this.keepCompleted) this.jobs.delete(this.completedOrder.shift()!);
  }
}
