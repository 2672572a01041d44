/**
 * A structured record, or a RESTful Condition search or read, with areas withheld from the caller (switched off at the
 * practice, or not covered by the sharing agreement) serves no problem link to their items, over real HTTP against
 * the P20002 simulator.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { referencesIn } from '@lloyd/fhir';
import { ALL_AREAS, startLloyd, type RunningLloyd } from '../../../../../test/support/lloyd.js';

describe('problem links into withheld areas', () => {
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

  const rest = async (client: 'hospital-epr' | 'social-care', path: (patient: string) => Promise<string> | string) => {
    const token = await lloyd.token(client, { practitioner: 'G1234567' });
    const get = async (url: string) => {
      const res = await fetch(`${lloyd.base}/fhir/${url}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as fhir4.Resource;
    };
    const found = (await get(
      `Patient?identifier=${encodeURIComponent('https://fhir.nhs.uk/Id/nhs-number|9990000026')}`,
    )) as fhir4.Bundle;
    const patient = found.entry![0]!.resource!.id!;
    const answer = await get(await path(patient));
    return answer.resourceType === 'Bundle'
      ? (answer as fhir4.Bundle)
      : ({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: answer }] } as fhir4.Bundle);
  };
  const conditionSearch = (client: 'hospital-epr' | 'social-care') =>
    rest(client, (patient) => `Condition?patient=${patient}`);
  /** Reads by id, one by one, every problem the search finds that links to anything. */
  const conditionReads = async (client: 'hospital-epr' | 'social-care') => {
    const linking = (await conditionSearch('hospital-epr')).entry!.filter((e) =>
      (e.resource as fhir4.Condition).extension?.some((x) => x.url === EXTENSIONS.relatedClinicalContent),
    );
    expect(linking.length).toBeGreaterThan(0);
    const reads = await Promise.all(
      linking.map((e) => rest(client, () => `Condition/${e.resource!.id!}`).then((b) => b.entry![0]!)),
    );
    return { resourceType: 'Bundle', type: 'collection', entry: reads } as fhir4.Bundle;
  };
  const linkedTypes = (bundle: fhir4.Bundle) => new Set(problemLinks(bundle).map((ref) => ref.split('/')[0]));

  it('keeps the links while every area is granted', async () => {
    const bundle = await structured('hospital-epr');
    expect(problemLinks(bundle).some((ref) => ref.startsWith('MedicationStatement/'))).toBe(true);
    expect(linkedTypes(await conditionSearch('hospital-epr'))).toEqual(linkedTypes(bundle));
    expect(linkedTypes(await conditionReads('hospital-epr'))).toEqual(linkedTypes(bundle));
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
      // A RESTful Condition search or read serves no link into those areas either, and keeps the links it may.
      for (const answer of [await conditionSearch('hospital-epr'), await conditionReads('hospital-epr')]) {
        expect(linkedTypes(answer)).not.toContain('MedicationStatement');
        expect(linkedTypes(answer)).not.toContain('Immunization');
        expect(problemLinks(answer).length).toBeGreaterThan(0);
      }
      for (const answer of [await conditionSearch('social-care'), await conditionReads('social-care')]) {
        expect([...linkedTypes(answer)].filter((type) => type !== 'MedicationStatement')).toEqual([]);
      }
    } finally {
      await fetch(`${lloyd.base}/admin/practices/P20002`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ods: 'P20002', enabled: true, disabledSections: [] }),
      });
    }
  });
});
