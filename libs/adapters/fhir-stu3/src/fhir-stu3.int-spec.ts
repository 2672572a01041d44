import { recordSections } from '@lloyd/config';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CODE_SYSTEMS,
  EXTENSIONS,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type CanonicalRecord,
} from '@lloyd/adapters-core';
import { describeSupplierAdapterContract } from '@lloyd/adapters-core-testing';
import type { FastifyInstance } from 'fastify';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
// eslint-disable-next-line no-restricted-imports -- the same simulated system, serving other practices' patients
import { createFhirStu3System } from '../../../../apps/supplier-sim/src/systems/fhir-stu3.js';
// eslint-disable-next-line no-restricted-imports -- the catalogue tells which SNOMED CT code each demo item has
import { concept } from '../../../../apps/supplier-sim/src/generator/catalogue.js';
import { FhirStu3Adapter, REFERRAL_CATEGORY, type FhirStu3AdapterLogger } from './index.js';

const ctx = (signal: AbortSignal = new AbortController().signal) => ({ signal, correlationId: 'int-spec-corr' });
const ALL = { sections: recordSections };

let sims: RunningSimulators;
/** The same STU3 system serving P10001's and P20002's patients: their demo patients have the flags P40004's lack. */
const others: Record<string, { app: FastifyInstance; url: string }> = {};

beforeAll(async () => {
  sims = await startSimulators({
    seed: 42,
    ports: { P40004: 0 },
    extraPatients: 1,
    largeRecord: { consultations: 5, attachments: 1, attachmentBytes: 5_000 },
  });
  for (const ods of ['P10001', 'P20002']) {
    const app = createFhirStu3System({ dataset: sims.dataset, ods });
    others[ods] = { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
  }
});

afterAll(async () => {
  await Promise.all(Object.values(others).map((o) => o.app.close()));
  await sims?.close();
});

const adapter = (logger?: FhirStu3AdapterLogger) =>
  new FhirStu3Adapter({ ods: 'P40004', baseUrl: sims.urls.P40004!, ...(logger ? { logger } : {}) });
const otherAdapter = (ods: string) => new FhirStu3Adapter({ ods, baseUrl: others[ods]!.url });
const native = [CODE_SYSTEMS.snomed, CODE_SYSTEMS.readv2];

describeSupplierAdapterContract('FhirStu3Adapter against the P40004 simulator', {
  createAdapter: () => adapter(),
  knownPatient: '9990000042',
  unknownPatient: '9990000115',
  nativeCodeSystems: native,
});

describeSupplierAdapterContract('FhirStu3Adapter against an STU3 system holding P10001’s patients (dissent)', {
  createAdapter: () => otherAdapter('P10001'),
  knownPatient: '9990000018',
  dissentedPatient: '9990000050',
  unknownPatient: '9990000115',
  nativeCodeSystems: native,
});

describeSupplierAdapterContract('FhirStu3Adapter against an STU3 system holding P20002’s patients (confidential)', {
  createAdapter: () => otherAdapter('P20002'),
  knownPatient: '9990000026',
  confidentialPatient: '9990000069',
  unknownPatient: '9990000115',
  nativeCodeSystems: native,
});

function codes(concept?: fhir4.CodeableConcept): string[] {
  return (concept?.coding ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`);
}

const snomedOf = (key: string) => `${CODE_SYSTEMS.snomed}|${concept(key).snomed?.code ?? ''}`;

describe('FhirStu3Adapter: the full demo record of 9990000042', () => {
  let record: CanonicalRecord;
  const model = () => sims.dataset.findPatient('P40004', '9990000042')!.record;
  const of = <T extends fhir4.Resource>(type: T['resourceType']) =>
    record.resources.filter((r): r is T => r.resourceType === type);
  const byId = <T extends fhir4.Resource>(type: T['resourceType'], id: string) => of<T>(type).find((r) => r.id === id);

  beforeAll(async () => {
    record = (await adapter().getRecord('9990000042', ALL, ctx()))!;
  });

  it('is the patient’s, at the practice, with the usual GP first', () => {
    const p = sims.dataset.findPatient('P40004', '9990000042')!;
    expect(record.patient.id).toBe(p.sourceId);
    expect(record.practice.identifier).toEqual([
      { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P40004' },
    ]);
    expect(record.practitioners[0]?.id).toBe(p.demographics.usualGp.sdsUserId);
    expect(record.resources.some((r) => r.resourceType === 'List')).toBe(false);
  });

  it('has every allergy, the resolved one resolved with its end', () => {
    for (const a of model().allergies) {
      const allergy = byId<fhir4.AllergyIntolerance>('AllergyIntolerance', a.id);
      expect(codes(allergy?.code)).toContain(snomedOf(a.concept));
      expect(allergy?.clinicalStatus?.coding?.[0]?.code).toBe(a.status);
      expect(allergy?.extension).toEqual(
        a.status === 'resolved'
          ? [
              {
                url: EXTENSIONS.allergyEnd,
                extension: [
                  { url: 'endDate', valueDateTime: a.endDate },
                  { url: 'reasonEnded', valueString: a.endReason },
                ],
              },
            ]
          : undefined,
      );
    }
  });

  it('has every medication: statement, authorisation with its type, and every issue', () => {
    for (const m of model().medications) {
      const plan = byId<fhir4.MedicationRequest>('MedicationRequest', m.id);
      expect(plan).toMatchObject({ intent: 'plan' });
      expect(plan?.extension).toContainEqual({ url: EXTENSIONS.prescriptionType, valueCode: m.type });
      expect(plan?.extension?.find((e) => e.url === EXTENSIONS.repeatInformation)?.valueUnsignedInt).toBe(m.maxIssues);
      const medication = byId<fhir4.Medication>(
        'Medication',
        plan?.medicationReference?.reference?.split('/')[1] ?? '',
      );
      expect(codes(medication?.code)).toContain(snomedOf(m.concept));
      expect(byId<fhir4.MedicationStatement>('MedicationStatement', `${m.id}-MS`)?.basedOn).toEqual([
        { reference: `MedicationRequest/${m.id}` },
      ]);
      for (const issue of m.issues) {
        expect(byId<fhir4.MedicationRequest>('MedicationRequest', issue.id)).toMatchObject({
          intent: 'order',
          basedOn: [{ reference: `MedicationRequest/${m.id}` }],
        });
      }
    }
  });

  it('has active and inactive problems, with significance and their links', () => {
    for (const p of model().problems) {
      const condition = byId<fhir4.Condition>('Condition', p.id);
      expect(codes(condition?.code)).toContain(snomedOf(p.concept));
      expect(condition?.clinicalStatus?.coding?.[0]?.code).toBe(p.status);
      expect(condition?.extension).toContainEqual({ url: EXTENSIONS.problemSignificance, valueCode: p.significance });
      const related = (condition?.extension ?? []).filter((e) => e.url === EXTENSIONS.relatedClinicalContent);
      expect(related.map((e) => e.valueReference?.reference?.split('/')[1])).toEqual(
        expect.arrayContaining([...p.consultationIds, ...p.linkedItemIds]),
      );
    }
    expect(new Set(model().problems.map((p) => p.status))).toEqual(new Set(['active', 'inactive']));
  });

  it('has every consultation, with the items recorded in it linked to its Encounter', () => {
    for (const c of model().consultations) {
      expect(byId<fhir4.Encounter>('Encounter', c.id)?.period?.start).toContain(c.date.slice(0, 10));
      for (const itemId of c.itemIds) {
        const item = record.resources.find((r) => r.id === itemId && r.resourceType !== 'MedicationStatement');
        const link =
          (item as { encounter?: fhir4.Reference } | undefined)?.encounter ??
          (item as fhir4.DocumentReference | undefined)?.context?.encounter?.[0];
        expect(link?.reference).toBe(`Encounter/${c.id}`);
      }
    }
  });

  it('has the immunisations, the declined one not done with its reason', () => {
    for (const i of model().immunisations) {
      const immunization = byId<fhir4.Immunization>('Immunization', i.id);
      expect(codes(immunization?.vaccineCode)).toContain(snomedOf(i.concept));
      expect(immunization?.status).toBe(i.given ? 'completed' : 'not-done');
      expect(immunization?.occurrenceDateTime).toBe(i.date);
      expect(immunization?.statusReason?.text).toBe(i.notGivenReason);
    }
  });

  it('has the test results with values, reference ranges and interpretations', () => {
    for (const t of model().testResults) {
      expect(byId<fhir4.DiagnosticReport>('DiagnosticReport', t.id)?.result?.length).toBeGreaterThan(0);
      for (const v of t.results) {
        const observation = byId<fhir4.Observation>('Observation', v.id);
        expect(codes(observation?.code)).toContain(snomedOf(v.concept));
        expect(observation?.valueQuantity).toMatchObject({ value: v.value.value, unit: v.value.unit });
        expect(observation?.referenceRange?.[0]).toMatchObject({
          low: { value: v.referenceRange.low },
          high: { value: v.referenceRange.high },
        });
        expect(observation?.interpretation?.[0]?.coding?.[0]?.system).toBe(
          'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
        );
      }
    }
  });

  it('has the referral as a ServiceRequest in the referral category, and the document', () => {
    for (const f of model().referrals) {
      const request = byId<fhir4.ServiceRequest>('ServiceRequest', f.id);
      expect(codes(request?.code)).toContain(snomedOf(f.concept));
      expect(request?.category?.[0]?.coding).toEqual([REFERRAL_CATEGORY]);
    }
    for (const d of model().documents) {
      const document = byId<fhir4.DocumentReference>('DocumentReference', d.id);
      expect(document?.content[0]?.attachment).toMatchObject({
        size: d.size,
        url: `${sims.urls.P40004!}/Binary/${d.id}`,
      });
    }
  });

  it('has the uncategorised observations', () => {
    for (const o of model().observations)
      expect(codes(byId<fhir4.Observation>('Observation', o.id)?.code)).toContain(snomedOf(o.concept));
  });

  it('returns only what the query asks for (a provider may send more, this one does not)', async () => {
    const allergies = (await adapter().getRecord('9990000042', { sections: ['allergies'] }, ctx()))!;
    expect(new Set(allergies.resources.map((r) => r.resourceType))).toEqual(
      new Set(['AllergyIntolerance', 'Location']),
    );
  });

  it('logs what the conversion dropped, at debug', async () => {
    const lines: { details: object; message: string }[] = [];
    await adapter({ debug: (details, message) => lines.push({ details, message }) }).getRecord(
      '9990000042',
      ALL,
      ctx(),
    );
    expect(lines).toEqual([
      {
        details: expect.objectContaining({
          ods: 'P40004',
          droppedResources: expect.objectContaining({ List: expect.any(Number) as unknown }) as unknown,
        }) as unknown,
        message: expect.stringMatching(/dropped \d+ extension/) as unknown,
      },
    ]);
  });
});

describe('FhirStu3Adapter: patients and flags', () => {
  it('references the usual GP and the practice by SDS user id and ODS code', async () => {
    const found = await adapter().findPatient('9990000042', ctx());
    const gp = sims.dataset.findPatient('P40004', '9990000042')!.demographics.usualGp;
    expect(found?.patient.generalPractitioner).toEqual([
      expect.objectContaining({
        type: 'Practitioner',
        identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: gp.sdsUserId },
      }),
      expect.objectContaining({
        type: 'Organization',
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P40004' },
      }),
    ]);
    expect(found?.patient.managingOrganization).toMatchObject({ identifier: { value: 'P40004' } });
    expect(found?.patient.id).toBeUndefined();
  });

  it('reports the deceased patient as deceased and not active', async () => {
    const found = await otherAdapter('P10001').findPatient('9990000077', ctx());
    expect(found?.flags).toEqual({ dissent: false, sensitive: false, deceased: true, active: false });
    expect(found?.patient.deceasedDateTime).toBe(
      sims.dataset.findPatient('P10001', '9990000077')?.demographics.deceasedDate,
    );
  });

  it('reports the S-flag, without putting the label on the Patient', async () => {
    const found = await otherAdapter('P20002').findPatient('9990000085', ctx());
    expect(found?.flags.sensitive).toBe(true);
    expect(found?.patient.meta).toBeUndefined();
  });

  it('keeps confidential items, marked NOPAT', async () => {
    const record = await otherAdapter('P20002').getRecord('9990000069', ALL, ctx());
    const confidential = record!.resources.filter(hasConfidentialityLabel);
    const model = sims.dataset.findPatient('P20002', '9990000069')!.record;
    const expected = [...model.problems, ...model.observations, ...model.documents].filter((i) => i.confidential);
    for (const item of expected) expect(confidential.map((r) => r.id)).toContain(item.id);
  });

  it('answers null for a patient registered at another practice', async () => {
    await expect(adapter().findPatient('9990000018', ctx())).resolves.toBeNull();
    await expect(adapter().getRecord('9990000018', ALL, ctx())).resolves.toBeNull();
  });
});

describe('FhirStu3Adapter: failures', () => {
  const setFaults = (faults: object) =>
    fetch(`${sims.urls.P40004!}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });

  afterEach(async () => {
    await fetch(`${sims.urls.P40004!}/_faults`, { method: 'DELETE' });
  });

  it('turns a 5xx into SupplierUnavailableError', async () => {
    await setFaults({ failRate: 1, failStatus: 503 });
    const err = await adapter()
      .getRecord('9990000042', ALL, ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as SupplierUnavailableError).status).toBe(503);
    expect((err as Error).message).toContain('practice P40004 (fhir-stu3)');
    await expect(adapter().findPatient('9990000042', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(adapter().health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a dropped connection into SupplierUnavailableError', async () => {
    await setFaults({ drop: true });
    await expect(adapter().findPatient('9990000042', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(adapter().getRecord('9990000042', ALL, ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('abandons a call when the deadline passes, with SupplierTimeoutError', async () => {
    await setFaults({ latencyMs: 20_000 });
    const started = Date.now();
    await expect(adapter().getRecord('9990000042', ALL, ctx(AbortSignal.timeout(150)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
    await expect(adapter().findPatient('9990000042', ctx(AbortSignal.timeout(150)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
    // Settling long before the injected latency shows the request was abandoned, not awaited.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('turns a refused connection into SupplierUnavailableError', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = new FhirStu3Adapter({ ods: 'P40004', baseUrl: `http://127.0.0.1:${port}` });
    await expect(gone.health(ctx())).rejects.toThrow(/connection refused \(ECONNREFUSED\)/);
  });

  describe('against a system that answers wrongly', () => {
    let impostor: Server;
    let seen: IncomingHttpHeaders[];
    let answer: (path: string) => { status: number; body: string; type?: string };
    const wrong = () =>
      new FhirStu3Adapter({ ods: 'P40004', baseUrl: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}` });

    beforeAll(async () => {
      impostor = createServer((req, res) => {
        seen.push(req.headers);
        const { status, body, type } = answer(req.url ?? '');
        res.writeHead(status, { 'content-type': type ?? 'application/fhir+json' }).end(body);
      });
      await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    });

    beforeEach(() => {
      seen = [];
    });

    afterAll(async () => {
      impostor.closeAllConnections();
      await new Promise((resolve) => impostor.close(resolve));
    });

    it('refuses an answer that is not FHIR JSON', async () => {
      answer = () => ({ status: 200, body: '<html>login</html>', type: 'text/html' });
      await expect(wrong().findPatient('9990000042', ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
      await expect(wrong().health(ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
      expect(seen[0]?.['x-correlation-id']).toBe('int-spec-corr');
    });

    it('refuses a patient search answer without the sharing decision (never assumes consent)', async () => {
      const patient = {
        resourceType: 'Patient',
        id: 'p1',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000042' }],
      };
      answer = () => ({
        status: 200,
        body: JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient }] }),
      });
      await expect(wrong().findPatient('9990000042', ctx())).rejects.toThrow(/Consent/);
    });

    it('refuses a structured record about another patient', async () => {
      const patient = {
        resourceType: 'Patient',
        id: 'p1',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      };
      answer = () => ({
        status: 200,
        body: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }] }),
      });
      await expect(wrong().getRecord('9990000042', ALL, ctx())).rejects.toThrow(/not about the patient/);
    });

    it('treats a 404 that is not PATIENT_NOT_FOUND as a wrong base URL, and a 400 as a protocol error', async () => {
      answer = () => ({ status: 404, body: '{"resourceType":"OperationOutcome","issue":[]}' });
      await expect(wrong().getRecord('9990000042', ALL, ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
      answer = () => ({
        status: 400,
        body: '{"resourceType":"OperationOutcome","issue":[{"details":{"coding":[{"code":"BAD_REQUEST"}]}}]}',
      });
      await expect(wrong().findPatient('9990000042', ctx())).rejects.toThrow(/HTTP 400 BAD_REQUEST/);
    });

    it('refuses a CapabilityStatement of another FHIR version', async () => {
      answer = () => ({
        status: 200,
        body: JSON.stringify({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' }),
      });
      await expect(wrong().health(ctx())).rejects.toThrow(/not an STU3 CapabilityStatement/);
    });
  });
});
