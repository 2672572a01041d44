/**
 * The access matrix: every dev client × every demo patient × every read path, each row asserting the exact status,
 * error code, sections and warnings. Expectations are written out from CONTRACT.md and the sharing rules in
 * config/default.yaml, not derived from Lloyd's code.
 */
import { encodeResourceId } from '@lloyd/federation';
import type { DevClient } from '../support/tokens.js';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const ALL = ['allergies', 'medications', 'problems', 'consultations', 'immunisations', 'investigations', 'referrals', 'uncategorised'];
const SOCIAL = ['allergies', 'medications', 'problems'];
const LIST_CODE: Record<string, string> = {
  allergies: '886921000000105',
  medications: '933361000000108',
  problems: '717711000000103',
  consultations: '1149501000000101',
  immunisations: '1102181000000102',
  investigations: '887191000000108',
  referrals: '792931000000107',
  uncategorised: '826501000000100',
};
const TYPE_SECTIONS: Record<string, string[]> = {
  AllergyIntolerance: ['allergies'],
  Condition: ['problems'],
  MedicationStatement: ['medications'],
  MedicationRequest: ['medications'],
  Immunization: ['immunisations'],
  Observation: ['investigations', 'uncategorised'],
  Encounter: ['consultations'],
  DiagnosticReport: ['investigations'],
  ServiceRequest: ['referrals'],
  DocumentReference: ['documents'],
};

type Situation = 'full' | 'dissent' | 'confidential' | 'deceased' | 'sensitive' | 'small' | 'large';
const PATIENTS: [string, string, Situation][] = [
  ['9990000018', 'P10001', 'full'],
  ['9990000026', 'P20002', 'full'],
  ['9990000034', 'P30003', 'full'],
  ['9990000042', 'P40004', 'full'],
  ['9990000050', 'P10001', 'dissent'],
  ['9990000069', 'P20002', 'confidential'],
  ['9990000077', 'P10001', 'deceased'],
  ['9990000085', 'P20002', 'sensitive'],
  ['9990000093', 'P30003', 'small'],
  ['9990000107', 'P10001', 'large'],
];

/** What a client gets for a patient, before the read path is considered. */
type Verdict =
  | { kind: 'allowed'; sections: string[] }
  | { kind: 'denied'; status: number; code: string }
  | { kind: 'not-found' };

const CLIENTS: DevClient[] = ['hospital-epr', 'social-care', 'no-agreement', 'gp2gp-broker', 'auditor', 'admin'];

function verdict(client: DevClient, situation: Situation): Verdict {
  if (client === 'gp2gp-broker' || client === 'auditor' || client === 'admin') {
    return { kind: 'denied', status: 403, code: 'INSUFFICIENT_SCOPE' };
  }
  if (client === 'no-agreement') return { kind: 'denied', status: 403, code: 'NO_ORGANISATION_CONSENT' };
  if (situation === 'dissent') return { kind: 'denied', status: 403, code: 'NO_PATIENT_CONSENT' };
  if (situation === 'deceased' || situation === 'sensitive') return { kind: 'not-found' };
  return { kind: 'allowed', sections: client === 'hospital-epr' ? ALL : SOCIAL };
}

interface Outcome {
  resourceType: string;
  issue: { severity: string; diagnostics?: string; details?: { coding?: { system: string; code: string }[] } }[];
}
const codeOf = (o: Outcome) => o.issue[0]?.details?.coding?.find((c) => c.system === SPINE)?.code;

describe('access matrix', () => {
  let lloyd: RunningLloyd;
  const tokens = new Map<DevClient, string>();

  beforeAll(async () => {
    lloyd = await startLloyd({ overrides: { access: { rateLimits: { defaultLimit: 100_000 } } } });
    for (const client of CLIENTS) tokens.set(client, await lloyd.token(client, { practitioner: 'G1234567' }));
  });
  afterAll(() => lloyd?.close());

  const call = async (client: DevClient, path: string, init: RequestInit = {}) => {
    const res = await fetch(path.startsWith('http') ? path : `${lloyd.base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${tokens.get(client)!}`, 'content-type': 'application/fhir+json', ...init.headers },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const rows = CLIENTS.flatMap((client) => PATIENTS.map(([nhs, ods, situation]) => [client, nhs, ods, situation, verdict(client, situation)] as const));

  describe.each(rows)('%s reading %s (%s, %s)', (client, nhs, ods, situation, expected) => {
    const patientId = encodeResourceId({ ods, nhsNumber: nhs, sourceId: '' });

    it('structured record, all areas', async () => {
      const { status, body } = await call(client, '/fhir/Patient/$gpc.getstructuredrecord', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhs } },
            { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
            ...['includeMedication', 'includeConsultations', 'includeProblems', 'includeImmunisations', 'includeUncategorisedData', 'includeInvestigations', 'includeReferrals'].map((name) => ({ name })),
          ],
        }),
      });
      switch (expected.kind) {
        case 'denied':
          expect([status, codeOf(body as unknown as Outcome)]).toEqual([expected.status, expected.code]);
          return;
        case 'not-found':
          expect([status, codeOf(body as unknown as Outcome)]).toEqual([404, 'PATIENT_NOT_FOUND']);
          return;
        case 'allowed': {
          expect(status).toBe(200);
          const resources = ((body as unknown as fhir4.Bundle).entry ?? []).map((e) => e.resource!);
          const lists = resources.filter((r): r is fhir4.List => r.resourceType === 'List');
          const sections = Object.entries(LIST_CODE)
            .filter(([, code]) => lists.some((l) => l.code?.coding?.[0]?.code === code))
            .map(([s]) => s);
          expect(sections.sort()).toEqual([...expected.sections].sort());
          const outcome = resources.find((r) => r.resourceType === 'OperationOutcome') as fhir4.OperationOutcome | undefined;
          const withheldWarning = outcome?.issue.find((i) => /not covered|sharing agreement/i.test(i.diagnostics ?? ''));
          if (client === 'social-care') {
            expect(withheldWarning?.diagnostics).toMatch(/consultations/);
          } else {
            expect(withheldWarning).toBeUndefined();
          }
          const confidentialLists = lists.filter((l) => l.extension?.some((e) => e.valueCode === 'confidential-items'));
          expect(confidentialLists.length > 0).toBe(situation === 'confidential');
        }
      }
    });

    it('Patient search by NHS number', async () => {
      const { status, body } = await call(client, `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`);
      switch (expected.kind) {
        case 'denied':
          expect([status, codeOf(body as unknown as Outcome)]).toEqual([expected.status, expected.code]);
          return;
        case 'not-found':
          expect([status, (body as unknown as fhir4.Bundle).total]).toEqual([200, 0]);
          return;
        case 'allowed':
          expect([status, (body as unknown as fhir4.Bundle).total]).toEqual([200, 1]);
      }
    });

    it.each(Object.keys(TYPE_SECTIONS))('RESTful search of %s', async (type) => {
      const { status, body } = await call(client, `/fhir/${type}?patient=${patientId}`);
      const sections = TYPE_SECTIONS[type]!;
      if (expected.kind === 'denied') {
        // Scope is checked per type; the consent rules after it.
        expect([status, codeOf(body as unknown as Outcome)]).toEqual([expected.status, expected.code]);
        return;
      }
      expect(status).toBe(200);
      const bundle = body as unknown as fhir4.Bundle;
      const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
      const visible = expected.kind === 'allowed' && sections.some((s) => expected.sections.includes(s) || (s === 'documents' && client === 'hospital-epr'));
      if (!visible || situation === 'small') {
        if (!visible) expect(matches).toHaveLength(0);
        return;
      }
      expect(matches.length).toBeGreaterThan(0);
      expect(matches.every((m) => m.resource?.resourceType === type)).toBe(true);
    });
  });

  describe('object-level authorisation: ids and paging links carry no authority', () => {
    let condition: string;
    let encounter: string;
    let nextLink: string;

    beforeAll(async () => {
      const patientId = encodeResourceId({ ods: 'P10001', nhsNumber: '9990000018', sourceId: '' });
      const conditions = (await call('hospital-epr', `/fhir/Condition?patient=${patientId}`)).body as unknown as fhir4.Bundle;
      condition = conditions.entry![0]!.resource!.id!;
      const encounters = (await call('hospital-epr', `/fhir/Encounter?patient=${patientId}&_count=1`)).body as unknown as fhir4.Bundle;
      encounter = encounters.entry![0]!.resource!.id!;
      nextLink = encounters.link!.find((l) => l.relation === 'next')!.url;
    });

    it.each([
      ['hospital-epr', 'Condition', 200, undefined],
      ['social-care', 'Condition', 200, undefined],
      ['no-agreement', 'Condition', 403, 'NO_ORGANISATION_CONSENT'],
      ['auditor', 'Condition', 403, 'INSUFFICIENT_SCOPE'],
      ['hospital-epr', 'Encounter', 200, undefined],
      ['social-care', 'Encounter', 404, 'NO_RECORD_FOUND'],
      ['no-agreement', 'Encounter', 403, 'NO_ORGANISATION_CONSENT'],
    ] as const)('%s reading a %s by id gets %i', async (client, type, status, code) => {
      const id = type === 'Condition' ? condition : encounter;
      const res = await call(client, `/fhir/${type}/${id}`);
      expect(res.status).toBe(status);
      if (code) expect(codeOf(res.body as unknown as Outcome)).toBe(code);
    });

    it.each([
      ['hospital-epr', 200, 1],
      ['social-care', 200, 0],
      ['no-agreement', 403, undefined],
    ] as const)('%s following the hospital\'s paging link gets %i', async (client, status, count) => {
      const res = await call(client, nextLink);
      expect(res.status).toBe(status);
      if (count !== undefined) {
        expect(((res.body as unknown as fhir4.Bundle).entry ?? []).filter((e) => e.search?.mode === 'match')).toHaveLength(count);
      }
    });

    it('answers an id forged for another practice exactly like a missing one', async () => {
      const forged = encodeResourceId({ ods: 'P20002', nhsNumber: '9990000018', sourceId: 'whatever' });
      const res = await call('hospital-epr', `/fhir/Condition/${forged}`);
      expect([res.status, codeOf(res.body as unknown as Outcome)]).toEqual([404, 'NO_RECORD_FOUND']);
    });
  });

  describe('emergency access', () => {
    it('lets the hospital read a dissented record in an emergency, and refuses social care', async () => {
      const body = JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000050' } },
          { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] },
        ],
      });
      const emergency = await lloyd.token('hospital-epr', { practitioner: 'G1234567', reason: 'emergency', reasonText: 'Unconscious in A&E' });
      const ok = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emergency}`, 'content-type': 'application/fhir+json' },
        body,
      });
      expect(ok.status).toBe(200);
      const social = await lloyd.token('social-care', { practitioner: 'G1234567', reason: 'emergency', reasonText: 'Unconscious in A&E' });
      const refused = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${social}`, 'content-type': 'application/fhir+json' },
        body,
      });
      expect(refused.status).toBe(403);
      const metrics = await (await fetch(`${lloyd.base}/metrics`)).text();
      expect(metrics).toMatch(/lloyd_emergency_access_total\{organisation="RX1"\} [1-9]/);
    });
  });
});
