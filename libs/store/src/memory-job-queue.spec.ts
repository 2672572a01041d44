import { backoffDelay, InMemoryJobQueue } from './memory-job-queue.js';
import { waitFor } from './testing/index.js';

describe('InMemoryJobQueue', () => {
  it('backs off exponentially: backoffMs * 2^(n-1) before retry n', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(100, n))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(0, 3)).toBe(0);
  });

  it('close() drops pending delay timers instead of waiting for them, and the job never runs', async () => {
    const queue = new InMemoryJobQueue();
    let ran = false;
    queue.process('later', () => {
      ran = true;
      return Promise.resolve();
    });
    await queue.add('later', { id: 1 }, { delayMs: 60 * 60 * 1000 });
    await queue.close();
    expect(ran).toBe(false);
    expect(await queue.counts()).toMatchObject({ delayed: 1 });
  });

  it('refuses a second handler for the same name and bad concurrency', async () => {
    const queue = new InMemoryJobQueue();
    queue.process('once', () => Promise.resolve());
    expect(() => queue.process('once', () => Promise.resolve())).toThrow(/already registered/);
    expect(() => queue.process('zero', () => Promise.resolve(), { concurrency: 0 })).toThrow(RangeError);
    await queue.close();
    expect(() => queue.process('after', () => Promise.resolve())).toThrow(/closed/);
    await expect(queue.ping()).rejects.toThrow(/closed/);
  });

  it('treats a handler that throws synchronously as a failed attempt', async () => {
    const queue = new InMemoryJobQueue();
    queue.process('sync-throw', () => {
      throw new Error('boom');
    });
    await queue.add('sync-throw', {});
    await waitFor(async () => (await queue.counts()).failed === 1, { what: 'the job to fail' });
    expect(await queue.counts()).toMatchObject({ failed: 1, active: 0, completed: 0 });
    await queue.close();
  });

  it('remembers only the most recent completed jobs for dedupe, like removeOnComplete', async () => {
    const queue = new InMemoryJobQueue({ keepCompleted: 2 });
    const ran: string[] = [];
    queue.process<{ n: number }>('job', (job) => {
      ran.push(job.id);
      return Promise.resolve();
    });
    for (const id of ['a', 'b', 'c']) await queue.add('job', { n: 1 }, { jobId: id });
    await waitFor(() => ran.length === 3, { what: 'three jobs' });
    expect((await queue.counts()).completed).toBe(2);
    await queue.add('job', { n: 2 }, { jobId: 'c' });
    await queue.add('job', { n: 2 }, { jobId: 'a' });
    await waitFor(() => ran.length === 4, { what: 'the forgotten id to run again' });
    expect(ran).toEqual(['a', 'b', 'c', 'a']);
    await queue.close();
  });
});
