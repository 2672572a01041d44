/**
 * What a token's scopes open, end to end over real HTTP: the structured record and `_include` need read scope on
 * every type they can serve, `patient/` scopes open no record, and an unknown FHIR path is 404 for any token.
 */
import { EmbeddedIssuer, TokenVerifier } from '@lloyd/auth';
import type { Bundle } from '@lloyd/fhir';
import { startLloyd, type RunningLloyd } from '../../../../test/support/lloyd.js';
import { SearchClinical } from './usecases/search-clinical.js';

const NHS_NUMBER = '9990000018';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const FRAME = 'system/Patient.r system/Organization.r system/Practitioner.r system/PractitionerRole.r';

type Outcome = { issue: { diagnostics: string; details: { coding: { code: string }[] } }[] };

describe('scope enforcement', () => {
  let lloyd: RunningLloyd;
  let patient: string;

  beforeAll(async () => {
    lloyd = await startLloyd();
    patient = lloyd.ids.encode({ ods: 'P10001', nhsNumber: NHS_NUMBER, sourceId: '' });
  });
  afterAll(() => lloyd?.close());

  const scoped = (scope: string, practitioner: string | undefined = 'G1234567') =>
    lloyd.token('hospital-epr', { ...(practitioner ? { practitioner } : {}), scope });
  const get = async (path: string, token: string) => {
    const res = await fetch(`${lloyd.base}/fhir/${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Bundle & Outcome };
  };
  const structured = async (token: string, areas: string[]) => {
    const res = await lloyd.structuredRecord(
      token,
      NHS_NUMBER,
      areas.map((name) =>
        name === 'includeAllergies'
          ? { name, part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] }
          : { name },
      ),
    );
    return { status: res.status, body: (await res.json()) as Bundle & Outcome };
  };
  const spineCode = (body: Outcome) => body.issue[0]?.details.coding[0]?.code;
  const typesIn = (bundle: Bundle) => new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType));

  describe('the structured record', () => {
    it('refuses a token that reads only Patient, naming what the answer would hold (403 before 400)', async () => {
      for (const practitioner of ['G1234567', undefined]) {
        const res = await structured(await scoped('system/Patient.r', practitioner), [
          'includeMedication',
          'includeProblems',
        ]);
        expect(res.status).toBe(403);
        expect(spineCode(res.body)).toBe('INSUFFICIENT_SCOPE');
        const text = res.body.issue[0]!.diagnostics;
        expect(text).toMatch(/read:Organization \(for every structured record\)/);
        expect(text).toMatch(/read:MedicationRequest \(for includeMedication, includeProblems\)/);
        expect(text).toMatch(/read:Condition \(for includeMedication, includeProblems\)/);
        expect(text).toMatch(/Ask for .*system\/MedicationRequest\.r/);
      }
      // Even the patient alone needs the frame it comes with.
      expect((await structured(await scoped('system/Patient.r'), [])).status).toBe(403);
    });

    it("serves the areas whose types, and the linked areas' types, the token reads", async () => {
      const allergies = `${FRAME} system/Location.r system/List.r system/AllergyIntolerance.r`;
      // Allergies link to problems (GP Connect's linked problems), so Condition is needed too.
      const withoutProblems = await structured(await scoped(allergies), ['includeAllergies']);
      expect(withoutProblems.status).toBe(403);
      expect(withoutProblems.body.issue[0]!.diagnostics).toMatch(/read:Condition \(for includeAllergies\)/);
      expect(withoutProblems.body.issue[0]!.diagnostics).not.toMatch(/AllergyIntolerance/);
      const res = await structured(await scoped(`${allergies} system/Condition.r`), ['includeAllergies']);
      expect(res.status).toBe(200);
      expect(typesIn(res.body)).toContain('AllergyIntolerance');
      expect(typesIn(res.body)).not.toContain('MedicationStatement');
    });
  });

  describe('_include', () => {
    it('refuses an _include of a type the token cannot read, naming it and the way out (403)', async () => {
      const token = await scoped('system/Condition.rs');
      const res = await get(
        `Condition?patient=${patient}&_include=Condition:patient&_include=Condition:encounter`,
        token,
      );
      expect(res.status).toBe(403);
      expect(spineCode(res.body)).toBe('INSUFFICIENT_SCOPE');
      const text = res.body.issue[0]!.diagnostics;
      expect(text).toMatch(/read:Patient \(for _include=Condition:patient\)/);
      expect(text).toMatch(/read:Encounter \(for _include=Condition:encounter\)/);
      expect(text).toMatch(/or leave out the _include parameters that need them/);
      // The same search without them is served.
      const plain = await get(`Condition?patient=${patient}`, token);
      expect(plain.status).toBe(200);
      expect(typesIn(plain.body)).not.toContain('Patient');
    });

    it('serves the _include when the token reads its type, and follows a typed _include only to its type', async () => {
      const res = await get(
        `Condition?patient=${patient}&_include=Condition:patient`,
        await scoped('system/Condition.rs system/Patient.r'),
      );
      expect(res.status).toBe(200);
      expect(typesIn(res.body)).toContain('Patient');
      const typed = await get(
        `Encounter?patient=${patient}&_include=Encounter:participant:Practitioner`,
        await scoped('system/Encounter.rs system/Practitioner.r'),
      );
      expect(typed.status).toBe(200);
    });

    it('never includes what the token cannot read, even when the search is run without the guard', async () => {
      const issued = await lloyd.app.get(EmbeddedIssuer).issueToken({
        clientId: 'hospital-epr',
        organisation: 'RX1',
        scopes: ['system/Condition.rs'],
        practitioner: 'G1',
      });
      const token = await lloyd.app.get(TokenVerifier).verify(issued.accessToken);
      const bundle = await lloyd.app.get(SearchClinical).execute({
        type: 'Condition',
        patient,
        count: undefined,
        page: undefined,
        include: ['Condition:patient', 'Condition:encounter'],
        token,
        correlationId: 'scope-enforcement',
        baseUrl: `${lloyd.base}/fhir`,
        now: new Date(),
      });
      expect(typesIn(bundle)).toContain('Condition');
      expect(typesIn(bundle)).not.toContain('Patient');
      expect(typesIn(bundle)).not.toContain('Encounter');
    });
  });

  describe('patient/ scopes', () => {
    it('open no patient record, whatever the practitioner, and say to use system/ or user/ scopes', async () => {
      const { accessToken } = await lloyd.app.get(EmbeddedIssuer).issueToken({
        clientId: 'hospital-epr',
        organisation: 'RX1',
        scopes: ['patient/*.rs'],
        practitioner: 'G1234567',
      });
      for (const res of [
        await get(`Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${NHS_NUMBER}`, accessToken),
        await get(`Patient/${patient}`, accessToken),
        await get(`Condition?patient=${patient}`, accessToken),
        await structured(accessToken, ['includeProblems']),
      ]) {
        expect(res.status).toBe(403);
        expect(spineCode(res.body)).toBe('INSUFFICIENT_SCOPE');
        expect(res.body.issue[0]!.diagnostics).toMatch(/Patient-context scopes \(patient\/…\) are not supported/);
      }
    });

    it('are refused by the token endpoint, with what to ask for instead', async () => {
      await expect(scoped('patient/*.rs')).rejects.toThrow(/Patient-context scopes are not supported/);
    });
  });

  describe('unknown FHIR paths', () => {
    it.each(['auditor', 'admin', 'gp2gp-broker'] as const)(
      'are 404 for a %s token, not a missing practitioner claim',
      async (client) => {
        const token = await lloyd.token(client);
        for (const path of ['Foo/1', 'AuditEvent/1', 'Foo']) {
          const res = await get(path, token);
          expect(res.status).toBe(404);
          expect(res.body.issue[0]!.details.coding[0]).toMatchObject({ system: SPINE });
        }
        // A known type the token may not read is 403, still before the claims.
        const known = await get(`Condition/${patient}`, token);
        expect(known.status).toBe(403);
        expect(spineCode(known.body)).toBe('INSUFFICIENT_SCOPE');
      },
    );
  });
});
