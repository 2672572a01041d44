/** Calendar arithmetic on ISO dates in UTC, so results never depend on the host's time zone or clock. */

const DAY_MS = 86_400_000;

function toEpochDay(date: string): number {
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`Not an ISO date: "${date}"`);
  return Math.floor(ms / DAY_MS);
}

function fromEpochDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromEpochDay(toEpochDay(date) + days);
}

export function daysBetween(from: string, to: string): number {
  return toEpochDay(to) - toEpochDay(from);
}

export function addYears(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) + years;
  const monthDay = date.slice(5, 10) === '02-29' ? '02-28' : date.slice(5, 10);
  return `${String(year).padStart(4, '0')}-${monthDay}`;
}

/** Reduces a full date to the precision a clinician recorded: the year, the month, or the day. */
export function partial(date: string, precision: 'year' | 'month' | 'day'): string {
  switch (precision) {
    case 'year':
      return date.slice(0, 4);
    case 'month':
      return date.slice(0, 7);
    case 'day':
      return date.slice(0, 10);
  }
}
