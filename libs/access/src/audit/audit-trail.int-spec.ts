import type { Redis } from 'ioredis';
import { connectRedis, quitRedis, RedisKeyValueStore } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import { metrics, TestClock, tokenFor } from '../testing/fixtures.js';
import { auditEventKey } from './audit-keys.js';
import { AuditTrail } from './audit-trail.js';

describeWithRedis('AuditTrail on Redis', (getUrl) => {
  let redis: Redis;
  let clients: Redis[];

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'audit-test' });
    // Separate connections, as separate gateway replicas would have.
    clients = await Promise.all([1, 2, 3].map((n) => connectRedis(getUrl(), { name: `audit-replica-${n}` })));
  });

  afterAll(async () => {
    await Promise.all([redis, ...clients].map((c) => quitRedis(c)));
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  const trail = (client: Redis) =>
    new AuditTrail(new RedisKeyValueStore(client, { keyPrefix: 'test:kv:' }), metrics(), new TestClock().now);

  it('keeps one valid chain when three replicas write 60 events at once, and detects tampering', async () => {
    const replicas = clients.map(trail);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        replicas[i % 3]!.record({
          kind: 'patient-access',
          interaction: 'search',
          who: tokenFor('hospital-epr'),
          correlationId: `req-${i}`,
          patient: i % 2 ? '9990000018' : '9990000026',
        }),
      ),
    );
    await expect(replicas[0]!.verify()).resolves.toEqual({ ok: true, checked: 60, head: 60, archivedThrough: 0 });
    expect((await replicas[1]!.search({ patient: '9990000018' })).total).toBe(30);

    const raw = await redis.get(`test:kv:${auditEventKey(17)}`);
    await redis.set(`test:kv:${auditEventKey(17)}`, raw!.replace('"outcome":"0"', '"outcome":"4"'));
    const report = await replicas[2]!.verify();
    expect(report).toMatchObject({ ok: false, checked: 16, firstBreak: { seq: 17 } });
  });
});
