import { createServer, type Server } from 'node:http';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import type { AddressInfo } from 'node:net';
import {
  CODE_SYSTEMS,
  EXTENSIONS,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type CanonicalRecord,
} from '@lloyd/adapters-core';
import {
  allResources,
  assertValidR4,
  codingProblems,
  describeSupplierAdapterContract,
  idProblems,
  patientReferenceProblems,
  referenceProblems,
} from '@lloyd/adapters-core-testing';
import { recordSections } from '@lloyd/config';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { SyntheticDataset } from '../../../../apps/supplier-sim/src/generator/generate.js';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
// eslint-disable-next-line no-restricted-imports -- the simulator's own negative acknowledgement, as a failing system sends it
import { renderNack } from '../../../../apps/supplier-sim/src/systems/hl7v3-gp2gp-messages.js';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { createHl7v3Gp2gpSystem } from '../../../../apps/supplier-sim/src/systems/hl7v3-gp2gp.js';
import { Hl7v3ExtractAdapter } from './hl7v3-extract.adapter.js';

const ctx = (signal: AbortSignal = new AbortController().signal) => ({ signal, correlationId: 'int-spec' });
const ALL = { sections: recordSections };
const LOCAL = `${CODE_SYSTEMS.localPrefix}P30003`;

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P30003: 0 }, extraPatients: 1 });
});

afterAll(async () => {
  await sims?.close();
});

const adapter = (baseUrl = sims.urls.P30003!) => new Hl7v3ExtractAdapter({ ods: 'P30003', baseUrl });

describeSupplierAdapterContract('Hl7v3ExtractAdapter against the P30003 simulator', {
  createAdapter: () => adapter(),
  knownPatient: '9990000034',
  fullRecordPatient: '9990000034',
  unknownPatient: '9990000115',
  nativeCodeSystems: [CODE_SYSTEMS.readv2, CODE_SYSTEMS.snomed],
  allowLocalCodes: true,
});

/** Starts a loopback HTTP server for one test; closes it after. */
async function serve(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A proxy to the simulator that adds headers to, or rewrites, the EHR request: GP2GP answers a test wants. */
function proxy(options: { headers?: Record<string, string>; rewrite?: (body: string) => string }) {
  return serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void fetch(`${sims.urls.P30003}${req.url}`, {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/xml', ...options.headers },
        ...(req.method === 'POST' ? { body: options.rewrite ? options.rewrite(body) : body } : {}),
      }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/xml' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
}

const byType = <T extends fhir4.Resource>(record: CanonicalRecord, type: T['resourceType']) =>
  record.resources.filter((r): r is T => r.resourceType === type);

const codes = (concept: fhir4.CodeableConcept | undefined) =>
  (concept?.coding ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`);

describe('Hl7v3ExtractAdapter', () => {
  const setFaults = (faults: object) =>
    fetch(`${sims.urls.P30003}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });

  afterEach(async () => {
    await fetch(`${sims.urls.P30003}/_faults`, { method: 'DELETE' });
  });

  const record = async (nhs: string) => {
    const result = await adapter().getRecord(nhs, ALL, ctx());
    if (!result) throw new Error(`no record for ${nhs}`);
    return result;
  };

  it('reads 9990000034 with every demo item present, in its own type and under its own id', async () => {
    const expected = sims.dataset.findPatient('P30003', '9990000034')!;
    const r = await record('9990000034');
    const ids = (type: string) => new Set(r.resources.filter((x) => x.resourceType === type).map((x) => x.id));
    const missing = (type: string, wanted: readonly string[]) => wanted.filter((id) => !ids(type).has(id));
    const n = expected.record;
    expect(
      missing(
        'AllergyIntolerance',
        n.allergies.map((a) => a.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'Condition',
        n.problems.map((p) => p.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'Encounter',
        n.consultations.map((c) => c.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'Immunization',
        n.immunisations.map((i) => i.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'DiagnosticReport',
        n.testResults.map((t) => t.id),
      ),
    ).toEqual([]);
    expect(
      missing('Observation', [
        ...n.observations.map((o) => o.id),
        ...n.testResults.flatMap((t) => t.results.map((v) => v.id)),
      ]),
    ).toEqual([]);
    expect(
      missing(
        'ServiceRequest',
        n.referrals.map((f) => f.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'DocumentReference',
        n.documents.map((d) => d.id),
      ),
    ).toEqual([]);
    expect(
      missing(
        'MedicationRequest',
        n.medications.flatMap((m) => [m.id, ...m.issues.map((i) => i.id)]),
      ),
    ).toEqual([]);
    expect(byType<fhir4.MedicationStatement>(r, 'MedicationStatement')).toHaveLength(n.medications.length);
    // Consultations are the only Encounters: items recorded outside one stand alone.
    expect(ids('Encounter').size).toBe(n.consultations.length);
  });

  it('reads each problem once, as the Condition, linked to the consultation it was recorded in', async () => {
    const n = sims.dataset.findPatient('P30003', '9990000034')!.record;
    const r = await record('9990000034');
    // No Observation besides the record's own observations and results codes what a problem codes.
    const conditions = new Map(byType<fhir4.Condition>(r, 'Condition').map((c) => [c.id, c]));
    const codeOf = (c: fhir4.CodeableConcept | undefined) => JSON.stringify(c?.coding?.map((k) => k.code));
    const problemCodes = new Set([...conditions.values()].map((c) => codeOf(c.code)));
    const own = new Set([
      ...n.observations.map((o) => o.id),
      ...n.testResults.flatMap((t) => [t.id, ...t.results.map((v) => v.id)]),
    ]);
    const copies = byType<fhir4.Observation>(r, 'Observation').filter(
      (o) => !own.has(o.id!) && problemCodes.has(codeOf(o.code)),
    );
    expect(copies.map((o) => o.code.text)).toEqual([]);
    const inConsultation = n.problems.filter((p) => p.consultationId !== undefined);
    expect(inConsultation.length).toBeGreaterThan(0);
    for (const p of inConsultation) {
      const condition = conditions.get(p.id)!;
      const consultation = `Encounter/${p.consultationId!}`;
      expect({ id: p.id, encounter: condition.encounter?.reference }).toEqual({ id: p.id, encounter: consultation });
      const links = (condition.extension ?? [])
        .filter((e) => e.url === EXTENSIONS.relatedClinicalContent)
        .map((e) => e.valueReference?.reference);
      expect({ id: p.id, linksConsultation: links.includes(consultation) }).toEqual({
        id: p.id,
        linksConsultation: true,
      });
    }
  });

  it('keeps what the demo record says about each item', async () => {
    const n = sims.dataset.findPatient('P30003', '9990000034')!.record;
    const r = await record('9990000034');
    const find = <T extends fhir4.Resource>(type: T['resourceType'], id: string) =>
      r.resources.find((x) => x.resourceType === type && x.id === id) as T;

    const resolved = n.allergies.find((a) => a.status === 'resolved')!;
    expect(find<fhir4.AllergyIntolerance>('AllergyIntolerance', resolved.id).clinicalStatus?.coding?.[0]?.code).toBe(
      'resolved',
    );
    const drug = n.allergies.find((a) => a.category === 'drug')!;
    expect(find<fhir4.AllergyIntolerance>('AllergyIntolerance', drug.id).category).toEqual(['medication']);

    for (const p of n.problems) {
      const condition = find<fhir4.Condition>('Condition', p.id);
      expect(condition.clinicalStatus?.coding?.[0]?.code).toBe(p.status);
      expect(condition.extension).toContainEqual({ url: EXTENSIONS.problemSignificance, valueCode: p.significance });
    }
    const hypertension = n.problems.find((p) => p.concept === 'hypertension')!;
    const linked = find<fhir4.Condition>('Condition', hypertension.id).extension?.filter(
      (e) => e.url === EXTENSIONS.relatedClinicalContent,
    );
    expect(linked?.length).toBeGreaterThan(0);

    for (const m of n.medications) {
      const plan = find<fhir4.MedicationRequest>('MedicationRequest', m.id);
      expect(plan.intent).toBe('plan');
      expect(plan.extension).toContainEqual({ url: EXTENSIONS.prescriptionType, valueCode: m.type });
      for (const issue of m.issues) {
        const order = find<fhir4.MedicationRequest>('MedicationRequest', issue.id);
        expect(order.intent).toBe('order');
        expect(order.basedOn).toEqual([{ reference: `MedicationRequest/${m.id}` }]);
      }
    }

    const fbc = n.testResults.find((t) => t.concept === 'full-blood-count')!;
    const report = find<fhir4.DiagnosticReport>('DiagnosticReport', fbc.id);
    expect(report.conclusion).toContain(fbc.filingComment);
    const haemoglobin = fbc.results.find((v) => v.concept === 'haemoglobin')!;
    const hb = find<fhir4.Observation>('Observation', haemoglobin.id);
    expect(hb.valueQuantity?.value).toBe(haemoglobin.value.value);
    expect(hb.referenceRange?.[0]).toMatchObject({
      low: { value: haemoglobin.referenceRange.low },
      high: { value: haemoglobin.referenceRange.high },
    });
    expect(hb.category?.[0]?.coding?.[0]?.code).toBe('laboratory');

    const referral = find<fhir4.ServiceRequest>('ServiceRequest', n.referrals[0]!.id);
    expect(referral.performer?.[0]?.display).toBe(n.referrals[0]!.recipient);
    const document = find<fhir4.DocumentReference>('DocumentReference', n.documents[0]!.id);
    expect(document.description).toBe(n.documents[0]!.title);
    const content = await fetch(document.content[0]!.attachment.url!);
    expect((await content.arrayBuffer()).byteLength).toBe(n.documents[0]!.size);
  });

  it('codes items in Read v2 with the SNOMED CT the extract carried, and keeps the untranslatable local codes', async () => {
    const n = sims.dataset.findPatient('P30003', '9990000034')!.record;
    const r = await record('9990000034');
    const asthma = byType<fhir4.Condition>(r, 'Condition').find((c) =>
      codes(c.code).includes(`${CODE_SYSTEMS.readv2}|H33..`),
    );
    expect(codes(asthma?.code)).toEqual([`${CODE_SYSTEMS.readv2}|H33..`, `${CODE_SYSTEMS.snomed}|195967001`]);

    const localIds = n.observations.filter((o) => o.concept.match(/preferred-contact|betel|threats/)).map((o) => o.id);
    expect(localIds).toHaveLength(3);
    for (const id of localIds) {
      const item = n.observations.find((o) => o.id === id)!;
      const observation = byType<fhir4.Observation>(r, 'Observation').find((o) => o.id === id);
      expect(observation).toBeDefined();
      expect(observation!.code.coding).toEqual([
        { system: LOCAL, code: expect.stringMatching(/^EMIS/) as unknown, display: item.term },
      ]);
      expect(observation!.code.text).toBe(item.term);
    }
    // Nothing is left in a raw OID system that the terminology step would not recognise as local.
    expect(JSON.stringify(r.resources)).not.toContain('urn:oid:2.16.840.1.113883.2.1.6.3');
  });

  it('reads the small record of 9990000093, valid R4 throughout', async () => {
    const n = sims.dataset.findPatient('P30003', '9990000093')!.record;
    const r = await record('9990000093');
    expect(byType(r, 'AllergyIntolerance').map((a) => a.id)).toEqual(n.allergies.map((a) => a.id));
    expect(byType(r, 'Condition').map((c) => c.id)).toEqual(n.problems.map((p) => p.id));
    expect(byType(r, 'Immunization').map((i) => i.id)).toEqual(n.immunisations.map((i) => i.id));
    expect(
      byType(r, 'Encounter')
        .map((e) => e.id)
        .sort(),
    ).toEqual(n.consultations.map((c) => c.id).sort());
    expect(byType(r, 'MedicationRequest')).toEqual([]);
    expect(r.resources.some((x) => codes((x as fhir4.Observation).code).some((c) => c.startsWith(`${LOCAL}|`)))).toBe(
      true,
    );
    expect(idProblems(r)).toEqual([]);
    expect(referenceProblems(r)).toEqual([]);
    expect(patientReferenceProblems(r)).toEqual([]);
    expect(
      codingProblems(r, { nativeCodeSystems: [CODE_SYSTEMS.readv2, CODE_SYSTEMS.snomed], allowLocalCodes: true }),
    ).toEqual([]);
    for (const resource of allResources(r)) await assertValidR4(resource);
  });

  it('builds the Patient from the summary, names the practice and puts the usual GP first', async () => {
    const expected = sims.dataset.findPatient('P30003', '9990000034')!;
    const r = await record('9990000034');
    expect(r.patient.name?.[0]).toMatchObject({ family: expected.demographics.name.family });
    expect(r.patient.birthDate).toBe(expected.demographics.birthDate);
    expect(r.practice).toMatchObject({
      name: 'Castle Street Health Centre',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P30003' }],
    });
    expect(r.practitioners[0]?.identifier).toContainEqual({
      system: 'https://fhir.nhs.uk/Id/sds-user-id',
      value: expected.demographics.usualGp.sdsUserId,
    });
    expect(r.patient.generalPractitioner?.[0]).toEqual({ reference: `Practitioner/${r.practitioners[0]!.id}` });
  });

  it('reads a synthetic extra patient of the practice', async () => {
    const extra = sims.dataset.patientsOf('P30003').find((p) => !p.demographics.nhsNumber.startsWith('999000'))!;
    const r = await record(extra.demographics.nhsNumber);
    expect(r.patient.identifier?.[0]?.value).toBe(extra.demographics.nhsNumber);
    expect(byType(r, 'Encounter')).toHaveLength(extra.record.consultations.length);
  });

  it('answers null for a patient registered at another practice', async () => {
    await expect(adapter().findPatient('9990000018', ctx())).resolves.toBeNull();
    await expect(adapter().getRecord('9990000018', ALL, ctx())).resolves.toBeNull();
  });

  it('keeps confidential items, marked NOPAT, and leaves ordinary ones unmarked', async () => {
    // P30003's demo patients have no confidential items; the same system serving P20002's data has (9990000069).
    const dataset = new SyntheticDataset({ seed: 42 });
    const system = createHl7v3Gp2gpSystem({ dataset, ods: 'P20002' });
    await system.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(system.server.address() as AddressInfo).port}`;
      const r = await new Hl7v3ExtractAdapter({ ods: 'P20002', baseUrl: url }).getRecord('9990000069', ALL, ctx());
      const n = dataset.findPatient('P20002', '9990000069')!.record;
      const confidential = [...n.problems, ...n.observations, ...n.documents]
        .filter((i) => i.confidential)
        .map((i) => i.id);
      expect(confidential.length).toBeGreaterThan(0);
      const marked = new Set(r!.resources.filter(hasConfidentialityLabel).map((x) => x.id));
      expect(confidential.filter((id) => !marked.has(id))).toEqual([]);
      expect(n.allergies.filter((a) => marked.has(a.id))).toEqual([]);
    } finally {
      await system.close();
    }
  });

  it('turns a negative acknowledgement 06 sent with HTTP 200 into null too', async () => {
    const nack = await proxy({ headers: { 'x-sim-nack': '06' } });
    try {
      await expect(adapter(nack.url).getRecord('9990000034', ALL, ctx())).resolves.toBeNull();
    } finally {
      await nack.close();
    }
  });

  it('turns other negative acknowledgements into supplier errors that name the reason', async () => {
    for (const [reason, type] of [
      ['10', SupplierUnavailableError],
      ['07', SupplierUnavailableError],
      ['18', SupplierProtocolError],
    ] as const) {
      const nack = await proxy({ headers: { 'x-sim-nack': reason } });
      try {
        const err = await adapter(nack.url)
          .getRecord('9990000034', ALL, ctx())
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(type);
        expect((err as Error).message).toContain(`GP2GP reason ${reason}`);
      } finally {
        await nack.close();
      }
    }
  });

  it('refuses an extract for another patient', async () => {
    const swap = await proxy({ rewrite: (body) => body.replace('extension="9990000034"', 'extension="9990000093"') });
    try {
      await expect(adapter(swap.url).getRecord('9990000034', ALL, ctx())).rejects.toThrow(/different patient/);
    } finally {
      await swap.close();
    }
  });

  it('refuses an extract larger than its limit while it streams', async () => {
    const small = new Hl7v3ExtractAdapter({ ods: 'P30003', baseUrl: sims.urls.P30003!, maxExtractBytes: 20_000 });
    const err = await small.getRecord('9990000034', ALL, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierProtocolError);
  });

  it('turns a 5xx into SupplierUnavailableError', async () => {
    await setFaults({ failRate: 1, failStatus: 503 });
    const err = await adapter()
      .getRecord('9990000034', ALL, ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as SupplierUnavailableError).status).toBe(503);
    expect((err as Error).message).toContain('practice P30003 (hl7v3-extract)');
    await expect(adapter().findPatient('9990000034', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(adapter().health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a 5xx whose negative acknowledgement refers to no message it sent into SupplierUnavailableError', async () => {
    // A system failing before it has read the request cannot name it: the HTTP status says it is unavailable.
    const failing = await serve((req, res) => {
      if (req.method === 'POST') {
        const nack = renderNack({ reason: '99', asid: '918999199084', createdAt: '2026-12-08T01:00:00' });
        res.writeHead(500, { 'content-type': 'application/xml' }).end(nack);
        return;
      }
      void fetch(`${sims.urls.P30003}${req.url}`).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/xml' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    try {
      const err = await adapter(failing.url)
        .getRecord('9990000034', ALL, ctx())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SupplierUnavailableError);
      expect((err as SupplierUnavailableError).status).toBe(500);
      expect((err as Error).message).toMatch(/GP2GP reason 99/);
    } finally {
      await failing.close();
    }
  });

  it('turns a dropped connection into SupplierUnavailableError', async () => {
    await setFaults({ drop: true });
    await expect(adapter().getRecord('9990000034', ALL, ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(adapter().findPatient('9990000034', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a deadline passing mid-call into SupplierTimeoutError', async () => {
    await setFaults({ latencyMs: 5_000 });
    await expect(adapter().getRecord('9990000034', ALL, ctx(AbortSignal.timeout(100)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
  });

  it('turns a refused connection into SupplierUnavailableError', async () => {
    const probe = await serve((_req, res) => res.end());
    await probe.close();
    const gone = adapter(probe.url);
    await expect(gone.getRecord('9990000034', ALL, ctx())).rejects.toThrow(/connection refused \(ECONNREFUSED\)/);
    await expect(gone.health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns answers that are not GP2GP into SupplierProtocolError', async () => {
    const impostor = await serve((req, res) => {
      if (req.url?.includes('/summary'))
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"resourceType":"Bundle"}');
    });
    try {
      const wrong = adapter(impostor.url);
      await expect(wrong.findPatient('9990000034', ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
      await expect(wrong.getRecord('9990000034', ALL, ctx())).rejects.toBeInstanceOf(SupplierProtocolError);
    } finally {
      await impostor.close();
    }
    await expect(adapter(`${sims.urls.P30003}/wrong/`).findPatient('9990000034', ctx())).rejects.toBeInstanceOf(
      SupplierProtocolError,
    );
  });
});
