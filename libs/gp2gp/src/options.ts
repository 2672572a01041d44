/** Milliseconds since the epoch; injected so tests move time instead of waiting (no `Date.now()` in logic). */
export type Gp2gpClock = () => number;

/** Injection token for the {@link Gp2gpClock}; without it the wall clock is used. */
export const GP2GP_CLOCK = Symbol('GP2GP_CLOCK');

/** Injection token for {@link Gp2gpOptions} (partial; missing fields take {@link DEFAULT_GP2GP_OPTIONS}). */
export const GP2GP_OPTIONS = Symbol('GP2GP_OPTIONS');

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Tunables of the transfer broker. The defaults follow GP2GP 2.2 and the NHS adaptors' test values. */
export interface Gp2gpOptions {
  /** An extract above this many bytes travels as a large message (Spine's 5,000,000-character limit). */
  largeMessageThresholdBytes: number;
  /** Attachments (and an oversized extract) are cut into COPC fragments of at most this many bytes (NHS sender). */
  fragmentBytes: number;
  /** Persist duration of the EHR extract (A × this in the large-message timeout). */
  extractPersistMs: number;
  /** Persist duration of one COPC (B × fragments × this in the large-message timeout). */
  copcPersistMs: number;
  /** The final-ack rule: not integrated this long after the extract arrived means the paper fallback. */
  integrationDeadlineMs: number;
  /** Deadline of one call to a supplier system's transfer endpoint. */
  supplierCallTimeoutMs: number;
  /**
   * Tries the queue gives one job when it fails outside its step's own work (another worker holds the step's lease,
   * the store is briefly unreachable). A failing step is retried on its own schedule ({@link stepRetryForMs}).
   */
  stepAttempts: number;
  /** First delay of the retry schedule (and of the queue's backoff); it doubles with each retry. */
  stepBackoffMs: number;
  /** Longest delay between two tries of a failing step: the doubling stops here. */
  stepRetryMaxDelayMs: number;
  /**
   * How long a step that keeps failing for a reason that may pass (a supplier system down, slow or answering
   * nonsense) is retried, from its first failure, before the transfer fails with the step's reason code. Defaults to
   * the EHR extract's persist duration: Spine keeps retrying a message that long too.
   */
  stepRetryForMs: number;
  /** A step's lease lapses this long after its worker stops renewing it (e.g. was killed). */
  leaseTtlMs: number;
  /** How often the progress stream re-reads the store for changes made by other processes. */
  eventPollMs: number;
  /** Jobs of one kind run at once in one worker process. */
  concurrency: number;
  /** An open transfer that has not moved for this long has its next step enqueued again (lost-job safety net). */
  resumeStalledAfterMs: number;
  /** How often each worker looks for such transfers. */
  resumeIntervalMs: number;
  /**
   * How long a transfer's files (extracts, fragments, attachments, translated record, messages) are kept after the
   * transfer has ended (completed or failed, and settled); then they are deleted. The transfer itself and its
   * integration note are kept. 0 deletes them as soon as the transfer is settled.
   */
  fileRetentionMs: number;
}

export const DEFAULT_GP2GP_OPTIONS: Readonly<Gp2gpOptions> = Object.freeze({
  largeMessageThresholdBytes: 5_000_000,
  fragmentBytes: 4_500_000,
  extractPersistMs: 4 * HOUR + 10 * 60 * 1000,
  copcPersistMs: 7 * HOUR,
  integrationDeadlineMs: 8 * DAY,
  supplierCallTimeoutMs: 5 * 60 * 1000,
  stepAttempts: 5,
  stepBackoffMs: 1000,
  stepRetryMaxDelayMs: 5 * 60 * 1000,
  stepRetryForMs: 4 * HOUR + 10 * 60 * 1000,
  leaseTtlMs: 30_000,
  eventPollMs: 1000,
  concurrency: 4,
  resumeStalledAfterMs: 10 * 60 * 1000,
  resumeIntervalMs: 60 * 1000,
  fileRetentionMs: 7 * DAY,
});

export function resolveOptions(options: Partial<Gp2gpOptions> | undefined): Gp2gpOptions {
  return { ...DEFAULT_GP2GP_OPTIONS, ...options };
}

/**
 * The NHS receiving adaptor's overall large-message timeout: A × persist(EHR extract) + B × fragments ×
 * persist(COPC), with A = B = 1.
 */
export function largeMessageTimeoutMs(options: Gp2gpOptions, fragments: number): number {
  return options.extractPersistMs + fragments * options.copcPersistMs;
}

/**
 * The delay before retry `retry` (1-based) of a failing step: {@link Gp2gpOptions.stepBackoffMs} doubled with each
 * retry, at most {@link Gp2gpOptions.stepRetryMaxDelayMs}.
 */
export function stepRetryDelayMs(
  options: Pick<Gp2gpOptions, 'stepBackoffMs' | 'stepRetryMaxDelayMs'>,
  retry: number,
): number {
  const doubled = options.stepBackoffMs * 2 ** Math.min(Math.max(0, retry - 1), 40);
  return Math.min(options.stepRetryMaxDelayMs, doubled);
}
