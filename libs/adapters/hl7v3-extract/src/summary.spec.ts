import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { readSummary } from './summary.js';

function summaryXml(
  overrides: { consent?: string; confidentiality?: string; deceased?: string; status?: string } = {},
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<PatientSummary nhsNumber="9990000034" sourceId="ABC-123">
  <name use="L"><prefix>Mrs</prefix><given>Ann</given><given>Marie</given><family>O&apos;Brien &amp; Smith</family></name>
  <administrativeGenderCode code="2" displayName="Female"/>
  <birthTime value="19670302"/>
  ${overrides.deceased ?? ''}
  <addr use="H"><streetAddressLine>12 Church Lane</streetAddressLine><city>Nottingham</city><postalCode>NG1 6AA</postalCode></addr>
  <telecom use="HP" value="tel:01154960123"/>
  <shoeSize value="5"/>
  <registration status="${overrides.status ?? 'active'}" type="GMS">
    <effectiveTime value="20010101"/>
    <practice ods="P30003" name="Castle Street Health Centre"/>
    <usualGp sdsUserId="930000000301" prefix="Dr" given="Helen" family="Marsh"/>
  </registration>
  ${overrides.consent ?? '<consent dissent="false"/>'}
  ${overrides.confidentiality ?? '<confidentiality sensitive="false"/>'}
</PatientSummary>`;
}

function mapped(xml: string) {
  const result = readSummary(xml);
  if (!result.ok) throw new Error(result.reason);
  return result.patient;
}

describe('GP2GP system summary mapping', () => {
  it('maps demographics and registration to a valid R4 Patient', async () => {
    const { patient, flags, sourceId } = mapped(summaryXml());
    expect(sourceId).toBe('ABC-123');
    expect(flags).toEqual({ dissent: false, sensitive: false, deceased: false, active: true });
    const practice = {
      type: 'Organization',
      identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P30003' },
      display: 'Castle Street Health Centre',
    };
    expect(patient).toEqual({
      resourceType: 'Patient',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000034' }],
      active: true,
      name: [{ use: 'official', family: "O'Brien & Smith", given: ['Ann', 'Marie'], prefix: ['Mrs'] }],
      telecom: [{ system: 'phone', value: '01154960123', use: 'home' }],
      gender: 'female',
      birthDate: '1967-03-02',
      address: [{ use: 'home', line: ['12 Church Lane'], city: 'Nottingham', postalCode: 'NG1 6AA' }],
      generalPractitioner: [
        {
          type: 'Practitioner',
          identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '930000000301' },
          display: 'Dr Helen Marsh',
        },
        practice,
      ],
      managingOrganization: practice,
    });
    await assertValidR4(patient);
  });

  it('reports death, deregistration, dissent and the S-flag', async () => {
    const { patient, flags } = mapped(
      summaryXml({
        deceased: '<deceasedTime value="20250201"/>',
        status: 'inactive',
        consent: '<consent dissent="true"/>',
        confidentiality: '<confidentiality sensitive="true"/>',
      }),
    );
    expect(flags).toEqual({ dissent: true, sensitive: true, deceased: true, active: false });
    expect(patient.deceasedDateTime).toBe('2025-02-01');
    expect(patient.active).toBe(false);
    await assertValidR4(patient);
  });

  it('never assumes consent or the absence of an S-flag', () => {
    expect(readSummary(summaryXml({ consent: '' }))).toEqual({
      ok: false,
      reason: expect.stringContaining('consent') as unknown,
    });
    expect(readSummary(summaryXml({ confidentiality: '' }))).toMatchObject({ ok: false });
  });

  it('refuses malformed XML, document type declarations and other documents', () => {
    expect(readSummary('<PatientSummary>')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^malformed XML/) as unknown,
    });
    expect(readSummary('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>')).toEqual({
      ok: false,
      reason: 'document type declarations are not accepted',
    });
    expect(readSummary('<Error status="404" code="PATIENT_NOT_FOUND">No</Error>')).toMatchObject({ ok: false });
  });
});
