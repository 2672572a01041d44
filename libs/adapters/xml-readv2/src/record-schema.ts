/**
 * The `<ClinicalRecord>` answer of `GET /patients/{nhsNumber}/record`, as fast-xml-parser gives it (attributes
 * prefixed `@`, repeating elements as arrays, values as strings), validated before anything is mapped: an answer
 * that does not fit is a protocol error, never a silently thinner record.
 */
import { z } from 'zod';

const partialDate = z.string().regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, 'expected YYYY[-MM[-DD]]');
const fullDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'expected YYYY-MM-DDTHH:mm');
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
  .transform(Number);
const count = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);
/** Source ids become FHIR ids, so they must already be valid ones. */
const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'expected an id of up to 64 letters, digits, - or .');
/** A text element; absent or empty means none. */
const text = z.string().optional();

/** A section element: empty (`<Allergies/>` parses as '') or holding its repeated items. */
function section<K extends string, T extends z.ZodType>(item: K, schema: T) {
  return z.preprocess(
    (v) => (v === '' || v === undefined ? {} : v),
    z.object({ [item]: z.array(schema).default([]) } as Record<K, z.ZodDefault<z.ZodArray<T>>>),
  );
}

const Code = z.object({
  '@scheme': z.enum(['READ2', 'LOCAL']),
  '@code': z.string().min(1),
  '@term': z.string().default(''),
});
export type NativeCode = z.infer<typeof Code>;

/**
 * The code a transfer-degraded item arrived with, beside the code the system filed it under (GP2GP asks a receiving
 * system to keep it): any scheme the sender used (`SNOMED`, `CTV3`, `READ2`, `LOCAL-<ODS>`, …).
 */
const OriginalCode = z.object({
  '@scheme': z.string().min(1),
  '@code': z.string().min(1),
  '@term': z.string().default(''),
});
export type NativeOriginalCode = z.infer<typeof OriginalCode>;

/** What a coded item carries: its code, the original ones it arrived with, and the text as recorded. */
export interface NativeCoded {
  Code: NativeCode;
  OriginalCode: NativeOriginalCode[];
  Term?: string | undefined;
}

const Clinician = z.object({
  '@sdsUserId': z.string().min(1),
  '@title': z.string().optional(),
  '@given': z.string().optional(),
  '@family': z.string().optional(),
  '@role': z.string().optional(),
});
export type NativeClinician = z.infer<typeof Clinician>;

const itemAttributes = {
  '@id': id,
  '@date': partialDate,
  '@confidential': bool,
  '@consultation': id.optional(),
  Code,
  OriginalCode: z.array(OriginalCode).default([]),
  Term: text,
};

const Allergy = z.object({
  ...itemAttributes,
  '@category': z.enum(['drug', 'non-drug']),
  '@status': z.enum(['active', 'resolved']),
  Reaction: z
    .union([
      z.string().transform((t) => ({ '#text': t, '@severity': undefined })),
      z.object({ '#text': z.string().default(''), '@severity': z.enum(['mild', 'moderate', 'severe']).optional() }),
    ])
    .optional(),
  Ended: z
    .union([z.literal(''), z.object({ '@date': partialDate.optional(), '@reason': z.string().optional() })])
    .optional(),
});

const Problem = z.object({
  ...itemAttributes,
  '@status': z.enum(['active', 'inactive']),
  '@significance': z.enum(['major', 'minor']),
  '@endDate': partialDate.optional(),
  Link: z.array(z.object({ '@type': z.enum(['consultation', 'item']), '@ref': id })).default([]),
});

const Quantity = z.object({ '@value': decimal, '@unit': z.string().default('') });

const Medication = z.object({
  ...itemAttributes,
  '@type': z.enum(['acute', 'repeat']),
  '@status': z.enum(['active', 'completed', 'stopped']),
  '@endDate': partialDate.optional(),
  '@maxIssues': count.optional(),
  Dosage: text,
  Quantity: Quantity.optional(),
  Prescriber: Clinician.optional(),
  Issue: z
    .array(
      z.object({
        '@id': id,
        '@date': fullDate,
        '@quantity': decimal,
        '@unit': z.string().default(''),
        '@days': count.optional(),
      }),
    )
    .default([]),
});

const Consultation = z.object({
  '@id': id,
  '@date': localDateTime,
  '@type': z.string().min(1),
  '@confidential': bool,
  Clinician: Clinician.optional(),
  Location: text,
  Narrative: text,
  Entry: z.array(z.object({ '@ref': id })).default([]),
});

const Observation = z.object({
  ...itemAttributes,
  Value: Quantity.optional(),
  Comment: text,
});

const Immunisation = z.object({
  ...itemAttributes,
  '@given': bool,
  '@sequence': count.optional(),
  NotGivenReason: text,
  Batch: text,
  Site: text,
});

const Result = z.object({
  '@id': id,
  '@interpretation': z.enum(['normal', 'low', 'high']).optional(),
  Code,
  OriginalCode: z.array(OriginalCode).default([]),
  Term: text,
  Value: Quantity.optional(),
  Range: z
    .object({ '@low': decimal.optional(), '@high': decimal.optional(), '@unit': z.string().optional() })
    .optional(),
});

const TestResult = z.object({
  ...itemAttributes,
  '@status': z.enum(['final', 'preliminary', 'amended']).default('final'),
  Laboratory: text,
  Result: z.array(Result).default([]),
  FilingComment: text,
});

const Referral = z.object({
  ...itemAttributes,
  '@priority': z.enum(['routine', 'urgent', 'two-week-wait']),
  '@status': z.enum(['sent', 'completed']),
  '@specialty': z.string().optional(),
  Reason: text,
  Recipient: text,
});

const Document = z.object({
  ...itemAttributes,
  '@contentType': z.string().min(1),
  '@size': count.optional(),
  Title: text,
  Author: Clinician.optional(),
});

export const NativeRecord = z.object({
  '@nhsNumber': z.string().regex(/^\d{10}$/),
  '@patientId': z.string().min(1),
  '@practice': z.string().min(1),
  Allergies: section('Allergy', Allergy),
  Problems: section('Problem', Problem),
  Medications: section('Medication', Medication),
  Consultations: section('Consultation', Consultation),
  Observations: section('Observation', Observation),
  Immunisations: section('Immunisation', Immunisation),
  TestResults: section('TestResult', TestResult),
  Referrals: section('Referral', Referral),
  Documents: section('Document', Document),
});

export type NativeRecord = z.infer<typeof NativeRecord>;
export type NativeAllergy = z.infer<typeof Allergy>;
export type NativeProblem = z.infer<typeof Problem>;
export type NativeMedication = z.infer<typeof Medication>;
export type NativeConsultation = z.infer<typeof Consultation>;
export type NativeObservation = z.infer<typeof Observation>;
export type NativeImmunisation = z.infer<typeof Immunisation>;
export type NativeTestResult = z.infer<typeof TestResult>;
export type NativeReferral = z.infer<typeof Referral>;
export type NativeDocument = z.infer<typeof Document>;

/** Validates a parsed `<ClinicalRecord>`; the error names the first offending path (no patient data). */
export function readNativeRecord(element: unknown): { ok: true; record: NativeRecord } | { ok: false; reason: string } {
  const result = NativeRecord.safeParse(element);
  if (result.success) return { ok: true, record: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `ClinicalRecord ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}
