import { byEventDate, dateRange, eventDate, onOrAfter, withinPeriod } from './dates.js';

describe('dateRange', () => {
  it('has no range for a missing or unreadable date', () => {
    expect(dateRange(undefined)).toBeUndefined();
    expect(dateRange('')).toBeUndefined();
    expect(dateRange('19-01-01')).toBeUndefined();
    expect(dateRange('June 2019')).toBeUndefined();
    expect(dateRange('2019-6')).toBeUndefined();
  });

  it('spans the whole year for a year', () => {
    expect(dateRange('2019')).toEqual({ first: '2019-01-01', last: '2019-12-31' });
  });

  it('spans the whole month for a year-month, with the right last day', () => {
    expect(dateRange('2019-02')).toEqual({ first: '2019-02-01', last: '2019-02-28' });
    expect(dateRange('2020-02')).toEqual({ first: '2020-02-01', last: '2020-02-29' });
    expect(dateRange('2019-04')).toEqual({ first: '2019-04-01', last: '2019-04-30' });
    expect(dateRange('2019-12')).toEqual({ first: '2019-12-01', last: '2019-12-31' });
    expect(dateRange('2019-01')).toEqual({ first: '2019-01-01', last: '2019-01-31' });
  });

  it('is the day itself for a whole date or a dateTime', () => {
    expect(dateRange('2019-03-07')).toEqual({ first: '2019-03-07', last: '2019-03-07' });
    expect(dateRange('2019-03-07T23:59:59+01:00')).toEqual({ first: '2019-03-07', last: '2019-03-07' });
    expect(dateRange('2019-03-07T00:00:00Z')).toEqual({ first: '2019-03-07', last: '2019-03-07' });
  });
});

describe('withinPeriod', () => {
  const period = { start: '2020-03-01', end: '2020-06-30' };

  it('keeps everything when there is no period', () => {
    expect(withinPeriod('1990-01-01', undefined)).toBe(true);
    expect(withinPeriod('2999-01-01', {})).toBe(true);
  });

  it('always keeps an item with no known date (GP Connect)', () => {
    expect(withinPeriod(undefined, period)).toBe(true);
    expect(withinPeriod('', period)).toBe(true);
    expect(withinPeriod('not a date', period)).toBe(true);
  });

  it('includes both boundary days and excludes the days just outside', () => {
    expect(withinPeriod('2020-03-01', period)).toBe(true);
    expect(withinPeriod('2020-06-30', period)).toBe(true);
    expect(withinPeriod('2020-06-30T23:30:00Z', period)).toBe(true);
    expect(withinPeriod('2020-02-29', period)).toBe(false);
    expect(withinPeriod('2020-07-01', period)).toBe(false);
    expect(withinPeriod('2020-07-01T00:00:00Z', period)).toBe(false);
  });

  it('counts a partial date as its whole span: kept when the span overlaps the period', () => {
    expect(withinPeriod('2020-02', period)).toBe(false);
    expect(withinPeriod('2020-03', period)).toBe(true);
    expect(withinPeriod('2020-06', period)).toBe(true);
    expect(withinPeriod('2020-07', period)).toBe(false);
    expect(withinPeriod('2020', period)).toBe(true);
    expect(withinPeriod('2019', period)).toBe(false);
    expect(withinPeriod('2021', period)).toBe(false);
    // A year reaching the period by its last day, or a month by its first.
    expect(withinPeriod('2019', { start: '2019-12-31' })).toBe(true);
    expect(withinPeriod('2019', { start: '2020-01-01' })).toBe(false);
    expect(withinPeriod('2019-05', { end: '2019-05-01' })).toBe(true);
    expect(withinPeriod('2019-05', { end: '2019-04-30' })).toBe(false);
  });

  it('treats a period open at either end as unbounded there', () => {
    expect(withinPeriod('1900-01-01', { end: '2020-01-01' })).toBe(true);
    expect(withinPeriod('2020-01-02', { end: '2020-01-01' })).toBe(false);
    expect(withinPeriod('2999-12-31', { start: '2020-01-01' })).toBe(true);
    expect(withinPeriod('2019-12-31', { start: '2020-01-01' })).toBe(false);
  });
});

describe('onOrAfter', () => {
  it('keeps everything when there is no from-date', () => {
    expect(onOrAfter('1900-01-01', undefined)).toBe(true);
  });

  it('keeps the from-date itself and later, not earlier', () => {
    expect(onOrAfter('2019-03-01', '2019-03-01')).toBe(true);
    expect(onOrAfter('2019-03-01T08:00:00Z', '2019-03-01')).toBe(true);
    expect(onOrAfter('2024-01-01', '2019-03-01')).toBe(true);
    expect(onOrAfter('2019-02-28', '2019-03-01')).toBe(false);
  });

  it('keeps a partial date whose span reaches the from-date', () => {
    expect(onOrAfter('2019-02', '2019-02-28')).toBe(true);
    expect(onOrAfter('2019-02', '2019-03-01')).toBe(false);
    expect(onOrAfter('2019', '2019-12-31')).toBe(true);
    expect(onOrAfter('2018', '2019-01-01')).toBe(false);
  });

  it('keeps an item with no known date', () => {
    expect(onOrAfter(undefined, '2019-03-01')).toBe(true);
  });
});

describe('byEventDate', () => {
  const at = (id: string, date?: string): fhir4.Observation => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: {},
    ...(date ? { effectiveDateTime: date } : {}),
  });

  it('orders most recent first, undated last, keeping the given order among equals', () => {
    const sorted = byEventDate([
      at('old', '2019-01-01'),
      at('none-1'),
      at('new', '2024-06-01'),
      at('same-a', '2020-05-01'),
      at('none-2'),
      at('same-b', '2020-05-01'),
    ]);
    expect(sorted.map((o) => o.id)).toEqual(['new', 'same-a', 'same-b', 'old', 'none-1', 'none-2']);
  });

  it('reads each type its own event date', () => {
    expect(
      eventDate({
        resourceType: 'Encounter',
        status: 'finished',
        class: {},
        period: { start: '2021' },
      } as fhir4.Encounter),
    ).toBe('2021');
    expect(eventDate({ resourceType: 'Immunization', occurrenceDateTime: '2022-02-02' } as fhir4.Immunization)).toBe(
      '2022-02-02',
    );
    expect(eventDate({ resourceType: 'Condition', subject: {}, onsetDateTime: '2018' } as fhir4.Condition)).toBe(
      '2018',
    );
  });
});
