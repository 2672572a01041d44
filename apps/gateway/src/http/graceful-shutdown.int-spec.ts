/**
 * A gateway on Redis that is asked to stop while a request is in flight (a rolling restart, `docker stop`) answers
 * that request in full, audit event included, before it closes its stores: over real HTTP, against the simulators.
 */
import { Redis } from 'ioredis';
import { describeWithRedis, startLloyd, type RunningLloyd } from '@lloyd/test-support';

describeWithRedis('graceful shutdown on Redis', (getUrl) => {
  let lloyd: RunningLloyd | undefined;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(getUrl());
    await redis.flushdb();
  });
  afterAll(async () => {
    await lloyd?.sims.close();
    redis.disconnect();
  });

  it('answers a request in flight when the shutdown begins, audited, then closes its connections', async () => {
    lloyd = await startLloyd({ overrides: { store: { redisUrl: getUrl(), keyPrefix: 'shutdown:' } } });
    const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
    await fetch(`${lloyd.sims.urls.P10001}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 600 }),
    });
    const auditedBefore = (await redis.keys('shutdown:kv:audit:event:*')).length;
    const answer = fetch(
      `${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent('https://fhir.nhs.uk/Id/nhs-number|9990000018')}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    // The request is waiting on the slow supplier when the shutdown begins.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = lloyd.app.close();
    const response = await answer;
    expect(response.status).toBe(200);
    expect(((await response.json()) as fhir4.Bundle).entry).toHaveLength(1);
    // The keep-alive connection is told to close with the answer, so the shutdown does not wait for it to idle out.
    expect(response.headers.get('connection')).toBe('close');
    await closed;
    expect((await redis.keys('shutdown:kv:audit:event:*')).length).toBe(auditedBefore + 1);
  });
});
