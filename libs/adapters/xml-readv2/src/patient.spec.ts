import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { readNativePatient, toSupplierPatient } from './patient.js';
import { parseXml } from './xml.js';

function patientXml(
  overrides: { demographics?: string; registration?: string; consent?: string; flags?: string } = {},
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<PatientSearchResult count="1">
  <Patient nhsNumber="9990000018" id="ABC-123">
    ${
      overrides.demographics ??
      `<Demographics>
      <Name><Title>Mrs</Title><Given>Ann</Given><Given>Marie</Given><Family>O&apos;Brien &amp; Smith</Family></Name>
      <Sex>F</Sex>
      <DateOfBirth>1967-03-02</DateOfBirth>
      <Address><Line>12 Church Lane</Line><Town>Leeds</Town><Postcode>LS2 7EQ</Postcode></Address>
      <Telephone use="home">0113 496 0123</Telephone>
      <Shoe size="5"/>
    </Demographics>`
    }
    ${overrides.registration ?? `<Registration status="active" type="GMS" since="2001-01-01"><Practice ods="P10001" name="Riverside Medical Practice"/><UsualGP sdsUserId="910000000101" title="Dr" given="Amelia" family="Hartley"/></Registration>`}
    ${overrides.consent ?? '<Consent dissent="false"/>'}
    ${overrides.flags ?? '<Flags sensitive="false"/>'}
  </Patient>
</PatientSearchResult>`;
}

function read(xml: string) {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.reason);
  const patients = (parsed.document['PatientSearchResult'] as { Patient: unknown[] }).Patient;
  return readNativePatient(patients[0]);
}

function mapped(xml: string) {
  const native = read(xml);
  if (!native.ok) throw new Error(native.reason);
  return toSupplierPatient(native.patient);
}

describe('XML Read v2 patient mapping', () => {
  it('maps demographics to a valid R4 Patient', async () => {
    const { patient, flags, sourceId } = mapped(patientXml());
    expect(sourceId).toBe('ABC-123');
    expect(flags).toEqual({ dissent: false, sensitive: false, deceased: false, active: true });
    expect(patient).toEqual({
      resourceType: 'Patient',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      active: true,
      name: [{ use: 'official', family: "O'Brien & Smith", given: ['Ann', 'Marie'], prefix: ['Mrs'] }],
      telecom: [{ system: 'phone', value: '0113 496 0123', use: 'home' }],
      gender: 'female',
      birthDate: '1967-03-02',
      address: [{ use: 'home', line: ['12 Church Lane'], city: 'Leeds', postalCode: 'LS2 7EQ' }],
      generalPractitioner: [
        {
          type: 'Practitioner',
          identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '910000000101' },
          display: 'Dr Amelia Hartley',
        },
        {
          type: 'Organization',
          identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' },
          display: 'Riverside Medical Practice',
        },
      ],
      managingOrganization: {
        type: 'Organization',
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' },
        display: 'Riverside Medical Practice',
      },
    });
    await assertValidR4(patient);
  });

  it('reports death, inactive registration, dissent and the S-flag', async () => {
    const { patient, flags } = mapped(
      patientXml({
        demographics: `<Demographics><Name><Family>Old</Family></Name><Sex>U</Sex><DateOfBirth>1930-01-01</DateOfBirth><DateOfDeath>2025-02-01</DateOfDeath></Demographics>`,
        registration: `<Registration status="inactive"><Practice ods="P10001"/></Registration>`,
        consent: '<Consent dissent="true"/>',
        flags: '<Flags sensitive="true"/>',
      }),
    );
    expect(flags).toEqual({ dissent: true, sensitive: true, deceased: true, active: false });
    expect(patient.deceasedDateTime).toBe('2025-02-01');
    expect(patient.gender).toBe('unknown');
    expect(patient.generalPractitioner).toEqual([
      { type: 'Organization', identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' } },
    ]);
    await assertValidR4(patient);
  });

  it('never assumes consent: a missing consent statement is an error', () => {
    expect(read(patientXml({ consent: '' }))).toEqual({
      ok: false,
      reason: expect.stringContaining('Patient Consent') as unknown,
    });
  });

  it('rejects an unknown sex code and a malformed date', () => {
    const demographics = (sex: string, dob: string) =>
      `<Demographics><Name><Family>X</Family></Name><Sex>${sex}</Sex><DateOfBirth>${dob}</DateOfBirth></Demographics>`;
    expect(read(patientXml({ demographics: demographics('Q', '1970-01-01') }))).toMatchObject({ ok: false });
    expect(read(patientXml({ demographics: demographics('M', '01/01/1970') }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('DateOfBirth') as unknown,
    });
  });
});

describe('XML parsing safety', () => {
  it('refuses malformed XML with the line of the fault', () => {
    expect(parseXml('<a>\n<b></a>')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^malformed XML at line 2/) as unknown,
    });
  });

  it('refuses document type declarations (no entity expansion attacks, no external entities)', () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>';
    expect(parseXml(laughs)).toEqual({ ok: false, reason: 'document type declarations are not accepted' });
    const xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    expect(parseXml(xxe)).toMatchObject({ ok: false });
  });

  it('refuses absurdly deep nesting', () => {
    const deep = `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`;
    expect(parseXml(deep)).toMatchObject({ ok: false });
  });

  it('decodes the predefined entities', () => {
    expect(parseXml('<a t="&quot;x&quot;">&lt;b&gt; &amp; c</a>')).toEqual({
      ok: true,
      document: { a: { '#text': '<b> & c', '@t': '"x"' } },
    });
  });
});
