import type { Redis } from 'ioredis';
import { auditEventKey, AuditTrail } from '@lloyd/access';
import { MetricsService } from '@lloyd/observability';
import { connectRedis, quitRedis, RedisKeyValueStore } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import { main } from './audit-verify.js';

describeWithRedis('audit:verify CLI on Redis', (getUrl) => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'audit-verify-test' });
    await redis.flushdb();
  });

  afterAll(async () => {
    await quitRedis(redis);
  });

  async function run(): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main([], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { REDIS_URL: getUrl() },
    });
    return { code, stdout, stderr };
  }

  it('reads the chain the gateway wrote to Redis, and reports tampering', async () => {
    // The same key layout the gateway uses: createStores puts key-value data under `<store.keyPrefix>kv:`.
    const kv = new RedisKeyValueStore(redis, { keyPrefix: 'lloyd:kv:' });
    const trail = new AuditTrail(kv, new MetricsService({ defaultMetrics: false }));
    for (let i = 0; i < 4; i++) {
      await trail.record({
        kind: 'patient-access',
        interaction: 'search',
        who: { clientId: 'social-care', organisation: 'SC100' },
        correlationId: `req-${i}`,
        patient: '9990000026',
      });
    }
    const intact = await run();
    expect(intact.stderr).toBe('');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(
      /^OK: the audit chain is intact\. Checked 4 events in Redis \(redis:\/\/127\.0\.0\.1:\d+\/?\)/,
    );
    expect(intact.stdout).not.toContain('REDIS_URL is not set');

    const raw = (await kv.get(auditEventKey(3)))!;
    await kv.set(auditEventKey(3), raw.replace('"SC100"', '"RX1"'));
    const broken = await run();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^BROKEN at event 3: /);
  });
});
