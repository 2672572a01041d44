import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { recordSections } from '@lloyd/config';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import {
  fileRecordWithout,
  startRecordingProxy,
  type RecordedRequest,
  type RecordingProxy,
} from '@lloyd/adapters-core-testing';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { XmlReadV2Adapter } from './xml-readv2.adapter.js';
import { XmlReadV2Transfer } from './xml-readv2.transfer.js';

const PATIENT = '9990000018';
const all = { sections: recordSections };
const ctx = () => ({ signal: AbortSignal.timeout(30_000), correlationId: randomUUID() });

let sims: RunningSimulators;
let proxy: RecordingProxy;
let proxyUrl: string;
let seen: RecordedRequest[];

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P10001: 0 } });
  proxy = await startRecordingProxy(sims.urls.P10001!);
  proxyUrl = proxy.url;
  seen = proxy.seen;
});

afterAll(async () => {
  await proxy?.close();
  await sims?.close();
});

beforeEach(() => {
  seen.length = 0;
});

const allergies = (record: CanonicalRecord | null) =>
  record!.resources.filter((r) => r.resourceType === 'AllergyIntolerance').map((r) => r.id);

describe('XmlReadV2Adapter requests', () => {
  it('makes one patient search per request for findPatient then getRecord, and a fresh one per request', async () => {
    const searches = () => seen.filter((s) => s.path.startsWith('/patients?nhsNumber=')).length;
    const xml = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: proxyUrl });
    const request = { signal: new AbortController().signal, correlationId: 'one-request' };
    await xml.findPatient(PATIENT, request);
    await xml.getRecord(PATIENT, all, request);
    expect(searches()).toBe(1);
    await xml.getRecord(PATIENT, all, { ...request, correlationId: 'another-request' });
    expect(searches()).toBe(2);
  });

  it('does not reuse a failed search within the request, nor a search older than a few seconds', async () => {
    const searches = () => seen.filter((s) => s.path.startsWith('/patients?nhsNumber=')).length;
    const xml = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: proxyUrl });
    const request = { signal: new AbortController().signal, correlationId: 'failing-request' };
    const faults = (body: Record<string, unknown>) =>
      fetch(`${sims.urls.P10001!}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await faults({ failNext: 1, failStatus: 503 })).status).toBe(200);
    await expect(xml.findPatient(PATIENT, request)).rejects.toThrow();
    expect(await xml.findPatient(PATIENT, request)).not.toBeNull();
    expect(searches()).toBe(2);

    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 5_001);
    try {
      await xml.getRecord(PATIENT, all, request);
      expect(searches()).toBe(3);
    } finally {
      clock.mockRestore();
    }
  });
});

describe('XmlReadV2Adapter with a revalidated cache (conditional reads)', () => {
  it('asks the system on every read, and reuses the mapped record only when it answers 304', async () => {
    const adapter = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: proxyUrl, cacheBytes: 1_000_000 });
    const first = await adapter.getRecord(PATIENT, all, ctx());
    const second = await adapter.getRecord(PATIENT, all, ctx());

    expect(second).toBe(first);
    expect(Object.isFrozen(first!.resources[0])).toBe(true);
    const records = seen.filter((s) => s.path.endsWith('/record'));
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ status: 200 });
    expect(records[0]!.ifNoneMatch).toBeUndefined();
    expect(records[1]).toMatchObject({ status: 304 });
    expect(records[1]!.ifNoneMatch).toMatch(/^".+"$/);
    const searches = seen.filter((s) => s.path.startsWith('/patients?'));
    expect(searches.map((s) => s.status)).toEqual([200, 304]);
  });

  it('serves the new version as soon as the record changes at the system, never the held one', async () => {
    const adapter = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: proxyUrl, cacheBytes: 1_000_000 });
    const before = await adapter.getRecord(PATIENT, all, ctx());
    expect(allergies(before).length).toBeGreaterThan(0);

    // The practice files a changed record (here: through its GP2GP inbound endpoint), without one allergy.
    await fileRecordWithout(
      new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! }),
      new XmlReadV2Transfer({ ods: 'P10001', baseUrl: sims.urls.P10001! }),
      PATIENT,
      'AllergyIntolerance',
      'P20002',
    );

    seen.length = 0;
    const after = await adapter.getRecord(PATIENT, all, ctx());
    expect(after).not.toBe(before);
    expect(allergies(after)).toHaveLength(allergies(before).length - 1);
    expect(seen.filter((s) => s.path.endsWith('/record')).map((s) => s.status)).toEqual([200]);
    expect(await adapter.getRecord(PATIENT, all, ctx())).toBe(after);
  });

  it('sends no validators and shares nothing when the cache is off (the default)', async () => {
    const adapter = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: proxyUrl });
    const first = await adapter.getRecord(PATIENT, all, ctx());
    const second = await adapter.getRecord(PATIENT, all, ctx());
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(Object.isFrozen(first)).toBe(false);
    expect(seen.every((s) => s.ifNoneMatch === undefined && s.status === 200)).toBe(true);
  });
});
