import type { DatePeriod } from './structured-request.js';

/** The first and last day a (possibly partial) FHIR date or dateTime covers: `2019` covers the whole year. */
export function dateRange(value: string | undefined): { first: string; last: string } | undefined {
  if (!value) return undefined;
  const day = value.slice(0, 10);
  if (/^\d{4}$/.test(day)) return { first: `${day}-01-01`, last: `${day}-12-31` };
  if (/^\d{4}-\d{2}$/.test(day)) {
    const [y, m] = day.split('-').map(Number) as [number, number];
    const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return { first: `${day}-01`, last: `${day}-${String(lastDay).padStart(2, '0')}` };
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? { first: day, last: day } : undefined;
}

/** GP Connect's rule: an item with no known date is always included; a partial date counts as its whole span. */
export function withinPeriod(value: string | undefined, period: DatePeriod | undefined): boolean {
  if (!period) return true;
  const range = dateRange(value);
  if (!range) return true;
  if (period.start && range.last < period.start) return false;
  if (period.end && range.first > period.end) return false;
  return true;
}

export function onOrAfter(value: string | undefined, from: string | undefined): boolean {
  return withinPeriod(value, from ? { start: from } : undefined);
}

/** The date an item happened, by type: what a List ordered by event date sorts on (undefined when it has none). */
export function eventDate(resource: fhir4.Resource): string | undefined {
  const r = resource as {
    onsetDateTime?: string;
    effectiveDateTime?: string;
    effectivePeriod?: fhir4.Period;
    occurrenceDateTime?: string;
    period?: fhir4.Period;
    authoredOn?: string;
    date?: string;
    recordedDate?: string;
    issued?: string;
  };
  return (
    r.onsetDateTime ??
    r.effectiveDateTime ??
    r.effectivePeriod?.start ??
    r.occurrenceDateTime ??
    r.period?.start ??
    r.authoredOn ??
    r.date ??
    r.recordedDate ??
    r.issued ??
    undefined
  );
}

/**
 * Items in event-date order, most recent first, undated last; items of the same date (or undated) keep their order.
 * Dates of different precision compare as text, so `2020` sorts before `2020-05-01` (the earlier possible instant).
 */
export function byEventDate<T extends fhir4.Resource>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index, date: eventDate(item) }))
    .sort((a, b) => {
      if (a.date === b.date) return a.index - b.index;
      if (a.date === undefined) return 1;
      if (b.date === undefined) return -1;
      return b.date.localeCompare(a.date);
    })
    .map(({ item }) => item);
}
