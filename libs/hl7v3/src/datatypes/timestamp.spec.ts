import { fhirDateEpoch, fhirToTs, tsToFhir, tsToInstant } from './timestamp.js';

describe('HL7 timestamps', () => {
  it.each([
    ['2019', '2019'],
    ['201903', '2019-03'],
    ['20190314', '2019-03-14'],
    ['2019031410', '2019-03-14T10:00:00+00:00'],
    ['201903141030', '2019-03-14T10:30:00+00:00'],
    ['20190314103045', '2019-03-14T10:30:45+00:00'],
    ['20190714103045', '2019-07-14T10:30:45+01:00'],
    ['20131025165929252', '2013-10-25T16:59:29.252+01:00'],
    ['20190314103045+0530', '2019-03-14T10:30:45+05:30'],
  ])('%s becomes %s (precision kept, UK local time gets its offset)', (ts, fhir) => {
    expect(tsToFhir(ts)).toBe(fhir);
  });

  it.each(['', '19', '20191301', '20190230', '2019031425', 'not a date'])('%j is not a date', (ts) => {
    expect(tsToFhir(ts)).toBeUndefined();
  });

  it('writes FHIR dates back at their precision, times as UK local time', () => {
    expect(fhirToTs('2019')).toBe('2019');
    expect(fhirToTs('2019-03')).toBe('201903');
    expect(fhirToTs('2019-03-14')).toBe('20190314');
    expect(fhirToTs('2019-07-14T09:30:45Z')).toBe('20190714103045');
    expect(fhirToTs('2019-01-14T09:30:45Z')).toBe('20190114093045');
    expect(fhirToTs('2019-07-14T10:30:45+01:00')).toBe('20190714103045');
  });

  it('round-trips instants across the clock changes', () => {
    for (const iso of [
      '2021-03-28T00:59:59Z',
      '2021-03-28T01:00:00Z',
      '2021-10-31T01:30:00Z',
      '1999-12-31T23:59:59Z',
      '2021-07-01T12:00:00Z',
    ]) {
      const back = tsToFhir(fhirToTs(iso));
      expect(fhirDateEpoch(back!)).toBe(Date.parse(iso));
    }
  });

  it('reads the repeated hour when the clocks go back (ambiguous without an offset) as GMT', () => {
    expect(fhirToTs('2021-10-31T00:30:00Z')).toBe('20211031013000');
    expect(tsToFhir('20211031013000')).toBe('2021-10-31T01:30:00+00:00');
  });

  it('gives an instant only for timestamps precise to the second', () => {
    expect(tsToInstant('20190314103045')).toBe('2019-03-14T10:30:45+00:00');
    expect(tsToInstant('20190314')).toBeUndefined();
    expect(tsToInstant('201903141030')).toBeUndefined();
  });
});
