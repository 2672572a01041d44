/**
 * Reads the P10001 system's `<Patient>` element and maps it to a FHIR R4 Patient with the flags the access chain
 * needs. The reader is lenient about elements it does not know (a vendor may add some) and strict about the ones
 * Lloyd relies on: a missing consent statement is an error, never "no dissent".
 */
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';
import { z } from 'zod';
import { clinicianReference, compact, practiceReference, type SupplierPatient } from '@lloyd/adapters-core';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
/** A text element, parsed as a plain string, or as an object when it carries attributes. */
const nativeAddress = z.object({
  Line: z.array(z.string()).default([]),
  Town: z.string().optional(),
  Postcode: z.string().optional(),
});

const textWithAttributes = z.union([
  z.string().transform((text) => ({ text, use: undefined as string | undefined })),
  z
    .object({ '#text': z.string().default(''), '@use': z.string().optional() })
    .transform((o) => ({ text: o['#text'], use: o['@use'] })),
]);

const NativePatient = z.object({
  '@nhsNumber': z.string().regex(/^\d{10}$/),
  '@id': z.string().min(1),
  Demographics: z.object({
    Name: z.object({
      Title: z.string().optional(),
      Given: z.array(z.string()).default([]),
      Family: z.string().min(1),
    }),
    Sex: z.enum(['M', 'F', 'I', 'U']),
    DateOfBirth: date,
    DateOfDeath: date.optional(),
    Address: nativeAddress.optional(),
    Telephone: z.array(textWithAttributes).default([]),
  }),
  Registration: z.object({
    '@status': z.enum(['active', 'inactive']),
    Practice: z.object({
      '@ods': z.string().min(1),
      '@name': z.string().optional(),
      Address: nativeAddress.optional(),
      Telephone: z.array(textWithAttributes).default([]),
    }),
    UsualGP: z
      .object({
        '@sdsUserId': z.string().min(1),
        '@title': z.string().optional(),
        '@given': z.string().optional(),
        '@family': z.string().optional(),
      })
      .optional(),
  }),
  Consent: z.object({ '@dissent': bool }),
  Flags: z.object({ '@sensitive': bool }),
});

export type NativePatient = z.infer<typeof NativePatient>;

const GENDER: Record<NativePatient['Demographics']['Sex'], NonNullable<fhir4.Patient['gender']>> = {
  M: 'male',
  F: 'female',
  I: 'other',
  U: 'unknown',
};

const TELECOM_USE = new Set(['home', 'work', 'temp', 'old', 'mobile']);

/** A native address as FHIR (`use` home for a patient, work for a practice). */
export function toAddress(a: z.infer<typeof nativeAddress>, use: 'home' | 'work'): fhir4.Address {
  return compact({ use, line: a.Line.filter(Boolean), city: a.Town || undefined, postalCode: a.Postcode || undefined });
}

/** Validates one parsed `<Patient>`; the error text names the first offending path (no patient data). */
export function readNativePatient(
  element: unknown,
): { ok: true; patient: NativePatient } | { ok: false; reason: string } {
  const result = NativePatient.safeParse(element);
  if (result.success) return { ok: true, patient: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `Patient ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

export function toSupplierPatient(native: NativePatient): SupplierPatient {
  const d = native.Demographics;
  const registration = native.Registration;
  const practiceRef = practiceReference(registration.Practice['@ods'], registration.Practice['@name']);
  const gp = registration.UsualGP;
  const gpRef = gp ? clinicianReference(gp['@sdsUserId'], [gp['@title'], gp['@given'], gp['@family']]) : undefined;

  const patient: fhir4.Patient = compact({
    resourceType: 'Patient' as const,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: native['@nhsNumber'] }],
    active: registration['@status'] === 'active',
    name: [
      compact({
        use: 'official' as const,
        family: d.Name.Family,
        given: d.Name.Given.filter(Boolean),
        prefix: d.Name.Title ? [d.Name.Title] : undefined,
      }),
    ],
    telecom: d.Telephone.filter((t) => t.text).map((t) =>
      compact({
        system: 'phone' as const,
        value: t.text,
        use: TELECOM_USE.has(t.use ?? '') ? (t.use as fhir4.ContactPoint['use']) : undefined,
      }),
    ),
    gender: GENDER[d.Sex],
    birthDate: d.DateOfBirth,
    deceasedDateTime: d.DateOfDeath,
    address: d.Address ? [toAddress(d.Address, 'home')] : undefined,
    generalPractitioner: gpRef ? [gpRef, practiceRef] : [practiceRef],
    managingOrganization: practiceRef,
  });

  const deceased = d.DateOfDeath !== undefined;
  return {
    patient,
    sourceId: native['@id'],
    flags: {
      dissent: native.Consent['@dissent'],
      sensitive: native.Flags['@sensitive'],
      deceased,
      active: registration['@status'] === 'active' && !deceased,
    },
  };
}
