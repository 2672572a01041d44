import { setTimeout as sleep } from 'node:timers/promises';
import { SupplierError } from '@lloyd/adapters-core';
import type { AppLogger } from '@lloyd/observability';
import type { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { ReasonCode } from '../model/reason-codes.js';
import type { Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';
import { fail, note } from '../model/transitions.js';
import { stepRetryDelayMs, type Gp2gpOptions } from '../options.js';
import { StepBusyError, type Lease, type StepLeases } from '../store/step-lease.js';
import type { Transfers } from '../store/transfers.js';
import { TransferStepError } from './step-error.js';

/** One step of the transfer: the states it acts on and what it does there. */
export interface TransferStep {
  readonly job: Gp2gpJob;
  /** The reason code the transfer fails with when the step keeps failing (its tries are used up). */
  readonly failureCode: ReasonCode;
  /** Whether the step has anything to do for the transfer as it is now. */
  handles(transfer: Transfer): boolean;
  /**
   * Does the step's work and writes its transitions (each with compare-and-set, state persisted before anything
   * else is enqueued). Resolves the transfer as the step left it. Must be safe to run again after a crash.
   */
  run(transfer: Transfer): Promise<Transfer>;
}

/** What a run of a step did. */
export type StepResult = 'advanced' | 'moot' | 'missing' | 'failed' | 'retrying';

/** The retry schedule of failing steps (see {@link Gp2gpOptions}). */
export type StepRetryOptions = Pick<Gp2gpOptions, 'stepBackoffMs' | 'stepRetryMaxDelayMs' | 'stepRetryForMs'>;

/**
 * Runs steps the way every GP2GP job does: re-read the transfer; return quietly when the step is moot (making sure
 * the job for the transfer's actual state is enqueued, which repairs a crash between a write and its enqueue); take
 * the step's lease so no other worker runs it at once; run it; enqueue what comes next. A step that fails is tried
 * again on a backoff schedule (each retry and its time noted on the timeline) until `stepRetryForMs` after its first
 * failure, then fails the transfer with its reason code; a {@link TransferStepError} fails it at once.
 */
export class StepRunner {
  constructor(
    private readonly transfers: Transfers,
    private readonly leases: StepLeases,
    private readonly scheduler: TransferScheduler,
    private readonly leaseTtlMs: number,
    private readonly retry: StepRetryOptions,
    private readonly logger?: AppLogger,
  ) {}

  async run(step: TransferStep, transferId: string): Promise<StepResult> {
    const before = await this.transfers.get(transferId);
    if (!before) return 'missing';
    if (!step.handles(before)) {
      await this.scheduler.continue(before);
      return 'moot';
    }
    const lease = await this.acquire(transferId, step.job);
    try {
      const current = await this.transfers.get(transferId);
      if (!current) return 'missing';
      if (!step.handles(current)) {
        await this.scheduler.continue(current);
        return 'moot';
      }
      let after: Transfer;
      let result: StepResult = 'advanced';
      try {
        after = await step.run(current);
      } catch (error) {
        if (!(error instanceof TransferStepError) && (await this.retryLater(step, transferId, error)))
          return 'retrying';
        after = await this.failTransfer(step, transferId, error);
        result = 'failed';
      }
      await this.scheduler.continue(after);
      return result;
    } finally {
      await lease.release();
    }
  }

  /**
   * Schedules the step's next try when its retry period has not run out: notes the retry and the time of the next
   * try on the timeline (operators watch it there), and enqueues the try after its delay. False when the period is
   * over (or the transfer moved on meanwhile), and the transfer is to fail.
   */
  private async retryLater(step: TransferStep, transferId: string, error: unknown): Promise<boolean> {
    const why = describe(error);
    let delayMs = 0;
    const written = await this.transfers.update(transferId, (latest, now) => {
      if (isTerminal(latest.state)) return null;
      const earlier = latest.retry?.step === step.job ? latest.retry : undefined;
      const since = earlier ? Date.parse(earlier.since) : now.getTime();
      const waitedMs = earlier?.waitedMs ?? 0;
      const left = this.retry.stepRetryForMs - Math.max(now.getTime() - since, waitedMs);
      if (left <= 0) return null;
      const retry = (earlier?.retry ?? 0) + 1;
      // The last try falls when the period ends, not after.
      delayMs = Math.min(stepRetryDelayMs(this.retry, retry), left);
      const nextAttemptAt = new Date(now.getTime() + delayMs).toISOString();
      const until = new Date(since + this.retry.stepRetryForMs).toISOString();
      return note(
        latest,
        `Step ${step.job} failed (${why}); retry ${retry} at ${nextAttemptAt}, retrying until ${until}.`,
        now,
        {
          retry: {
            step: step.job,
            retry,
            since: new Date(since).toISOString(),
            nextAttemptAt,
            until,
            waitedMs: waitedMs + delayMs,
            lastError: why,
          },
        },
      );
    });
    if (!written?.changed) return false;
    this.logger?.info(
      { err: error, transferId, step: step.job, retry: written.transfer.retry },
      'GP2GP step failed; retrying later',
    );
    await this.scheduler.retry(written.transfer, step.job, delayMs);
    return true;
  }

  private async failTransfer(step: TransferStep, transferId: string, error: unknown): Promise<Transfer> {
    const code = error instanceof TransferStepError ? error.code : step.failureCode;
    let reason = error instanceof TransferStepError ? error.message : '';
    const written = await this.transfers.update(transferId, (latest, now) => {
      if (isTerminal(latest.state)) return null;
      if (!(error instanceof TransferStepError)) reason = keptFailing(step, latest, now, error);
      return fail(latest, code, reason, now, step.job);
    });
    this.logger?.warn({ err: error, transferId, step: step.job, code }, 'GP2GP transfer failed');
    return written?.transfer ?? (await this.transfers.get(transferId))!;
  }

  /**
   * Takes the step's lease. A lease held by a worker that died lapses within its TTL, so wait that long (polling)
   * before giving up; a live holder keeps renewing, and then the job is retried later.
   */
  private async acquire(transferId: string, job: Gp2gpJob): Promise<Lease> {
    const giveUpAfter = 2 * this.leaseTtlMs;
    const pause = Math.max(10, Math.min(250, Math.floor(this.leaseTtlMs / 3)));
    for (let waited = 0; ; waited += pause) {
      const lease = await this.leases.acquire(transferId, job);
      if (lease) return lease;
      if (waited >= giveUpAfter) throw new StepBusyError(transferId, job);
      await sleep(pause, undefined, { ref: false });
    }
  }
}

/** An error in a few words for the timeline: a supplier error's summary (its advice comes with the failure). */
function describe(error: unknown): string {
  if (error instanceof SupplierError) return error.summary.replace(/\.$/, '');
  return error instanceof Error ? error.message : String(error);
}

/** Why a step that kept failing ended the transfer: how long it was tried, the last error, and what to do. */
function keptFailing(step: TransferStep, t: Transfer, now: Date, error: unknown): string {
  const retried = t.retry?.step === step.job ? t.retry : undefined;
  const tried = retried
    ? `failed for ${formatDuration(now.getTime() - Date.parse(retried.since))} (${retried.retry + 1} tries)`
    : 'failed';
  // A supplier's record-view advice (its own timeoutMs, a 502) does not apply: transfers have settings of their own.
  const message =
    error instanceof SupplierError
      ? `${error.summary} ${error.transferHint}`
      : `${error instanceof Error ? error.message : String(error)}. Check Lloyd's log for the transfer id, then request the transfer again.`;
  return `Step ${step.job} ${tried}: ${message}`;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
