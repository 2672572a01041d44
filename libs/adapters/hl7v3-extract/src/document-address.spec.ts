import { extractDocumentId } from './document-address.js';

const withUrl = (url?: string): fhir4.DocumentReference => ({
  resourceType: 'DocumentReference',
  status: 'current',
  content: [{ attachment: url === undefined ? {} : { url } }],
});

describe('extractDocumentId', () => {
  it('takes the decoded last segment of the extract’s address, whatever host it names', () => {
    expect(extractDocumentId(withUrl('http://127.0.0.1:8093/documents/ABC-1'))).toBe('ABC-1');
    expect(extractDocumentId(withUrl('file://localhost/Scan%20letter.pdf'))).toBe('Scan letter.pdf');
  });

  it('has none without an address, with an empty last segment, or with bad percent-encoding', () => {
    for (const url of [undefined, 'http://host/documents/', 'file://localhost/bad%E0%A4%A'])
      expect(extractDocumentId(withUrl(url))).toBeUndefined();
  });
});
