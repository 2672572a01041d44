import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describeWithRedis } from '@lloyd/test-support';
import { BullMqJobQueue, connectRedis, quitRedis, RedisBlobStore, RedisKeyValueStore } from '@lloyd/store';
import { Gp2gpJob } from './jobs/gp2gp-job.js';
import { transferBlobs } from './store/transfer-keys.js';
import {
  createGp2gpHarness,
  FakeClock,
  FakeTransferSystem,
  generateBytes,
  generatedAttachment,
  sampleRecord,
  type Gp2gpHarness,
} from './testing/index.js';

const NHS = '9990000018';
const START = { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' };

function sha256Of(bytes: number, seed: string): string {
  const hash = createHash('sha256');
  for (const chunk of generateBytes(bytes, seed)) hash.update(chunk);
  return hash.digest('hex');
}

describeWithRedis('GP2GP transfers on Redis and BullMQ, two workers', (getUrl) => {
  let redis: Redis;
  const harnesses: Gp2gpHarness[] = [];

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'gp2gp-test' });
  });

  afterAll(async () => {
    await quitRedis(redis);
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      await h.close();
      await h.queue.close();
    }
  });

  /** Two workers (as two processes would be) sharing one Redis: each with its own connections and queue. */
  async function twoWorkers(
    systems: Record<string, FakeTransferSystem>,
    options = {},
  ): Promise<[Gp2gpHarness, Gp2gpHarness]> {
    const clock = new FakeClock();
    const make = () =>
      createGp2gpHarness({
        systems,
        patients: { [NHS]: 'P10001' },
        autoIntegrate: ['P20002'],
        kv: new RedisKeyValueStore(redis, { keyPrefix: 'it:kv:' }),
        blobs: new RedisBlobStore(redis, { keyPrefix: 'it:' }),
        queue: new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'it:bull' }),
        clock,
        options,
      });
    const pair: [Gp2gpHarness, Gp2gpHarness] = [await make(), await make()];
    harnesses.push(...pair);
    return pair;
  }

  it('runs the whole transfer to completion exactly once', async () => {
    const sender = FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001'));
    const receiver = new FakeTransferSystem();
    const [a, b] = await twoWorkers({ P10001: sender, P20002: receiver });
    const { transfer } = await a.gp2gp.startTransfer.execute(START, a.caller);
    const done = await b.waitFor(transfer.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(sender.exportCalls).toBe(1);
    expect(receiver.imports.size).toBe(1);
    expect(await b.gp2gp.registry.practiceFor(NHS)).toBe('P20002');
    expect(await b.markers.isInTransit('P20002', NHS)).toBe(false);
    expect((await a.gp2gp.repository.list({ state: 'completed' })).map((t) => t.id)).toEqual([transfer.id]);
  });

  it('moves a large message with attachments through the Redis blob store, every byte intact', async () => {
    const size = 2 * 1024 * 1024 + 5;
    const receiver = new FakeTransferSystem();
    const [a, b] = await twoWorkers(
      {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: ['big.pdf'] }),
          () => [generatedAttachment('D1', 'big.pdf', size)],
        ),
        P20002: receiver,
      },
      { fragmentBytes: 512 * 1024 },
    );
    const { transfer } = await a.gp2gp.startTransfer.execute(START, a.caller);
    const done = await b.waitFor(transfer.id, ['completed', 'failed'], 60_000);
    expect(done.state).toBe('completed');
    expect(done.fragmentCount).toBe(5);
    expect(receiver.imports.get(transfer.id)!.attachments).toEqual([
      { id: 'D1', bytes: size, sha256: sha256Of(size, 'D1') },
    ]);
  });

  it("deletes an ended transfer's files from Redis after the retention period, keeping its integration note", async () => {
    const retention = 24 * 3_600_000;
    const [a, b] = await twoWorkers(
      {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: ['big.pdf'] }),
          () => [generatedAttachment('D1', 'big.pdf', 1024 * 1024)],
        ),
        P20002: new FakeTransferSystem(),
      },
      { fragmentBytes: 256 * 1024, fileRetentionMs: retention },
    );
    const { transfer } = await a.gp2gp.startTransfer.execute(START, a.caller);
    const done = await b.waitFor(transfer.id, ['completed', 'failed'], 60_000);
    expect(done.state).toBe('completed');
    const blobKeys = () => redis.keys(`it:blob:gp2gp/${transfer.id}/*`);
    expect((await blobKeys()).length).toBeGreaterThan(20);
    // The deletion waits in BullMQ, delayed by the retention period.
    expect((await a.queue.counts()).delayed).toBeGreaterThanOrEqual(1);

    a.clock.advance(retention);
    expect(await a.gp2gp.runStep(Gp2gpJob.RemoveFiles, transfer.id)).toBe('advanced');
    const left = await blobKeys();
    const note = `it:blob:${transferBlobs.integrationNote(transfer.id)}:`;
    expect(left.length).toBeGreaterThan(0);
    expect(left.filter((key) => !key.startsWith(note))).toEqual([]);
    expect((await b.gp2gp.transfers.get(transfer.id))?.filesRemovedAt).toBeDefined();
  });

  it('lets one of two workers racing on a step through Redis compare-and-set and leases; the other finds it done', async () => {
    const sender = FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001'));
    const clock = new FakeClock();
    const make = () =>
      createGp2gpHarness({
        systems: { P10001: sender, P20002: new FakeTransferSystem() },
        patients: { [NHS]: 'P10001' },
        kv: new RedisKeyValueStore(redis, { keyPrefix: 'race:kv:' }),
        blobs: new RedisBlobStore(redis, { keyPrefix: 'race:' }),
        queue: new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'race:bull' }),
        clock,
        process: false,
        options: { leaseTtlMs: 3000 },
      });
    const a = await make();
    const b = await make();
    harnesses.push(a, b);
    const { transfer } = await a.gp2gp.startTransfer.execute(START, a.caller);
    const results = await Promise.all([
      a.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id),
      b.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id),
    ]);
    expect(results.sort()).toEqual(['advanced', 'moot']);
    expect(sender.exportCalls).toBe(1);
  });
});
