import { isSupportedInclude, resolveIncludes, supportedIncludes } from './includes.js';

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

describe('the includes of each type', () => {
  const gp = { resourceType: 'Practitioner', id: 'gp' } as fhir4.Practitioner;
  const role = { resourceType: 'PractitionerRole', id: 'role' } as fhir4.PractitionerRole;
  const encounter = {
    resourceType: 'Encounter',
    id: 'e1',
    status: 'finished',
    class: { code: 'AMB' },
    participant: [
      { individual: { reference: 'Practitioner/gp' } },
      { individual: { reference: 'PractitionerRole/role' } },
    ],
  } as fhir4.Encounter;
  const immunization = {
    resourceType: 'Immunization',
    id: 'i1',
    performer: [{ actor: { reference: 'Practitioner/gp' } }],
  } as fhir4.Immunization;
  const record = [gp, role, encounter, immunization];

  it('follows Encounter.participant.individual for Encounter:participant, and its Practitioners for :practitioner', () => {
    const ids = (include: string) =>
      resolveIncludes('Encounter', [include], [encounter], record, 10).included.map((r) => r.id);
    expect(ids('Encounter:participant')).toEqual(['gp', 'role']);
    expect(ids('Encounter:practitioner')).toEqual(['gp']);
    expect(ids('Encounter:participant:PractitionerRole')).toEqual(['role']);
  });

  it('follows Immunization.performer.actor for Immunization:performer', () => {
    const { included } = resolveIncludes('Immunization', ['Immunization:performer'], [immunization], record, 10);
    expect(included).toEqual([gp]);
  });

  it.each([
    ['Encounter', 'Encounter:performer'],
    ['AllergyIntolerance', 'AllergyIntolerance:medication'],
    ['Immunization', 'Immunization:result'],
  ] as const)('warns that %s does not support %s, naming what it supports', (type, include) => {
    const { warnings } = resolveIncludes(type, [include], [], record, 10);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.diagnostics).toContain(include);
    expect(warnings[0]?.diagnostics).toContain(supportedIncludes(type).join(', '));
    expect(isSupportedInclude(type, include)).toBe(false);
  });
});
