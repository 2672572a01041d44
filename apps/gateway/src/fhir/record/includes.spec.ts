import { resolveIncludes } from './includes.js';

const medication = { resourceType: 'Medication', id: 'm1', code: { text: 'Aspirin' } } as fhir4.Medication;
const other = { resourceType: 'Medication', id: 'm2', code: { text: 'Ramipril' } } as fhir4.Medication;
const request = (id: string, med: string) =>
  ({
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/p' },
    medicationReference: { reference: `Medication/${med}` },
  }) as fhir4.MedicationRequest;

describe('resolveIncludes', () => {
  const record = [medication, other, request('r1', 'm1'), request('r2', 'm1'), request('r3', 'm2')];

  it('adds each referenced resource once, only from the record', () => {
    const { included, warnings } = resolveIncludes(
      'MedicationRequest',
      ['MedicationRequest:medication'],
      record.slice(2, 4),
      record,
      10,
    );
    expect(included.map((r) => r.id)).toEqual(['m1']);
    expect(warnings).toEqual([]);
  });

  it('never reaches outside the record', () => {
    const outside = request('r9', 'elsewhere');
    const { included } = resolveIncludes('MedicationRequest', ['MedicationRequest:medication'], [outside], record, 10);
    expect(included).toEqual([]);
  });

  it('caps the number of included resources, with a warning', () => {
    const { included, warnings } = resolveIncludes(
      'MedicationRequest',
      ['MedicationRequest:medication'],
      record.slice(2),
      record,
      1,
    );
    expect(included).toHaveLength(1);
    expect(warnings[0]?.diagnostics).toContain('capped at 1');
  });

  it('warns about unsupported or mismatched includes', () => {
    const { included, warnings } = resolveIncludes(
      'MedicationRequest',
      ['Condition:medication', 'MedicationRequest:teapot'],
      record.slice(2),
      record,
      10,
    );
    expect(included).toEqual([]);
    expect(warnings).toHaveLength(2);
  });
});
