import { main } from './audit-archive.js';
import { freePort } from '@lloyd/test-support';

describe('audit:archive CLI without a store', () => {
  it('does not advise unsetting REDIS_URL when Redis is down, since it needs Redis', async () => {
    let stderr = '';
    const env = { REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    const code = await main(['--before', '2026-01-01', '--out', 'x.ndjson'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      env,
      now: () => new Date(Date.UTC(2026, 1, 1)),
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toContain(
      'Start Redis there or correct REDIS_URL (store.redisUrl). audit:archive needs the Redis your gateways use.',
    );
    expect(stderr).not.toContain('unset it');
  });
});
