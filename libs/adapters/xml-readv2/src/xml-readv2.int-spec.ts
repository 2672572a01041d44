import { createServer } from 'node:http';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import type { AddressInfo } from 'node:net';
import { recordSections } from '@lloyd/config';
import {
  CODE_SYSTEMS,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
} from '@lloyd/adapters-core';
import { assertValidR4, describeSupplierAdapterContract } from '@lloyd/adapters-core-testing';
import { Terminology } from '@lloyd/terminology';
// Tests may start the simulators and read their data; library source never imports apps.
// eslint-disable-next-line no-restricted-imports
import { practiceProfile } from '../../../../apps/supplier-sim/src/generator/index.js';
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
  fullRecordPatient: '9990000018',
  nativeCodeSystems: [CODE_SYSTEMS.readv2],
});

describe('XmlReadV2Adapter.getRecord', () => {
  const all = { sections: recordSections };

  it('returns every item of the demo record, each as valid R4 with its Read v2 code', async () => {
    const expected = sims.dataset.findPatient('P10001', '9990000018')!.record;
    const record = await adapter().getRecord('9990000018', all, ctx());
    expect(record).not.toBeNull();
    const ids = (type: string) =>
      record!.resources
        .filter((r) => r.resourceType === type)
        .map((r) => r.id)
        .sort();
    const sorted = (items: readonly { id: string }[]) => items.map((i) => i.id).sort();
    expect(ids('AllergyIntolerance')).toEqual(sorted(expected.allergies));
    expect(ids('Condition')).toEqual(sorted(expected.problems));
    expect(ids('MedicationStatement')).toEqual(sorted(expected.medications));
    expect(ids('MedicationRequest')).toEqual(
      [...sorted(expected.medications), ...expected.medications.flatMap((m) => sorted(m.issues))].sort(),
    );
    expect(ids('Encounter')).toEqual(sorted(expected.consultations));
    expect(ids('Immunization')).toEqual(sorted(expected.immunisations));
    expect(ids('DiagnosticReport')).toEqual(sorted(expected.testResults));
    expect(ids('Observation')).toEqual(
      [...sorted(expected.observations), ...expected.testResults.flatMap((t) => sorted(t.results))].sort(),
    );
    expect(ids('ServiceRequest')).toEqual(sorted(expected.referrals));
    expect(ids('DocumentReference')).toEqual(sorted(expected.documents));
    const hypertension = record!.resources.find(
      (r) => r.resourceType === 'Condition' && r.id === expected.problems[1]?.id,
    );
    expect((hypertension as fhir4.Condition).code?.coding?.[0]?.system).toBe(CODE_SYSTEMS.readv2);
    expect(record!.resources.filter(hasConfidentialityLabel)).toEqual([]);
    await assertValidR4(record!.patient);
  });

  it('gives every coded item a SNOMED CT coding once normalised centrally, degrading none', async () => {
    const record = await adapter().getRecord('9990000018', all, ctx());
    const { record: normalised, degraded, mapped } = Terminology.sample().normaliseRecord(record!);
    expect(degraded).toBe(0);
    const coded = normalised.resources.filter((r) => r.resourceType !== 'Encounter');
    expect(mapped).toBe(
      coded.filter((r) => r.resourceType !== 'MedicationStatement' && r.resourceType !== 'MedicationRequest').length,
    );
    for (const resource of normalised.resources) await assertValidR4(resource);
  });

  it('gives the registered practice its address and telephone', async () => {
    const record = await adapter().getRecord('9990000018', all, ctx());
    const practice = practiceProfile('P10001');
    expect(record!.practice).toMatchObject({
      identifier: [{ value: 'P10001' }],
      name: practice.name,
      address: [
        {
          use: 'work',
          line: practice.address.lines,
          city: practice.address.town,
          postalCode: practice.address.postcode,
        },
      ],
      telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
    });
  });

  it('maps the large record in one read', async () => {
    const expected = sims.dataset.findPatient('P10001', '9990000107')!.record;
    const record = await adapter().getRecord('9990000107', all, ctx());
    expect(record!.resources.filter((r) => r.resourceType === 'Encounter')).toHaveLength(expected.consultations.length);
    expect(record!.resources.filter((r) => r.resourceType === 'DocumentReference')).toHaveLength(
      expected.documents.length,
    );
  });

  it('answers null for a patient registered at another practice', async () => {
    await expect(adapter().getRecord('9990000026', all, ctx())).resolves.toBeNull();
  });

  it('turns a 5xx on the record into SupplierUnavailableError', async () => {
    await setFaults({ failRate: 1, failStatus: 500 });
    await expect(adapter().getRecord('9990000018', all, ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a deadline passing mid-read into SupplierTimeoutError', async () => {
    await setFaults({ latencyMs: 5_000 });
    await expect(adapter().getRecord('9990000018', all, ctx(AbortSignal.timeout(100)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
  });

  it('refuses a record larger than its limit', async () => {
    const small = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001!, maxRecordBytes: 10_000 });
    await expect(small.getRecord('9990000018', all, ctx())).rejects.toThrow(/exceeds the limit of 10000/);
  });

  it('takes a 404 that is not the system’s PATIENT_NOT_FOUND for a protocol error', async () => {
    const wrongPath = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: `${sims.urls.P10001}/v2` });
    await expect(wrongPath.getRecord('9990000018', all, ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
  });
});

const setFaults = (faults: object) =>
  fetch(`${sims.urls.P10001}/_faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });

afterEach(async () => {
  await fetch(`${sims.urls.P10001}/_faults`, { method: 'DELETE' });
});

describe('XmlReadV2Adapter', () => {
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
