/**
 * The GP2GP system's integration report (`IntegrationReport`, from its `/gp2gp/inbound/…` endpoints) and how its
 * per-statement outcomes map back to the items of the record Lloyd delivered.
 */
import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CanonicalRecord, IntegrationItem } from '@lloyd/adapters-core';

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
 * The report's items as the integration note gives them: each statement's outcome under the delivered item's id
 * (`<ResourceType>/<id>`) when the record is given and the statement is one of its resources, else under the
 * statement's own id. Structural links the system filed (a referral's document links) are not items.
 */
export function inboundItems(report: InboundReport, record: CanonicalRecord | undefined): IntegrationItem[] {
  const bySatementId = new Map<string, string>();
  for (const r of record?.resources ?? []) {
    if (!r.id) continue;
    const primary = xmlIdOf(r.id);
    if (!bySatementId.has(primary)) bySatementId.set(primary, `${r.resourceType}/${r.id}`);
    bySatementId.set(derivedUuid(`lloyd-xml:${r.resourceType}/${r.id}`), `${r.resourceType}/${r.id}`);
  }
  return report.items
    .filter((i) => i.kind !== 'link')
    .map((i) => ({
      sourceId: bySatementId.get(i.id) ?? `${TYPE_OF_KIND[i.kind] ?? 'Basic'}/${i.id}`,
      outcome: i.outcome,
      ...(i.note ? { note: i.note } : {}),
    }));
}
