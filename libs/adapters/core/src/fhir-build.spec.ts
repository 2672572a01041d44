import { clinicianReference, compact, practiceReference, quantity } from './fhir-build.js';

describe('shared FHIR building helpers', () => {
  it('compact drops undefined members and empty arrays, keeping falsy values', () => {
    expect(compact({ a: undefined, b: [], c: 0, d: false, e: '', f: [1] })).toEqual({ c: 0, d: false, e: '', f: [1] });
  });

  it('codes UCUM units and leaves others plain', () => {
    expect(quantity(5.2, 'mmol/L')).toEqual({
      value: 5.2,
      unit: 'mmol/L',
      system: 'http://unitsofmeasure.org',
      code: 'mmol/L',
    });
    expect(quantity(28, 'tablet')).toEqual({ value: 28, unit: 'tablet' });
    expect(quantity(3, undefined)).toEqual({ value: 3 });
  });

  it('references practices by ODS code and clinicians by SDS user id', () => {
    expect(practiceReference('P10001', 'Riverside')).toEqual({
      type: 'Organization',
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' },
      display: 'Riverside',
    });
    expect(clinicianReference('910000000101', ['Dr', undefined, 'Shah'])).toEqual({
      type: 'Practitioner',
      identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '910000000101' },
      display: 'Dr Shah',
    });
    expect(clinicianReference('910000000101').display).toBeUndefined();
  });
});
