/**
 * A structured record with areas withheld from the caller (switched off at the practice, or not covered by the
 * sharing agreement) serves no problem link to their items, over real HTTP against the P20002 simulator.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { referencesIn } from '@lloyd/fhir';
import { ALL_AREAS, startLloyd, type RunningLloyd } from '../../../../../test/support/lloyd.js';

describe('structured record: links into withheld areas', () => {
  let lloyd: RunningLloyd;

  beforeAll(async () => {
    lloyd = await startLloyd();
  });
  afterAll(() => lloyd?.close());

  const structured = async (client: 'hospital-epr' | 'social-care') => {
    const token = await lloyd.token(client, { practitioner: 'G1234567' });
    const res = await lloyd.structuredRecord(token, '9990000026', ALL_AREAS);
    expect(res.status).toBe(200);
    return (await res.json()) as fhir4.Bundle;
  };
  const served = (bundle: fhir4.Bundle) =>
    new Set((bundle.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id ?? ''}`));
  const problemLinks = (bundle: fhir4.Bundle) =>
    (bundle.entry ?? [])
      .map((e) => e.resource!)
      .filter((r): r is fhir4.Condition => r.resourceType === 'Condition')
      .flatMap((c) => (c.extension ?? []).filter((e) => e.url === EXTENSIONS.relatedClinicalContent))
      .map((e) => e.valueReference!.reference!);

  it('keeps the links while every area is granted', async () => {
    const bundle = await structured('hospital-epr');
    expect(problemLinks(bundle).some((ref) => ref.startsWith('MedicationStatement/'))).toBe(true);
  });

  it('serves no link to an item of an area switched off at the practice: every reference resolves', async () => {
    const admin = await lloyd.token('admin');
    const put = await fetch(`${lloyd.base}/admin/practices/P20002`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ods: 'P20002', enabled: true, disabledSections: ['medications', 'immunisations'] }),
    });
    expect(put.status).toBe(200);
    try {
      const bundle = await structured('hospital-epr');
      const have = served(bundle);
      const dangling = (bundle.entry ?? []).flatMap((e) =>
        referencesIn(e.resource as never).filter((ref) => /^[A-Z][A-Za-z]+\//.test(ref) && !have.has(ref)),
      );
      expect(dangling).toEqual([]);
      expect(problemLinks(bundle).length).toBeGreaterThan(0);
      // Links to areas not covered by an agreement go too (social care: allergies, medications and problems only).
      const social = await structured('social-care');
      const socialServed = served(social);
      expect(problemLinks(social).filter((ref) => !socialServed.has(ref))).toEqual([]);
    } finally {
      await fetch(`${lloyd.base}/admin/practices/P20002`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ods: 'P20002', enabled: true, disabledSections: [] }),
      });
    }
  });
});
