import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { toNativeTransfer } from './to-native.js';

type Json = Record<string, unknown>;

const patient: fhir4.Patient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
  name: [{ family: 'Test', given: ['Ann'] }],
  gender: 'female',
  birthDate: '1970-01-01',
};

function record(resources: fhir4.Resource[]): CanonicalRecord {
  return {
    patient,
    practice: { resourceType: 'Organization', id: 'P10001' },
    practitioners: [],
    practitionerRoles: [],
    resources,
  };
}

const observation = (id: string, coding: fhir4.Coding[], encounter?: string): fhir4.Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding, text: `text of ${id}` },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-01-02',
  ...(encounter ? { encounter: { reference: `Encounter/${encounter}` } } : {}),
});

function translate(resources: fhir4.Resource[], patientStatus = { dissent: false, sensitive: false }) {
  return toNativeTransfer({
    nhsNumber: '9990000018',
    fromOds: 'P10001',
    ods: 'P20002',
    record: record(resources),
    attachments: [],
    receivedOn: '2025-06-01',
    patientStatus,
  });
}

const entriesOf = (document: Json) => (document.events as { entries: Json[] }[]).flatMap((e) => e.entries);

describe('toNativeTransfer', () => {
  it("files the patient with the sending practice's dissent and S-flag", () => {
    expect(translate([], { dissent: true, sensitive: true }).document).toMatchObject({
      consent: { recordSharing: 'dissented' },
      flags: { sensitive: true },
    });
    expect(translate([]).document).toMatchObject({
      consent: { recordSharing: 'consented' },
      flags: { sensitive: false },
    });
  });

  it('keeps CTV3 and this practice’s local codes, and sends other codes as text with the originals', () => {
    const { document } = translate([
      observation('a', [
        { system: CODE_SYSTEMS.readv2, code: '22A..' },
        { system: CODE_SYSTEMS.ctv3, code: '22A..' },
      ]),
      observation('b', [{ system: `${CODE_SYSTEMS.localPrefix}P20002`, code: 'LOCAL-x', display: 'Ours' }]),
      observation('c', [{ system: `${CODE_SYSTEMS.localPrefix}P10001`, code: 'EMIS1', display: 'Theirs' }]),
      observation('d', [{ system: CODE_SYSTEMS.snomed, code: '60621009' }]),
    ]);
    const byId = new Map(entriesOf(document).map((e) => [e.entryId, e]));
    expect(byId.get('a')?.readCode).toEqual({ scheme: 'CTV3', code: '22A..', term: 'text of a' });
    expect(byId.get('b')?.readCode).toEqual({ scheme: 'LOCAL', code: 'LOCAL-x', term: 'Ours' });
    expect(byId.get('c')?.readCode).toBeUndefined();
    expect(byId.get('c')).toMatchObject({ text: 'text of c', originalCodes: [{ code: 'EMIS1' }] });
    expect(byId.get('d')?.readCode).toBeUndefined();
  });

  it('files a Read v2 code as the CTV3 code it also is, without a 7-character code’s term id', () => {
    const { document } = translate([
      observation('a', [{ system: CODE_SYSTEMS.readv2, code: 'H33..', display: 'Asthma' }]),
      observation('b', [
        { system: CODE_SYSTEMS.snomed, code: '292967008' },
        { system: CODE_SYSTEMS.readv2, code: 'TJ00300', display: 'Adverse reaction to amoxycillin' },
      ]),
      observation('c', [{ system: CODE_SYSTEMS.readv2, code: 'not-a-read-code' }]),
    ]);
    const byId = new Map(entriesOf(document).map((e) => [e.entryId, e]));
    expect(byId.get('a')?.readCode).toEqual({ scheme: 'CTV3', code: 'H33..', term: 'Asthma' });
    expect(byId.get('b')?.readCode).toEqual({ scheme: 'CTV3', code: 'TJ003', term: 'Adverse reaction to amoxycillin' });
    expect(byId.get('c')?.readCode).toBeUndefined();
  });

  it('gives ids unique across events and entries, and maps each back to its resource', () => {
    const encounter: fhir4.Encounter = {
      resourceType: 'Encounter',
      id: 'x1',
      status: 'finished',
      class: { code: 'AMB' },
      period: { start: '2024-01-02T09:30:00+00:00' },
    };
    const { document, sources } = translate([encounter, observation('x1', [], 'x1')]);
    const events = document.events as { eventId: string; entries: Json[] }[];
    expect(events).toHaveLength(1);
    const entryId = events[0]!.entries[0]!.entryId as string;
    expect(entryId).not.toBe(events[0]!.eventId);
    expect(sources.get(`event:${events[0]!.eventId}`)).toEqual(['Encounter/x1']);
    expect(sources.get(`entry:${entryId}`)).toEqual(['Observation/x1']);
  });

  it('reports what the journal cannot hold as not integrated, with a reason', () => {
    const { notIntegrated, document } = translate([
      {
        resourceType: 'Flag',
        id: 'f1',
        status: 'active',
        code: { text: 'x' },
        subject: { reference: 'Patient/p1' },
      } as fhir4.Flag,
    ]);
    expect(notIntegrated).toEqual([expect.objectContaining({ sourceId: 'Flag/f1', outcome: 'not-integrated' })]);
    expect(document.unfiled).toEqual([expect.objectContaining({ sourceId: 'Flag/f1' })]);
  });
});
