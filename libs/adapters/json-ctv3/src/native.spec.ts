import { JournalEvent, parseNative, VendorDate } from './native.js';
import { codeableConcept, fhirDate } from './record/context.js';

describe('JSON/CTV3 native dates', () => {
  it.each([
    ['2019', 'year'],
    ['2019-03', 'month'],
    ['2019-03-14', 'day'],
    ['2019-03-14T10:20+01:00', 'minute'],
    ['2019-03-14T10:20:00Z', 'minute'],
  ])('accepts %s at %s precision', (value, precision) => {
    expect(parseNative(VendorDate, { value, precision }, 'date')).toMatchObject({ ok: true });
  });

  it.each([
    ['2019-03-14', 'year'],
    ['2019-13', 'month'],
    ['14/03/2019', 'day'],
    ['2019-03-14T10:20', 'minute'],
    ['2019', 'decade'],
  ])('refuses %s at %s precision, naming the path', (value, precision) => {
    const parsed = parseNative(
      JournalEvent,
      { eventId: 'e1', eventType: 'dataEntry', date: { value, precision } },
      'journal',
    );
    expect(parsed).toEqual({ ok: false, reason: expect.stringMatching(/^journal date/) as unknown });
  });

  it('turns minute-precision times into FHIR dateTimes with seconds, and leaves partial dates alone', () => {
    expect(fhirDate({ value: '2019-03-14T10:20+01:00', precision: 'minute' })).toBe('2019-03-14T10:20:00+01:00');
    expect(fhirDate({ value: '2019-03-14T10:20Z', precision: 'minute' })).toBe('2019-03-14T10:20:00Z');
    expect(fhirDate({ value: '2019-03-14T10:20:30+00:00', precision: 'minute' })).toBe('2019-03-14T10:20:30+00:00');
    expect(fhirDate({ value: '2019-03', precision: 'month' })).toBe('2019-03');
  });
});

describe('JSON/CTV3 codings', () => {
  it('keeps CTV3 codes under the CTV3 system and local codes under the practice’s local system', () => {
    expect(
      codeableConcept({ scheme: 'CTV3', code: 'XE2m6', term: 'Haemoglobin estimation level' }, 'Hb', 'P20002'),
    ).toEqual({
      coding: [{ system: 'http://read.info/ctv3', code: 'XE2m6', display: 'Haemoglobin estimation level' }],
      text: 'Hb',
    });
    expect(codeableConcept({ scheme: 'LOCAL', code: 'LOCAL-x', term: 'X' }, undefined, 'P20002')).toEqual({
      coding: [{ system: 'https://fhir.lloyd.example/CodeSystem/local-P20002', code: 'LOCAL-x', display: 'X' }],
      text: 'X',
    });
  });
});
