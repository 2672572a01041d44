import { describeWithRedis, startRedis } from '@lloyd/test-support';
import { connectRedis, isStoreUnavailable, quitRedis, REDIS_COMMAND_TIMEOUT_MS } from './redis-client.js';
import { RedisKeyValueStore } from './redis-kv.js';

describeWithRedis('a Redis outage under a running store', () => {
  it('fails commands within the command timeout, with an error the gateway answers as 503', async () => {
    const server = await startRedis();
    const redis = await connectRedis(server.url, { name: 'outage-test' });
    try {
      const kv = new RedisKeyValueStore(redis, { keyPrefix: 'outage:' });
      await kv.set('k', 'v');
      await server.stop();
      const started = performance.now();
      const error: unknown = await kv.get('k').then(
        () => undefined,
        (err: unknown) => err,
      );
      const waited = performance.now() - started;
      expect(error).toBeInstanceOf(Error);
      expect(isStoreUnavailable(error)).toBe(true);
      // Generous bound for a busy machine: the point is seconds, not the 16–20 s of every reconnect attempt.
      expect(waited).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 4000);
    } finally {
      await quitRedis(redis);
    }
  }, 30_000);

  it('does not take other errors for an outage', () => {
    expect(isStoreUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(
      false,
    );
    expect(isStoreUnavailable('Connection is closed.')).toBe(false);
  });
});
