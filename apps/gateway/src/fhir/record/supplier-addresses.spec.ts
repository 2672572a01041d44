import { deepFreeze } from '@lloyd/adapters-core';
import { withoutSupplierAddresses } from './supplier-addresses.js';

const document = (id: string, attachment: fhir4.Attachment): fhir4.DocumentReference => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  content: [{ attachment }],
});

describe('withoutSupplierAddresses', () => {
  it('drops a document’s supplier URL and keeps what describes it, leaving the input as it was', () => {
    const input = deepFreeze([
      document('d1', {
        contentType: 'text/plain',
        url: 'http://supplier.internal/documents/123',
        size: 2992,
        title: 'Clinic letter',
        creation: '2021-10-13',
      }),
      { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } },
    ]);
    const out = withoutSupplierAddresses(input);
    expect((out[0] as fhir4.DocumentReference).content).toEqual([
      { attachment: { contentType: 'text/plain', size: 2992, title: 'Clinic letter', creation: '2021-10-13' } },
    ]);
    expect(out[1]).toBe(input[1]);
    expect((input[0] as fhir4.DocumentReference).content[0]!.attachment.url).toBe(
      'http://supplier.internal/documents/123',
    );
  });

  it('hands back a document with no address as it is', () => {
    const input = [document('d2', { contentType: 'application/pdf', title: 'Discharge summary' })];
    expect(withoutSupplierAddresses(input)[0]).toBe(input[0]);
  });
});
