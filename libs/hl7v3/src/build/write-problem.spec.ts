import { CODE_SYSTEMS, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM, ODS_SYSTEM } from '../extract/finalize-record.js';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { BuildContext } from './build-context.js';
import { buildEhrExtract } from './build-ehr-extract.js';
import { namedStatementOf } from './write-problem.js';
import { TEST_BUILD_OPTIONS } from '../testing/build-options.js';

/**
 * Which statement a problem's LinkSet names (`conditionNamed`): the GP Connect record says (ActualProblem), and only a
 * record that does not is guessed at. Shaped like the Meyers sample's "Ischaemic heart disease": the problem links a
 * plan coding the same concept before its own Observation.
 */

const IHD = { coding: [{ system: CODE_SYSTEMS.snomed, code: '414545008', display: 'Ischaemic heart disease' }] };
const FAMILY_HISTORY = { coding: [{ system: CODE_SYSTEMS.snomed, code: '57177007', display: 'Family history' }] };
const patient = { reference: 'Patient/9990000034' };

const ID = {
  condition: 'D92BE3A5-A8F5-472B-831F-455786BB4A9F',
  own: 'A0000000-0000-4000-8000-000000000001',
  plan: 'A0000000-0000-4000-8000-000000000002',
  familyHistory: 'A0000000-0000-4000-8000-000000000003',
  statement: 'A0000000-0000-4000-8000-000000000004',
};

function observation(id: string, code: fhir4.CodeableConcept): fhir4.Observation {
  return { resourceType: 'Observation', id, status: 'final', code, subject: patient, effectiveDateTime: '2019-03-14' };
}

const own = observation(ID.own, IHD);
const familyHistory = observation(ID.familyHistory, FAMILY_HISTORY);
const plan: fhir4.ServiceRequest = {
  resourceType: 'ServiceRequest',
  id: ID.plan,
  status: 'active',
  intent: 'plan',
  code: IHD,
  subject: patient,
  authoredOn: '2019-03-14',
};
const medicationStatement: fhir4.MedicationStatement = {
  resourceType: 'MedicationStatement',
  id: ID.statement,
  status: 'active',
  medicationCodeableConcept: { text: 'Aspirin 75mg dispersible tablets' },
  subject: patient,
};

function problem(actual: string | undefined, related: string[]): fhir4.Condition {
  return {
    resourceType: 'Condition',
    id: ID.condition,
    extension: [
      { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
      ...(actual ? [{ url: EXTENSIONS.actualProblem, valueReference: { reference: actual } }] : []),
      ...related.map((reference) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference: { reference } })),
    ],
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: IHD,
    subject: patient,
    onsetDateTime: '2019-03-14',
    recordedDate: '2019-03-14',
  };
}

function record(condition: fhir4.Condition): CanonicalRecord {
  return {
    patient: {
      resourceType: 'Patient',
      id: '9990000034',
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9990000034' }],
    },
    practice: {
      resourceType: 'Organization',
      id: 'P40004',
      identifier: [{ system: ODS_SYSTEM, value: 'P40004' }],
      name: 'The Surgery',
    },
    practitioners: [],
    practitionerRoles: [],
    resources: [condition, plan, familyHistory, own, medicationStatement],
  };
}

function choice(condition: fhir4.Condition): { named?: string; linked: string[] } {
  const ctx = new BuildContext(record(condition), 'RCMR_IN030000UK06', new Date('2024-05-01T10:00:00Z'), () => {});
  const { named, linked } = namedStatementOf(ctx, condition);
  const key = (r: fhir4.Resource): string => `${r.resourceType}/${r.id ?? ''}`;
  return { ...(named ? { named: key(named) } : {}), linked: linked.map(key) };
}

const OPTIONS = TEST_BUILD_OPTIONS;

describe('the statement a problem names', () => {
  it('is the actual problem item when the record says which it is, even with a same-coded plan linked first', () => {
    expect(
      choice(problem(`Observation/${ID.own}`, [`ServiceRequest/${ID.plan}`, `Observation/${ID.familyHistory}`])),
    ).toEqual({
      named: `Observation/${ID.own}`,
      linked: [`ServiceRequest/${ID.plan}`, `Observation/${ID.familyHistory}`],
    });
  });

  it('is not linked a second time when the actual item is also related content', () => {
    expect(choice(problem(`Observation/${ID.own}`, [`Observation/${ID.own}`, `ServiceRequest/${ID.plan}`]))).toEqual({
      named: `Observation/${ID.own}`,
      linked: [`ServiceRequest/${ID.plan}`],
    });
  });

  it('is guessed only without an actual item: a same-coded observation before a same-coded plan', () => {
    expect(choice(problem(undefined, [`ServiceRequest/${ID.plan}`, `Observation/${ID.own}`]))).toEqual({
      named: `Observation/${ID.own}`,
      linked: [`ServiceRequest/${ID.plan}`],
    });
    expect(choice(problem(undefined, [`Observation/${ID.familyHistory}`]))).toEqual({
      linked: [`Observation/${ID.familyHistory}`],
    });
  });

  it('is not an actual item that codes another concept or has no statement of its own: that one is linked', () => {
    expect(choice(problem(`Observation/${ID.familyHistory}`, []))).toEqual({
      linked: [`Observation/${ID.familyHistory}`],
    });
    expect(choice(problem(`MedicationStatement/${ID.statement}`, [`Observation/${ID.own}`]))).toEqual({
      named: `Observation/${ID.own}`,
      linked: [`MedicationStatement/${ID.statement}`],
    });
  });
});

describe('a problem in a built extract', () => {
  const condition = problem(`Observation/${ID.own}`, [`ServiceRequest/${ID.plan}`, `Observation/${ID.familyHistory}`]);
  const xml = buildEhrExtract(record(condition), OPTIONS);

  it('names its own ObservationStatement and writes no other for it', () => {
    const linkSet = /<LinkSet[\s\S]*?<\/LinkSet>/.exec(xml)?.[0] ?? '';
    expect(linkSet).toMatch(new RegExp(`<namedStatementRef[^>]*>\\s*<id root="${ID.own}"`));
    // One for each Observation; none written for the problem itself.
    expect(xml.match(/<ObservationStatement /g)).toHaveLength(2);
  });

  it('comes back as the same problem, with every item once', async () => {
    const { record: back } = await parseEhrExtract(xml);
    const conditions = back.resources.filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
    expect(conditions).toHaveLength(1);
    expect(conditions[0]!.code?.coding).toEqual(IHD.coding);
    expect(conditions[0]!.extension).toEqual([
      { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: `Observation/${ID.own}` } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: `ServiceRequest/${ID.plan}` } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: `Observation/${ID.familyHistory}` } },
    ]);
    expect(back.resources.filter((r) => r.resourceType === 'Observation')).toHaveLength(2);
  });
});
