import { randomUUID } from 'node:crypto';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleType,
  retry,
  TaskCancelledError,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { LloydConfig } from '@lloyd/config';
import {
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierAdapter,
  type SupplierCallContext,
} from '@lloyd/adapters-core';
import { OperationOutcomeError, outcomes } from '@lloyd/fhir';
import type { SupplierDirectory } from './supplier-directory.js';

const BREAKER_STATES = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
} as const;

export interface CallOptions {
  correlationId?: string;
  /** Whether the call may be repeated safely (reads); only those are retried. Default true. */
  idempotent?: boolean;
}

interface SupplierPolicies {
  guarded: IPolicy;
  retrying: IPolicy;
  breaker: ReturnType<typeof circuitBreaker>;
  /** When the breaker last opened (ms since the epoch), to tell callers how long is left before it tries again. */
  openedAt: number;
}

/** How one supplier call ended, as operators see it in metrics. */
export type SupplierCallOutcome = 'ok' | 'timeout' | 'unavailable' | 'protocol' | 'breaker-open' | 'bulkhead-full';
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Told of every call's outcome and every breaker change (the gateway turns them into Prometheus metrics). */
export interface SupplierCallObserver {
  called(ods: string, outcome: SupplierCallOutcome): void;
  breakerChanged(ods: string, state: BreakerState): void;
}

const SILENT: SupplierCallObserver = { called: () => undefined, breakerChanged: () => undefined };

/**
 * Calls a practice's supplier system through its adapter, protected per supplier by a bulkhead (bounded concurrency
 * and queue), a circuit breaker (consecutive failures open it), jittered retries of idempotent reads after connection
 * failures, and one deadline for the whole call including retries. Supplier failures become the gateway's answers:
 * 502 when the system cannot be reached or answers nonsense, 504 when it is too slow, 503 when its bulkhead is full.
 */
export class SupplierCaller {
  private readonly policies = new Map<string, SupplierPolicies>();

  constructor(
    private readonly directory: SupplierDirectory,
    private readonly resilience: LloydConfig['resilience'],
    private readonly observer: SupplierCallObserver = SILENT,
    private readonly clock: () => number = Date.now,
  ) {}

  async call<T>(
    ods: string,
    fn: (adapter: SupplierAdapter, ctx: SupplierCallContext) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const endpoint = this.directory.get(ods);
    if (!endpoint) throw outcomes.badGateway(ods);
    const correlationId = options.correlationId ?? randomUUID();
    const policies = this.policiesFor(ods);
    const policy = options.idempotent === false ? policies.guarded : policies.retrying;
    // One deadline for the whole call. The policies hand each attempt a signal derived from it, and the timer is
    // cleared as soon as the call ends (AbortSignal.timeout's cannot be, and AbortSignal.any costs more than the
    // supplier's 304 it would guard).
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException('The supplier call passed its deadline', 'TimeoutError')),
      endpoint.config.timeoutMs,
    ).unref();
    const late = () =>
      new SupplierTimeoutError({
        ods,
        format: endpoint.adapter.format,
        detail: 'the deadline passed before the call could start',
      });
    try {
      const result = await policy.execute(({ signal }) => {
        if (signal.aborted) throw late();
        return fn(endpoint.adapter, { signal, correlationId });
      }, deadline.signal);
      this.observer.called(ods, 'ok');
      return result;
    } catch (err) {
      // A call still queued in the bulkhead when the deadline passes is cancelled by the policy.
      const cause = err instanceof TaskCancelledError && deadline.signal.aborted ? late() : err;
      const outcome = outcomeOf(cause);
      if (outcome) this.observer.called(ods, outcome);
      throw this.translate(cause, ods);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Health probe for readiness: straight to the supplier with its deadline, bypassing breaker and retries, so the
   * report shows the system's real state (and a recovered system is seen at once).
   */
  async probe(ods: string): Promise<void> {
    const endpoint = this.directory.get(ods);
    if (!endpoint) throw outcomes.badGateway(ods);
    try {
      await endpoint.adapter.health({
        signal: AbortSignal.timeout(endpoint.config.timeoutMs),
        correlationId: randomUUID(),
      });
    } catch (err) {
      throw this.translate(err, ods);
    }
  }

  /** Current breaker state per supplier, for readiness reports and tests. */
  breakerState(ods: string): BreakerState {
    const state = this.policies.get(ods)?.breaker.state ?? CircuitState.Closed;
    return BREAKER_STATES[state];
  }

  private policiesFor(ods: string): SupplierPolicies {
    let found = this.policies.get(ods);
    if (!found) {
      const r = this.resilience;
      const failures = handleType(SupplierUnavailableError).orType(SupplierTimeoutError).orType(SupplierProtocolError);
      const breaker = circuitBreaker(failures, {
        halfOpenAfter: r.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(r.breakerThreshold),
      });
      const guarded = wrap(bulkhead(r.maxConcurrentPerSupplier, r.maxQueuedPerSupplier), breaker);
      // Only connection-level failures are retried: a timeout has used the deadline, and nonsense will not improve.
      const retrying = wrap(
        retry(handleType(SupplierUnavailableError), {
          maxAttempts: r.retries,
          backoff: new ExponentialBackoff({ initialDelay: r.retryInitialDelayMs, maxDelay: 500 }),
        }),
        guarded,
      );
      const policies: SupplierPolicies = { guarded, retrying, breaker, openedAt: 0 };
      breaker.onBreak(() => {
        policies.openedAt = this.clock();
        this.observer.breakerChanged(ods, 'open');
      });
      breaker.onHalfOpen(() => this.observer.breakerChanged(ods, 'half-open'));
      breaker.onReset(() => this.observer.breakerChanged(ods, 'closed'));
      found = policies;
      this.policies.set(ods, found);
    }
    return found;
  }

  private translate(err: unknown, ods: string): unknown {
    if (err instanceof OperationOutcomeError) return err;
    if (err instanceof SupplierTimeoutError) return outcomes.gatewayTimeout(ods);
    if (err instanceof SupplierUnavailableError || err instanceof SupplierProtocolError)
      return outcomes.badGateway(ods);
    if (err instanceof BrokenCircuitError) {
      // The breaker tries the system again once halfOpenAfter has passed since it opened: say how long is left.
      const openedAt = this.policies.get(ods)?.openedAt ?? this.clock();
      const left = openedAt + this.resilience.breakerHalfOpenAfterMs - this.clock();
      const seconds = Math.max(1, Math.ceil(left / 1000));
      return OperationOutcomeError.of(
        'BAD_GATEWAY',
        `The GP supplier system for ${ods} has failed repeatedly and is being given time to recover. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        { headers: { 'retry-after': String(seconds) } },
      );
    }
    if (err instanceof BulkheadRejectedError) {
      return OperationOutcomeError.of(
        'SERVICE_UNAVAILABLE',
        `Too many requests are waiting for the GP supplier system for ${ods}. Try again shortly.`,
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return err;
  }
}

function outcomeOf(err: unknown): SupplierCallOutcome | undefined {
  if (err instanceof SupplierTimeoutError) return 'timeout';
  if (err instanceof SupplierUnavailableError) return 'unavailable';
  if (err instanceof SupplierProtocolError) return 'protocol';
  if (err instanceof BrokenCircuitError) return 'breaker-open';
  if (err instanceof BulkheadRejectedError) return 'bulkhead-full';
  return undefined;
}
