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

/** True when `value` is a real calendar date written YYYY-MM-DD (rejects 2025-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/**
 * Whether the agreement applies on `day` (YYYY-MM-DD). `validFrom` is the first day it applies; `validTo`, when set,
 * is the first day it no longer applies, so ending an agreement today stops access at once.
 */
export function isCurrentOn(agreement: Pick<SharingAgreement, 'validFrom' | 'validTo'>, day: string): boolean {
  return agreement.validFrom <= day && (agreement.validTo === undefined || day < agreement.validTo);
}

/** True when the two agreements' validity periods share at least one day. */
export function periodsOverlap(
  a: Pick<SharingAgreement, 'validFrom' | 'validTo'>,
  b: Pick<SharingAgreement, 'validFrom' | 'validTo'>,
): boolean {
  const aEndsAfterBStarts = a.validTo === undefined || b.validFrom < a.validTo;
  const bEndsAfterAStarts = b.validTo === undefined || a.validFrom < b.validTo;
  // An empty period (validTo = validFrom, e.g. an agreement ended before it started) overlaps nothing.
  const aEmpty = a.validTo !== undefined && a.validTo <= a.validFrom;
  const bEmpty = b.validTo !== undefined && b.validTo <= b.validFrom;
  return aEndsAfterBStarts && bEndsAfterAStarts && !aEmpty && !bEmpty;
}

/** True when the agreement's consumer is this organisation, by ODS code or by its organisation type. */
export function consumerMatches(
  agreement: Pick<SharingAgreement, 'consumer'>,
  organisation: string,
  organisationTypes: Readonly<Record<string, string>>,
): boolean {
  const { consumer } = agreement;
  if ('ods' in consumer) return consumer.ods === organisation;
  return organisationTypes[organisation] === consumer.organisationType;
}

/** A readable name for an agreement's consumer, for messages. */
export function describeConsumer(agreement: Pick<SharingAgreement, 'consumer'>): string {
  const { consumer } = agreement;
  return 'ods' in consumer ? `organisation ${consumer.ods}` : `organisations of type ${consumer.organisationType}`;
}

/**
 * True when some organisation is a consumer of both agreements: the same ODS code, the same organisation type, or an
 * organisation named by one whose configured type (`organisationTypes`) the other names.
 */
export function consumersOverlap(
  a: Pick<SharingAgreement, 'consumer'>,
  b: Pick<SharingAgreement, 'consumer'>,
  organisationTypes: Readonly<Record<string, string>>,
): boolean {
  if ('ods' in a.consumer) return consumerMatches(b, a.consumer.ods, organisationTypes);
  if ('ods' in b.consumer) return consumerMatches(a, b.consumer.ods, organisationTypes);
  return a.consumer.organisationType === b.consumer.organisationType;
}
