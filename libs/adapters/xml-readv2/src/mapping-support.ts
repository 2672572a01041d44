import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, LLOYD_FHIR_BASE } from '@lloyd/adapters-core';
import type { NativeCode } from './record-schema.js';

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

/** The native code as a coding: Read v2, or the practice's local scheme. */
export function coding(ctx: MappingContext, code: NativeCode): fhir4.Coding {
  return {
    system: code['@scheme'] === 'READ2' ? CODE_SYSTEMS.readv2 : `${CODE_SYSTEMS.localPrefix}${ctx.ods}`,
    code: code['@code'],
    ...(code['@term'] ? { display: code['@term'] } : {}),
  };
}

/** The item's code with the text as the clinician recorded it (falling back to the code's term). */
export function concept(ctx: MappingContext, code: NativeCode, term: string | undefined): fhir4.CodeableConcept {
  const text = term || code['@term'];
  return { coding: [coding(ctx, code)], ...(text ? { text } : {}) };
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
