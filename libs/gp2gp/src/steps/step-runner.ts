import { setTimeout as sleep } from 'node:timers/promises';
import type { AppLogger } from '@lloyd/observability';
import type { Gp2gpJob } from '../jobs/gp2gp-job.js';
import type { TransferScheduler } from '../jobs/transfer-scheduler.js';
import type { ReasonCode } from '../model/reason-codes.js';
import type { Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';
import { fail } from '../model/transitions.js';
import { StepBusyError, type Lease, type StepLeases } from '../store/step-lease.js';
import type { Transfers } from '../store/transfers.js';
import { TransferStepError } from './step-error.js';

/** Where the step's job is in its tries. */
export interface StepAttempt {
  /** Tries that already failed (0 on the first). */
  attemptsMade: number;
  /** Total tries the job was given. */
  attempts: number;
}

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
export type StepResult = 'advanced' | 'moot' | 'missing' | 'failed';

/**
 * Runs steps the way every GP2GP job does: re-read the transfer; return quietly when the step is moot (making sure
 * the job for the transfer's actual state is enqueued, which repairs a crash between a write and its enqueue); take
 * the step's lease so no other worker runs it at once; run it; enqueue what comes next. A step that keeps failing
 * fails the transfer with its reason code on its last try; a {@link TransferStepError} fails it at once.
 */
export class StepRunner {
  constructor(
    private readonly transfers: Transfers,
    private readonly leases: StepLeases,
    private readonly scheduler: TransferScheduler,
    private readonly leaseTtlMs: number,
    private readonly logger?: AppLogger,
  ) {}

  async run(step: TransferStep, transferId: string, attempt: StepAttempt): Promise<StepResult> {
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
        const last = attempt.attemptsMade + 1 >= attempt.attempts;
        if (!(error instanceof TransferStepError) && !last) throw error;
        after = await this.failTransfer(step, current, error);
        result = 'failed';
      }
      await this.scheduler.continue(after);
      return result;
    } finally {
      await lease.release();
    }
  }

  private async failTransfer(step: TransferStep, current: Transfer, error: unknown): Promise<Transfer> {
    const code = error instanceof TransferStepError ? error.code : step.failureCode;
    const reason =
      error instanceof TransferStepError
        ? error.message
        : `Step ${step.job} kept failing: ${error instanceof Error ? error.message : String(error)}`;
    this.logger?.warn({ err: error, transferId: current.id, step: step.job, code }, 'GP2GP transfer failed');
    const written = await this.transfers.update(current.id, (latest, now) =>
      isTerminal(latest.state) ? null : fail(latest, code, reason, now, step.job),
    );
    return written?.transfer ?? current;
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
