import { deepFreeze } from '@lloyd/fhir';
import { redactConfidential, SENSITIVE_CATEGORY_SYSTEM } from './redaction.js';
import { categoryByCode, tagSensitive } from './sensitive-codes.js';

const SNOMED = 'http://snomed.info/sct';
const READ_V2 = 'http://read.info/readv2';

const condition = (id: string, ...coding: fhir4.Coding[]): fhir4.Condition => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p' },
  code: { coding },
});

describe('sensitive data categories', () => {
  const categories = categoryByCode({ hiv: ['86406008', '165816005'], fertility: ['52637005'] });

  it('tags an item whose code has a listed SNOMED CT coding, beside its original one, and leaves others as they are', () => {
    const records = deepFreeze([
      condition('c1', { system: READ_V2, code: 'A788.' }, { system: SNOMED, code: '86406008' }),
      condition('c2', { system: SNOMED, code: '195967001' }),
    ]);
    const [tagged, untouched] = tagSensitive(records, categories);
    expect(tagged!.meta?.tag).toEqual([{ system: SENSITIVE_CATEGORY_SYSTEM, code: 'hiv' }]);
    expect(tagged!.code).toEqual(records[0]!.code);
    expect(untouched).toBe(records[1]);
    expect(records[0]!.meta).toBeUndefined();
  });

  it("matches an Observation's coded value, keeps the tags it had, and tags once", () => {
    const observation: fhir4.Observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      meta: { tag: [{ system: 'https://example.org/tags', code: 'x' }] },
      code: { text: 'HIV status' },
      valueCodeableConcept: { coding: [{ system: SNOMED, code: '165816005' }] },
    };
    const [once] = tagSensitive([observation], categories);
    expect(once!.meta?.tag).toEqual([
      { system: 'https://example.org/tags', code: 'x' },
      { system: SENSITIVE_CATEGORY_SYSTEM, code: 'hiv' },
    ]);
    expect(tagSensitive([once!], categories)[0]).toBe(once);
  });

  it('withholds a medication item with its drug: the Medication and every item that names it', () => {
    const drugs = categoryByCode({ 'test-drugs': ['1111111'] });
    const medication: fhir4.Medication = {
      resourceType: 'Medication',
      id: 'med-1',
      code: { coding: [{ system: SNOMED, code: '1111111' }] },
    };
    const other: fhir4.Medication = {
      resourceType: 'Medication',
      id: 'med-2',
      code: { coding: [{ system: SNOMED, code: '2222222' }] },
    };
    const request = (id: string, drug: string): fhir4.MedicationRequest => ({
      resourceType: 'MedicationRequest',
      id,
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p' },
      medicationReference: { reference: drug },
    });
    const statement: fhir4.MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'ms-1',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { coding: [{ system: SNOMED, code: '1111111' }] },
    };
    const records = [
      medication,
      other,
      request('mr-1', 'Medication/med-1'),
      request('mr-2', 'Medication/med-2'),
      statement,
    ];
    const { kept } = redactConfidential(tagSensitive(records, drugs));
    expect(kept.map((r) => r.id)).toEqual(['med-2', 'mr-2']);
  });

  it('matches SNOMED CT codings only, not the same digits in another system', () => {
    const record = condition('c1', { system: 'https://example.org/local', code: '52637005' });
    expect(tagSensitive([record], categories)[0]).toBe(record);
  });

  it('has redaction withhold what it tagged and count it under its section', () => {
    const tagged = tagSensitive(
      [condition('c1', { system: SNOMED, code: '52637005' }), condition('c2', { system: SNOMED, code: '38341003' })],
      categories,
    );
    const { kept, removed } = redactConfidential(tagged);
    expect(kept.map((r) => r.id)).toEqual(['c2']);
    expect(removed).toEqual({ problems: 1 });
  });

  it('tags nothing when no category is configured', () => {
    const record = condition('c1', { system: SNOMED, code: '86406008' });
    expect(tagSensitive([record], categoryByCode({}))[0]).toBe(record);
  });
});
