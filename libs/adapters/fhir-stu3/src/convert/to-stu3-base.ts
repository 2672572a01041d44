import { compact } from '@lloyd/adapters-core';
/**
 * R4 → STU3 building blocks: the reverse of the generic datatype conversion (HL7 code systems moved back under
 * `http://hl7.org/fhir/…`), the GP Connect / Care Connect extension URLs a GP Connect provider expects, and the
 * resource header. Used to deliver a canonical record to a GP Connect-style provider (GP2GP import).
 */
import { EXTENSIONS } from '@lloyd/adapters-core';

export type Json = Record<string, unknown>;

const THO = 'http://terminology.hl7.org/CodeSystem/';

/** R4 renamed a few HL7 code systems; STU3 knows them by their old names. */
const STU3_NAMES: Readonly<Record<string, string>> = {
  'medicationrequest-category': 'medication-request-category',
};

const GPC = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const CARE_CONNECT = 'https://fhir.hl7.org.uk/STU3/StructureDefinition';

/** The GP Connect / Care Connect extensions the reverse conversion writes (the forward one reads any version). */
export const STU3_EXT = {
  prescriptionType: `${GPC}/Extension-CareConnect-GPC-PrescriptionType-1`,
  repeatInformation: `${GPC}/Extension-CareConnect-GPC-MedicationRepeatInformation-1`,
  statusReason: `${GPC}/Extension-CareConnect-GPC-MedicationStatusReason-1`,
  allergyEnd: `${GPC}/Extension-CareConnect-GPC-AllergyIntoleranceEnd-1`,
  problemSignificance: `${CARE_CONNECT}/Extension-CareConnect-ProblemSignificance-1`,
  relatedClinicalContent: `${CARE_CONNECT}/Extension-CareConnect-RelatedClinicalContent-1`,
  actualProblem: `${CARE_CONNECT}/Extension-CareConnect-ActualProblem-1`,
  relatedProblemHeader: `${CARE_CONNECT}/Extension-CareConnect-RelatedProblemHeader-1`,
  dateRecorded: `${CARE_CONNECT}/Extension-CareConnect-DateRecorded-1`,
  associatedEncounter: 'http://hl7.org/fhir/StructureDefinition/encounter-associatedEncounter',
} as const;

export const PRESCRIPTION_TYPE_SYSTEM = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescriptionType-1';

/** An R4 code system URI as STU3 spells it (non-HL7 systems – SNOMED CT, Read, NHS, supplier – unchanged). */
export function stu3CodeSystem(system: string): string {
  if (!system.startsWith(THO)) return system;
  const name = system.slice(THO.length);
  const v2 = /^v2-(\d{4})$/.exec(name);
  if (v2) return `http://hl7.org/fhir/v2/${v2[1]}`;
  const v3 = /^v3-([A-Za-z]+)$/.exec(name);
  if (v3) return `http://hl7.org/fhir/v3/${v3[1]}`;
  return `http://hl7.org/fhir/${STU3_NAMES[name] ?? name}`;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Converts an R4 datatype value to STU3: HL7 code systems renamed back, Lloyd's degraded-code marker dropped (the
 * receiving system marks degraded entries its own way). Everything else is the same in both versions.
 */
export function toStu3Value(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(toStu3Value).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'extension' && Array.isArray(v)) {
      const kept = v.filter((e) => !(isObject(e) && e['url'] === EXTENSIONS.degradedCode));
      if (kept.length > 0) out[key] = toStu3Value(kept);
    } else if (key === 'system' && typeof v === 'string' && 'code' in value) {
      out[key] = stu3CodeSystem(v);
    } else {
      const converted = toStu3Value(v);
      if (converted !== undefined) out[key] = converted;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The first code of a CodeableConcept (R4 status concepts became plain codes again in STU3). */
export function codeOf(concept: fhir4.CodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((c) => typeof c.code === 'string')?.code;
}

export { compact };

/**
 * The elements every resource has (id, meta with its security labels, narrative, language), plus the resource's
 * extensions that the conversion does not map itself (`mapped` URLs are left for the caller).
 */
export function stu3Header(resource: fhir4.DomainResource, resourceType: string, mapped: readonly string[] = []): Json {
  const meta = resource.meta ? (toStu3Value({ ...resource.meta, profile: undefined }) as Json | undefined) : undefined;
  const extensions = (resource.extension ?? []).filter((e) => !mapped.includes(e.url));
  return compact({
    resourceType,
    id: resource.id,
    meta,
    text: toStu3Value(resource.text),
    language: resource.language,
    extension: toStu3Value(extensions),
  });
}

/** Every R4 element not named in `handled` or in the header, converted generically. */
export function rest(resource: object, handled: readonly string[]): Json {
  const skip = new Set(['resourceType', 'id', 'meta', 'text', 'language', 'extension', ...handled]);
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (skip.has(key)) continue;
    const converted = toStu3Value(value);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

/** R4 `doseAndRate` folded back into STU3's dose and rate elements. */
export function toStu3Dosage(dosage: fhir4.Dosage): Json {
  const { doseAndRate, ...others } = dosage;
  const first = doseAndRate?.[0];
  return compact({
    ...((toStu3Value(others) as Json | undefined) ?? {}),
    ...((toStu3Value(first ? { ...first, type: undefined } : undefined) as Json | undefined) ?? {}),
  });
}

/** R4 `requester` (a Reference) → STU3 `requester: { agent }`. */
export function toStu3Requester(requester: fhir4.Reference | undefined): Json | undefined {
  return requester ? { agent: toStu3Value(requester) } : undefined;
}
