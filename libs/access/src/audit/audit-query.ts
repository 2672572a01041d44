import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM, outcomes, type AuditEvent } from '@lloyd/fhir';
import { DATA_REPOSITORY_ROLE, type AuditOutcome } from './audit-event.js';

/** Search parameters of the audit trail, as given (strings from the query string). */
export interface AuditQuery {
  /** NHS number, or `https://fhir.nhs.uk/Id/nhs-number|<NHS number>`. */
  patient?: string;
  /** Consumer organisation ODS code, or `https://fhir.nhs.uk/Id/ods-organization-code|<ODS>`. */
  organisation?: string;
  /**
   * The data controller: the ODS code of the practice whose record was read (or asked for), or
   * `https://fhir.nhs.uk/Id/ods-organization-code|<ODS>`.
   */
  practice?: string;
  /** `recorded` filters, each `[eq|ge|gt|le|lt]<date or dateTime>`; a bare day means that whole day (UTC). */
  date?: string | readonly string[];
  /** `0`, `4`, `8` or `12`. */
  outcome?: string;
  /** Page size (default 50, at most 1000). */
  count?: number;
  /** Events to skip, newest first. */
  offset?: number;
}

export interface ParsedAuditQuery {
  patient?: string;
  organisation?: string;
  practice?: string;
  /** Inclusive lower bound of `recorded`, ms. */
  from?: number;
  /** Exclusive upper bound of `recorded`, ms. */
  to?: number;
  outcome?: AuditOutcome;
  count: number;
  offset: number;
}

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;
const OUTCOMES: readonly AuditOutcome[] = ['0', '4', '8', '12'];
const DATE_PARAM =
  /^(eq|ge|gt|le|lt)?(\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?)$/;

function stripSystem(value: string, system: string, name: string): string {
  // FHIR reads a comma as "any of these"; the audit search takes one value, so say so rather than match nothing.
  if (value.includes(',')) {
    throw outcomes.invalidParameter(
      `${name} takes one value; search once for each of ${value.split(',').join(', ')}.`,
      [name],
    );
  }
  const bar = value.indexOf('|');
  if (bar < 0) return value;
  if (value.slice(0, bar) !== system) {
    throw outcomes.invalidParameter(`${name} must be a plain value or ${system}|<value>.`, [name]);
  }
  return value.slice(bar + 1);
}

/** True when year, month and day name a day of the calendar (not 2026-02-30, not month 13). */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/**
 * The instant range [start, end) a date of any precision stands for: a year, a month, a day, or a dateTime to the
 * minute, the second or the fraction given (so `…T22:42:30Z` is that whole second). NaN when it is no real date.
 */
function dateRange(value: string): [number, number] {
  const [date = '', time] = value.split('T');
  const [y, m = 1, d = 1] = date.split('-').map(Number) as [number, number?, number?];
  if (m < 1 || m > 12 || !isCalendarDay(y, m, d)) return [NaN, NaN];
  if (time !== undefined) {
    const clock = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(time)!;
    const [hours, minutes, seconds] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (hours > 23 || minutes > 59 || seconds > 59) return [NaN, NaN];
    const at = Date.parse(value);
    const fraction = clock[4];
    const width = fraction ? Math.max(1, 10 ** (3 - fraction.length)) : clock[3] ? 1000 : 60_000;
    // A fraction finer than a millisecond still covers the millisecond it falls in.
    const start = fraction && fraction.length > 3 ? Math.floor(at) : at;
    return [start, start + width];
  }
  const parts = date.split('-').length;
  if (parts === 1) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
  if (parts === 2) return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1)];
  return [Date.UTC(y, m - 1, d), Date.UTC(y, m - 1, d + 1)];
}

function applyDate(raw: string, bounds: { from?: number; to?: number }): void {
  const match = DATE_PARAM.exec(raw);
  const [start, end] = match ? dateRange(match[2]!) : [NaN, NaN];
  if (!match || Number.isNaN(start) || Number.isNaN(end)) {
    throw outcomes.invalidParameter(
      `date "${raw}" is not a date filter: use a day (2026-01-31), or a prefix ge, gt, le, lt or eq before a date or dateTime (ge2026-01-01T09:00:00Z).`,
      ['date'],
    );
  }
  const prefix = match[1] ?? 'eq';
  const raise = (from: number) => (bounds.from = Math.max(bounds.from ?? -Infinity, from));
  const lower = (to: number) => (bounds.to = Math.min(bounds.to ?? Infinity, to));
  switch (prefix) {
    case 'eq':
      raise(start);
      lower(end);
      break;
    case 'ge':
      raise(start);
      break;
    case 'gt':
      raise(end);
      break;
    case 'le':
      lower(end);
      break;
    case 'lt':
      lower(start);
      break;
    default:
      throw outcomes.invalidParameter(`date prefix "${prefix}" is not supported; use eq, ge, gt, le or lt.`, ['date']);
  }
}

/** Validates an {@link AuditQuery}; 422 `INVALID_PARAMETER` naming the parameter when one is wrong. */
export function parseAuditQuery(query: AuditQuery): ParsedAuditQuery {
  const parsed: ParsedAuditQuery = {
    count: Math.min(query.count ?? DEFAULT_COUNT, MAX_COUNT),
    offset: query.offset ?? 0,
  };
  if (!Number.isInteger(parsed.count) || parsed.count < 0) {
    throw outcomes.invalidParameter('_count must be a whole number, 0 or more.', ['_count']);
  }
  if (!Number.isInteger(parsed.offset) || parsed.offset < 0) {
    throw outcomes.invalidParameter('_offset must be a whole number, 0 or more.', ['_offset']);
  }
  if (query.patient) parsed.patient = stripSystem(query.patient, NHS_NUMBER_SYSTEM, 'patient');
  if (query.organisation)
    parsed.organisation = stripSystem(query.organisation, ODS_ORGANISATION_SYSTEM, 'organisation');
  if (query.practice) parsed.practice = stripSystem(query.practice, ODS_ORGANISATION_SYSTEM, 'practice');
  if (query.outcome !== undefined && query.outcome !== '') {
    if (query.outcome.includes(',')) {
      throw outcomes.invalidParameter(`outcome takes one value; search once for each outcome.`, ['outcome']);
    }
    if (!(OUTCOMES as readonly string[]).includes(query.outcome)) {
      throw outcomes.invalidParameter(
        `outcome "${query.outcome}" is not an AuditEvent outcome: use 0 (success), 4 (minor failure), 8 (serious failure) or 12.`,
        ['outcome'],
      );
    }
    parsed.outcome = query.outcome as AuditOutcome;
  }
  const dates = query.date === undefined ? [] : typeof query.date === 'string' ? [query.date] : query.date;
  const bounds: { from?: number; to?: number } = {};
  for (const raw of dates) applyDate(raw, bounds);
  if (bounds.from !== undefined) parsed.from = bounds.from;
  if (bounds.to !== undefined) parsed.to = bounds.to;
  return parsed;
}

export function eventPatient(event: AuditEvent): string | undefined {
  return event.entity?.find((e) => e.what?.identifier?.system === NHS_NUMBER_SYSTEM)?.what?.identifier?.value;
}

export function eventOrganisation(event: AuditEvent): string | undefined {
  return event.agent.find((a) => a.who?.identifier?.system === ODS_ORGANISATION_SYSTEM)?.who?.identifier?.value;
}

/** The data-controller practice of a patient-access event: its ODS-identified entity in the "Data Repository" role. */
export function eventPractice(event: AuditEvent): string | undefined {
  return event.entity?.find(
    (e) => e.role?.code === DATA_REPOSITORY_ROLE && e.what?.identifier?.system === ODS_ORGANISATION_SYSTEM,
  )?.what?.identifier?.value;
}

/** True when the event meets every filter of the query. */
export function matchesQuery(event: AuditEvent, query: ParsedAuditQuery): boolean {
  if (query.patient !== undefined && eventPatient(event) !== query.patient) return false;
  if (query.organisation !== undefined && eventOrganisation(event) !== query.organisation) return false;
  if (query.practice !== undefined && eventPractice(event) !== query.practice) return false;
  if (query.outcome !== undefined && event.outcome !== query.outcome) return false;
  if (query.from !== undefined || query.to !== undefined) {
    const at = Date.parse(event.recorded);
    if (query.from !== undefined && at < query.from) return false;
    if (query.to !== undefined && at >= query.to) return false;
  }
  return true;
}

/** True when the query filters on more than what the chosen index already guarantees. */
export function needsScan(query: ParsedAuditQuery): boolean {
  return query.outcome !== undefined || query.from !== undefined || query.to !== undefined;
}
