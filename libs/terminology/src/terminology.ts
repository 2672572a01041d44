import { CODE_SYSTEMS, EXTENSIONS, LLOYD_FHIR_BASE, type CanonicalRecord } from '@lloyd/adapters-core';
import { layerMaps, readV2Key, sampleMaps, type SnomedTarget, type TerminologyMaps } from './code-maps.js';
import { loadNationalMaps } from './national-release.js';

/** What happened to one coded element. */
export type ConceptOutcome =
  /** It already had a SNOMED CT coding: left as it was. */
  | 'snomed'
  /** A Read v2 or CTV3 coding mapped: a SNOMED CT coding was added after the original ones. */
  | 'mapped'
  /** Nothing mapped: kept as it was, marked with the degraded-code extension. */
  | 'degraded'
  /** No coding at all (text only): nothing to translate, left as it was. */
  | 'uncoded';

export interface NormalisedRecord {
  /** The record with SNOMED CT codings added and degraded items marked; untouched resources are the same objects. */
  readonly record: CanonicalRecord;
  /** Resources carrying the degraded-code extension (untranslatable codes, kept and marked, never dropped). */
  readonly degraded: number;
  /** Resources that had a SNOMED CT coding added by this call. */
  readonly mapped: number;
}

interface ResourceResult {
  readonly resource: fhir4.Resource;
  readonly mapped: boolean;
}

/** Where clinical resources keep the codes that name them (`many`: an array of CodeableConcepts). */
const CODED_ELEMENTS: Readonly<Record<string, readonly { readonly key: string; readonly many?: true }[]>> = {
  AllergyIntolerance: [{ key: 'code' }],
  Condition: [{ key: 'code' }],
  Procedure: [{ key: 'code' }],
  Medication: [{ key: 'code' }],
  MedicationStatement: [{ key: 'medicationCodeableConcept' }],
  MedicationRequest: [{ key: 'medicationCodeableConcept' }],
  Observation: [{ key: 'code' }],
  Immunization: [{ key: 'vaccineCode' }],
  DiagnosticReport: [{ key: 'code' }],
  ServiceRequest: [{ key: 'code' }],
  Encounter: [{ key: 'type', many: true }],
  DocumentReference: [{ key: 'type' }],
};

type Mutable = Record<string, unknown>;

function hasExtension(element: { extension?: fhir4.Extension[] }, url: string): boolean {
  return element.extension?.some((e) => e.url === url) ?? false;
}

/** True when the resource carries codes that could not be translated to SNOMED CT (kept, and marked so). */
export function isDegraded(resource: fhir4.Resource): boolean {
  return hasExtension(resource as fhir4.DomainResource, EXTENSIONS.degradedCode);
}

/** Where Lloyd's own warning codes live (codes GP Connect's Spine error system has no place for). */
export const RECORD_WARNING_SYSTEM = `${LLOYD_FHIR_BASE}/CodeSystem/record-warning`;

/**
 * The warning an answer carries when it holds items whose codes could not be translated to SNOMED CT: how many, and
 * that they are there with their original codes and text, each marked with the degraded-code extension.
 */
export function degradedItemsIssue(count: number): fhir4.OperationOutcomeIssue {
  return {
    severity: 'warning',
    code: 'informational',
    details: {
      coding: [{ system: RECORD_WARNING_SYSTEM, code: 'degraded-codes', display: 'Untranslated codes' }],
    },
    diagnostics:
      `${count} record item(s) carry codes that could not be translated to SNOMED CT; they are included with their ` +
      'original codes and text, marked degraded.',
  };
}

/**
 * Translates supplier codes to SNOMED CT for the whole canonical record, centrally for every adapter: a Read v2 or
 * CTV3 coding with a map gets a SNOMED CT coding added (the original kept first); a code without a map is degraded,
 * never dropped (see README.md for the markers).
 */
export class Terminology {
  constructor(private readonly maps: TerminologyMaps) {}

  /** A Terminology with the built-in sample maps only. */
  static sample(): Terminology {
    return new Terminology(sampleMaps());
  }

  /** The SNOMED CT target of a Read v2 or CTV3 coding, if mapped. */
  lookup(coding: fhir4.Coding): SnomedTarget | undefined {
    if (!coding.code) return undefined;
    if (coding.system === CODE_SYSTEMS.readv2) return this.maps.readv2.get(readV2Key(coding.code));
    if (coding.system === CODE_SYSTEMS.ctv3) return this.maps.ctv3.get(coding.code);
    return undefined;
  }

  /**
   * The SNOMED CT coding for a Read v2 or CTV3 coding. Its display is the map's term; the national map files carry
   * none, and there the source term is used, because the map matched it to a SNOMED CT description of that text.
   */
  snomedCoding(coding: fhir4.Coding): fhir4.Coding | undefined {
    const target = this.lookup(coding);
    if (!target) return undefined;
    const display = target.display ?? coding.display;
    return { system: CODE_SYSTEMS.snomed, code: target.conceptId, ...(display ? { display } : {}) };
  }

  /** Normalises one CodeableConcept; returns the same object when nothing changes. */
  normaliseConcept(concept: fhir4.CodeableConcept): { concept: fhir4.CodeableConcept; outcome: ConceptOutcome } {
    const codings = concept.coding ?? [];
    if (codings.length === 0) return { concept, outcome: 'uncoded' };
    if (codings.some((c) => c.system === CODE_SYSTEMS.snomed)) return { concept, outcome: 'snomed' };
    if (hasExtension(concept, EXTENSIONS.degradedCode)) return { concept, outcome: 'degraded' };
    for (const coding of codings) {
      const snomed = this.snomedCoding(coding);
      if (snomed) return { concept: { ...concept, coding: [...codings, snomed] }, outcome: 'mapped' };
    }
    const text = concept.text ?? codings.find((c) => c.display)?.display;
    return {
      concept: {
        ...concept,
        ...(text !== undefined ? { text } : {}),
        extension: [...(concept.extension ?? []), { url: EXTENSIONS.degradedCode, valueBoolean: true }],
      },
      outcome: 'degraded',
    };
  }

  /**
   * Normalises the coded elements of every clinical resource of a record (see README.md for the list). Pure: the
   * input is not modified, and resources without changes are returned as they were (no deep copies).
   */
  normaliseRecord(record: CanonicalRecord): NormalisedRecord {
    let mapped = 0;
    let changed = false;
    const resources = record.resources.map((resource) => {
      const result = this.normaliseResource(resource);
      if (result.mapped) mapped++;
      if (result.resource !== resource) changed = true;
      return result.resource;
    });
    const propagated = propagateMedicationDegradation(resources);
    if (propagated !== resources) changed = true;
    const degraded = propagated.reduce((n, r) => (isDegraded(r) ? n + 1 : n), 0);
    return { record: changed ? { ...record, resources: propagated } : record, degraded, mapped };
  }

  private normaliseResource(resource: fhir4.Resource): ResourceResult {
    const fields = CODED_ELEMENTS[resource.resourceType] ?? [];
    let copy: Mutable | undefined;
    let mapped = false;
    const degradedCodings: fhir4.Coding[] = [];
    const source = resource as unknown as Mutable;
    const apply = (concept: fhir4.CodeableConcept): fhir4.CodeableConcept => {
      const result = this.normaliseConcept(concept);
      if (result.outcome === 'mapped') mapped = true;
      if (result.outcome === 'degraded' && result.concept !== concept) {
        const original = concept.coding?.[0];
        if (original) degradedCodings.push(original);
      }
      return result.concept;
    };

    for (const { key, many } of fields) {
      const value = source[key];
      if (value === undefined || value === null) continue;
      if (many) {
        const concepts = value as fhir4.CodeableConcept[];
        const next = concepts.map(apply);
        if (next.some((c, i) => c !== concepts[i])) (copy ??= { ...source })[key] = next;
      } else {
        const next = apply(value);
        if (next !== value) (copy ??= { ...source })[key] = next;
      }
    }

    if (resource.resourceType === 'Observation') {
      const components = (resource as fhir4.Observation).component;
      if (components?.length) {
        const next = components.map((c) => {
          const code = apply(c.code);
          return code === c.code ? c : { ...c, code };
        });
        if (next.some((c, i) => c !== components[i])) (copy ??= { ...source })['component'] = next;
      }
    }

    const contained = (resource as fhir4.DomainResource).contained;
    if (contained?.length) {
      const next = contained.map((r) => {
        const result = this.normaliseResource(r);
        if (result.mapped) mapped = true;
        if (result.resource !== r && isDegraded(result.resource)) {
          degradedCodings.push(...degradedMarkers(result.resource));
        }
        return result.resource;
      });
      if (next.some((r, i) => r !== contained[i])) (copy ??= { ...source })['contained'] = next;
    }

    if (degradedCodings.length > 0) {
      const base = (copy ?? source) as { extension?: fhir4.Extension[] };
      (copy ??= { ...source })['extension'] = [
        ...(base.extension ?? []),
        ...degradedCodings.map((coding) => degradedMarker(coding)),
      ];
    }
    return { resource: (copy as unknown as fhir4.Resource | undefined) ?? resource, mapped };
  }
}

/** The resource-level marker: which original coding could not be translated. */
function degradedMarker(coding: fhir4.Coding): fhir4.Extension {
  const { system, code, display } = coding;
  return {
    url: EXTENSIONS.degradedCode,
    valueCoding: { ...(system ? { system } : {}), ...(code ? { code } : {}), ...(display ? { display } : {}) },
  };
}

function degradedMarkers(resource: fhir4.Resource): fhir4.Coding[] {
  return ((resource as fhir4.DomainResource).extension ?? [])
    .filter((e) => e.url === EXTENSIONS.degradedCode && e.valueCoding)
    .map((e) => e.valueCoding!);
}

/**
 * A MedicationStatement or MedicationRequest naming a degraded Medication is itself an item whose code could not be
 * translated: it gets the Medication's markers, so the item a clinician sees in the medication list is marked.
 */
function propagateMedicationDegradation(resources: fhir4.Resource[]): fhir4.Resource[] {
  const degradedMedications = new Map<string, fhir4.Coding[]>();
  for (const r of resources) {
    if (r.resourceType === 'Medication' && r.id && isDegraded(r)) {
      degradedMedications.set(`Medication/${r.id}`, degradedMarkers(r));
    }
  }
  if (degradedMedications.size === 0) return resources;
  let changed = false;
  const next = resources.map((r) => {
    if (r.resourceType !== 'MedicationStatement' && r.resourceType !== 'MedicationRequest') return r;
    const ref = (r as fhir4.MedicationStatement | fhir4.MedicationRequest).medicationReference?.reference;
    const markers = ref ? degradedMedications.get(ref) : undefined;
    if (!markers || isDegraded(r)) return r;
    changed = true;
    const item = r as fhir4.MedicationStatement | fhir4.MedicationRequest;
    return { ...item, extension: [...(item.extension ?? []), ...markers.map(degradedMarker)] };
  });
  return changed ? next : resources;
}

export interface TerminologyOptions {
  /**
   * Folder holding the unzipped NHS Data Migration release (config key `terminology.releaseDir`). Unset: the
   * built-in sample maps only.
   */
  readonly releaseDir?: string;
  /** With a release: also use the sample maps for codes the release does not map (default true). */
  readonly includeSample?: boolean;
}

/** Builds the Terminology: the national maps when a release folder is given, else (and beneath them) the sample. */
export async function loadTerminology(options: TerminologyOptions = {}): Promise<Terminology> {
  if (!options.releaseDir) return Terminology.sample();
  const national = await loadNationalMaps(options.releaseDir);
  return new Terminology(options.includeSample === false ? national : layerMaps(national, sampleMaps()));
}
