import { referencesIn } from './references.js';

describe('referencesIn', () => {
  it('finds every reference, at any depth and in arrays, but none inside contained resources', () => {
    const resource = {
      resourceType: 'Encounter',
      subject: { reference: 'Patient/p1' },
      participant: [{ individual: { reference: 'Practitioner/g1' } }, { individual: { display: 'no reference' } }],
      location: [{ location: { reference: 'Location/l1' } }],
      contained: [{ resourceType: 'Practitioner', id: 'c1', partOf: { reference: 'Organization/hidden' } }],
      extension: [{ url: 'x', valueReference: { reference: '#c1' } }],
      text: { status: 'generated', div: '<div>reference</div>' },
    };
    expect(referencesIn(resource)).toEqual(['Patient/p1', 'Practitioner/g1', 'Location/l1', '#c1']);
    expect(referencesIn('Patient/p1')).toEqual([]);
  });
});
