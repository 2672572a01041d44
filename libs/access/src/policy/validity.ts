import type { SharingAgreement } from '@lloyd/config';

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let lastMinute = Number.NaN;
let lastDate = '';

/** The calendar date (YYYY-MM-DD) in England at `instant`: agreements start and end on English dates. */
export function londonDate(instant: Date): string {
  // Every request asks; the date cannot change within a minute (UK offsets are whole hours), so format once a minute.
  const minute = Math.floor(instant.getTime() / 60_000);
  if (minute !== lastMinute) {
    lastDate = LONDON_DATE.format(instant);
    lastMinute = minute;
  }
  return lastDate;
}

/**
 * Whether the agreement applies on `day` (YYYY-MM-DD). `validFrom` is the first day it applies; `validTo`, when set,
 * is the first day it no longer applies, so ending an agreement today stops access at once.
 */
export function isCurrentOn(agreement: Pick<SharingAgreement, 'validFrom' | 'validTo'>, day: string): boolean {
  return agreement.validFrom <= day && (agreement.validTo === undefined || day < agreement.validTo);
}
