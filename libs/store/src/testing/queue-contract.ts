import type { Job, JobQueue } from '../ports.js';
import { sleep, waitFor } from './helpers.js';
import type { ContractDispose, ContractFactory } from './kv-contract.js';

/** A promise plus its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface Payload {
  transferId: string;
}

/**
 * The behaviour every {@link JobQueue} must show. The factory returns a fresh, empty queue per test; it is closed
 * after each test (and `dispose`, if given, runs after that).
 */
export function describeJobQueueContract(
  label: string,
  factory: ContractFactory<JobQueue>,
  dispose?: ContractDispose<JobQueue>,
): void {
  describe(`JobQueue contract: ${label}`, () => {
    let queue: JobQueue;

    beforeEach(async () => {
      queue = await factory();
    });

    afterEach(async () => {
      await queue.close();
      await dispose?.(queue);
    });

    it('runs the handler registered for the name with a copy of the data', async () => {
      const seen: Job<Payload>[] = [];
      queue.process<Payload>('transfer.start', (job) => {
        seen.push(job);
        return Promise.resolve();
      });
      const data = { transferId: 'T-1' };
      const id = await queue.add('transfer.start', data);
      await waitFor(() => seen.length === 1, { what: 'the handler to run' });
      expect(seen[0]).toEqual({ id, name: 'transfer.start', data: { transferId: 'T-1' }, attemptsMade: 0 });
      expect(seen[0]!.data).not.toBe(data);
      await waitFor(async () => (await queue.counts()).completed === 1, { what: 'completion' });
    });

    it('counts the workers taking jobs of a name: none before a handler is registered, one after', async () => {
      expect(await queue.consumers('counted')).toBe(0);
      queue.process<Payload>('counted', () => Promise.resolve());
      await waitFor(async () => (await queue.consumers('counted')) === 1, { what: 'the worker to be counted' });
      expect(await queue.consumers('another')).toBe(0);
    });

    it('waits for a handler: jobs added before process() run once it is registered', async () => {
      await queue.add('later', { transferId: 'T-2' });
      expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0 });
      const ran: string[] = [];
      queue.process<Payload>('later', (job) => {
        ran.push(job.data.transferId);
        return Promise.resolve();
      });
      await waitFor(() => ran.length === 1, { what: 'the handler to run' });
      expect(ran).toEqual(['T-2']);
    });

    it('dedupes by jobId: a second add returns the same id and does nothing', async () => {
      const jobId = 'gp2gp:transfer:9000000009:req-1';
      const first = await queue.add('dedupe', { transferId: 'first' }, { jobId });
      const second = await queue.add('dedupe', { transferId: 'second' }, { jobId });
      expect(first).toBe(jobId);
      expect(second).toBe(jobId);
      const numeric = await queue.add('dedupe', { transferId: 'numeric' }, { jobId: '42' });
      expect(numeric).toBe('42');
      expect(await queue.counts()).toMatchObject({ waiting: 2 });

      const ran: Job<Payload>[] = [];
      queue.process<Payload>('dedupe', (job) => {
        ran.push(job);
        return Promise.resolve();
      });
      await waitFor(async () => (await queue.counts()).completed === 2, { what: 'both jobs to complete' });
      expect(ran.map((job) => [job.id, job.data.transferId]).sort()).toEqual([
        ['42', 'numeric'],
        [jobId, 'first'],
      ]);
      // Completed jobs are remembered, so a late duplicate is still a no-op.
      expect(await queue.add('dedupe', { transferId: 'late' }, { jobId })).toBe(jobId);
      await queue.add('dedupe', { transferId: 'sentinel' });
      await waitFor(() => ran.some((job) => job.data.transferId === 'sentinel'), { what: 'the sentinel job' });
      expect(ran.filter((job) => job.id === jobId)).toHaveLength(1);
    });

    it('retries a failing job with exponential backoff and reports attemptsMade', async () => {
      const attempts: { attemptsMade: number; at: number }[] = [];
      queue.process<Payload>('flaky', (job) => {
        attempts.push({ attemptsMade: job.attemptsMade, at: Date.now() });
        if (job.attemptsMade < 2) return Promise.reject(new Error(`transient failure ${job.attemptsMade}`));
        return Promise.resolve();
      });
      await queue.add('flaky', { transferId: 'T-3' }, { attempts: 3, backoffMs: 100 });
      await waitFor(async () => (await queue.counts()).completed === 1, { what: 'the third attempt to succeed' });
      expect(attempts.map((a) => a.attemptsMade)).toEqual([0, 1, 2]);
      // Lower bounds only: 100 ms before retry 1, 200 ms before retry 2 (a little slack for clock granularity).
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(90);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(190);
      expect(await queue.counts()).toMatchObject({ failed: 0, delayed: 0, waiting: 0, active: 0 });
    });

    it('keeps and counts a job whose attempts are exhausted', async () => {
      let calls = 0;
      queue.process('doomed', () => {
        calls++;
        return Promise.reject(new Error('permanent failure'));
      });
      await queue.add('doomed', { transferId: 'T-4' }, { attempts: 2, backoffMs: 10, jobId: 'doomed-1' });
      await waitFor(async () => (await queue.counts()).failed === 1, { what: 'the job to fail' });
      expect(calls).toBe(2);
      expect(await queue.counts()).toMatchObject({ failed: 1, completed: 0, waiting: 0, delayed: 0 });
      // A failed job is kept, so re-adding its id does not run it again.
      expect(await queue.add('doomed', { transferId: 'T-4' }, { jobId: 'doomed-1' })).toBe('doomed-1');
      expect((await queue.counts()).waiting).toBe(0);
    });

    it('holds a delayed job back until its delay has passed', async () => {
      const addedAt = Date.now();
      await queue.add('delayed', { transferId: 'T-5' }, { delayMs: 300 });
      expect((await queue.counts()).delayed).toBe(1);
      let ranAt = 0;
      queue.process('delayed', () => {
        ranAt = Date.now();
        return Promise.resolve();
      });
      await waitFor(() => ranAt > 0, { what: 'the delayed job' });
      expect(ranAt - addedAt).toBeGreaterThanOrEqual(290);
    });

    it('never runs more jobs of one name at once than its concurrency', async () => {
      const release = gate();
      let active = 0;
      let peak = 0;
      let done = 0;
      queue.process(
        'bounded',
        async () => {
          active++;
          peak = Math.max(peak, active);
          await release.promise;
          active--;
          done++;
        },
        { concurrency: 2 },
      );
      try {
        for (let i = 0; i < 6; i++) await queue.add('bounded', { transferId: `T-${i}` });
        await waitFor(() => active >= 2, { what: 'two jobs to be running' });
        // Give a third job the chance to start if the bound were broken.
        await sleep(200);
        expect(active).toBe(2);
      } finally {
        release.open();
      }
      await waitFor(() => done === 6, { what: 'all jobs to finish' });
      expect(peak).toBe(2);
    });

    it('close() waits for running jobs to finish', async () => {
      const release = gate();
      let started = false;
      let finished = false;
      queue.process('slow', async () => {
        started = true;
        await release.promise;
        finished = true;
      });
      await queue.add('slow', { transferId: 'T-6' });
      await waitFor(() => started, { what: 'the job to start' });
      let closed = false;
      const closing = queue.close().then(() => {
        closed = true;
      });
      try {
        await sleep(100);
        expect(closed).toBe(false);
      } finally {
        release.open();
      }
      await closing;
      expect(finished).toBe(true);
      await expect(queue.add('slow', { transferId: 'T-7' })).rejects.toThrow(/closed/);
    });

    it('answers ping', async () => {
      await expect(queue.ping()).resolves.toBeUndefined();
    });
  });
}
