import type { CanonicalRecord } from '@lloyd/adapters-core';
import { carriedInside, derivedUuid, inboundItems, readReport, xmlIdOf } from './inbound-report.js';

const REPORT = `<IntegrationReport conversationId="C1" nhsNumber="9990000018" status="integrated">
<item id="1B0A2C3D-0000-4000-8000-00000000000A" kind="observation" outcome="integrated"/>
<item id="${derivedUuid('lloyd-id:not a uuid')}" kind="allergy" outcome="degraded" note="Filed as text"/>
<item id="9F0A2C3D-0000-4000-8000-00000000000B" kind="problem" outcome="integrated"/>
<item id="LINK-1" kind="link" outcome="integrated"/>
<attachment id="D1" received="true" bytes="10"/>
</IntegrationReport>`;

const record = {
  resources: [
    { resourceType: 'Observation', id: '1b0a2c3d-0000-4000-8000-00000000000a', status: 'final', code: {} },
    { resourceType: 'AllergyIntolerance', id: 'not a uuid', patient: { reference: 'Patient/p' } },
  ],
} as unknown as CanonicalRecord;

describe('the GP2GP system’s integration report', () => {
  it('reads the status and every item, and refuses what is not a report', () => {
    const report = readReport(REPORT);
    expect(report).toMatchObject({ conversationId: 'C1', nhsNumber: '9990000018', status: 'integrated' });
    expect(report?.items).toHaveLength(4);
    expect(readReport('<Error status="400" code="X">no</Error>')).toBeUndefined();
    expect(readReport('<IntegrationReport nhsNumber="1" status="weird"/>')).toBeUndefined();
    expect(readReport('<!DOCTYPE x><IntegrationReport nhsNumber="1" status="held"/>')).toBeUndefined();
  });

  it('gives each outcome under the delivered item’s id, or the statement’s own id with its type', () => {
    const items = inboundItems(
      readReport(REPORT)!,
      record.resources.map((r) => `${r.resourceType}/${r.id}`),
    );
    expect(items).toEqual([
      { sourceId: 'Observation/1b0a2c3d-0000-4000-8000-00000000000a', outcome: 'integrated' },
      { sourceId: 'AllergyIntolerance/not a uuid', outcome: 'degraded', note: 'Filed as text' },
      { sourceId: 'Condition/9F0A2C3D-0000-4000-8000-00000000000B', outcome: 'integrated' },
    ]);
  });

  it('gives an item carried inside another statement that statement’s outcome', () => {
    const carried = {
      resources: [
        { resourceType: 'DiagnosticReport', id: 'R1', result: [{ reference: 'Observation/O1' }] },
        { resourceType: 'Observation', id: 'O1', status: 'final', code: {} },
        {
          resourceType: 'MedicationRequest',
          id: 'M1',
          intent: 'plan',
          medicationReference: { reference: 'Medication/D1' },
        },
        { resourceType: 'MedicationStatement', id: 'M1', basedOn: [{ reference: 'MedicationRequest/M1' }] },
        { resourceType: 'Medication', id: 'D1' },
      ],
    } as unknown as CanonicalRecord;
    const report = readReport(`<IntegrationReport nhsNumber="9990000018" status="held">
<item id="R1" kind="testResult" outcome="degraded" note="Filed as text"/>
<item id="${derivedUuid('lloyd-xml:MedicationRequest/M1')}" kind="medication" outcome="integrated"/>
</IntegrationReport>`)!;
    const delivered = carried.resources.map((r) => `${r.resourceType}/${r.id}`);
    expect(inboundItems(report, delivered, carriedInside(carried))).toEqual([
      { sourceId: 'DiagnosticReport/R1', outcome: 'degraded', note: 'Filed as text' },
      { sourceId: 'MedicationRequest/M1', outcome: 'integrated' },
      { sourceId: 'Observation/O1', outcome: 'degraded', note: 'Carried inside DiagnosticReport/R1: Filed as text' },
      { sourceId: 'MedicationStatement/M1', outcome: 'integrated' },
      { sourceId: 'Medication/D1', outcome: 'integrated' },
    ]);
  });

  it('derives statement ids as the extract builder does', () => {
    expect(xmlIdOf('1b0a2c3d-0000-4000-8000-00000000000a')).toBe('1B0A2C3D-0000-4000-8000-00000000000A');
    expect(xmlIdOf('abc-1')).toBe('abc-1');
    expect(xmlIdOf('not a uuid')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});
