import { EXTENSIONS } from '@lloyd/adapters-core';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { convertStu3Resource } from './resources.js';
import { toStu3Resource } from './to-stu3-record.js';

const HEADER = 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedProblemHeader-1';

function header(type: string, reference: string) {
  return {
    url: HEADER,
    extension: [
      { url: 'type', valueCode: type },
      { url: 'target', valueReference: { reference } },
    ],
  };
}

const child = {
  resourceType: 'Condition',
  id: 'D50E2934-PROB',
  extension: [header('parent', 'Condition/FBDBFCEA-PROB'), header('sibling', 'Condition/5EA6E5BC-PROB')],
  clinicalStatus: 'active',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes' }] },
  subject: { reference: 'Patient/p1' },
};

describe('GP Connect RelatedProblemHeader (problem hierarchy)', () => {
  it('keeps each link to a parent, child or sibling problem, and writes it back for STU3', async () => {
    const r4 = convertStu3Resource<fhir4.Condition>(child);
    await assertValidR4(r4);
    expect(r4.extension?.filter((e) => e.url === EXTENSIONS.relatedProblem)).toEqual([
      {
        url: EXTENSIONS.relatedProblem,
        extension: [
          { url: 'type', valueCode: 'parent' },
          { url: 'target', valueReference: { reference: 'Condition/FBDBFCEA-PROB' } },
        ],
      },
      {
        url: EXTENSIONS.relatedProblem,
        extension: [
          { url: 'type', valueCode: 'sibling' },
          { url: 'target', valueReference: { reference: 'Condition/5EA6E5BC-PROB' } },
        ],
      },
    ]);
    const stu3 = toStu3Resource(r4) as { extension?: unknown[] };
    expect(stu3.extension).toEqual(child.extension);
  });
});
