import { CODE_SYSTEMS, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { Terminology } from './terminology.js';

const terminology = Terminology.sample();
const LOCAL = `${CODE_SYSTEMS.localPrefix}P30003`;
const subject = { reference: 'Patient/p1' };

const readv2 = (code: string, display: string): fhir4.Coding => ({ system: CODE_SYSTEMS.readv2, code, display });

function record(resources: fhir4.Resource[]): CanonicalRecord {
  return {
    patient: { resourceType: 'Patient', id: 'p1' },
    practice: { resourceType: 'Organization', id: 'P30003' },
    practitioners: [],
    practitionerRoles: [],
    resources,
  };
}

const asthma: fhir4.Condition = {
  resourceType: 'Condition',
  id: 'c1',
  subject,
  code: { coding: [readv2('H33..', 'Asthma')], text: 'Asthma (childhood)' },
};
const sodium: fhir4.Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  subject,
  code: { coding: [{ system: CODE_SYSTEMS.ctv3, code: '44I5.', display: 'Serum sodium (& level)' }] },
};
const betelNut: fhir4.Observation = {
  resourceType: 'Observation',
  id: 'o2',
  status: 'final',
  subject,
  code: { coding: [{ system: LOCAL, code: 'EMISD_BE1', display: 'Betel nut chewer' }] },
};
const alreadySnomed: fhir4.Immunization = {
  resourceType: 'Immunization',
  id: 'i1',
  status: 'completed',
  patient: subject,
  occurrenceDateTime: '2024-10-04',
  vaccineCode: {
    coding: [readv2('65E..', 'Influenza vaccination'), { system: CODE_SYSTEMS.snomed, code: '86198006' }],
  },
};
const consultation: fhir4.Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject,
  type: [{ text: 'Surgery consultation' }],
};

describe('Terminology.normaliseConcept', () => {
  it('adds the SNOMED CT coding after the original, keeping the text', () => {
    const { concept, outcome } = terminology.normaliseConcept(asthma.code!);
    expect(outcome).toBe('mapped');
    expect(concept).toEqual({
      coding: [readv2('H33..', 'Asthma'), { system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' }],
      text: 'Asthma (childhood)',
    });
  });

  it('maps a Read v2 code sent with its term id', () => {
    const { concept } = terminology.normaliseConcept({ coding: [readv2('14L1.00', 'H/O: penicillin allergy')] });
    expect(concept.coding?.[1]?.code).toBe('161591004');
  });

  it('tries each coding in turn', () => {
    const { concept, outcome } = terminology.normaliseConcept({
      coding: [
        { system: LOCAL, code: 'X1' },
        { system: CODE_SYSTEMS.ctv3, code: 'XaZ0d' },
      ],
    });
    expect(outcome).toBe('mapped');
    expect(concept.coding?.map((c) => c.code)).toEqual(['X1', 'XaZ0d', '822851000000102']);
  });

  it('degrades an unmapped code: original kept, text kept or taken from the code, marked', () => {
    const { concept, outcome } = terminology.normaliseConcept(betelNut.code);
    expect(outcome).toBe('degraded');
    expect(concept).toEqual({
      coding: betelNut.code.coding,
      text: 'Betel nut chewer',
      extension: [{ url: EXTENSIONS.degradedCode, valueBoolean: true }],
    });
    const unknownRead = terminology.normaliseConcept({ coding: [readv2('ZZZZZ', 'Unheard of')], text: 'As typed' });
    expect(unknownRead.outcome).toBe('degraded');
    expect(unknownRead.concept.text).toBe('As typed');
  });

  it('leaves SNOMED CT-coded and text-only concepts alone', () => {
    expect(terminology.normaliseConcept(alreadySnomed.vaccineCode)).toEqual({
      concept: alreadySnomed.vaccineCode,
      outcome: 'snomed',
    });
    const textOnly = { text: 'Surgery consultation' };
    expect(terminology.normaliseConcept(textOnly)).toEqual({ concept: textOnly, outcome: 'uncoded' });
  });
});

describe('Terminology.normaliseRecord', () => {
  it('maps, degrades and counts, keeping every item', async () => {
    const input = record([asthma, sodium, betelNut, alreadySnomed, consultation]);
    const before = structuredClone(input);
    const { record: out, degraded, mapped } = terminology.normaliseRecord(input);

    expect(input).toEqual(before);
    expect(out.resources).toHaveLength(5);
    expect(degraded).toBe(1);
    expect(mapped).toBe(2);
    const [c, na, betel, imm, enc] = out.resources as [
      fhir4.Condition,
      fhir4.Observation,
      fhir4.Observation,
      fhir4.Immunization,
      fhir4.Encounter,
    ];
    expect(c.code?.coding?.map((k) => k.system)).toEqual([CODE_SYSTEMS.readv2, CODE_SYSTEMS.snomed]);
    expect(na.code.coding?.[1]).toEqual({
      system: CODE_SYSTEMS.snomed,
      code: '1000661000000107',
      display: 'Serum sodium level',
    });
    expect(betel.extension).toEqual([
      {
        url: EXTENSIONS.degradedCode,
        valueCoding: { system: LOCAL, code: 'EMISD_BE1', display: 'Betel nut chewer' },
      },
    ]);
    // Untouched resources are passed through, not copied.
    expect(imm).toBe(alreadySnomed);
    expect(enc).toBe(consultation);
    expect(out.patient).toBe(input.patient);
    for (const resource of out.resources) await assertValidR4(resource);
  });

  it('returns the same record when there is nothing to change', () => {
    const input = record([alreadySnomed, consultation]);
    expect(terminology.normaliseRecord(input)).toEqual({ record: input, degraded: 0, mapped: 0 });
    expect(terminology.normaliseRecord(input).record).toBe(input);
  });

  it('is idempotent', () => {
    const once = terminology.normaliseRecord(record([asthma, betelNut]));
    const twice = terminology.normaliseRecord(once.record);
    expect(twice.record).toEqual(once.record);
    expect(twice.degraded).toBe(1);
    expect(twice.mapped).toBe(0);
  });

  it('marks the medication items that name a degraded Medication, and codes in components and contained resources', () => {
    const medication: fhir4.Medication = {
      resourceType: 'Medication',
      id: 'm1',
      code: { coding: [{ system: LOCAL, code: 'EMISDRUG1', display: 'Herbal tonic' }] },
    };
    const statement: fhir4.MedicationStatement = {
      resourceType: 'MedicationStatement',
      id: 'm1',
      status: 'active',
      subject,
      medicationReference: { reference: 'Medication/m1' },
    };
    const request: fhir4.MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'r1',
      status: 'active',
      intent: 'plan',
      subject,
      contained: [
        {
          resourceType: 'Medication',
          id: 'med',
          code: { coding: [readv2('bu23.', 'ASPIRIN 75mg')] },
        } as fhir4.Medication,
      ],
      medicationReference: { reference: '#med' },
    };
    const bp: fhir4.Observation = {
      resourceType: 'Observation',
      id: 'bp',
      status: 'final',
      subject,
      code: { coding: [readv2('246..', 'O/E - blood pressure reading')] },
      component: [
        { code: { coding: [readv2('2469.', 'O/E - Systolic BP reading')] }, valueQuantity: { value: 140 } },
        { code: { coding: [{ system: LOCAL, code: 'D1' }] }, valueQuantity: { value: 80 } },
      ],
    };
    const { record: out, degraded, mapped } = terminology.normaliseRecord(record([medication, statement, request, bp]));
    const [med, stmt, req, obs] = out.resources as [
      fhir4.Medication,
      fhir4.MedicationStatement,
      fhir4.MedicationRequest,
      fhir4.Observation,
    ];
    expect(degraded).toBe(3);
    expect(mapped).toBe(2);
    expect(stmt.extension).toEqual(med.extension);
    expect(stmt.extension?.[0]?.valueCoding?.code).toBe('EMISDRUG1');
    expect((req.contained?.[0] as fhir4.Medication).code?.coding?.[1]?.code).toBe('319773006');
    expect(req.extension).toBeUndefined();
    expect(obs.component?.[0]?.code.coding?.[1]?.code).toBe('72313002');
    expect(obs.component?.[1]?.code.extension).toEqual([{ url: EXTENSIONS.degradedCode, valueBoolean: true }]);
    expect(obs.extension?.[0]?.valueCoding?.code).toBe('D1');
  });
});
