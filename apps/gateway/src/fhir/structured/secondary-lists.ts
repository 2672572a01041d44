/**
 * GP Connect's secondary lists: when problems or consultations are asked for, the answer also returns what the
 * problems link to (relatedClinicalContent) and what the consultations contain, whatever their clinical area, each
 * area in its own list ("Problems - medications related to problems", "Consultations - documents contained in
 * consultations", …). One further list, "Problems - linked problems not relating to the primary query", holds the
 * problems linked to any primary list's items that the primary query did not return.
 *
 * Lists are returned only where they hold items, or where a confidential item was withheld from them (then empty,
 * with the `confidential-items` warning). Items of a clinical area the caller may not see are left out.
 */
import type { CanonicalRecord } from '@lloyd/adapters-core';
import type { RecordSection } from '@lloyd/config';
import type { Resource } from '@lloyd/fhir';
import { sectionOf } from '@lloyd/access';
import { encountersOf, problemLinks } from '../record/links.js';
import type { WithheldItem } from '../record/record-reader.js';
import type { StructuredGrant } from './structured-source.js';
import { isEndedAllergy, medicationSupport, reportResults, reportSupport, type Lookup } from './supporting.js';

/** The code system of GP Connect's secondary list codes. */
export const SECONDARY_LIST_SYSTEM = 'https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1';

/** The areas a secondary list can hold (allergies split into current and ended, as the primary lists are). */
type Group =
  | 'allergies'
  | 'ended-allergies'
  | 'consultations'
  | 'documents'
  | 'immunisations'
  | 'investigations'
  | 'medications'
  | 'referrals'
  | 'problems'
  | 'uncategorised';

/** The order lists are returned in, and each area's words in the list codes and titles. */
const GROUPS: readonly (readonly [Group, string])[] = [
  ['allergies', 'allergies'],
  ['ended-allergies', 'allergies that have been ended'],
  ['consultations', 'consultations'],
  ['documents', 'documents'],
  ['immunisations', 'immunisations'],
  ['investigations', 'investigations'],
  ['medications', 'medications'],
  ['referrals', 'outbound referrals'],
  ['problems', 'problems'],
  ['uncategorised', 'uncategorised data'],
];
const WORDS = new Map(GROUPS);

export interface SecondaryListDef {
  code: string;
  title: string;
}

const slug = (words: string) => words.replace(/ /g, '-');

function consultationList(group: Group): SecondaryListDef {
  const words = WORDS.get(group)!;
  // GP Connect's one exception to the pattern: "outbound referrals in consultations".
  const relation = group === 'referrals' ? 'in' : 'contained in';
  const title = `Consultations - ${words} ${relation} consultations`;
  return { code: slug(title.replace(' - ', ' ').toLowerCase()), title };
}

function problemList(group: Group): SecondaryListDef {
  const title = `Problems - ${WORDS.get(group)!} related to problems`;
  return { code: slug(title.replace(' - ', ' ').toLowerCase()), title };
}

export const LINKED_PROBLEMS_LIST: SecondaryListDef = {
  code: 'problems-linked-problems-not-relating-to-the-primary-query',
  title: 'Problems - linked problems not relating to the primary query',
};

/** A secondary list's content: its items, what they need beside them, and whether a confidential item was withheld. */
export interface SecondaryList {
  def: SecondaryListDef;
  listed: Resource[];
  supporting: Resource[];
  confidentialItems: boolean;
}

export interface SecondaryInput {
  record: CanonicalRecord;
  lookup: Lookup;
  decision: StructuredGrant;
  withheld: readonly WithheldItem[];
  /** The items of each primary list returned (problems and consultations among them when asked for). */
  primary: ReadonlyMap<RecordSection, readonly Resource[]>;
  /** Everything the primary lists need beside their items (authorisations, results…). */
  primarySupporting: readonly Resource[];
  /** Prescription issues are returned with medications (GP Connect's includePrescriptionIssues). */
  includeIssues: boolean;
}

const keyOf = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;

/** The secondary lists of a structured record, in GP Connect's order: consultations', problems', linked problems. */
export function secondaryLists(input: SecondaryInput): SecondaryList[] {
  const { lookup, decision, primary } = input;
  const links = linkIndexOf(input.record, lookup);
  const lists = new Map<string, SecondaryList & { order: number }>();
  const listFor = (def: SecondaryListDef, order: number) => {
    let list = lists.get(def.code);
    if (!list) lists.set(def.code, (list = { def, listed: [], supporting: [], confidentialItems: false, order }));
    return list;
  };
  const place = (def: SecondaryListDef, order: number, entry: Entry) => {
    const list = listFor(def, order);
    if (list.listed.includes(entry.item)) return;
    list.listed.push(entry.item);
    for (const r of supportOf(entry, lookup, input.includeIssues))
      if (!list.supporting.includes(r)) list.supporting.push(r);
  };
  const visible = (entry: Entry) => {
    const section = sectionOf(entry.item);
    return section !== undefined && decision.allowsLinked(section);
  };
  const groupOrder = (group: Group) => GROUPS.findIndex(([g]) => g === group);

  const consultations = primary.get('consultations');
  if (consultations) {
    const listed = new Set(consultations.map(keyOf));
    for (const encounter of listed) {
      for (const item of links.byEncounter.get(encounter) ?? []) {
        const entry = entryFor(item, links);
        if (entry && entry.group !== 'consultations' && visible(entry))
          place(consultationList(entry.group), groupOrder(entry.group), entry);
      }
    }
    for (const w of input.withheld) {
      const group = w.section && SECTION_GROUP[w.section];
      if (group && group !== 'consultations' && w.encounters.some((e) => listed.has(e)))
        listFor(consultationList(group), groupOrder(group)).confidentialItems = true;
    }
  }

  const problems = primary.get('problems') ?? [];
  const primaryProblems = new Set(problems);
  const linkedProblems = new Set<Resource>();
  const problemsVisible = decision.allowsLinked('problems');
  // A withheld item a primary problem linked to: the link is gone, but its list still says something was withheld.
  const primaryProblemRefs = new Set(problems.map(keyOf));
  for (const w of input.withheld) {
    const group = w.section && SECTION_GROUP[w.section];
    if (!group || !w.problems.some((p) => primaryProblemRefs.has(p))) continue;
    const def = group === 'problems' ? LINKED_PROBLEMS_LIST : problemList(group);
    listFor(def, group === 'problems' ? 200 : 100 + groupOrder(group)).confidentialItems = true;
  }
  for (const problem of problems as fhir4.Condition[]) {
    for (const ref of problemLinks(problem)) {
      const item = lookup.resolve(ref);
      if (!item) continue;
      if (item.resourceType === 'Condition') {
        if (problemsVisible && !primaryProblems.has(item)) linkedProblems.add(item);
        continue;
      }
      const entry = entryFor(item, links);
      if (entry && visible(entry)) place(problemList(entry.group), 100 + groupOrder(entry.group), entry);
    }
  }
  if (problemsVisible) {
    // Problems that link to any item the primary lists return, but that the primary query did not return itself.
    for (const item of [...[...primary.values()].flat(), ...input.primarySupporting]) {
      for (const problem of links.problemsLinkingTo.get(keyOf(item)) ?? []) {
        if (!primaryProblems.has(problem)) linkedProblems.add(problem);
      }
    }
  }
  for (const problem of linkedProblems) listFor(LINKED_PROBLEMS_LIST, 200).listed.push(problem);

  return [...lists.values()]
    .filter((l) => l.listed.length > 0 || l.confidentialItems)
    .sort((a, b) => a.order - b.order)
    .map(({ def, listed, supporting, confidentialItems }) => ({ def, listed, supporting, confidentialItems }));
}

/** Where an item goes in a secondary list: the area, and the item listed for it (a medication's statement…). */
interface Entry {
  group: Group;
  item: Resource;
}

const SECTION_GROUP: Readonly<Record<RecordSection, Group>> = {
  allergies: 'allergies',
  medications: 'medications',
  problems: 'problems',
  consultations: 'consultations',
  immunisations: 'immunisations',
  investigations: 'investigations',
  referrals: 'referrals',
  uncategorised: 'uncategorised',
  documents: 'documents',
};

function entryFor(resource: Resource, links: LinkIndex): Entry | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return {
        group: isEndedAllergy(resource as fhir4.AllergyIntolerance) ? 'ended-allergies' : 'allergies',
        item: resource,
      };
    case 'MedicationRequest': {
      // Medications are listed by their statement, as in the primary list; an issue leads to it through its plan.
      const request = resource as fhir4.MedicationRequest;
      const plan = request.intent === 'plan' ? keyOf(request) : request.basedOn?.[0]?.reference;
      const statement = plan ? links.statementOfPlan.get(plan) : undefined;
      return { group: 'medications', item: statement ?? resource };
    }
    case 'Observation': {
      // A result is listed by its report; a result outside any report by its own area.
      const report = links.reportOfResult.get(keyOf(resource));
      if (report) return { group: 'investigations', item: report };
      return { group: sectionOf(resource) === 'investigations' ? 'investigations' : 'uncategorised', item: resource };
    }
    case 'Medication':
    case 'Specimen':
      return undefined;
    default: {
      const section = sectionOf(resource);
      return section ? { group: SECTION_GROUP[section], item: resource } : undefined;
    }
  }
}

function supportOf(entry: Entry, lookup: Lookup, includeIssues: boolean): Resource[] {
  switch (entry.item.resourceType) {
    case 'MedicationStatement':
      return medicationSupport([entry.item as fhir4.MedicationStatement], lookup, { includeIssues });
    case 'DiagnosticReport':
      return reportSupport([entry.item as fhir4.DiagnosticReport], lookup);
    default:
      return [];
  }
}

/** How a record's items link to each other, found once per held (frozen) record. */
interface LinkIndex {
  /** The items recorded in each consultation, by Encounter reference. */
  byEncounter: Map<string, Resource[]>;
  /** The statement each authorisation (MedicationRequest `plan`) stands for. */
  statementOfPlan: Map<string, Resource>;
  /** The report each result belongs to (test groups' members too). */
  reportOfResult: Map<string, Resource>;
  /** The problems that link to each item. */
  problemsLinkingTo: Map<string, Resource[]>;
}

const linkIndexes = new WeakMap<CanonicalRecord, LinkIndex>();

function linkIndexOf(record: CanonicalRecord, lookup: Lookup): LinkIndex {
  const held = linkIndexes.get(record);
  if (held) return held;
  const index: LinkIndex = {
    byEncounter: new Map(),
    statementOfPlan: new Map(),
    reportOfResult: new Map(),
    problemsLinkingTo: new Map(),
  };
  const push = (map: Map<string, Resource[]>, key: string, value: Resource) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const r of record.resources) {
    for (const encounter of encountersOf(r)) push(index.byEncounter, encounter, r);
    if (r.resourceType === 'MedicationStatement')
      for (const b of (r as fhir4.MedicationStatement).basedOn ?? [])
        if (b.reference && !index.statementOfPlan.has(b.reference)) index.statementOfPlan.set(b.reference, r);
    if (r.resourceType === 'DiagnosticReport')
      for (const result of reportResults(r as fhir4.DiagnosticReport, lookup.resolve))
        if (!index.reportOfResult.has(keyOf(result))) index.reportOfResult.set(keyOf(result), r);
    if (r.resourceType === 'Condition')
      for (const ref of new Set(problemLinks(r as fhir4.Condition))) push(index.problemsLinkingTo, ref, r);
  }
  if (Object.isFrozen(record)) linkIndexes.set(record, index);
  return index;
}
