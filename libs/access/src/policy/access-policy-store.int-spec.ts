import type { LloydConfig } from '@lloyd/config';
import { connectRedis, createStores, quitRedis, type Stores } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import type { Redis } from 'ioredis';
import { demoConfig, TestClock, withAccess } from '../testing/fixtures.js';
import { AccessPolicyStore } from './access-policy-store.js';

describeWithRedis('AccessPolicyStore on Redis, restarted with an edited access block', (getUrl) => {
  let redis: Redis;
  const opened: Stores[] = [];

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'policy-drift-test' });
  });

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await quitRedis(redis);
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  const onRedis = (config: LloydConfig): LloydConfig => ({
    ...config,
    store: { ...config.store, redisUrl: getUrl(), keyPrefix: 'drift:' },
  });

  /** Starts a replica as the app would (the stores createStores builds), returning the warnings it logged. */
  async function start(config: LloydConfig): Promise<{ policy: AccessPolicyStore; warnings: string[] }> {
    const stores = await createStores(config);
    opened.push(stores);
    const warnings: string[] = [];
    const policy = new AccessPolicyStore(config, stores.kv, new TestClock().now, {
      warn: (_fields, message) => void warnings.push(message),
    });
    await policy.onModuleInit();
    return { policy, warnings };
  }

  it('keeps the stored policy and says so, naming the key whose deletion reseeds it from the configuration', async () => {
    const original = onRedis(demoConfig());
    expect((await start(original)).warnings).toEqual([]);
    const edited = withAccess(original, {
      practices: original.access.practices.map((p) => (p.ods === 'P10001' ? { ...p, enabled: false } : p)),
    });

    const restarted = await start(edited);
    expect(restarted.warnings).toHaveLength(1);
    expect(restarted.warnings[0]).toContain('practices set differently: P10001');
    expect((await restarted.policy.listPractices()).find((p) => p.ods === 'P10001')?.enabled).toBe(true);

    const key = /delete the store key (\S+) /.exec(restarted.warnings[0]!)?.[1];
    expect(key).toBe('drift:kv:access:policy');
    expect(await redis.del(key!)).toBe(1);
    const reseeded = await start(edited);
    expect(reseeded.warnings).toEqual([]);
    expect((await reseeded.policy.listPractices()).find((p) => p.ods === 'P10001')?.enabled).toBe(false);
  });
});
