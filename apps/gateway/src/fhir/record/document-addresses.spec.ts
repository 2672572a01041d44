import { deepFreeze } from '@lloyd/adapters-core';
import { withLloydDocumentAddresses } from './document-addresses.js';

const document = (id: string, ...attachments: fhir4.Attachment[]): fhir4.DocumentReference => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  content: attachments.map((attachment) => ({ attachment })),
});

describe('withLloydDocumentAddresses', () => {
  it('points a document at Lloyd’s Binary in place of the supplier’s URL, keeping what describes it', () => {
    const input = deepFreeze([
      document(
        'd1',
        {
          contentType: 'text/plain',
          url: 'http://supplier.internal/documents/123',
          size: 2992,
          title: 'Clinic letter',
          creation: '2021-10-13',
        },
        { contentType: 'application/pdf', url: 'http://supplier.internal/documents/123.pdf' },
      ),
      { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } },
    ]);
    const out = withLloydDocumentAddresses(input);
    expect((out[0] as fhir4.DocumentReference).content).toEqual([
      {
        attachment: {
          contentType: 'text/plain',
          url: 'Binary/d1',
          size: 2992,
          title: 'Clinic letter',
          creation: '2021-10-13',
        },
      },
      // Only the first content is served; no other keeps a supplier address.
      { attachment: { contentType: 'application/pdf' } },
    ]);
    expect(JSON.stringify(out)).not.toContain('supplier.internal');
    expect(out[1]).toBe(input[1]);
    expect((input[0] as fhir4.DocumentReference).content[0]!.attachment.url).toBe(
      'http://supplier.internal/documents/123',
    );
  });

  it('gives a document that had no address Lloyd’s', () => {
    const input = [document('d2', { contentType: 'application/pdf', title: 'Discharge summary' })];
    expect((withLloydDocumentAddresses(input)[0] as fhir4.DocumentReference).content[0]!.attachment).toEqual({
      contentType: 'application/pdf',
      title: 'Discharge summary',
      url: 'Binary/d2',
    });
  });
});
