import { jest } from '@jest/globals';
import type { SupplierCaller, SupplierDirectory } from '@lloyd/federation';
import { InMemoryJobQueue, InMemoryKeyValueStore, SystemJob, type KeyValueStore } from '@lloyd/store';
import { CheckReadiness, OWN_PROBE_DEADLINE_MS } from './check-readiness.js';

const directory = {
  all: () => [{ config: { ods: 'P10001' } }, { config: { ods: 'P20002' } }],
} as unknown as SupplierDirectory;

function suppliers(down: readonly string[]): SupplierCaller {
  return {
    probe: (ods: string) =>
      down.includes(ods) ? Promise.reject(new Error(`${ods} refused the connection`)) : Promise.resolve(),
    breakerState: () => 'closed',
  } as unknown as SupplierCaller;
}

describe('CheckReadiness', () => {
  const kv = new InMemoryKeyValueStore();
  const queue = new InMemoryJobQueue();
  queue.process(SystemJob.HealthPing, () => Promise.resolve());
  afterAll(() => queue.close());

  it('is ready when the store, the queue and every supplier answer', async () => {
    const report = await new CheckReadiness(kv, queue, directory, suppliers([])).execute();
    expect(report).toMatchObject({ ready: true, degraded: false });
    expect(report.checks['workers']).toMatchObject({ ok: true, detail: '1 worker taking jobs' });
    expect(Object.keys(report.checks).sort()).toEqual([
      'queue',
      'store',
      'supplier:P10001',
      'supplier:P20002',
      'workers',
    ]);
  });

  it('stays ready, but degraded, when a supplier system is down', async () => {
    const report = await new CheckReadiness(kv, queue, directory, suppliers(['P20002'])).execute();
    expect(report).toMatchObject({ ready: true, degraded: true });
    expect(report.checks['supplier:P20002']).toMatchObject({ ok: false, detail: 'P20002 refused the connection' });
    expect(report.checks['supplier:P10001']).toMatchObject({ ok: true, breaker: 'closed' });
  });

  it('stays ready, but degraded, when no transfer worker takes jobs, saying how to start one', async () => {
    const idle = new InMemoryJobQueue();
    try {
      const report = await new CheckReadiness(kv, idle, directory, suppliers([])).execute();
      expect(report).toMatchObject({ ready: true, degraded: true });
      expect(report.checks['workers']).toMatchObject({
        ok: false,
        detail: expect.stringContaining('npm run start:worker') as string,
      });
    } finally {
      await idle.close();
    }
  });

  it('is not ready when the store does not answer within its deadline', async () => {
    jest.useFakeTimers();
    try {
      const hung = { ping: () => new Promise<void>(() => undefined) } as unknown as KeyValueStore;
      const pending = new CheckReadiness(hung, queue, directory, suppliers([])).execute();
      await jest.advanceTimersByTimeAsync(OWN_PROBE_DEADLINE_MS + 1);
      const report = await pending;
      expect(report.ready).toBe(false);
      expect(report.checks['store']).toMatchObject({
        ok: false,
        detail: `no answer within ${OWN_PROBE_DEADLINE_MS} ms`,
      });
      expect(report.checks['queue']?.ok).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
