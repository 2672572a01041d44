/**
 * Two gateways on one Redis that loses its data (emptied, or replaced by an empty one) while they run, one of them
 * restarting: without any restart of the other, both come to sign and accept the same tokens, give a patient the same
 * resource id, and accept each other's ids and paging links. Over real HTTP, against the simulators.
 */
import { Global, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { STORED_SECRET_CHECK_MS } from '@lloyd/auth';
import { ResourceIdCodec } from '@lloyd/federation';
import { describeWithRedis, fetchToken, startLloyd, type RunningLloyd } from '@lloyd/test-support';

/** Checks the store's copies every 200 ms, not every 15 s. */
@Global()
@Module({ providers: [{ provide: STORED_SECRET_CHECK_MS, useValue: 200 }], exports: [STORED_SECRET_CHECK_MS] })
class FrequentSecretChecks {}

const PREFIX = 'secrets:';
const NHS_NUMBER = '9990000026';

/** Polls `problem` until it finds none; generous, so that a busy machine does not fail the test. */
async function eventually(problem: () => Promise<string | null>): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: string | null = 'not checked';
  while (Date.now() < deadline) {
    last = await problem();
    if (last === null) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateways did not converge: ${last}`);
}

describeWithRedis('secrets shared by gateways on one Redis that loses its data', (getUrl) => {
  let redis: Redis;
  let one: RunningLloyd;
  let other: RunningLloyd;
  const start = () =>
    startLloyd({
      overrides: { store: { redisUrl: getUrl(), keyPrefix: PREFIX } },
      mount: [FrequentSecretChecks],
    });

  beforeAll(async () => {
    redis = new Redis(getUrl());
    await redis.flushall();
    one = await start();
    other = await start();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one?.close(), other?.close()]);
    redis?.disconnect();
  });

  const token = (from: RunningLloyd) => fetchToken(from.base, 'hospital-epr', { practitioner: 'G1234567' });
  const get = (at: RunningLloyd, token: string, path: string) =>
    fetch(`${at.base}/fhir/${path}`, { headers: { authorization: `Bearer ${token}` } });
  const kidOf = async (at: RunningLloyd) =>
    ((await (await fetch(`${at.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
  const patientId = async (at: RunningLloyd, token: string) => {
    const search = `Patient?identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${NHS_NUMBER}`)}`;
    const res = await get(at, token, search);
    if (res.status !== 200) return `search ${res.status}`;
    return ((await res.json()) as fhir4.Bundle).entry![0]!.resource!.id!;
  };

  /** What still differs between the two gateways, or null when they agree on everything. */
  async function disagreement(): Promise<string | null> {
    const [tokenOne, tokenOther] = await Promise.all([token(one), token(other)]);
    // Each gateway is sent the other's token.
    const [idOne, idOther] = await Promise.all([patientId(one, tokenOther), patientId(other, tokenOne)]);
    if (idOne !== idOther) return `the patient's ids differ: ${idOne} / ${idOther}`;
    for (const [name, at, tokenAt] of [
      ['one', one, tokenOne],
      ['other', other, tokenOther],
    ] as const) {
      const read = await get(at, tokenAt, `Patient/${idOne}`);
      if (read.status !== 200) return `${name} answers ${read.status} to the patient's id`;
    }
    const page = await get(one, tokenOne, `Condition?patient=${idOne}&_count=1`);
    const next = ((await page.json()) as fhir4.Bundle).link?.find((l) => l.relation === 'next')?.url;
    if (!next) return `no next link (${page.status})`;
    const followed = await fetch(next.replace(one.base, other.base), {
      headers: { authorization: `Bearer ${tokenOther}` },
    });
    if (followed.status !== 200) return `other answers ${followed.status} to one's next link`;
    return null;
  }

  it('agree before anything is lost', async () => {
    expect(await disagreement()).toBeNull();
    expect(await kidOf(one)).toBe(await kidOf(other));
  });

  it('converge without a restart of the other gateway after Redis is emptied and one gateway restarts', async () => {
    await redis.flushall();
    await other.close();
    other = await start();

    await eventually(disagreement);
    expect(await kidOf(one)).toBe(await kidOf(other));
    expect(await redis.get(`${PREFIX}kv:auth:embedded-issuer:signing-key`)).not.toBeNull();
  }, 90_000);

  it("both adopt secrets that a replaced Redis already holds, and serve the new key's ids and tokens", async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    const idKey = Buffer.alloc(32, 7);
    await redis.flushall();
    await redis.set(`${PREFIX}kv:auth:embedded-issuer:signing-key`, JSON.stringify({ ...jwk, kid, alg: 'ES256' }));
    await redis.set(`${PREFIX}kv:fhir:id-key`, idKey.toString('base64'));
    const expectedId = new ResourceIdCodec(idKey).encode({ ods: 'P20002', nhsNumber: NHS_NUMBER, sourceId: '' });

    await eventually(async () => {
      const kids = [await kidOf(one), await kidOf(other)];
      if (kids.some((k) => k !== kid)) return `kids ${kids.join(' / ')}, not ${kid}`;
      const ids = [await patientId(one, await token(other)), await patientId(other, await token(one))];
      if (ids.some((id) => id !== expectedId)) return `ids ${ids.join(' / ')}, not ${expectedId}`;
      return disagreement();
    });
    expect([await kidOf(one), await kidOf(other)]).toEqual([kid, kid]);
  }, 90_000);
});
