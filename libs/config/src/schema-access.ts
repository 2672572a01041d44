import { z } from 'zod';
import { accessBlockProblems } from './access-block.js';

/** The clinical areas of a GP record that sharing can be granted or withheld for (GP Connect's sections, plus documents). */
export const recordSections = [
  'allergies',
  'medications',
  'problems',
  'consultations',
  'immunisations',
  'investigations',
  'referrals',
  'uncategorised',
  'documents',
] as const;
export type RecordSection = (typeof recordSections)[number];

const odsCode = z.string().regex(/^[A-Z0-9]{3,10}$/, 'must be an ODS code (3-10 upper-case letters or digits)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

export const practiceSettingsSchema = z.strictObject({
  ods: odsCode,
  /** Whether the practice shares its records through Lloyd at all (practice opt-in). */
  enabled: z.boolean().default(true),
  /** Clinical areas switched off at this practice: requests get a NOT_IMPLEMENTED warning for them. */
  disabledSections: z.array(z.enum(recordSections)).default([]),
  /** GP2GP: integrate transfers into this practice automatically when nothing is degraded or missing. */
  autoIntegrate: z.boolean().default(false),
});

export const sharingAgreementSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1-64 letters, digits or hyphens'),
    description: z.string().default(''),
    /** The data-controller practices (ODS codes) whose records the agreement shares. */
    dataControllers: z.array(odsCode).min(1),
    /** Who may see them: a named organisation, or every organisation of a type. */
    consumer: z.union([z.strictObject({ ods: odsCode }), z.strictObject({ organisationType: z.string().min(1) })]),
    sections: z.array(z.enum(recordSections)).min(1),
    validFrom: isoDate,
    validTo: isoDate.optional(),
    emergencyAccess: z.boolean().default(false),
  })
  .refine((a) => !a.validTo || a.validTo >= a.validFrom, {
    message: 'validTo must not be before validFrom',
    path: ['validTo'],
  });

export const accessSchema = z
  .strictObject({
    practices: z.array(practiceSettingsSchema).default([]),
    agreements: z.array(sharingAgreementSchema).default([]),
    /** ODS code → organisation type, for agreements that name a consumer type. */
    organisationTypes: z.record(z.string(), z.string()).default({}),
    rateLimits: z
      .strictObject({
        windowSeconds: z.number().int().positive().default(60),
        defaultLimit: z.number().int().positive().default(1200),
        perOrganisation: z.record(z.string(), z.number().int().positive()).default({}),
      })
      .prefault({}),
    maxCount: z.number().int().positive().default(100),
    /** The largest document served by `GET /fhir/Binary/{id}` (GP Connect Access Document allows 5 MB). */
    maxDocumentBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    /**
     * Sensitive data categories (sexual health, HIV, fertility, gender identity and similar) → the SNOMED CT
     * concepts whose items are never shared, like confidential ones. Items are matched on their code's SNOMED
     * codings, including those added by translation from Read v2 and CTV3. A reference set is a list of members, so
     * a category lists every concept it covers; there is no subsumption.
     */
    sensitiveCodes: z
      .record(
        z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be a category name in lower case (letters, digits, hyphens)'),
        z.array(z.string().regex(/^\d{6,18}$/, 'must be a SNOMED CT concept id')),
      )
      .default({}),
  })
  // The rules the admin API applies to each change hold for the whole block too, so start-up refuses what it would.
  .superRefine((access, ctx) => {
    for (const { path, message } of accessBlockProblems(access)) ctx.addIssue({ code: 'custom', path, message });
  })
  .prefault({});

export type PracticeSettings = z.infer<typeof practiceSettingsSchema>;
export type SharingAgreement = z.infer<typeof sharingAgreementSchema>;
export type AccessConfig = z.infer<typeof accessSchema>;
