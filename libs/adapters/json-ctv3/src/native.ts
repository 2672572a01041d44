/**
 * The JSON/CTV3 vendor API as the adapter expects it, checked with zod before anything is mapped: a changed or
 * broken answer becomes a protocol error naming the offending path, never a crash or a silently wrong record.
 * Members the adapter does not use are ignored (a vendor may add some); members it relies on are required, and
 * clinical entries of a type it does not know are refused rather than dropped.
 */
import { z } from 'zod';

const text = z.string().min(1);
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected YYYY-MM-DD');

const DATE_PATTERNS = {
  year: /^\d{4}$/,
  month: /^\d{4}-(0[1-9]|1[0-2])$/,
  day: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  // A time without its offset cannot be placed on the timeline, so it is refused rather than guessed.
  minute:
    /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
} as const;

/** `{ value, precision }`; the value must have exactly the stated precision. */
export const VendorDate = z
  .object({ value: z.string(), precision: z.enum(['year', 'month', 'day', 'minute']) })
  .refine((d) => DATE_PATTERNS[d.precision].test(d.value), {
    message: 'date value does not match its precision (or a time has no offset)',
  });
export type VendorDate = z.infer<typeof VendorDate>;

export const ReadCode = z.object({ scheme: z.enum(['CTV3', 'LOCAL']), code: text, term: z.string() });
export type ReadCode = z.infer<typeof ReadCode>;

const UserRef = z.object({ userId: text });
const Amount = z.object({ value: z.number().finite(), units: z.string() });
const Privacy = z.enum(['normal', 'confidential']);

const Address = z.object({
  lines: z.array(z.string()).default([]),
  town: z.string().optional(),
  postcode: z.string().optional(),
});

export const StaffMember = z.object({
  userId: text,
  title: z.string().optional(),
  forenames: z.string().optional(),
  surname: z.string().optional(),
  jobRole: z.string().optional(),
});
export type StaffMember = z.infer<typeof StaffMember>;

export const NativePatient = z.object({
  patient: z.object({
    id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'expected an id of 1-64 letters, digits, "-" or "."'),
    nhsNumber: z.string().regex(/^\d{10}$/),
    name: z.object({
      title: z.string().optional(),
      forenames: z.array(z.string()).default([]),
      surname: text,
    }),
    sex: z.enum(['male', 'female', 'indeterminate', 'notKnown']),
    dateOfBirth: isoDate,
    dateOfDeath: isoDate.nullable().optional(),
    address: Address.optional(),
    contacts: z.array(z.object({ type: z.string(), value: z.string() })).default([]),
  }),
  registration: z.object({
    status: z.enum(['registered', 'deducted']),
    practice: z.object({ odsCode: text, name: z.string().optional() }),
    usualGp: StaffMember.optional(),
  }),
  // Never assumed: an answer without a consent statement is refused, not read as "no dissent".
  consent: z.object({ recordSharing: z.enum(['consented', 'dissented']) }),
  flags: z.object({ sensitive: z.boolean() }),
});
export type NativePatient = z.infer<typeof NativePatient>;

export const SearchResult = z.object({ total: z.number().int().min(0), results: z.array(z.unknown()) });

/**
 * The codes a transferred-in entry arrived with (FHIR codings: SNOMED CT, Read v2, another practice's local codes),
 * kept beside the code the system filed it under; a transfer-degraded entry's only real code is among them.
 */
export const OriginalCodes = z
  .array(z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() }))
  .optional();
export type OriginalCodes = z.infer<typeof OriginalCodes>;

const entryBase = {
  entryId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'expected an id of 1-64 letters, digits, "-" or "."'),
  readCode: ReadCode,
  originalCodes: OriginalCodes,
  text: z.string().optional(),
  date: VendorDate,
  privacyLevel: Privacy,
};

const AllergyEntry = z.object({
  ...entryBase,
  type: z.literal('allergy'),
  allergyType: z.enum(['drug', 'nonDrug']),
  status: z.enum(['active', 'resolved']),
  reactions: z
    .array(z.object({ description: z.string(), severity: z.enum(['mild', 'moderate', 'severe']).optional() }))
    .default([]),
  resolution: z.object({ date: VendorDate.optional(), reason: z.string().optional() }).optional(),
});

const MedicationEntry = z.object({
  ...entryBase,
  type: z.literal('medication'),
  prescriptionType: z.enum(['acute', 'repeat', 'repeatDispensing']),
  status: z.enum(['active', 'completed', 'discontinued']),
  dosage: z.string().optional(),
  quantity: Amount.optional(),
  prescriber: UserRef.optional(),
  endDate: VendorDate.optional(),
  maxIssues: z.number().int().min(0).optional(),
  issues: z
    .array(
      z.object({
        issueId: entryBase.entryId,
        date: VendorDate,
        quantity: Amount.optional(),
        durationDays: z.number().int().min(0).optional(),
      }),
    )
    .default([]),
});

const ProblemEntry = z.object({
  ...entryBase,
  type: z.literal('problem'),
  status: z.enum(['active', 'past']),
  significance: z.enum(['major', 'minor']),
  endDate: VendorDate.optional(),
  linked: z
    .object({ events: z.array(z.string()).default([]), entries: z.array(z.string()).default([]) })
    .default({ events: [], entries: [] }),
});

const ObservationEntry = z.object({
  ...entryBase,
  type: z.literal('observation'),
  value: Amount.optional(),
  comment: z.string().optional(),
});

const ImmunisationEntry = z.object({
  ...entryBase,
  type: z.literal('immunisation'),
  given: z.boolean(),
  reasonNotGiven: z.string().optional(),
  doseNumber: z.number().int().positive().optional(),
  batchNumber: z.string().optional(),
  site: z.string().optional(),
});

const InvestigationEntry = z.object({
  ...entryBase,
  type: z.literal('investigation'),
  status: z.enum(['registered', 'preliminary', 'final', 'amended', 'cancelled']),
  laboratory: z.string().optional(),
  comment: z.string().optional(),
  results: z.array(
    z.object({
      resultId: entryBase.entryId,
      readCode: ReadCode,
      originalCodes: OriginalCodes,
      text: z.string().optional(),
      value: Amount.optional(),
      range: z
        .object({ low: z.number().optional(), high: z.number().optional(), units: z.string().optional() })
        .optional(),
      abnormalFlag: z.enum(['N', 'L', 'H', 'LL', 'HH', 'A']).optional(),
    }),
  ),
});

const ReferralEntry = z.object({
  ...entryBase,
  type: z.literal('referral'),
  specialty: z.string().optional(),
  urgency: z.enum(['routine', 'urgent', 'twoWeekWait']),
  status: z.enum(['draft', 'sent', 'completed', 'cancelled']),
  reason: z.string().optional(),
  recipient: z.object({ name: z.string() }).optional(),
});

const AttachmentEntry = z.object({
  ...entryBase,
  type: z.literal('attachment'),
  title: z.string().optional(),
  mimeType: text,
  sizeBytes: z.number().int().min(0).optional(),
  href: z.string().optional(),
  author: UserRef.optional(),
});

export const JournalEntry = z.discriminatedUnion('type', [
  AllergyEntry,
  MedicationEntry,
  ProblemEntry,
  ObservationEntry,
  ImmunisationEntry,
  InvestigationEntry,
  ReferralEntry,
  AttachmentEntry,
]);
export type JournalEntry = z.infer<typeof JournalEntry>;
export type EntryOf<T extends JournalEntry['type']> = Extract<JournalEntry, { type: T }>;

export const JournalEvent = z.object({
  eventId: entryBase.entryId,
  eventType: z.enum(['consultation', 'dataEntry']),
  date: VendorDate,
  consultationType: z.string().optional(),
  clinician: UserRef.optional(),
  location: z.string().optional(),
  narrative: z.string().optional(),
  privacyLevel: Privacy.default('normal'),
  entries: z.array(JournalEntry).default([]),
});
export type JournalEvent = z.infer<typeof JournalEvent>;

export const JournalPage = z.object({
  patientId: text,
  nhsNumber: z.string(),
  codeScheme: z.literal('CTV3'),
  practice: z.object({
    odsCode: text,
    name: z.string().optional(),
    address: Address.optional(),
    telephone: z.string().optional(),
  }),
  staff: z.array(StaffMember).default([]),
  events: z.array(JournalEvent),
  next: z.string().min(1).nullable(),
});
export type JournalPage = z.infer<typeof JournalPage>;

/** Validates `value`; the failure names the first offending path (never patient data). */
export function parseNative<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): { ok: true; value: T } | { ok: false; reason: string } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') || '(root)';
  return { ok: false, reason: `${what} ${path}: ${issue?.message ?? 'invalid'}` };
}
