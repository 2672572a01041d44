import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { describeWithSchemas, expectSchemaValid } from '@lloyd/test-support';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { relatedProblemExtension, relatedProblemsOf } from '../extract/statements/linkset.js';
import { recordWithEveryKind } from '../testing/arbitrary-record.js';
import type { PartNotCarried } from './build-context.js';
import { buildEhrExtract, type BuildEhrExtractOptions } from './build-ehr-extract.js';

/**
 * Parts of items that used to vanish between a canonical record and an EHR extract: local codings (no OID), a
 * practitioner's role at another organisation, and the problem hierarchy. Each travels now, or is reported.
 */

const OPTIONS: BuildEhrExtractOptions = {
  messageId: 'A1B2C3D4-0000-4000-8000-000000000002',
  conversationId: 'C0000000-0000-4000-8000-000000000002',
  fromAsid: '200000000111',
  toAsid: '200000000222',
  toOds: 'B67890',
  now: new Date('2024-05-01T10:00:00Z'),
};

const EMIS = 'https://fhir.hl7.org.uk/Id/emis-drug-codes';
const SDS_ROLE = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1';

function problem(id: string, code: string, display: string, links: fhir4.Extension[] = []): fhir4.Condition {
  return {
    resourceType: 'Condition',
    id,
    extension: links,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: { coding: [{ system: CODE_SYSTEMS.snomed, code, display }], text: display },
    subject: { reference: 'Patient/p' },
    onsetDateTime: '2020-01-01',
  };
}

/** A record with a local drug code, a role at a national organisation, and a parent problem with two children. */
function recordWithParts(): CanonicalRecord {
  const base = recordWithEveryKind({ confidential: false });
  const practitioner: fhir4.Practitioner = {
    resourceType: 'Practitioner',
    id: 'CFC092E9-1B89-428F-8622-3768D80FE973',
    name: [{ family: 'External User' }],
  };
  const national: fhir4.Organization = { resourceType: 'Organization', id: 'NATIONAL', name: 'National' };
  const role: fhir4.PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: 'R-EXT',
    practitioner: { reference: `Practitioner/${practitioner.id}` },
    organization: { reference: 'Organization/NATIONAL' },
  };
  const coder: fhir4.PractitionerRole = {
    resourceType: 'PractitionerRole',
    id: 'R-CODER',
    practitioner: { reference: `Practitioner/${base.practitioners[0]!.id}` },
    code: [{ coding: [{ system: SDS_ROLE, code: 'R6050', display: 'Clinical Coder' }] }],
  };
  const drugs = base.resources.filter((r): r is fhir4.Medication => r.resourceType === 'Medication');
  drugs[0]!.code = {
    coding: [{ system: EMIS, code: 'ASDI224', display: 'Aspirin 75mg' }, ...(drugs[0]!.code?.coding ?? [])],
    text: drugs[0]!.code?.text ?? 'Aspirin 75mg',
  };
  const parent = problem('P-PARENT', '38341003', 'Hypertension', [
    relatedProblemExtension('child', 'Condition/P-CHILD1'),
    relatedProblemExtension('child', 'Condition/P-CHILD2'),
  ]);
  const child1 = problem('P-CHILD1', '44054006', 'Diabetes', [
    relatedProblemExtension('parent', 'Condition/P-PARENT'),
    relatedProblemExtension('sibling', 'Condition/P-CHILD2'),
  ]);
  const child2 = problem('P-CHILD2', '195967001', 'Asthma', [
    relatedProblemExtension('parent', 'Condition/P-PARENT'),
    relatedProblemExtension('sibling', 'Condition/P-CHILD1'),
  ]);
  return {
    ...base,
    practitioners: [...base.practitioners, practitioner],
    practitionerRoles: [...base.practitionerRoles.filter((r) => r.id !== coder.id), role, coder],
    resources: [...base.resources, national, parent, child1, child2],
  };
}

function linksByCode(resources: readonly fhir4.Resource[]): string[] {
  const conditions = resources.filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
  const code = (ref: string) =>
    conditions.find((c) => `Condition/${c.id}` === ref)?.code?.coding?.find((c) => c.system === CODE_SYSTEMS.snomed)
      ?.code ?? ref;
  return conditions
    .flatMap((c) => relatedProblemsOf(c).map((l) => `${code(`Condition/${c.id}`)} ${l.type} ${code(l.reference)}`))
    .sort();
}

describeWithSchemas('parts of items in an EHR extract (validated with xmllint)', (validate) => {
  it('carries local codings, roles elsewhere and the problem hierarchy, in a schema-valid extract', async () => {
    const record = recordWithParts();
    const notCarried: string[] = [];
    const xml = buildEhrExtract(record, {
      ...OPTIONS,
      onPartNotCarried: (r, part) => notCarried.push(`${r.resourceType}/${r.id} ${part.kind} ${part.detail}`),
    });
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK06');
    expect(notCarried).toEqual([]);
    const back = (await parseEhrExtract(xml)).record;

    // 1. The EMIS drug code comes back with its exact system, beside the SNOMED code.
    const drugCodings = back.resources
      .filter((r): r is fhir4.Medication => r.resourceType === 'Medication')
      .flatMap((m) => m.code?.coding ?? []);
    expect(drugCodings).toContainEqual({ system: EMIS, code: 'ASDI224', display: 'Aspirin 75mg' });

    // 2. Every role comes back: the coded one with its SDS job role, the other with its organisation's name.
    expect(back.practitionerRoles).toHaveLength(record.practitionerRoles.length);
    expect(back.practitionerRoles.flatMap((r) => r.code?.[0]?.coding ?? [])).toContainEqual({
      system: SDS_ROLE,
      code: 'R6050',
      display: 'Clinical Coder',
    });
    expect(back.practitionerRoles.map((r) => r.organization?.display)).toContain('National');

    // 3. The hierarchy: parent → children, children → parent, siblings.
    expect(linksByCode(back.resources)).toEqual(linksByCode(record.resources));
    expect(linksByCode(back.resources)).toHaveLength(6);
  });

  it('reports a coding that no code system can name, and a sibling link with no common parent', () => {
    const record = recordWithParts();
    const drug = record.resources.find((r): r is fhir4.Medication => r.resourceType === 'Medication')!;
    drug.code = { coding: [...(drug.code?.coding ?? []), { code: 'NOSYS' }], text: drug.code?.text ?? 'x' };
    const lonely = problem('P-LONELY', '73211009', 'Diabetes mellitus', [
      relatedProblemExtension('sibling', 'Condition/P-PARENT'),
    ]);
    const parts: PartNotCarried[] = [];
    buildEhrExtract(
      { ...record, resources: [...record.resources, lonely] },
      {
        ...OPTIONS,
        onPartNotCarried: (_r, part) => parts.push(part),
      },
    );
    expect(parts).toEqual([
      { kind: 'coding', detail: '(no system)|NOSYS' },
      { kind: 'related-problem', detail: 'sibling Condition/P-PARENT' },
    ]);
  });
});
