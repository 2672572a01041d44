/**
 * The access matrix: every dev client × every demo patient × every read path, each row asserting the exact status,
 * error code, sections and warnings. Expectations are written out from CONTRACT.md and the sharing rules in
 * config/default.yaml, not derived from Lloyd's code.
 */
import type { DevClient } from '../support/tokens.js';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const ALL = [
  'allergies',
  'medications',
  'problems',
  'consultations',
  'immunisations',
  'investigations',
  'referrals',
  'uncategorised',
];
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
  { kind: 'allowed'; sections: string[] } | { kind: 'denied'; status: number; code: string } | { kind: 'not-found' };

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
      headers: {
        authorization: `Bearer ${tokens.get(client)!}`,
        'content-type': 'application/fhir+json',
        ...init.headers,
      },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const rows = CLIENTS.flatMap((client) =>
    PATIENTS.map(([nhs, ods, situation]) => [client, nhs, ods, situation, verdict(client, situation)] as const),
  );

  /** What a structured-record answer shows, summarised the same way whatever the outcome. */
  interface StructuredSummary {
    status: number;
    code?: string | undefined;
    sections?: string[];
    withheldWarning?: boolean;
    confidentialWarning?: boolean;
  }

  function summariseStructured(status: number, body: Record<string, unknown>): StructuredSummary {
    if (status !== 200) return { status, code: codeOf(body as unknown as Outcome) };
    const resources = ((body as unknown as fhir4.Bundle).entry ?? []).map((e) => e.resource!);
    const lists = resources.filter((r): r is fhir4.List => r.resourceType === 'List');
    const outcome = resources.find((r) => r.resourceType === 'OperationOutcome') as fhir4.OperationOutcome | undefined;
    return {
      status,
      sections: Object.entries(LIST_CODE)
        .filter(([, code]) => lists.some((l) => l.code?.coding?.[0]?.code === code))
        .map(([section]) => section)
        .sort(),
      withheldWarning: Boolean(
        outcome?.issue.some((i) => /consultations/.test(i.diagnostics ?? '') && /agreement/i.test(i.diagnostics ?? '')),
      ),
      confidentialWarning: lists.some((l) => l.extension?.some((e) => e.valueCode === 'confidential-items')),
    };
  }

  function expectedStructured(client: DevClient, situation: Situation, expected: Verdict): StructuredSummary {
    switch (expected.kind) {
      case 'denied':
        return { status: expected.status, code: expected.code };
      case 'not-found':
        return { status: 404, code: 'PATIENT_NOT_FOUND' };
      case 'allowed':
        return {
          status: 200,
          sections: [...expected.sections].sort(),
          withheldWarning: client === 'social-care',
          confidentialWarning: situation === 'confidential',
        };
    }
  }

  function expectedSearch(expected: Verdict): { status: number; code?: string | undefined; total?: number } {
    switch (expected.kind) {
      case 'denied':
        return { status: expected.status, code: expected.code };
      case 'not-found':
        return { status: 200, total: 0 };
      case 'allowed':
        return { status: 200, total: 1 };
    }
  }

  /** RESTful search of one type: whether matches come back, given the sections the client may see. */
  function expectedTypeSearch(client: DevClient, situation: Situation, expected: Verdict, type: string) {
    if (expected.kind === 'denied') return { status: expected.status, code: expected.code };
    const sections = TYPE_SECTIONS[type]!;
    const visible =
      expected.kind === 'allowed' &&
      sections.some((s) => expected.sections.includes(s) || (s === 'documents' && client === 'hospital-epr'));
    // The small record has no items of some types; visibility is then shown by the absence of a refusal only.
    return { status: 200, matches: !visible ? 'none' : situation === 'small' ? 'any' : 'some' };
  }

  describe.each(rows)('%s reading %s (%s, %s)', (client, nhs, ods, situation, expected) => {
    // Made once the gateway (and its id key) is up.
    const patientId = () => lloyd.ids.encode({ ods, nhsNumber: nhs, sourceId: '' });

    it('structured record, all areas', async () => {
      const { status, body } = await call(client, '/fhir/Patient/$gpc.getstructuredrecord', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhs } },
            { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
            ...[
              'includeMedication',
              'includeConsultations',
              'includeProblems',
              'includeImmunisations',
              'includeUncategorisedData',
              'includeInvestigations',
              'includeReferrals',
            ].map((name) => ({ name })),
          ],
        }),
      });
      expect(summariseStructured(status, body)).toEqual(expectedStructured(client, situation, expected));
    });

    it('Patient search by NHS number', async () => {
      const { status, body } = await call(client, `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`);
      const actual =
        status === 200
          ? { status, total: (body as unknown as fhir4.Bundle).total }
          : { status, code: codeOf(body as unknown as Outcome) };
      expect(actual).toEqual(expectedSearch(expected));
    });

    it.each(Object.keys(TYPE_SECTIONS))('RESTful search of %s', async (type) => {
      const { status, body } = await call(client, `/fhir/${type}?patient=${patientId()}`);
      const want = expectedTypeSearch(client, situation, expected, type);
      const matches = ((body as unknown as fhir4.Bundle).entry ?? []).filter((e) => e.search?.mode === 'match');
      const actual =
        status !== 200
          ? { status, code: codeOf(body as unknown as Outcome) }
          : {
              status,
              matches: 'matches' in want && want.matches === 'any' ? 'any' : matches.length === 0 ? 'none' : 'some',
            };
      expect(actual).toEqual(want);
      expect(matches.every((m) => m.resource?.resourceType === type)).toBe(true);
    });
  });

  describe('object-level authorisation: ids and paging links carry no authority', () => {
    let condition: string;
    let encounter: string;
    let nextLink: string;

    beforeAll(async () => {
      const patientId = lloyd.ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId: '' });
      const conditions = (await call('hospital-epr', `/fhir/Condition?patient=${patientId}`))
        .body as unknown as fhir4.Bundle;
      condition = conditions.entry![0]!.resource!.id!;
      const encounters = (await call('hospital-epr', `/fhir/Encounter?patient=${patientId}&_count=1`))
        .body as unknown as fhir4.Bundle;
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
      const actual = {
        status: res.status,
        code: res.status === 200 ? undefined : codeOf(res.body as unknown as Outcome),
      };
      expect(actual).toEqual({ status, code });
    });

    it.each([
      ['hospital-epr', 200, 1],
      ['social-care', 200, 0],
      ['no-agreement', 403, undefined],
    ] as const)("%s following the hospital's paging link gets %i", async (client, status, count) => {
      const res = await call(client, nextLink);
      const matches =
        res.status === 200
          ? ((res.body as unknown as fhir4.Bundle).entry ?? []).filter((e) => e.search?.mode === 'match').length
          : undefined;
      expect({ status: res.status, matches }).toEqual({ status, matches: count });
    });

    it('answers an id forged for another practice exactly like a missing one', async () => {
      const forged = lloyd.ids.encode({ ods: 'P20002', nhsNumber: '9990000018', sourceId: 'whatever' });
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
      const emergency = await lloyd.token('hospital-epr', {
        practitioner: 'G1234567',
        reason: 'emergency',
        reasonText: 'Unconscious in A&E',
      });
      const ok = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emergency}`, 'content-type': 'application/fhir+json' },
        body,
      });
      expect(ok.status).toBe(200);
      const social = await lloyd.token('social-care', {
        practitioner: 'G1234567',
        reason: 'emergency',
        reasonText: 'Unconscious in A&E',
      });
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
