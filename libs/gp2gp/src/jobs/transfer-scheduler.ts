import { type JobQueue } from '@lloyd/store';
import { filesDueAt, type Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';
import type { Gp2gpClock, Gp2gpOptions } from '../options.js';
import { Gp2gpJob, jobFor, jobIdFor, type Gp2gpJobPayload } from './gp2gp-job.js';

/** Longest delay given to a queue (timers overflow at 2^31 ms); a check that runs early schedules another. */
const MAX_DELAY_MS = 20 * 24 * 3600 * 1000;

/**
 * Enqueues GP2GP jobs with explicit attempts and backoff, keyed so that enqueueing the same step twice is a no-op.
 * Callers enqueue only after the state that calls for the job has been written.
 */
export class TransferScheduler {
  constructor(
    private readonly queue: JobQueue,
    private readonly options: Pick<Gp2gpOptions, 'stepAttempts' | 'stepBackoffMs' | 'fileRetentionMs'>,
    private readonly clock: Gp2gpClock,
  ) {}

  /**
   * Enqueues the job that moves the transfer on from its current state, and the checks of its deadlines; resolves
   * the job, if there is one. For an ended transfer, schedules the deletion of its files instead (see
   * {@link removeFiles}). Safe to call any number of times.
   */
  async continue(transfer: Transfer): Promise<Gp2gpJob | undefined> {
    await this.deadlines(transfer);
    const job = jobFor(transfer);
    if (!job) {
      await this.removeFiles(transfer);
      return undefined;
    }
    await this.queue.add<Gp2gpJobPayload>(job, payload(transfer), {
      jobId: jobIdFor(transfer, job),
      attempts: this.options.stepAttempts,
      backoffMs: this.options.stepBackoffMs,
    });
    return job;
  }

  /**
   * Enqueues the transfer's next step again under a new key (its version), for a transfer whose job was lost: a
   * queue that gave up on a job whose workers kept dying keeps its id, so the usual key would be a no-op.
   */
  async resume(transfer: Transfer): Promise<Gp2gpJob | undefined> {
    const job = jobFor(transfer);
    if (!job) return undefined;
    await this.queue.add<Gp2gpJobPayload>(job, payload(transfer), {
      jobId: `${jobIdFor(transfer, job)}:resume:${transfer.version}`,
      attempts: this.options.stepAttempts,
      backoffMs: this.options.stepBackoffMs,
    });
    return job;
  }

  /**
   * Enqueues a failing step's next try after `delayMs`, keyed by the transfer's version (the write that recorded the
   * retry), so every retry is a job of its own.
   */
  async retry(transfer: Transfer, job: Gp2gpJob, delayMs: number): Promise<void> {
    await this.queue.add<Gp2gpJobPayload>(job, payload(transfer), {
      jobId: `${jobIdFor(transfer, job)}:retry:${transfer.version}`,
      attempts: this.options.stepAttempts,
      backoffMs: this.options.stepBackoffMs,
      delayMs: Math.min(MAX_DELAY_MS, Math.max(0, delayMs)),
    });
  }

  /**
   * Schedules the deletion of an ended, settled transfer's files for when its retention period is over (at once when
   * it is). Keyed by that time, so scheduling twice is a no-op; a delay beyond what a queue can hold runs early and
   * the moot step schedules again. `retryAfterMs`: a try that failed, again after this long; `resume`: the safety
   * net's key (one job per stale period). Does nothing for an open transfer or one whose files are gone.
   */
  async removeFiles(transfer: Transfer, again: { retryAfterMs?: number; resume?: string } = {}): Promise<void> {
    const due = filesDueAt(transfer, this.options.fileRetentionMs);
    if (due === undefined || transfer.filesRemovedAt) return;
    const now = this.clock();
    let delayMs = Math.max(0, due - now);
    let jobId = `${transfer.conversationId}:${Gp2gpJob.RemoveFiles}:${due}`;
    if (again.retryAfterMs !== undefined) {
      delayMs = Math.max(delayMs, again.retryAfterMs);
      jobId += `:retry:${now}`;
    } else if (again.resume !== undefined) {
      jobId += `:resume:${again.resume}`;
    } else if (delayMs > MAX_DELAY_MS) {
      jobId += `:early:${Math.floor(now / 3_600_000)}`;
    }
    await this.queue.add<Gp2gpJobPayload>(Gp2gpJob.RemoveFiles, payload(transfer), {
      jobId,
      attempts: this.options.stepAttempts,
      backoffMs: this.options.stepBackoffMs,
      delayMs: Math.min(MAX_DELAY_MS, delayMs),
    });
  }

  /**
   * Schedules a timeout check at each pending deadline of the open transfer (large-message timeout, 8-day rule).
   * `again` schedules a further check of deadlines not yet reached (a check that ran early, its delay capped).
   */
  async deadlines(transfer: Transfer, again = false): Promise<void> {
    if (isTerminal(transfer.state)) return;
    const now = this.clock();
    const due = [transfer.deadlines.largeMessage, transfer.paperFallback ? undefined : transfer.deadlines.integration];
    for (const at of due) {
      if (at === undefined) continue;
      // Checked just after the deadline: a deadline is passed once the clock is beyond it.
      const dueAt = Date.parse(at) + 1;
      if (again && dueAt <= now) continue;
      await this.queue.add<Gp2gpJobPayload>(Gp2gpJob.TimeoutCheck, payload(transfer), {
        jobId: `${transfer.conversationId}:${Gp2gpJob.TimeoutCheck}:${dueAt}${again ? `:${now}` : ''}`,
        attempts: this.options.stepAttempts,
        backoffMs: this.options.stepBackoffMs,
        delayMs: Math.min(MAX_DELAY_MS, Math.max(0, dueAt - now)),
      });
    }
  }
}

function payload(transfer: Transfer): Gp2gpJobPayload {
  return { transferId: transfer.id, ...(transfer.traceId ? { traceId: transfer.traceId } : {}) };
}
