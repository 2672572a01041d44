import type { CanonicalRecord } from '@lloyd/adapters-core';
import { ODS_ORGANISATION_SYSTEM } from '@lloyd/fhir';
import { ConversionContext, isObject, Stu3ConversionError } from './context.js';
import { applyConsultationLists } from './lists.js';
import { ReportBuilder, type ConversionReport } from './report.js';
import { CONVERTIBLE_TYPES, convertResourceIn } from './resources.js';

type Json = Record<string, unknown>;

export interface StructuredRecordOptions {
  /**
   * The ODS code of the practice whose record this is: its Organization becomes the record's practice. Without it
   * (or when the record has no such Organization) the patient's managing organisation is the practice.
   */
  readonly ods?: string;
}

export interface StructuredRecordConversion {
  readonly record: CanonicalRecord;
  readonly report: ConversionReport;
}

interface Item {
  readonly raw: Json;
  readonly type: string;
  readonly id: string;
}

/** Reads the Bundle's entries, registering every resource's id so references can be rewritten consistently. */
function collect(bundle: unknown, ctx: ConversionContext): { items: Item[]; lists: Json[] } {
  if (!isObject(bundle) || bundle['resourceType'] !== 'Bundle') {
    throw new Stu3ConversionError('expected a FHIR STU3 Bundle (resourceType "Bundle")');
  }
  const entries = Array.isArray(bundle['entry']) ? bundle['entry'].filter(isObject) : [];
  const items: Item[] = [];
  const lists: Json[] = [];
  let unnamed = 0;
  for (const entry of entries) {
    const raw = entry['resource'];
    if (!isObject(raw) || typeof raw['resourceType'] !== 'string') {
      ReportBuilder.count(ctx.report.droppedResources, '(entry without a resource)');
      continue;
    }
    const type = raw['resourceType'];
    ReportBuilder.count(ctx.report.input, type);
    if (type === 'List') {
      lists.push(raw);
      ReportBuilder.count(ctx.report.droppedResources, 'List');
      continue;
    }
    if (!CONVERTIBLE_TYPES.includes(type)) {
      ReportBuilder.count(ctx.report.droppedResources, type);
      continue;
    }
    const sourceId = typeof raw['id'] === 'string' && raw['id'] !== '' ? raw['id'] : undefined;
    if (sourceId !== undefined && ctx.ids.isRegistered(type, sourceId)) {
      ReportBuilder.count(ctx.report.droppedResources, `${type} (duplicate)`);
      continue;
    }
    const fullUrl = typeof entry['fullUrl'] === 'string' ? entry['fullUrl'] : undefined;
    const id = ctx.ids.register(type, sourceId ?? `${type}-without-id-${++unnamed}`, fullUrl);
    items.push({ raw, type, id });
  }
  return { items, lists };
}

function referenced(reference: fhir4.Reference | undefined, resources: ReadonlyMap<string, fhir4.Resource>) {
  return reference?.reference ? resources.get(reference.reference) : undefined;
}

function findPractice(
  patient: fhir4.Patient,
  resources: ReadonlyMap<string, fhir4.Resource>,
  ods: string | undefined,
): fhir4.Organization {
  const organizations = [...resources.values()].filter(
    (r): r is fhir4.Organization => r.resourceType === 'Organization',
  );
  const byOds =
    ods === undefined
      ? undefined
      : organizations.find((o) => o.identifier?.some((i) => i.system === ODS_ORGANISATION_SYSTEM && i.value === ods));
  const managing = referenced(patient.managingOrganization, resources);
  const practice = byOds ?? (managing?.resourceType === 'Organization' ? managing : undefined);
  if (practice) return practice as fhir4.Organization;
  throw new Stu3ConversionError(
    `the record has no Organization for the registered practice${ods ? ` (ODS ${ods})` : ''} and the Patient names no managingOrganization in it`,
  );
}

/**
 * GP Connect names the usual GP in `generalPractitioner` and the registered practice in `managingOrganization`; Lloyd,
 * as PDS and the other suppliers' records do, names both in `generalPractitioner`: the practice is added when the
 * system named no organisation there.
 */
function namingPractice(patient: fhir4.Patient, practice: fhir4.Organization): fhir4.Patient {
  const named = patient.generalPractitioner ?? [];
  if (named.some((r) => r.reference?.startsWith('Organization/') || r.type === 'Organization')) return patient;
  return { ...patient, generalPractitioner: [...named, { reference: `Organization/${practice.id ?? ''}` }] };
}

/**
 * Converts a GP Connect Access Record Structured answer (an STU3 `collection` Bundle) into Lloyd's canonical
 * record, and reports what it dropped. See {@link convertStructuredRecord}.
 *
 * @throws {Stu3ConversionError} the input is not a Bundle, has no Patient (or several), or no practice Organization
 */
export function convertStructuredRecordWithReport(
  bundle: unknown,
  options: StructuredRecordOptions = {},
): StructuredRecordConversion {
  const ctx = new ConversionContext();
  const { items, lists } = collect(bundle, ctx);
  const patients = items.filter((i) => i.type === 'Patient');
  if (patients.length !== 1) {
    throw new Stu3ConversionError(`expected exactly one Patient in the structured record, found ${patients.length}`);
  }
  ctx.patientReference = `Patient/${patients[0]?.id ?? ''}`;

  const resources = new Map<string, fhir4.Resource>();
  for (const item of items) {
    const resource = convertResourceIn(ctx, item.raw, item.id);
    if (resource) resources.set(`${resource.resourceType}/${item.id}`, resource);
  }
  const links = applyConsultationLists(lists, resources, ctx);
  ctx.report.encounterLinksDerived = links.encounterLinks;
  ctx.report.problemLinksDerived = links.problemLinks;

  const converted = resources.get(ctx.patientReference) as fhir4.Patient;
  const practice = findPractice(converted, resources, options.ods);
  const patient = namingPractice(converted, practice);
  const usualGps = (patient.generalPractitioner ?? [])
    .map((ref) => referenced(ref, resources))
    .filter((r): r is fhir4.Practitioner => r?.resourceType === 'Practitioner');
  const all = [...resources.values()];
  const practitioners = [
    ...new Set([...usualGps, ...all.filter((r): r is fhir4.Practitioner => r.resourceType === 'Practitioner')]),
  ];
  const record: CanonicalRecord = {
    patient,
    practice,
    practitioners,
    practitionerRoles: all.filter((r): r is fhir4.PractitionerRole => r.resourceType === 'PractitionerRole'),
    resources: all.filter(
      (r) =>
        r !== converted && r !== practice && r.resourceType !== 'Practitioner' && r.resourceType !== 'PractitionerRole',
    ),
  };
  return { record, report: ctx.report.build() };
}

/**
 * Converts a GP Connect Access Record Structured answer (an STU3 `collection` Bundle) into Lloyd's canonical
 * record: FHIR R4 resources with the original codings kept, ids sanitised and references rewritten consistently,
 * confidential items labelled NOPAT, GP Connect's Lists replaced by Encounter links (see lists.ts), extensions with
 * a canonical equivalent mapped and the others dropped. Use {@link convertStructuredRecordWithReport} to see what
 * was dropped.
 *
 * @throws {Stu3ConversionError} the input is not a Bundle, has no Patient (or several), or no practice Organization
 */
export function convertStructuredRecord(bundle: unknown, options: StructuredRecordOptions = {}): CanonicalRecord {
  return convertStructuredRecordWithReport(bundle, options).record;
}

/** The resources of a canonical record in Bundle order: patient, practice, practitioners, roles, then the rest. */
export function recordResources(record: CanonicalRecord): fhir4.Resource[] {
  return [record.patient, record.practice, ...record.practitioners, ...record.practitionerRoles, ...record.resources];
}

/**
 * The `translate` tool's STU3 → R4 direction: a GP Connect structured record (STU3 Bundle) → an R4 `collection`
 * Bundle of the canonical resources (no Lists; see {@link convertStructuredRecord}).
 */
export function convertStu3BundleToR4Bundle(bundle: unknown): fhir4.Bundle {
  const { record } = convertStructuredRecordWithReport(bundle);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: recordResources(record).map((resource) => ({ resource: resource as fhir4.FhirResource })),
  };
}
