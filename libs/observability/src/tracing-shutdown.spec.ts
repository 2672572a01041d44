import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { shutdownTracingOnSignals, type SignalTarget } from './tracing-shutdown.js';
import type { TracingHandle } from './tracing.js';

/** A stand-in for `process`: real listeners, and a record of the signals it was sent. */
class FakeProcess extends EventEmitter implements SignalTarget {
  readonly pid = 4242;
  readonly kills: [number, NodeJS.Signals][] = [];
  kill(pid: number, signal: NodeJS.Signals): boolean {
    this.kills.push([pid, signal]);
    return true;
  }
}

function deferredHandle() {
  let finish!: () => void;
  const shutdown = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
  const handle: TracingHandle = { shutdown, forceFlush: () => Promise.resolve() };
  return { handle, shutdown, finish: () => finish() };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('shutdownTracingOnSignals', () => {
  it('flushes, then re-raises the signal when nothing else handles it, so the process still stops', async () => {
    const target = new FakeProcess();
    const { handle, shutdown, finish } = deferredHandle();
    shutdownTracingOnSignals(handle, { target });

    target.emit('SIGTERM', 'SIGTERM');
    await settle();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(target.kills).toEqual([]);

    finish();
    await settle();
    expect(target.kills).toEqual([[4242, 'SIGTERM']]);
    expect(target.listenerCount('SIGTERM')).toBe(0);
    expect(target.listenerCount('SIGINT')).toBe(0);
  });

  it('leaves stopping to the application when it handles the signal itself', async () => {
    const target = new FakeProcess();
    const appHandler = jest.fn();
    target.on('SIGTERM', appHandler);
    const { handle, finish } = deferredHandle();
    shutdownTracingOnSignals(handle, { target });

    target.emit('SIGTERM', 'SIGTERM');
    finish();
    await settle();

    expect(appHandler).toHaveBeenCalledTimes(1);
    expect(target.kills).toEqual([]);
    expect(target.listenerCount('SIGTERM')).toBe(1);
  });

  it('holds a signal the application re-raises until the flush is done', async () => {
    const target = new FakeProcess();
    const { handle, shutdown, finish } = deferredHandle();
    // Like Nest's shutdown hooks: close, remove the listener, send the signal again.
    const appHandler = (signal: NodeJS.Signals) => {
      target.removeListener('SIGTERM', appHandler);
      target.emit('SIGTERM', signal);
    };
    target.on('SIGTERM', appHandler);
    shutdownTracingOnSignals(handle, { target });

    target.emit('SIGTERM', 'SIGTERM');
    await settle();
    expect(target.kills).toEqual([]);

    finish();
    await settle();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(target.kills.length).toBeGreaterThan(0);
    expect(target.kills.every(([, s]) => s === 'SIGTERM')).toBe(true);
  });

  it('does not wait for ever on an exporter that never finishes', async () => {
    const target = new FakeProcess();
    const { handle } = deferredHandle();
    shutdownTracingOnSignals(handle, { target, timeoutMs: 10 });

    target.emit('SIGINT', 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(target.kills).toEqual([[4242, 'SIGINT']]);
  });

  it('goes quietly when the flush fails', async () => {
    const target = new FakeProcess();
    const handle: TracingHandle = {
      shutdown: () => Promise.reject(new Error('collector down')),
      forceFlush: () => Promise.resolve(),
    };
    shutdownTracingOnSignals(handle, { target });

    target.emit('SIGTERM', 'SIGTERM');
    await settle();

    expect(target.kills).toEqual([[4242, 'SIGTERM']]);
  });

  it('returns a function that removes its listeners', () => {
    const target = new FakeProcess();
    const remove = shutdownTracingOnSignals(deferredHandle().handle, { target });
    remove();

    expect(target.listenerCount('SIGTERM')).toBe(0);
    expect(target.listenerCount('SIGINT')).toBe(0);
  });
});
