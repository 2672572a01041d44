import { confidentialItemsIssue, isConfidential, redactConfidential } from './redaction.js';

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
    expect(result.removed).toEqual({ problems: 2, allergies: 1, other: 1 });
    expect(result.removedTotal).toBe(4);
  });

  it('removes nothing from a clean record', () => {
    const resources = [resource('Condition', 'c1'), resource('Encounter', 'e1')];
    expect(redactConfidential(resources)).toEqual({ kept: resources, removed: {}, removedTotal: 0 });
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
