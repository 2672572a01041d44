import { namesFhirJson, unacceptableFormat, unsupportedBodyType } from './content-negotiation.js';

describe('content negotiation: Lloyd serves FHIR as JSON only', () => {
  it.each([
    'json',
    'application/json',
    'application/fhir+json',
    'application/fhir json',
    'application/fhir+json; charset=utf-8',
    'application/json+fhir',
  ])('takes _format=%s as JSON', (format) => {
    expect(namesFhirJson(format)).toBe(true);
    expect(unacceptableFormat('/fhir/Condition', undefined, format)).toBeUndefined();
  });

  it.each(['xml', 'application/fhir+xml', 'text/turtle', ''])('refuses _format=%j, naming it', (format) => {
    expect(namesFhirJson(format)).toBe(false);
    expect(unacceptableFormat('/fhir/Condition', undefined, format)).toMatch(/_format=.*JSON only/);
  });

  it('refuses a repeated _format with any value other than JSON', () => {
    expect(unacceptableFormat('/fhir/metadata', undefined, ['json', 'xml'])).toMatch(/_format=xml/);
  });

  it.each([
    ['application/fhir+xml', false],
    ['text/html', false],
    ['application/json;q=0', false],
    ['application/fhir+xml, application/fhir+json;q=0.5', true],
    ['*/*', true],
    ['application/*', true],
  ])('with Accept: %s answers JSON: %s', (accept, json) => {
    expect(unacceptableFormat('/fhir/metadata', accept, undefined) === undefined).toBe(json);
  });

  it('leaves Binary (which negotiates its own type) and non-FHIR paths alone', () => {
    expect(unacceptableFormat('/fhir/Binary/x', 'application/pdf', 'xml')).toBeUndefined();
    expect(unacceptableFormat('/gp2gp/reports/integrations', 'text/csv', undefined)).toBeUndefined();
  });
});

describe('unsupportedBodyType', () => {
  it.each([
    ['/gp2gp/transfers', 'application/x-www-form-urlencoded'],
    ['/fhir/Patient/$gpc.getstructuredrecord', 'application/x-www-form-urlencoded; charset=utf-8'],
    ['/admin/agreements', 'Application/X-WWW-Form-Urlencoded'],
  ])('refuses a form body sent to %s (%s)', (path, type) => {
    expect(unsupportedBodyType(path, type)).toMatch(/takes JSON, not a form/);
  });

  it.each([
    ['/oauth2/token', 'application/x-www-form-urlencoded'],
    ['/gp2gp/transfers', 'application/json'],
    ['/gp2gp/transfers', undefined],
  ])('lets %s with %s through to its parser', (path, type) => {
    expect(unsupportedBodyType(path, type)).toBeUndefined();
  });
});
