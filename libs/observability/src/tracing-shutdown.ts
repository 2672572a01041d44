import type { TracingHandle } from './tracing.js';

/** The parts of `process` that {@link shutdownTracingOnSignals} uses (tests pass a fake). */
export interface SignalTarget {
  readonly pid: number;
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  listenerCount(signal: NodeJS.Signals): number;
  kill(pid: number, signal: NodeJS.Signals): unknown;
}

export interface ShutdownOnSignalsOptions {
  signals?: readonly NodeJS.Signals[];
  /** Longest wait for the last spans to export; an unreachable collector must not hold up a stop. Default 3000. */
  timeoutMs?: number;
  target?: SignalTarget;
}

/**
 * Flushes and stops tracing when the process is asked to stop, without taking the stop over. While the flush runs
 * the listener stays registered, so the application's own handler (Nest's shutdown hooks re-raise the signal when
 * they are done) cannot kill the process mid-export. Afterwards the listener removes itself and, if no other
 * listener is left, re-raises the signal so the process ends as it would have without tracing. Never calls
 * `process.exit`. Returns a function that removes the listeners.
 */
export function shutdownTracingOnSignals(handle: TracingHandle, options: ShutdownOnSignalsOptions = {}): () => void {
  const { signals = ['SIGTERM', 'SIGINT'], timeoutMs = 3000, target = process } = options;
  let done: Promise<void> | undefined;

  const remove = (): void => {
    for (const s of signals) target.removeListener(s, onSignal);
  };

  function onSignal(signal: NodeJS.Signals): void {
    done ??= withTimeout(handle.shutdown(), timeoutMs);
    void done.then(() => {
      remove();
      if (target.listenerCount(signal) === 0) target.kill(target.pid, signal);
    });
  }

  for (const s of signals) target.on(s, onSignal);
  return remove;
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    // A failed export is not worth a crash on the way out; the spans are lost either way.
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
