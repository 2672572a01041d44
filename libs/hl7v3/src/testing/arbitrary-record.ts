import fc from 'fast-check';
import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { fhirToTs, tsToFhir } from '../datatypes/timestamp.js';
import { COMMENT_NOTE_CODE, DOCUMENT_ID_SYSTEM } from '../extract/statements/narrative.js';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../extract/finalize-record.js';

/**
 * A small generator of canonical records shaped like GP records that travel by GP2GP, for property tests of the
 * extract builder and parser. Ids are HL7-safe (upper-case UUID-like), so a round trip can match items by id.
 * Conventions the generator follows (see the builder): an authorisation is a MedicationRequest (plan) with its
 * MedicationStatement; every MedicationRequest names its own Medication; a problem (Condition) links the
 * Observation that names it; vaccinations use codes GP2GP receivers recognise as immunisations.
 */

type Concept = fhir4.CodeableConcept;

const SNOMED = (code: string, display: string, read?: string): Concept => ({
  coding: [
    { system: CODE_SYSTEMS.snomed, code, display },
    ...(read ? [{ system: CODE_SYSTEMS.readv2, code: read, display }] : []),
  ],
  text: display,
});
const READ_ONLY = (code: string, display: string): Concept => ({
  coding: [{ system: CODE_SYSTEMS.readv2, code, display }],
  text: display,
});
const LOCAL = (code: string, display: string): Concept => ({
  coding: [{ system: `${CODE_SYSTEMS.localPrefix}P30003`, code, display }],
  text: display,
});

const OBSERVATION_CODES: Concept[] = [
  SNOMED('271649006', 'Systolic blood pressure', '2469.'),
  SNOMED('271650006', 'Diastolic blood pressure', '246A.'),
  SNOMED('27113001', 'Body weight', '22A..'),
  SNOMED('77386006', 'Pregnancy'),
  READ_ONLY('137R.', 'Current smoker'),
  LOCAL('LOC-OBS-1', 'Practice local observation'),
  { text: 'Free text entry without a code' },
];
const PROBLEM_CODES: Concept[] = [
  SNOMED('195967001', 'Asthma', 'H33..'),
  SNOMED('38341003', 'Hypertensive disorder'),
  READ_ONLY('C10..', 'Diabetes mellitus'),
  LOCAL('LOC-PROB-1', 'Local problem'),
];
const ALLERGY_CODES: Concept[] = [
  SNOMED('294505008', 'Amoxicillin allergy'),
  READ_ONLY('TJ00300', 'Adverse reaction to amoxycillin'),
  SNOMED('91935009', 'Peanut allergy'),
];
const DRUG_CODES: Concept[] = [
  SNOMED('322236009', 'Paracetamol 500mg tablets'),
  SNOMED('318420003', 'Amlodipine 5mg tablets'),
  LOCAL('EMIS-DRUG-9', 'Local drug'),
];
const IMMUNISATION_CODES: Concept[] = [
  SNOMED('86198006', 'Influenza vaccination', '65E..'),
  READ_ONLY('65M1.', 'Measles/mumps/rubella vaccn.'),
];
const REFERRAL_CODES: Concept[] = [
  SNOMED('183545006', 'Orthopaedic referral'),
  READ_ONLY('8H54.', 'Orthopaedic referral'),
  { text: 'Referral to community team' },
];
const LAB_CODES: Concept[] = [
  SNOMED('1022451000000103', 'Serum sodium level'),
  SNOMED('1000731000000107', 'Serum creatinine level'),
  READ_ONLY('44J3.', 'Serum creatinine'),
];
const ENCOUNTER_TYPES: Concept[] = [
  SNOMED('185316007', 'Indirect encounter'),
  SNOMED('11429006', 'Consultation'),
  { text: 'Surgery consultation' },
];

/** A date with a random precision, as canonical records carry them (dateTimes in UK local offset). */
const fhirDate = fc
  .tuple(
    fc.date({ min: new Date('1995-01-01T00:00:00Z'), max: new Date('2023-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([d, precision]) => {
    const iso = d.toISOString().replace(/\.\d+Z$/, 'Z');
    const full = tsToFhir(fhirToTs(iso))!;
    return [full.slice(0, 4), full.slice(0, 7), full.slice(0, 10), full][precision]!;
  });

const note = fc.constantFrom(
  'Seen in clinic',
  'Patient reports improvement',
  'Check again in 3 months',
  'Text with <angle> & "quotes"',
);

interface ItemSpec {
  kind:
    | 'observation'
    | 'comment'
    | 'panel'
    | 'immunisation'
    | 'allergy'
    | 'problem'
    | 'medication'
    | 'referral'
    | 'plan'
    | 'document'
    | 'report';
  date: string;
  confidential: boolean;
  inEncounter: boolean;
  notes: string[];
  variant: number;
  value: number;
}

const item: fc.Arbitrary<ItemSpec> = fc.record({
  kind: fc.constantFrom<ItemSpec['kind']>(
    'observation',
    'comment',
    'panel',
    'immunisation',
    'allergy',
    'problem',
    'medication',
    'referral',
    'plan',
    'document',
    'report',
  ),
  date: fhirDate,
  confidential: fc.boolean(),
  inEncounter: fc.boolean(),
  notes: fc.array(note, { maxLength: 2 }),
  variant: fc.integer({ min: 0, max: 11 }),
  value: fc.integer({ min: 1, max: 2000 }).map((n) => n / 10),
});

function pick<T>(list: readonly T[], n: number): T {
  return structuredClone(list[n % list.length]!);
}

function uuid(n: number): string {
  return `${n.toString(16).toUpperCase().padStart(8, '0')}-0000-4000-8000-000000000000`;
}

class RecordAssembler {
  private n = 0;
  readonly resources: fhir4.Resource[] = [];
  constructor(
    readonly patient: fhir4.Reference,
    readonly practitioner: fhir4.Reference,
  ) {}

  id(): string {
    this.n++;
    return uuid(this.n);
  }

  push<T extends fhir4.Resource>(resource: T): void {
    this.resources.push(resource);
  }

  meta(confidential: boolean): { meta?: fhir4.Meta } {
    return confidential ? { meta: { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] } } : {};
  }

  context(spec: ItemSpec, encounter: fhir4.Encounter | undefined): { encounter?: fhir4.Reference } {
    return spec.inEncounter && encounter ? { encounter: { reference: `Encounter/${encounter.id}` } } : {};
  }

  observation(
    spec: ItemSpec,
    encounter: fhir4.Encounter | undefined,
    code: Concept,
    extra: Partial<fhir4.Observation> = {},
  ): fhir4.Observation {
    const observation: fhir4.Observation = {
      resourceType: 'Observation',
      id: this.id(),
      ...this.meta(spec.confidential),
      status: 'final',
      code,
      subject: this.patient,
      ...this.context(spec, encounter),
      effectiveDateTime: spec.date,
      ...(spec.notes.length > 0 ? { note: spec.notes.map((text) => ({ text })) } : {}),
      ...extra,
    };
    this.resources.push(observation);
    return observation;
  }

  add(spec: ItemSpec, encounter: fhir4.Encounter | undefined): void {
    const v = spec.variant;
    switch (spec.kind) {
      case 'observation': {
        const values: Partial<fhir4.Observation>[] = [
          { valueQuantity: { value: spec.value, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
          { valueString: 'Normal appearance' },
          { valueCodeableConcept: SNOMED('17621005', 'Normal') },
          {},
        ];
        this.observation(spec, encounter, pick(OBSERVATION_CODES, v), values[v % values.length]);
        break;
      }
      case 'comment':
        this.observation(
          { ...spec, notes: [] },
          encounter,
          { coding: [{ ...COMMENT_NOTE_CODE }], text: 'Comment note' },
          {
            note: [{ text: spec.notes[0] ?? 'A free-text comment' }],
          },
        );
        break;
      case 'panel': {
        const members = [0, 1].map((i) =>
          this.observation({ ...spec, notes: [] }, encounter, pick(OBSERVATION_CODES, i), {
            valueQuantity: { value: spec.value + i, unit: 'mmHg' },
          }),
        );
        this.observation(spec, encounter, SNOMED('75367002', 'Blood pressure'), {
          hasMember: members.map((m) => ({ reference: `Observation/${m.id}` })),
        });
        break;
      }
      case 'immunisation':
        this.push<fhir4.Immunization>({
          resourceType: 'Immunization',
          id: this.id(),
          ...this.meta(spec.confidential),
          status: 'completed',
          vaccineCode: pick(IMMUNISATION_CODES, v),
          patient: this.patient,
          ...this.context(spec, encounter),
          occurrenceDateTime: spec.date,
          ...(spec.notes.length > 0 ? { note: spec.notes.map((text) => ({ text })) } : {}),
        });
        break;
      case 'allergy': {
        const resolved = v % 3 === 0;
        this.push<fhir4.AllergyIntolerance>({
          resourceType: 'AllergyIntolerance',
          id: this.id(),
          ...this.meta(spec.confidential),
          clinicalStatus: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
                code: resolved ? 'resolved' : 'active',
              },
            ],
          },
          type: 'allergy',
          ...(v % 2 === 0 ? { category: ['medication' as const] } : {}),
          code: pick(ALLERGY_CODES, v),
          patient: this.patient,
          ...this.context(spec, encounter),
          onsetDateTime: spec.date,
          recordedDate: spec.date,
        });
        break;
      }
      case 'problem': {
        const code = pick(PROBLEM_CODES, v);
        const named = this.observation({ ...spec, notes: [] }, encounter, structuredClone(code));
        this.push<fhir4.Condition>({
          resourceType: 'Condition',
          id: this.id(),
          ...this.meta(spec.confidential),
          extension: [
            { url: EXTENSIONS.problemSignificance, valueCode: v % 2 === 0 ? 'major' : 'minor' },
            { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: `Observation/${named.id}` } },
          ],
          clinicalStatus: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
                code: v % 3 === 0 ? 'inactive' : 'active',
              },
            ],
          },
          code,
          subject: this.patient,
          ...this.context(spec, encounter),
          onsetDateTime: spec.date,
          ...(v % 3 === 0 ? { abatementDateTime: spec.date } : {}),
        });
        break;
      }
      case 'medication':
        this.medication(spec, encounter);
        break;
      case 'referral':
      case 'plan':
        this.push<fhir4.ServiceRequest>({
          resourceType: 'ServiceRequest',
          id: this.id(),
          ...this.meta(spec.confidential),
          status: v % 2 === 0 ? 'active' : 'completed',
          intent: spec.kind === 'plan' ? 'plan' : 'order',
          code: spec.kind === 'plan' ? pick(OBSERVATION_CODES, v) : pick(REFERRAL_CODES, v),
          subject: this.patient,
          ...this.context(spec, encounter),
          authoredOn: spec.date,
          requester: this.practitioner,
          ...(spec.notes.length > 0 ? { note: spec.notes.map((text) => ({ text })) } : {}),
        });
        break;
      case 'document':
        this.push<fhir4.DocumentReference>({
          resourceType: 'DocumentReference',
          id: this.id(),
          ...this.meta(spec.confidential),
          identifier: [{ system: DOCUMENT_ID_SYSTEM, value: uuid(9000 + this.n) }],
          status: 'current',
          type: SNOMED('37251000000104', 'Other digital signal'),
          subject: this.patient,
          description: spec.notes[0] ?? 'Letter from hospital',
          content: [
            {
              attachment: {
                contentType: 'application/pdf',
                url: `file://localhost/letter-${this.n}.pdf`,
                title: `letter-${this.n}.pdf`,
              },
            },
          ],
          ...(spec.inEncounter && encounter
            ? { context: { encounter: [{ reference: `Encounter/${encounter.id}` }] } }
            : {}),
        });
        break;
      case 'report':
        this.report(spec, encounter);
        break;
    }
  }

  private medication(spec: ItemSpec, encounter: fhir4.Encounter | undefined): void {
    const v = spec.variant;
    const code = pick(DRUG_CODES, v);
    const drug = (): fhir4.Reference => {
      const medication: fhir4.Medication = {
        resourceType: 'Medication',
        id: this.id(),
        ...this.meta(spec.confidential),
        code: structuredClone(code),
      };
      this.resources.push(medication);
      return { reference: `Medication/${medication.id}` };
    };
    const repeat = v % 2 === 1;
    const status: fhir4.MedicationRequest['status'] = v % 4 === 3 ? 'stopped' : v % 4 === 0 ? 'active' : 'completed';
    const plan: fhir4.MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: this.id(),
      ...this.meta(spec.confidential),
      extension: [
        { url: EXTENSIONS.prescriptionType, valueCode: repeat ? 'repeat' : 'acute' },
        ...(repeat ? [{ url: EXTENSIONS.repeatInformation, valueUnsignedInt: 6 }] : []),
      ],
      status,
      ...(status === 'stopped' ? { statusReason: { text: 'No longer required' } } : {}),
      intent: 'plan',
      medicationReference: drug(),
      subject: this.patient,
      ...this.context(spec, encounter),
      authoredOn: spec.date,
      requester: this.practitioner,
      dosageInstruction: [{ text: 'One tablet daily' }],
      dispenseRequest: { quantity: { value: 28, unit: 'tablet' } },
    };
    this.resources.push(plan);
    this.push<fhir4.MedicationStatement>({
      resourceType: 'MedicationStatement',
      id: this.id(),
      ...this.meta(spec.confidential),
      basedOn: [{ reference: `MedicationRequest/${plan.id}` }],
      status: status === 'active' ? 'active' : status === 'stopped' ? 'stopped' : 'completed',
      medicationReference: plan.medicationReference!,
      subject: this.patient,
      effectivePeriod: { start: spec.date },
      dateAsserted: spec.date,
    });
    for (let i = 0; i < v % 3; i++) {
      this.push<fhir4.MedicationRequest>({
        resourceType: 'MedicationRequest',
        id: this.id(),
        ...this.meta(spec.confidential),
        status: 'completed',
        intent: 'order',
        medicationReference: drug(),
        subject: this.patient,
        basedOn: [{ reference: `MedicationRequest/${plan.id}` }],
        authoredOn: spec.date,
        requester: this.practitioner,
        dispenseRequest: { quantity: { value: 28, unit: 'tablet' } },
      });
    }
  }

  private report(spec: ItemSpec, encounter: fhir4.Encounter | undefined): void {
    const specimen: fhir4.Specimen = {
      resourceType: 'Specimen',
      id: this.id(),
      ...this.meta(spec.confidential),
      type: { text: 'Venous blood' },
      subject: this.patient,
      collection: { collectedDateTime: spec.date },
    };
    this.resources.push(specimen);
    const results = [0, 1].slice(0, 1 + (spec.variant % 2)).map((i) =>
      this.observation({ ...spec, notes: [] }, encounter, pick(LAB_CODES, spec.variant + i), {
        valueQuantity: { value: spec.value + i, unit: 'mmol/L' },
        referenceRange: [{ low: { value: 1, unit: 'mmol/L' }, high: { value: 300, unit: 'mmol/L' } }],
        specimen: { reference: `Specimen/${specimen.id}` },
      }),
    );
    this.push<fhir4.DiagnosticReport>({
      resourceType: 'DiagnosticReport',
      id: this.id(),
      ...this.meta(spec.confidential),
      status: 'final',
      code: SNOMED('16488004', 'laboratory reporting'),
      subject: this.patient,
      ...this.context(spec, encounter),
      effectiveDateTime: spec.date,
      specimen: [{ reference: `Specimen/${specimen.id}` }],
      result: results.map((r) => ({ reference: `Observation/${r.id}` })),
      ...(spec.notes.length > 0 ? { conclusion: spec.notes.join('\n\n') } : {}),
    });
  }
}

interface RecordShape {
  encounters: [date: string, type: number, confidential: boolean][];
  items: ItemSpec[];
}

function assemble({ encounters, items }: RecordShape): CanonicalRecord {
  const patient: fhir4.Patient = {
    resourceType: 'Patient',
    id: '9990000034',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9990000034' }],
  };
  const practice: fhir4.Organization = {
    resourceType: 'Organization',
    id: 'P30003',
    identifier: [{ system: ODS_SYSTEM, value: 'P30003' }],
    name: 'The Surgery',
  };
  const practitioner: fhir4.Practitioner = {
    resourceType: 'Practitioner',
    id: 'A0000000-0000-4000-8000-0000000000AA',
    name: [{ prefix: ['Dr'], given: ['Ann'], family: 'Jones' }],
  };
  const assembler = new RecordAssembler(
    { reference: `Patient/${patient.id}` },
    { reference: `Practitioner/${practitioner.id}` },
  );
  const encounterResources = encounters.map(([date, type, confidential]): fhir4.Encounter => ({
    resourceType: 'Encounter',
    id: assembler.id(),
    ...assembler.meta(confidential),
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    type: [pick(ENCOUNTER_TYPES, type)],
    subject: { reference: `Patient/${patient.id}` },
    period: { start: date },
    participant: [{ individual: { reference: `Practitioner/${practitioner.id}` } }],
  }));
  items.forEach((spec, i) => assembler.add(spec, encounterResources[i % Math.max(1, encounterResources.length)]));
  return {
    patient,
    practice,
    practitioners: [practitioner],
    practitionerRoles: [],
    resources: [...encounterResources, ...assembler.resources],
  };
}

/** Canonical records for round-trip property tests (see the module comment for the conventions). */
export function arbitraryCanonicalRecord(): fc.Arbitrary<CanonicalRecord> {
  return fc
    .record({
      encounters: fc.array(fc.tuple(fhirDate, fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 3 }),
      items: fc.array(item, { minLength: 1, maxLength: 12 }),
    })
    .map(assemble);
}

const KINDS: ItemSpec['kind'][] = [
  'observation',
  'comment',
  'panel',
  'immunisation',
  'allergy',
  'problem',
  'medication',
  'referral',
  'plan',
  'document',
  'report',
];

/**
 * A fixed record with every kind of item in several variants (values, codings, statuses, dates of each precision),
 * some recorded in consultations: one deterministic record that covers every resource type the builder handles.
 */
export function recordWithEveryKind(options: { confidential: boolean }): CanonicalRecord {
  const dates = ['2004', '2011-06', '2016-02-29', '2019-07-14T10:30:00+01:00', '2021-01-05T08:15:00+00:00'];
  const items: ItemSpec[] = [];
  KINDS.forEach((kind, k) => {
    for (let variant = 0; variant < 4; variant++) {
      const n = k * 4 + variant;
      items.push({
        kind,
        date: dates[n % dates.length]!,
        confidential: options.confidential && n % 3 === 0,
        inEncounter: n % 2 === 0,
        notes: n % 3 === 1 ? ['Seen in clinic', 'Text with <angle> & "quotes"'] : [],
        variant: n,
        value: 12.5 + n,
      });
    }
  });
  return assemble({
    encounters: [
      ['2019-07-14T10:30:00+01:00', 0, options.confidential],
      ['2020-02-02', 2, false],
    ],
    items,
  });
}
