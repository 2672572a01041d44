import { deepFreeze } from '@lloyd/fhir';
import { confidentialItemsIssue, isConfidential, redactConfidential, withoutReferencesTo } from './redaction.js';

type Meta = fhir4.Meta;

const CONF = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SENSITIVE = 'https://fhir.lloyd.nhs.example/CodeSystem/sensitive-category';

const resource = (resourceType: string, id: string, meta?: Meta): fhir4.Resource => ({
  resourceType,
  id,
  ...(meta ? { meta } : {}),
});

describe('confidential-item redaction', () => {
  it.each<[string, Meta | undefined, boolean]>([
    ['no meta', undefined, false],
    ['normal confidentiality (N)', { security: [{ system: CONF, code: 'N' }] }, false],
    ['restricted (R)', { security: [{ system: CONF, code: 'R' }] }, true],
    ['very restricted (V)', { security: [{ system: CONF, code: 'V' }] }, true],
    ['private: NOPAT', { security: [{ system: ACT, code: 'NOPAT' }] }, true],
    ['R from an unrelated system', { security: [{ system: 'https://other.example', code: 'R' }] }, false],
    ['sensitive category tag', { tag: [{ system: SENSITIVE, code: 'sexual-health' }] }, true],
    ['sensitive category, any code', { tag: [{ system: SENSITIVE, code: 'gender-identity' }] }, true],
    ['an unrelated tag', { tag: [{ system: 'https://other.example', code: 'hiv' }] }, false],
  ])('%s', (_name, meta, confidential) => {
    expect(isConfidential(resource('Condition', 'c1', meta))).toBe(confidential);
  });

  it('keeps ordinary items in order and counts removed ones per section', () => {
    const restricted = { security: [{ system: CONF, code: 'R' }] };
    const sensitive = { tag: [{ system: SENSITIVE, code: 'hiv' }] };
    const resources = [
      resource('Condition', 'c1'),
      resource('Condition', 'c2', sensitive),
      resource('AllergyIntolerance', 'a1', restricted),
      resource('MedicationStatement', 'm1'),
      resource('Condition', 'c3', restricted),
      resource('Consent', 'x1', restricted),
    ];
    const result = redactConfidential(resources);
    expect(result.kept.map((r) => r.id)).toEqual(['c1', 'm1']);
    expect(result.withheld).toEqual([resources[1], resources[2], resources[4], resources[5]]);
    expect(result.removed).toEqual({ problems: 2, allergies: 1, other: 1 });
    expect(result.removedTotal).toBe(4);
  });

  it('removes nothing from a clean record', () => {
    const resources = [resource('Condition', 'c1'), resource('Encounter', 'e1')];
    expect(redactConfidential(resources)).toEqual({ kept: resources, withheld: [], removed: {}, removedTotal: 0 });
  });

  describe('references to withheld items', () => {
    const restricted = { security: [{ system: CONF, code: 'R' }] };
    const RELATED = 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedClinicalContent-1';
    const ref = (reference: string) => ({ reference });

    it('are taken out of the items kept, so that only the warning tells of them', () => {
      const problem = {
        resourceType: 'Condition',
        id: 'c1',
        encounter: ref('Encounter/e-secret'),
        extension: [
          { url: RELATED, valueReference: ref('Observation/o-secret') },
          { url: RELATED, valueReference: ref('Observation/o1') },
          {
            url: 'https://example.org/complex',
            extension: [{ url: 'target', valueReference: ref('Observation/o-secret') }],
          },
        ],
      } as fhir4.Condition;
      const report = {
        resourceType: 'DiagnosticReport',
        id: 'r1',
        result: [ref('Observation/o1'), ref('Observation/o-secret')],
        specimen: [ref('Observation/o-secret')],
      } as unknown as fhir4.DiagnosticReport;
      const list = {
        resourceType: 'List',
        id: 'l1',
        entry: [{ item: ref('Observation/o-secret') }, { item: ref('Observation/o1'), flag: { text: 'kept' } }],
      } as unknown as fhir4.List;
      const records = deepFreeze([
        problem,
        report,
        list,
        resource('Observation', 'o1'),
        resource('Observation', 'o-secret', restricted),
        resource('Encounter', 'e-secret', restricted),
      ]);
      const { kept, removedTotal } = redactConfidential(records);
      expect(removedTotal).toBe(2);
      expect(kept.map((r) => r.id)).toEqual(['c1', 'r1', 'l1', 'o1']);
      expect(kept[0]).toEqual({
        resourceType: 'Condition',
        id: 'c1',
        extension: [{ url: RELATED, valueReference: ref('Observation/o1') }],
      });
      expect(kept[1]).toEqual({ resourceType: 'DiagnosticReport', id: 'r1', result: [ref('Observation/o1')] });
      expect(kept[2]).toEqual({
        resourceType: 'List',
        id: 'l1',
        entry: [{ item: ref('Observation/o1'), flag: { text: 'kept' } }],
      });
      // An item that named nothing withheld is the same object; the held record is unchanged.
      expect(kept[3]).toBe(records[3]);
      expect(records[0]).toBe(problem);
      expect((records[0] as fhir4.Condition).extension).toHaveLength(3);
    });

    it('leave contained resources and other references alone', () => {
      const statement = {
        resourceType: 'MedicationStatement',
        id: 'm1',
        contained: [{ resourceType: 'Provenance', id: 'p', target: [ref('Observation/o-secret')] }],
        basedOn: [ref('MedicationRequest/mr1')],
      } as unknown as fhir4.MedicationStatement;
      const [kept] = withoutReferencesTo([statement], new Set(['Observation/o-secret']));
      expect(kept).toBe(statement);
    });
  });

  it("builds the search warning with GP Connect's confidential-items code", () => {
    expect(confidentialItemsIssue()).toMatchObject({
      severity: 'warning',
      code: 'suppressed',
      details: {
        coding: [{ code: 'confidential-items' }],
        text: 'Items excluded due to confidentiality and/or patient preferences.',
      },
    });
  });
});
