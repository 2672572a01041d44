import { runInNewContext } from 'node:vm';
import { assertValidR4, validateR4WithFhirPackage, validateR4WithMedplum } from './validate-r4.js';

const valid: fhir4.Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
  name: [{ use: 'official', family: "O'Brien", given: ['Ann'] }],
  gender: 'female',
  birthDate: '1967-03-02',
};

describe('R4 validation helpers', () => {
  it('accept a valid Patient', async () => {
    await expect(assertValidR4(valid)).resolves.toBeUndefined();
  });

  it('accept resources built in another realm (e.g. parsed by fetch outside the test VM)', async () => {
    const foreign = runInNewContext(`(${JSON.stringify(valid)})`) as fhir4.Patient;
    expect(foreign.name instanceof Array).toBe(false);
    await expect(assertValidR4(foreign)).resolves.toBeUndefined();
  });

  it('medplum reports unknown properties', async () => {
    const issues = await validateR4WithMedplum({ ...valid, nickname: 'Annie' } as fhir4.Patient);
    expect(issues.map((i) => i.message).join(' ')).toContain('nickname');
  });

  it('the fhir package reports codes outside a required value set', async () => {
    const issues = await validateR4WithFhirPackage({ ...valid, gender: 'f' } as unknown as fhir4.Patient);
    expect(issues).toEqual([
      expect.objectContaining({ validator: 'fhir', severity: 'error', location: 'Patient.gender' }),
    ]);
  });

  it('assertValidR4 lists the errors of both validators', async () => {
    const bad = { ...valid, birthDate: '02/03/1967', colour: 'blue' } as fhir4.Patient;
    await expect(assertValidR4(bad)).rejects.toThrow(/Patient is not valid FHIR R4:[\s\S]*\[medplum\][\s\S]*\[fhir\]/);
  });
});
