/**
 * HL7 V3 timestamps (`TS`: `YYYY[MM[DD[HH[MM[SS[.F]]]]]][+/-ZZZZ]`) and FHIR dates.
 *
 * The source precision is kept: `2019` stays `2019`, `20190314` becomes `2019-03-14`. A timestamp with a time
 * becomes a FHIR dateTime, which needs seconds and an offset: missing minutes/seconds are zero, and a timestamp
 * without an offset is UK local time (GP2GP systems send local time), so it gets the Europe/London offset of that
 * moment. Going back, a FHIR dateTime is written as UK local time without an offset, which is what receivers expect.
 */

const TS_PATTERN = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.?(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const FHIR_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const londonFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

const offsetCache = new Map<number, number>();

function londonFields(epochMs: number): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const fields = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const part of londonFormat.formatToParts(new Date(epochMs))) {
    const value = Number(part.value);
    if (part.type === 'year') fields.y = value;
    else if (part.type === 'month') fields.mo = value;
    else if (part.type === 'day') fields.d = value;
    else if (part.type === 'hour') fields.h = value;
    else if (part.type === 'minute') fields.mi = value;
    else if (part.type === 'second') fields.s = value;
  }
  return fields;
}

/** The Europe/London offset (minutes east of UTC) in force at a UTC instant, cached per hour. */
function londonOffsetAt(epochMs: number): number {
  const hourKey = Math.floor(epochMs / 3_600_000);
  const cached = offsetCache.get(hourKey);
  if (cached !== undefined) return cached;
  const { y, mo, d, h, mi, s } = londonFields(hourKey * 3_600_000);
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const offset = Math.round((asUtc - hourKey * 3_600_000) / 60_000);
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(hourKey, offset);
  return offset;
}

/** The offset of a UK local wall-clock time (the repeated hour in October reads as GMT). */
function londonOffsetForLocal(localAsUtcMs: number): number {
  const first = londonOffsetAt(localAsUtcMs);
  const second = londonOffsetAt(localAsUtcMs - first * 60_000);
  return second;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function parseOffset(text: string): number {
  if (text === 'Z') return 0;
  const digits = text.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * An HL7 `TS` value as a FHIR `date` (year, year-month or full date) or `dateTime`. Undefined for an absent or
 * unreadable value.
 */
export function tsToFhir(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = TS_PATTERN.exec(value.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fraction, zone] = m;
  const y = Number(ys);
  if (y < 1) return undefined;
  if (mos === undefined) return ys;
  const mo = Number(mos);
  if (mo < 1 || mo > 12) return undefined;
  if (ds === undefined) return `${ys}-${mos}`;
  const d = Number(ds);
  if (!validDate(y, mo, d)) return undefined;
  if (hs === undefined) return `${ys}-${mos}-${ds}`;
  const h = Number(hs);
  const mi = mis === undefined ? 0 : Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const localAsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const offset = zone !== undefined ? parseOffset(zone) : londonOffsetForLocal(localAsUtc);
  const frac = fraction ? `.${fraction}` : '';
  return `${ys}-${mos}-${ds}T${pad(h)}:${pad(mi)}:${pad(s)}${frac}${formatOffset(offset)}`;
}

/** A FHIR date/dateTime/instant as an HL7 `TS` (UK local time, no offset). Undefined when unreadable. */
export function fhirToTs(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = FHIR_PATTERN.exec(value.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fraction, zone] = m;
  if (mos === undefined) return ys;
  if (ds === undefined) return `${ys}${mos}`;
  if (hs === undefined) return `${ys}${mos}${ds}`;
  const localGiven = Date.UTC(Number(ys), Number(mos) - 1, Number(ds), Number(hs), Number(mis), Number(ss ?? 0));
  // A dateTime without an offset is taken as UK local time already.
  const epoch =
    zone === undefined
      ? localGiven - londonOffsetForLocal(localGiven) * 60_000
      : localGiven - parseOffset(zone) * 60_000;
  const local = new Date(epoch + londonOffsetAt(epoch) * 60_000);
  const base =
    `${pad(local.getUTCFullYear(), 4)}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}` +
    `${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}`;
  return fraction ? `${base}.${fraction}` : base;
}

/** A FHIR `instant` (full precision with offset) for a TS, or undefined when the TS is not precise to the second. */
export function tsToInstant(value: string | undefined): string | undefined {
  const m = value ? TS_PATTERN.exec(value.trim()) : null;
  if (!m || m[6] === undefined) return undefined;
  return tsToFhir(value);
}

/** Milliseconds since the epoch for comparisons; dates count from their start in UTC. */
export function fhirDateEpoch(value: string): number {
  const m = FHIR_PATTERN.exec(value);
  if (!m) return Number.NaN;
  if (m[4] === undefined) return Date.UTC(Number(m[1]), Number(m[2] ?? 1) - 1, Number(m[3] ?? 1));
  return Date.parse(m[8] === undefined ? `${value}Z` : value);
}

/** The current time as a TS (used for message creation times). */
export function nowTs(now: Date = new Date()): string {
  return fhirToTs(now.toISOString().replace(/\.\d+Z$/, 'Z'))!;
}
