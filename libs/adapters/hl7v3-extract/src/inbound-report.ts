/**
 * The GP2GP system's integration report (`IntegrationReport`, from its `/gp2gp/inbound/…` endpoints) and how its
 * per-statement outcomes map back to the items of the record Lloyd delivered.
 */
import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EXTENSIONS, type CanonicalRecord, type IntegrationItem } from '@lloyd/adapters-core';

export interface InboundReport {
  readonly conversationId: string;
  readonly nhsNumber: string;
  readonly status: 'receiving' | 'held' | 'integrated' | 'rejected';
  readonly reason?: string;
  readonly items: readonly { id: string; kind: string; outcome: IntegrationItem['outcome']; note?: string }[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: { enabled: true, maxEntityCount: 1, maxTotalExpansions: 100_000, maxExpandedLength: 1_000_000 },
  maxNestedTags: 8,
  isArray: (name) => name === 'item' || name === 'attachment',
  jPath: false,
});

const STATUSES = new Set(['receiving', 'held', 'integrated', 'rejected']);
const OUTCOMES = new Set(['integrated', 'degraded', 'not-integrated']);

/** Reads a report; undefined when the answer is not one. */
export function readReport(xml: string): InboundReport | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml) || XMLValidator.validate(xml) !== true) return undefined;
  const root = (parser.parse(xml) as { IntegrationReport?: Record<string, unknown> }).IntegrationReport;
  if (!root || typeof root !== 'object') return undefined;
  const status = root['status'];
  const nhsNumber = root['nhsNumber'];
  const conversationId = root['conversationId'];
  if (typeof status !== 'string' || !STATUSES.has(status) || typeof nhsNumber !== 'string') return undefined;
  const items = ((root['item'] ?? []) as Record<string, string>[])
    .filter((i) => typeof i.id === 'string' && OUTCOMES.has(i.outcome ?? ''))
    .map((i) => ({
      id: i.id!,
      kind: i.kind ?? 'item',
      outcome: i.outcome as IntegrationItem['outcome'],
      ...(i.note ? { note: i.note } : {}),
    }));
  const reason = root['reason'];
  return {
    conversationId: typeof conversationId === 'string' ? conversationId : '',
    nhsNumber,
    status: status as InboundReport['status'],
    ...(typeof reason === 'string' ? { reason } : {}),
    items,
  };
}

/** A name-based UUID (SHA-1, version 5 layout, upper case), as `@lloyd/hl7v3` derives ids. */
export function derivedUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return uuid.toUpperCase();
}

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const RUID = /^[A-Za-z][A-Za-z0-9-]*$/;
const OID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The HL7 id a resource's statement travels under in an extract `@lloyd/hl7v3` builds (its `toXmlId` rule, which
 * it does not export): the id itself when it is a valid HL7 id (UUIDs upper-cased), else a name-based UUID.
 */
export function xmlIdOf(id: string): string {
  if (UUID.test(id)) return id.toUpperCase();
  if (RUID.test(id) || OID.test(id)) return id;
  return derivedUuid(`lloyd-id:${id}`);
}

/** DocumentReference id → the id of the statement that refers to the document (where its attachment is filed). */
export function documentStatementIds(record: CanonicalRecord): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of record.resources) {
    if (r.resourceType === 'DocumentReference' && r.id) map.set(r.id, xmlIdOf(r.id));
  }
  return map;
}

/** The resource type each kind of filed statement stands for, when the record is not at hand. */
const TYPE_OF_KIND: Readonly<Record<string, string>> = {
  observation: 'Observation',
  narrative: 'Observation',
  allergy: 'AllergyIntolerance',
  problem: 'Condition',
  medication: 'MedicationRequest',
  'medication-issue': 'MedicationRequest',
  testResult: 'DiagnosticReport',
  referral: 'ServiceRequest',
  plan: 'ServiceRequest',
  document: 'DocumentReference',
  consultation: 'Encounter',
};

/**
 * The delivered items that travel inside another item's statement rather than as statements of their own (as
 * `@lloyd/hl7v3` plans an extract): a panel's members, a report's results and specimens, an authorisation's
 * MedicationStatement, the drug of a medication, a consultation's place, the statement a problem names. Item → the
 * items it may travel inside (consulted only for an item the report does not name itself).
 */
export function carriedInside(record: CanonicalRecord): Map<string, string[]> {
  const inside = new Map<string, string[]>();
  const carry = (reference: fhir4.Reference | undefined, container: fhir4.Resource): void => {
    const target = reference?.reference;
    if (!target || !container.id) return;
    inside.set(target, [...(inside.get(target) ?? []), `${container.resourceType}/${container.id}`]);
  };
  for (const r of record.resources) {
    switch (r.resourceType) {
      case 'Observation':
        for (const member of (r as fhir4.Observation).hasMember ?? []) carry(member, r);
        break;
      case 'DiagnosticReport': {
        const report = r as fhir4.DiagnosticReport;
        for (const part of [...(report.result ?? []), ...(report.specimen ?? [])]) carry(part, r);
        break;
      }
      case 'MedicationStatement': {
        const statement = r as fhir4.MedicationStatement;
        carry(statement.medicationReference, r);
        // The statement travels inside its authorisation, so the authorisation's outcome is the statement's.
        for (const plan of statement.basedOn ?? []) {
          if (plan.reference && r.id) inside.set(`MedicationStatement/${r.id}`, [plan.reference]);
        }
        break;
      }
      case 'MedicationRequest':
        carry((r as fhir4.MedicationRequest).medicationReference, r);
        break;
      case 'Encounter':
        for (const place of (r as fhir4.Encounter).location ?? []) carry(place.location, r);
        break;
      case 'Condition':
        // The statement a problem names travels as the problem itself (its LinkSet's conditionNamed).
        for (const e of (r as fhir4.Condition).extension ?? []) {
          if (e.url === EXTENSIONS.actualProblem || e.url === EXTENSIONS.relatedClinicalContent)
            carry(e.valueReference, r);
        }
        break;
      default:
        break;
    }
  }
  return inside;
}

/**
 * The report's items as the integration note gives them: each statement's outcome under the delivered item's id
 * (`<ResourceType>/<id>`) when the statement stands for one of `delivered`, else under the statement's own id with
 * the type its kind files as. Then each delivered item that travelled inside another's statement (`inside`, see
 * {@link carriedInside}), with that item's outcome. Structural links the system filed (a referral's document links)
 * are not items.
 *
 * @param delivered the delivered items' `Type/id`, in the record's order (the extract builder gives the first of two
 *   resources sharing an id the id itself, and the later one a name-based id)
 */
export function inboundItems(
  report: InboundReport,
  delivered: readonly string[],
  inside: ReadonlyMap<string, readonly string[]> = new Map(),
): IntegrationItem[] {
  const byDerivedId = new Map<string, string>();
  const byOwnId = new Map<string, string[]>();
  for (const sourceId of delivered) {
    byDerivedId.set(derivedUuid(`lloyd-xml:${sourceId}`), sourceId);
    const own = xmlIdOf(sourceId.slice(sourceId.indexOf('/') + 1));
    byOwnId.set(own, [...(byOwnId.get(own) ?? []), sourceId]);
  }
  const statements = report.items.filter((i) => i.kind !== 'link');
  // Name-based ids first: they name one item each, and take it out of the running for a shared id.
  const named = new Map<(typeof statements)[number], string>();
  const taken = new Set<string>();
  const name = (statement: (typeof statements)[number], sourceId: string | undefined): void => {
    if (!sourceId || taken.has(sourceId) || named.has(statement)) return;
    named.set(statement, sourceId);
    taken.add(sourceId);
  };
  for (const i of statements) name(i, byDerivedId.get(i.id));
  for (const i of statements)
    name(
      i,
      byOwnId.get(i.id)?.find((s) => !taken.has(s)),
    );
  const items = statements.map((i): IntegrationItem => ({
    sourceId: named.get(i) ?? `${TYPE_OF_KIND[i.kind] ?? 'Basic'}/${i.id}`,
    outcome: i.outcome,
    ...(i.note ? { note: i.note } : {}),
  }));
  const outcomes = new Map(items.map((i) => [i.sourceId, i]));
  const containerOf = (sourceId: string, seen: Set<string>): IntegrationItem | undefined => {
    for (const container of inside.get(sourceId) ?? []) {
      if (seen.has(container)) continue;
      seen.add(container);
      const found = outcomes.get(container) ?? containerOf(container, seen);
      if (found) return found;
    }
    return undefined;
  };
  for (const sourceId of delivered) {
    if (outcomes.has(sourceId)) continue;
    const container = containerOf(sourceId, new Set([sourceId]));
    if (!container) continue;
    const item: IntegrationItem = {
      sourceId,
      outcome: container.outcome,
      ...(container.outcome === 'integrated'
        ? {}
        : { note: `Carried inside ${container.sourceId}${container.note ? `: ${container.note}` : ''}` }),
    };
    items.push(item);
    outcomes.set(sourceId, item);
  }
  return items;
}
