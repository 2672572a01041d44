import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SupplierProtocolError, SupplierTimeoutError, SupplierUnavailableError } from '@lloyd/adapters-core';
import { describeSupplierAdapterContract } from '@lloyd/adapters-core-testing';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { XmlReadV2Adapter } from './xml-readv2.adapter.js';

const ctx = (signal: AbortSignal = new AbortController().signal) => ({ signal, correlationId: 'int-spec' });

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({
    seed: 42,
    ports: { P10001: 0 },
    largeRecord: { consultations: 10, attachments: 1, attachmentBytes: 10_000 },
  });
});

afterAll(async () => {
  await sims?.close();
});

const adapter = () => new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });

describeSupplierAdapterContract('XmlReadV2Adapter against the P10001 simulator', {
  createAdapter: adapter,
  knownPatient: '9990000018',
  dissentedPatient: '9990000050',
  unknownPatient: '9990000115',
});

describe('XmlReadV2Adapter', () => {
  const setFaults = (faults: object) =>
    fetch(`${sims.urls.P10001}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });

  afterEach(async () => {
    await fetch(`${sims.urls.P10001}/_faults`, { method: 'DELETE' });
  });

  it('maps the simulated patient faithfully', async () => {
    const expected = sims.dataset.findPatient('P10001', '9990000018')!;
    const found = await adapter().findPatient('9990000018', ctx());
    expect(found?.sourceId).toBe(expected.sourceId);
    expect(found?.patient.name?.[0]).toMatchObject({
      family: expected.demographics.name.family,
      given: [...expected.demographics.name.given],
    });
    expect(found?.patient.birthDate).toBe(expected.demographics.birthDate);
    expect(found?.patient.address?.[0]?.postalCode).toBe(expected.demographics.address.postcode);
    expect(found?.patient.managingOrganization?.identifier?.value).toBe('P10001');
  });

  it('reports the deceased patient as deceased and not active', async () => {
    const found = await adapter().findPatient('9990000077', ctx());
    expect(found?.flags).toMatchObject({ deceased: true, active: false });
    expect(found?.patient.deceasedDateTime).toBe(
      sims.dataset.findPatient('P10001', '9990000077')?.demographics.deceasedDate,
    );
  });

  it('answers null for a patient registered at another practice', async () => {
    await expect(adapter().findPatient('9990000026', ctx())).resolves.toBeNull();
  });

  it('turns a 5xx into SupplierUnavailableError', async () => {
    await setFaults({ failRate: 1, failStatus: 503 });
    const err = await adapter()
      .findPatient('9990000018', ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as SupplierUnavailableError).status).toBe(503);
    expect((err as Error).message).toContain('practice P10001 (xml-readv2)');
    await expect(adapter().health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a dropped connection into SupplierUnavailableError', async () => {
    await setFaults({ drop: true });
    await expect(adapter().findPatient('9990000018', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(adapter().health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a deadline passing mid-call into SupplierTimeoutError', async () => {
    await setFaults({ latencyMs: 5_000 });
    await expect(adapter().findPatient('9990000018', ctx(AbortSignal.timeout(100)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
  });

  it('turns a refused connection into SupplierUnavailableError', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: `http://127.0.0.1:${port}` });
    await expect(gone.health(ctx())).rejects.toThrow(/connection refused \(ECONNREFUSED\)/);
  });

  it('turns an answer that is not its XML into SupplierProtocolError', async () => {
    const impostor = createServer((req, res) => {
      if (req.url?.startsWith('/patients'))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"resourceType":"Bundle"}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const wrong = new XmlReadV2Adapter({
        ods: 'P10001',
        baseUrl: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}/`,
      });
      await expect(wrong.findPatient('9990000018', ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
      await expect(wrong.health(ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
    } finally {
      impostor.closeAllConnections();
      await new Promise((resolve) => impostor.close(resolve));
    }
  });
});
