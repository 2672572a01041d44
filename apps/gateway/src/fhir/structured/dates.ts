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
