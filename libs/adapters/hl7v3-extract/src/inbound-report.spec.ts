import type { CanonicalRecord } from '@lloyd/adapters-core';
import { derivedUuid, inboundItems, readReport, xmlIdOf } from './inbound-report.js';

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
    const items = inboundItems(readReport(REPORT)!, record);
    expect(items).toEqual([
      { sourceId: 'Observation/1b0a2c3d-0000-4000-8000-00000000000a', outcome: 'integrated' },
      { sourceId: 'AllergyIntolerance/not a uuid', outcome: 'degraded', note: 'Filed as text' },
      { sourceId: 'Condition/9F0A2C3D-0000-4000-8000-00000000000B', outcome: 'integrated' },
    ]);
  });

  it('derives statement ids as the extract builder does', () => {
    expect(xmlIdOf('1b0a2c3d-0000-4000-8000-00000000000a')).toBe('1B0A2C3D-0000-4000-8000-00000000000A');
    expect(xmlIdOf('abc-1')).toBe('abc-1');
    expect(xmlIdOf('not a uuid')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
});
