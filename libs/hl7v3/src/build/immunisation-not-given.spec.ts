import type { CanonicalRecord } from '@lloyd/adapters-core';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { recordWithEveryKind } from '../testing/arbitrary-record.js';
import { buildEhrExtract } from './build-ehr-extract.js';

const OPTIONS = {
  messageId: 'A1B2C3D4-0000-4000-8000-000000000002',
  fromAsid: '200000000111',
  toAsid: '200000000222',
  toOds: 'B67890',
  now: new Date('2024-05-01T10:00:00Z'),
};

describe('vaccinations not given, through an EHR extract', () => {
  it('arrive as not given, with their reason, never as given', async () => {
    const base = recordWithEveryKind({ confidential: false });
    const given = base.resources.find((r): r is fhir4.Immunization => r.resourceType === 'Immunization')!;
    const declined: fhir4.Immunization = {
      ...given,
      id: 'declined-flu',
      status: 'not-done',
      statusReason: { text: 'Patient declined' },
      note: [{ text: 'Offered at the flu clinic' }],
    };
    const record: CanonicalRecord = { ...base, resources: [...base.resources, declined] };
    const back = await parseEhrExtract(buildEhrExtract(record, OPTIONS));
    const immunisations = back.record.resources.filter(
      (r): r is fhir4.Immunization => r.resourceType === 'Immunization',
    );
    const givenBefore = base.resources.filter(
      (r) => r.resourceType === 'Immunization' && (r as fhir4.Immunization).status === 'completed',
    ).length;
    expect(immunisations.filter((i) => i.status === 'not-done')).toHaveLength(1);
    expect(immunisations.filter((i) => i.status === 'completed')).toHaveLength(givenBefore);
    const notDone = immunisations.find((i) => i.status === 'not-done')!;
    expect(notDone.statusReason?.text).toBe('Patient declined');
    expect(notDone.note?.map((n) => n.text)).toEqual(['Offered at the flu clinic']);
  });
});
