/**
 * Reads the GP2GP system's patient summary (`GET /gp2gp/patients/{nhs}/summary`), its "PDS-like" lookup: GP2GP
 * itself has no demographics query. The reader is lenient about elements it does not know and strict about what
 * Lloyd relies on: a summary without a consent or confidentiality statement is an error, never "no dissent".
 */
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { clinicianReference, compact, practiceReference, type SupplierPatient } from '@lloyd/adapters-core';

const REPEATING = new Set(['given', 'prefix', 'streetAddressLine', 'telecom']);

// DTDs are refused before parsing, so only XML's predefined entities are ever expanded; nesting is capped.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: { enabled: true, maxEntityCount: 1, maxTotalExpansions: 10_000, maxExpandedLength: 100_000 },
  maxNestedTags: 16,
  isArray: (name) => REPEATING.has(name),
  jPath: false,
});

const ts = z.string().regex(/^\d{8}/, 'expected an HL7 date (YYYYMMDD…)');
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const text = z.union([z.string(), z.object({ '#text': z.string() }).transform((o) => o['#text'])]);

const Summary = z.object({
  '@nhsNumber': z.string().regex(/^\d{10}$/),
  '@sourceId': z.string().min(1),
  name: z.object({
    prefix: z.array(text).default([]),
    given: z.array(text).default([]),
    family: text,
  }),
  administrativeGenderCode: z.object({ '@code': z.enum(['0', '1', '2', '9']) }),
  birthTime: z.object({ '@value': ts }),
  deceasedTime: z.object({ '@value': ts }).optional(),
  addr: z
    .object({
      streetAddressLine: z.array(text).default([]),
      city: text.optional(),
      postalCode: text.optional(),
    })
    .optional(),
  telecom: z.array(z.object({ '@value': z.string(), '@use': z.string().optional() })).default([]),
  registration: z.object({
    '@status': z.enum(['active', 'inactive']),
    practice: z.object({ '@ods': z.string().min(1), '@name': z.string().optional() }),
    usualGp: z
      .object({
        '@sdsUserId': z.string().min(1),
        '@prefix': z.string().optional(),
        '@given': z.string().optional(),
        '@family': z.string().optional(),
      })
      .optional(),
  }),
  consent: z.object({ '@dissent': bool }),
  confidentiality: z.object({ '@sensitive': bool }),
});

type Summary = z.infer<typeof Summary>;

const GENDER: Record<Summary['administrativeGenderCode']['@code'], NonNullable<fhir4.Patient['gender']>> = {
  '1': 'male',
  '2': 'female',
  '9': 'other',
  '0': 'unknown',
};

const TELECOM_USE: Record<string, fhir4.ContactPoint['use']> = { HP: 'home', H: 'home', WP: 'work', MC: 'mobile' };

/** `YYYYMMDD…` → `YYYY-MM-DD`. */
function fhirDate(value: string): string {
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
}

export type SummaryResult = { ok: true; patient: SupplierPatient } | { ok: false; reason: string };

/** Parses and maps one summary document; the reason of a failure names the offending path (no patient data). */
export function readSummary(xml: string): SummaryResult {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'document type declarations are not accepted' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, reason: `malformed XML at line ${valid.err.line}: ${valid.err.msg}` };
  let document: Record<string, unknown>;
  try {
    document = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    return { ok: false, reason: `unparseable XML: ${(err as Error).message}` };
  }
  const result = Summary.safeParse(document['PatientSummary']);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `PatientSummary ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, patient: toSupplierPatient(result.data) };
}

function toSupplierPatient(s: Summary): SupplierPatient {
  const registration = s.registration;
  const practiceRef = practiceReference(registration.practice['@ods'], registration.practice['@name']);
  const gp = registration.usualGp;
  const gpRef = gp ? clinicianReference(gp['@sdsUserId'], [gp['@prefix'], gp['@given'], gp['@family']]) : undefined;
  const deceased = s.deceasedTime ? fhirDate(s.deceasedTime['@value']) : undefined;
  const active = registration['@status'] === 'active';

  const patient: fhir4.Patient = compact({
    resourceType: 'Patient' as const,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: s['@nhsNumber'] }],
    active,
    name: [
      compact({
        use: 'official' as const,
        family: s.name.family,
        given: s.name.given.filter(Boolean),
        prefix: s.name.prefix.filter(Boolean),
      }),
    ],
    telecom: s.telecom
      .filter((t) => t['@value'].replace(/^tel:/, ''))
      .map((t) =>
        compact({
          system: 'phone' as const,
          value: t['@value'].replace(/^tel:/, ''),
          use: TELECOM_USE[t['@use'] ?? ''],
        }),
      ),
    gender: GENDER[s.administrativeGenderCode['@code']],
    birthDate: fhirDate(s.birthTime['@value']),
    deceasedDateTime: deceased,
    address: s.addr
      ? [
          compact({
            use: 'home' as const,
            line: s.addr.streetAddressLine.filter(Boolean),
            city: s.addr.city || undefined,
            postalCode: s.addr.postalCode || undefined,
          }),
        ]
      : undefined,
    generalPractitioner: gpRef ? [gpRef, practiceRef] : [practiceRef],
    managingOrganization: practiceRef,
  });

  return {
    patient,
    sourceId: s['@sourceId'],
    flags: {
      dissent: s.consent['@dissent'],
      sensitive: s.confidentiality['@sensitive'],
      deceased: deceased !== undefined,
      active: active && deceased === undefined,
    },
  };
}
