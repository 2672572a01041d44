import { SECTION_PARAMETERS } from '@lloyd/access';
import { recordSections, type RecordSection } from '@lloyd/config';
import type { PreparedRecord } from '../record/record-reader.js';
import type { StructuredSource } from './structured-source.js';
import {
  bundleLocalId,
  collectionBundle,
  operationOutcome,
  referencesIn,
  spineIssue,
  SNOMED_SYSTEM,
  type Bundle,
  type OperationOutcomeIssue,
  type Resource,
} from '@lloyd/fhir';
import { degradedItemsIssue, isDegraded } from '@lloyd/terminology';
import { byEventDate, onOrAfter, withinPeriod } from './dates.js';
import { SECONDARY_LIST_SYSTEM, secondaryLists } from './secondary-lists.js';
import { isEndedAllergy, medicationSupport, reportResults, reportSupport, type Lookup } from './supporting.js';
import {
  ENDED_ALLERGIES_LIST,
  LIST_WARNING_EXTENSION,
  LIST_WARNING_TEXT,
  SECTION_LISTS,
  type ListWarning,
} from './list-sections.js';
import type { StructuredRecordRequest } from './structured-request.js';
import { withheldAreas, withoutWithheldLinks } from '../record/withheld-links.js';

export interface StructuredBundleInput {
  request: StructuredRecordRequest;
  prepared: StructuredSource;
  baseUrl: string;
  /** When the answer is made (an ISO instant): each List's `date` and the Bundle's `meta.lastUpdated`. */
  stamp: string;
  /** A GP2GP transfer into the practice for this patient is not complete yet. */
  dataInTransit: boolean;
}

type ListedSection = keyof typeof SECTION_LISTS;

interface SectionContent {
  /** What the primary List references. */
  listed: Resource[];
  /** Further resources the listed ones need (medications, results, specimens…). */
  supporting: Resource[];
  /** An extra List (GP Connect's "Ended allergies"). */
  extraList?: { code: string; title: string; listed: Resource[] };
}

const REQUEST_SECTION: Record<ListedSection, keyof StructuredRecordRequest> = {
  allergies: 'allergies',
  medications: 'medication',
  problems: 'problems',
  consultations: 'consultations',
  immunisations: 'immunisations',
  investigations: 'investigations',
  referrals: 'referrals',
  uncategorised: 'uncategorised',
};

/** The sections a structured-record request asks for, in GP Connect's order. */
export function requestedSections(request: StructuredRecordRequest): RecordSection[] {
  return (Object.keys(REQUEST_SECTION) as ListedSection[]).filter((s) => request[REQUEST_SECTION[s]] !== undefined);
}

/**
 * The further sections a request needs for GP Connect's secondary lists: every area when problems or consultations
 * are asked for (what they link to or contain can be anything), otherwise problems alone (the problems linked to the
 * items returned). None for a request of the patient alone.
 */
export function linkedSectionsFor(requested: readonly RecordSection[]): RecordSection[] {
  if (requested.length === 0) return [];
  if (requested.includes('problems') || requested.includes('consultations')) return [...recordSections];
  return ['problems'];
}

/**
 * Builds the GP Connect structured-record answer: a `collection` Bundle with the Patient, the registered practice,
 * the usual GP, and one List per requested area the caller may see, with the request's filters applied, GP
 * Connect's list warnings, and an OperationOutcome carrying the request's warnings.
 */
export function buildStructuredBundle(input: StructuredBundleInput): Bundle {
  const { request, prepared, stamp } = input;
  const { record, decision } = prepared;
  const { byRef, byType } = indexOf(record);
  const ofType = <T extends Resource>(type: T['resourceType']) => (byType.get(type) ?? []) as T[];
  const resolve = (ref: string | undefined) => (ref ? byRef.get(ref) : undefined);

  const out: Resource[] = [];
  const included = new Set<Resource>();
  const include = (...resources: Resource[]) => {
    for (const r of resources) {
      if (included.has(r)) continue;
      included.add(r);
      out.push(r);
    }
  };
  include(
    record.patient,
    record.practice,
    ...record.practitioners.slice(0, 1),
    ...record.practitionerRoles.slice(0, 1),
  );
  const warnings: OperationOutcomeIssue[] = [...request.warnings, ...decision.warnings];
  const subject = { reference: `Patient/${record.patient.id ?? ''}` };
  const listId = (code: string) => bundleLocalId(record.patient.id ?? '', 'List', code);
  const inTransit: ListWarning[] = input.dataInTransit ? ['data-in-transit'] : [];
  const primary = new Map<RecordSection, Resource[]>();
  const primarySupporting: Resource[] = [];
  for (const section of requestedSections(request)) {
    if (!decision.sections.includes(section)) continue;
    const unavailable = record.unavailableSections?.find((u) => u.section === section);
    if (unavailable) {
      warnings.push(
        spineIssue(
          'BAD_GATEWAY',
          `The ${section} area could not be read from the practice's GP system, so this record is incomplete: it is left out. Try again later.`,
          { severity: 'warning', issueType: 'incomplete', expression: [SECTION_PARAMETERS[section]] },
        ),
      );
      continue;
    }
    const lookup = { ofType, resolve };
    const content = contentFor(section as ListedSection, request, lookup);
    const listWarnings: ListWarning[] = [];
    if ((prepared.redactions[section] ?? 0) > 0) listWarnings.push('confidential-items');
    listWarnings.push(...inTransit);
    const def = SECTION_LISTS[section as ListedSection];
    include(
      primaryList(listId(def.code), def, content.listed, listWarnings, subject, stamp),
      ...content.listed,
      ...content.supporting,
    );
    primary.set(section, [...content.listed, ...(content.extraList?.listed ?? [])]);
    primarySupporting.push(...content.supporting);
    if (content.extraList)
      include(
        primaryList(
          listId(content.extraList.code),
          content.extraList,
          content.extraList.listed,
          listWarnings,
          subject,
          stamp,
        ),
        ...content.extraList.listed,
      );
  }
  if (primary.has('problems') || primary.has('consultations')) {
    for (const { section } of record.unavailableSections ?? []) {
      if (decision.sections.includes(section) || !decision.linkedSections.includes(section)) continue;
      warnings.push(
        spineIssue(
          'BAD_GATEWAY',
          `The ${section} area could not be read from the practice's GP system, so items of it that the problems link to or the consultations contain may be missing from this record (those the system sent with the problems or consultations are included). Try again later.`,
          { severity: 'warning', issueType: 'incomplete', expression: [SECTION_PARAMETERS[section]] },
        ),
      );
    }
  }
  for (const secondary of secondaryLists({
    record,
    lookup: { ofType, resolve },
    decision,
    withheld: prepared.withheld,
    primary,
    primarySupporting,
    includeIssues: request.medication?.includeIssues !== false,
  })) {
    const listWarnings: ListWarning[] = [
      ...(secondary.confidentialItems ? ['confidential-items' as const] : []),
      ...inTransit,
    ];
    const coding = { system: SECONDARY_LIST_SYSTEM, code: secondary.def.code, display: secondary.def.title };
    include(
      list(listId(secondary.def.code), secondary.def.title, coding, secondary.listed, listWarnings, subject, stamp),
      ...secondary.listed,
      ...secondary.supporting,
    );
  }
  include(...partiesReferenced(out, record, byRef));
  // Counted over what this answer holds, not the whole record: areas not asked for or not granted do not count.
  const degraded = new Set(out.filter(isDegraded)).size;
  if (degraded > 0) warnings.push(degradedItemsIssue(degraded));
  if (warnings.length)
    out.push({ ...operationOutcome(...warnings), id: bundleLocalId(record.patient.id ?? '', 'OperationOutcome') });
  // A problem may link to items of any area; links into an area switched off or not covered are not served.
  const asked = requestedSections(request);
  const withheld = withheldAreas(decision, asked, linkedSectionsFor(asked));
  const bundle = collectionBundle(withoutWithheldLinks(out, withheld, resolve), input.baseUrl, {
    localTypes: LOCAL_TYPES,
  });
  bundle.meta = {
    lastUpdated: stamp,
    profile: ['https://fhir.nhs.uk/StructureDefinition/GPConnect-StructuredRecord-Bundle'],
  };
  return bundle;
}

/**
 * What the answer makes up rather than serves: Lists and the warnings. Lloyd does not serve them by id, so their
 * `fullUrl`s are `urn:uuid:`s, and their ids are name-based UUIDs of the patient's public id and the list code, unique
 * per patient and list and the same every time (so a kept answer template stays right).
 */
const LOCAL_TYPES: ReadonlySet<string> = new Set(['List', 'OperationOutcome']);

/** The resource types GP Connect asks a Bundle to hold whenever its items name them. */
const PARTY = /^(Practitioner|PractitionerRole|Organization|Location)\//;

/** The references to those types in a resource, found once per held (frozen) resource. */
const partyReferences = new WeakMap<Resource, readonly string[]>();

function referencedParties(resource: Resource): readonly string[] {
  const held = partyReferences.get(resource);
  if (held) return held;
  const refs = [...new Set(referencesIn(resource).filter((ref) => PARTY.test(ref)))];
  if (Object.isFrozen(resource)) partyReferences.set(resource, refs);
  return refs;
}

/**
 * The clinicians the answer's resources name (who recorded, prescribed, referred, took part), with their roles at the
 * practice, and the organisations and locations they name, so that those references resolve within the Bundle, as
 * GP Connect asks.
 */
function partiesReferenced(
  out: readonly Resource[],
  record: PreparedRecord['record'],
  byRef: ReadonlyMap<string, Resource>,
): Resource[] {
  const included = new Set(out.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const added: Resource[] = [];
  const add = (ref: string) => {
    const found = included.has(ref) ? undefined : byRef.get(ref);
    if (found) {
      included.add(ref);
      added.push(found);
    }
  };
  for (const resource of out) for (const ref of referencedParties(resource)) add(ref);
  for (const role of record.practitionerRoles) {
    if (included.has(role.practitioner?.reference ?? '')) add(`PractitionerRole/${role.id ?? ''}`);
  }
  // What the parties added name in turn (a role's organisation, a location's managing organisation…), until nothing
  // new is named.
  for (let i = 0; i < added.length; i++) for (const ref of referencedParties(added[i]!)) add(ref);
  return added;
}

interface RecordIndex {
  byRef: Map<string, Resource>;
  byType: Map<string, Resource[]>;
}

/**
 * A record's resources by reference and by type. A record held unchanged (frozen, reused while the supplier answers
 * 304) is indexed once.
 */
const indexes = new WeakMap<PreparedRecord['record'], RecordIndex>();

function indexOf(record: PreparedRecord['record']): RecordIndex {
  const held = indexes.get(record);
  if (held) return held;
  const byRef = new Map<string, Resource>();
  for (const r of [...record.resources, ...record.practitioners, ...record.practitionerRoles])
    byRef.set(`${r.resourceType}/${r.id ?? ''}`, r);
  const byType = new Map<string, Resource[]>();
  for (const r of record.resources) {
    const list = byType.get(r.resourceType);
    if (list) list.push(r);
    else byType.set(r.resourceType, [r]);
  }
  const index = { byRef, byType };
  if (Object.isFrozen(record)) {
    // Shared by every request for this version of the record: nobody may change the lists.
    for (const list of byType.values()) Object.freeze(list);
    indexes.set(record, index);
  }
  return index;
}

function contentFor(section: ListedSection, request: StructuredRecordRequest, lookup: Lookup): SectionContent {
  const { ofType, resolve } = lookup;
  switch (section) {
    case 'allergies': {
      const all = ofType<fhir4.AllergyIntolerance>('AllergyIntolerance');
      const ended = all.filter(isEndedAllergy);
      return {
        listed: all.filter((a) => !isEndedAllergy(a)),
        supporting: [],
        ...(request.allergies?.includeResolved ? { extraList: { ...ENDED_ALLERGIES_LIST, listed: ended } } : {}),
      };
    }
    case 'medications': {
      const from = request.medication?.fromDate;
      const statements = ofType<fhir4.MedicationStatement>('MedicationStatement').filter(
        (s) =>
          s.status === 'active' ||
          onOrAfter(s.effectivePeriod?.end ?? s.effectiveDateTime ?? s.effectivePeriod?.start, from),
      );
      const supporting = medicationSupport(statements, lookup, {
        from,
        includeIssues: request.medication?.includeIssues !== false,
      });
      return { listed: statements, supporting };
    }
    case 'problems': {
      const { status, significance } = request.problems ?? {};
      const listed = ofType<fhir4.Condition>('Condition').filter(
        (c) =>
          (!status || c.clinicalStatus?.coding?.some((k) => PROBLEM_STATUS[k.code ?? ''] === status)) &&
          (!significance ||
            c.extension?.some((e) => e.url.endsWith('/problem-significance') && e.valueCode === significance)),
      );
      return { listed, supporting: [] };
    }
    case 'consultations': {
      const { period, mostRecent } = request.consultations ?? {};
      let listed = ofType<fhir4.Encounter>('Encounter').filter((e) => withinPeriod(e.period?.start, period));
      if (mostRecent)
        listed = [...listed]
          .sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))
          .slice(0, mostRecent);
      return { listed, supporting: [] };
    }
    case 'immunisations': {
      const includeNotGiven = request.immunisations?.includeNotGiven ?? false;
      return {
        listed: ofType<fhir4.Immunization>('Immunization').filter((i) => includeNotGiven || i.status !== 'not-done'),
        supporting: [],
      };
    }
    case 'investigations': {
      const period = request.investigations?.period;
      const reports = ofType<fhir4.DiagnosticReport>('DiagnosticReport').filter((d) =>
        withinPeriod(d.effectiveDateTime ?? d.issued, period),
      );
      return { listed: reports, supporting: reportSupport(reports, lookup) };
    }
    case 'referrals': {
      const period = request.referrals?.period;
      return {
        listed: ofType<fhir4.ServiceRequest>('ServiceRequest').filter((s) => withinPeriod(s.authoredOn, period)),
        supporting: [],
      };
    }
    case 'uncategorised': {
      const period = request.uncategorised?.period;
      const inReports = new Set(
        ofType<fhir4.DiagnosticReport>('DiagnosticReport').flatMap((d) => reportResults(d, resolve)),
      );
      const listed = ofType<fhir4.Observation>('Observation').filter(
        (o) =>
          !inReports.has(o) &&
          !o.category?.some((c) => c.coding?.some((k) => k.code === 'laboratory')) &&
          withinPeriod(o.effectiveDateTime ?? o.effectivePeriod?.start, period),
      );
      return { listed, supporting: [] };
    }
  }
}

/** A problem's clinical status as GP Connect's `filterStatus` sees it: active or inactive. */
const PROBLEM_STATUS: Readonly<Record<string, 'active' | 'inactive'>> = {
  active: 'active',
  recurrence: 'active',
  relapse: 'active',
  inactive: 'inactive',
  remission: 'inactive',
  resolved: 'inactive',
};

function primaryList(
  id: string,
  def: { code: string; title: string },
  items: readonly Resource[],
  warnings: readonly ListWarning[],
  subject: fhir4.Reference,
  stamp: string,
): fhir4.List {
  return list(
    id,
    def.title,
    { system: SNOMED_SYSTEM, code: def.code, display: def.title },
    items,
    warnings,
    subject,
    stamp,
  );
}

function list(
  id: string,
  title: string,
  coding: fhir4.Coding,
  items: readonly Resource[],
  warnings: readonly ListWarning[],
  subject: fhir4.Reference,
  stamp: string,
): fhir4.List {
  const result: fhir4.List = {
    resourceType: 'List',
    id,
    status: 'current',
    mode: 'snapshot',
    title,
    code: { coding: [coding] },
    subject,
    date: stamp,
    orderedBy: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/list-order',
          code: 'event-date',
          display: 'Sorted by Event Date',
        },
      ],
    },
  };
  if (warnings.length) {
    result.extension = warnings.map((code) => ({ url: LIST_WARNING_EXTENSION, valueCode: code }));
  }
  const notes: fhir4.Annotation[] = warnings.map((code) => ({ text: LIST_WARNING_TEXT[code] }));
  if (items.length) {
    // The List says it is ordered by event date (most recent first), so it is, whatever order the system gave.
    result.entry = byEventDate(items).map((item) => ({ item: { reference: `${item.resourceType}/${item.id ?? ''}` } }));
  } else {
    result.emptyReason = {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
          code: 'no-content-recorded',
          display: 'No Content Recorded',
        },
      ],
    };
    notes.unshift({ text: 'Information not available' });
  }
  if (notes.length) result.note = notes;
  return result;
}
