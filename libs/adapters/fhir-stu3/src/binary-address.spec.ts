import { providerBinary } from './binary-address.js';

const base = new URL('https://provider.example/gpc/fhir/');

describe('providerBinary', () => {
  it.each([
    ['https://provider.example/gpc/fhir/Binary/doc-1', 'doc-1'],
    ['Binary/doc%201', 'doc%201'],
  ])('takes %p as the provider’s own Binary', (address, id) => {
    expect(providerBinary(base, address)?.id).toBe(id);
  });

  it.each([
    undefined,
    '',
    'https://elsewhere.example/gpc/fhir/Binary/doc-1',
    'https://provider.example/other/Binary/doc-1',
    'https://provider.example/gpc/fhir/DocumentReference/doc-1',
    'https://provider.example/gpc/fhir/Binary/doc-1?_format=json',
    'http://[not a url',
  ])('refuses %p', (address) => {
    expect(providerBinary(base, address)).toBeUndefined();
  });
});
