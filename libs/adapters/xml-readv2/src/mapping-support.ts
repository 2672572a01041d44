import { CONFIDENTIAL_SECURITY_LABEL, LLOYD_FHIR_BASE } from '@lloyd/adapters-core';
import { systemOfScheme } from './code-schemes.js';
import type { NativeCode, NativeCoded, NativeOriginalCode } from './record-schema.js';

/**
 * On an AllergyIntolerance: when and why the allergy ended (R4 has no end date; GP Connect's AllergyIntoleranceEnd
 * carries the same `endDate` and `reasonEnded`). Not yet in `EXTENSIONS` of @lloyd/adapters-core.
 */
export const ALLERGY_END_EXTENSION = `${LLOYD_FHIR_BASE}/StructureDefinition/allergy-end`;

/** What every mapper needs: where the record comes from and how to point at what it already mapped. */
export interface MappingContext {
  readonly ods: string;
  readonly patient: fhir4.Reference;
  /** Consultation ids present in the record: items point only at encounters that exist. */
  readonly consultationIds: ReadonlySet<string>;
  /** Each consultation's clinician (SDS user id), who made what was ordered in it (a referral's requester). */
  readonly consultationClinicians: ReadonlyMap<string, string>;
  /** Practitioner reference for an SDS user id (every clinician the record names is in the record). */
  practitioner(sdsUserId: string): fhir4.Reference;
}

export function reference(type: string, id: string): fhir4.Reference {
  return { reference: `${type}/${id}` };
}

/** The Encounter an item was recorded in, when that consultation is in the record. */
export function encounterOf(ctx: MappingContext, consultationId: string | undefined): fhir4.Reference | undefined {
  return consultationId !== undefined && ctx.consultationIds.has(consultationId)
    ? reference('Encounter', consultationId)
    : undefined;
}

/**
 * A native code as a coding: an item's own code (Read v2, or the practice's local scheme) or a code it arrived with,
 * in any scheme (see {@link systemOfScheme}).
 */
export function coding(ctx: MappingContext, code: NativeCode | NativeOriginalCode): fhir4.Coding {
  const system = systemOfScheme(code['@scheme'], ctx.ods);
  return {
    ...(system ? { system } : {}),
    code: code['@code'],
    ...(code['@term'] ? { display: code['@term'] } : {}),
  };
}

/**
 * The item's code with the text as the clinician recorded it (falling back to the code's term), then the codes a
 * transfer-degraded item arrived with: they say what the item is (a SNOMED CT one, or one that maps, means it is
 * not degraded at all, though the system could only file it under its transfer-degraded code).
 */
export function concept(ctx: MappingContext, item: NativeCoded): fhir4.CodeableConcept {
  const text = item.Term || item.Code['@term'];
  const codings = [coding(ctx, item.Code), ...item.OriginalCode.map((c) => coding(ctx, c))];
  const unique = codings.filter((c, i) => codings.findIndex((d) => d.system === c.system && d.code === c.code) === i);
  return { coding: unique, ...(text ? { text } : {}) };
}

/** `meta.security` NOPAT for confidential items: marked here, removed (or not) by the access chain. */
export function metaFor(confidential: boolean): { meta?: fhir4.Meta } {
  return confidential ? { meta: { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] } } : {};
}

// Quantities are built the same way by every adapter.
export { quantity, UCUM_SYSTEM as UCUM } from '@lloyd/adapters-core';

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' });

function londonOffsetMinutes(at: number): number {
  const name = LONDON.formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{1,2})(?::(\d{2}))?/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The system records consultation times as UK local time to the minute; FHIR needs seconds and an offset once a
 * time is given, so the local time gets the offset in force in the UK then (GMT or BST).
 */
export function ukLocalDateTime(local: string): string {
  const offset = londonOffsetMinutes(Date.parse(`${local}:00Z`));
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}:00${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Drops undefined properties, so mapped resources carry no empty keys. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
