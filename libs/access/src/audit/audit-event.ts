import {
  deepFreeze,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANISATION_SYSTEM,
  OperationOutcomeError,
  SDS_USER_SYSTEM,
  type AuditEvent,
} from '@lloyd/fhir';
import { AccessDeniedError } from '../access-denied.js';
import type { AccessDecision, OrganisationDecision } from '../access-decision.js';
import type { AdminChangeEntry, AuditEntry, AuditWho, PatientAccessEntry } from './audit-entry.js';

export const DCM_SYSTEM = 'http://dicom.nema.org/resources/ontology/DCM';
export const AUDIT_EVENT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
export const CLIENT_ID_SYSTEM = 'https://fhir.lloyd.nhs.example/Id/client-id';
export const CORRELATION_ID_SYSTEM = 'https://fhir.lloyd.nhs.example/Id/correlation-id';
export const SHARING_AGREEMENT_SYSTEM = 'https://fhir.lloyd.nhs.example/Id/sharing-agreement';
const ENTITY_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/object-role';
const ACT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const SOURCE_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** The object role of the data-controller practice's entity in a patient-access event. */
export const DATA_REPOSITORY_ROLE = '17';

/** Resources listed one by one in an event; beyond this only the count is kept, so events stay small. */
const MAX_RESOURCE_ENTITIES = 100;

type Entity = NonNullable<AuditEvent['entity']>[number];
type Detail = NonNullable<Entity['detail']>[number];
type Agent = AuditEvent['agent'][number];

/** FHIR AuditEvent.outcome: 0 success, 4 minor failure (refused, bad request), 8 serious failure (Lloyd's fault). */
export type AuditOutcome = '0' | '4' | '8' | '12';

export function outcomeOf(error: unknown): AuditOutcome {
  if (error === undefined) return '0';
  if (error instanceof OperationOutcomeError && error.status < 500) return '4';
  return '8';
}

function describeError(error: unknown, deniedBy: string | undefined): string {
  if (error instanceof AccessDeniedError) return `denied by ${error.rule}: ${error.reason}`;
  if (deniedBy !== undefined) return `denied by ${deniedBy}: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof OperationOutcomeError) return `${error.spineCode ?? error.status}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const detail = (type: string, valueString: string): Detail => ({ type, valueString });

function agents(who: AuditWho): Agent[] {
  const purpose = who.reason
    ? [{ coding: [{ system: ACT_REASON_SYSTEM, code: who.reason === 'emergency' ? 'ETREAT' : 'TREAT' }] }]
    : undefined;
  const client: Agent = {
    type: { coding: [{ system: DCM_SYSTEM, code: '110150', display: 'Application' }] },
    who: { identifier: { system: CLIENT_ID_SYSTEM, value: who.clientId }, display: who.clientId },
    requestor: who.practitioner === undefined,
  };
  const organisation: Agent = {
    who: { type: 'Organization', identifier: { system: ODS_ORGANISATION_SYSTEM, value: who.organisation } },
    requestor: false,
  };
  const out: Agent[] = [];
  if (who.practitioner !== undefined) {
    out.push({
      who: { type: 'Practitioner', identifier: { system: SDS_USER_SYSTEM, value: who.practitioner } },
      requestor: true,
      ...(purpose ? { purposeOfUse: purpose } : {}),
    });
  } else if (purpose) {
    client.purposeOfUse = purpose;
  }
  out.push(organisation, client);
  return out;
}

function requestEntity(entry: AuditEntry, details: Detail[]): Entity {
  const entity: Entity = {
    what: { identifier: { system: CORRELATION_ID_SYSTEM, value: entry.correlationId } },
    type: { system: ENTITY_TYPE_SYSTEM, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE_SYSTEM, code: '24', display: 'Query' },
  };
  if (entry.request) entity.description = entry.request;
  if (details.length > 0) entity.detail = details;
  return entity;
}

function decisionDetails(decision: AccessDecision | OrganisationDecision): Detail[] {
  const out = [detail('granted-sections', decision.sections.join(',') || '(none)')];
  if (decision.withheldSections.length > 0) {
    out.push(detail('withheld-sections', decision.withheldSections.map((w) => `${w.section}:${w.reason}`).join(',')));
  }
  if (decision.emergencyRequested) out.push(detail('emergency-requested', 'true'));
  if (decision.emergency) out.push(detail('emergency-access', 'true'));
  if (decision.phase === 'patient' && decision.dissentOverridden) out.push(detail('dissent-overridden', 'true'));
  return out;
}

/** The rule that refused a failed request: an access-chain denial's own, else the one the entry names. */
function deniedByOf(entry: PatientAccessEntry): string | undefined {
  if (entry.error === undefined) return undefined;
  return entry.error instanceof AccessDeniedError ? entry.error.rule : entry.deniedBy;
}

/** The entities of a list of disclosed resources that never changes (frozen: a served answer's, kept for reuse). */
const keptResourceEntities = new WeakMap<readonly string[], readonly Entity[]>();

/**
 * One entity per disclosed resource (up to {@link MAX_RESOURCE_ENTITIES}), naming it by its reference alone: the
 * reference carries its type, and the only entities with a `what.reference` are the disclosed resources (the patient,
 * practice, agreement and request entities name theirs by identifier, with a type and a role). A type "System
 * Object" and role "Domain Resource" on each would be the same for every one of them; left out, an event is about
 * half the size, in the store and in the hash. For a frozen list, such as a structured-record answer's served again
 * and again, the entities are made once, frozen, and shared by every event that names them.
 */
function resourceEntities(resources: readonly string[]): readonly Entity[] {
  const kept = keptResourceEntities.get(resources);
  if (kept) return kept;
  const entities = resources.slice(0, MAX_RESOURCE_ENTITIES).map((reference): Entity => ({ what: { reference } }));
  if (!Object.isFrozen(resources)) return entities;
  const frozen = deepFreeze(entities);
  keptResourceEntities.set(resources, frozen);
  return frozen;
}

function patientAccessEvent(entry: PatientAccessEntry): Pick<AuditEvent, 'type' | 'subtype' | 'action' | 'entity'> {
  const entities: Entity[] = [];
  if (entry.patient) {
    entities.push({
      what: { identifier: { system: NHS_NUMBER_SYSTEM, value: entry.patient } },
      type: { system: ENTITY_TYPE_SYSTEM, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE_SYSTEM, code: '1', display: 'Patient' },
    });
  }
  const practiceOds = entry.practiceOds ?? entry.decision?.practiceOds;
  if (practiceOds) {
    entities.push({
      what: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: practiceOds } },
      type: { system: ENTITY_TYPE_SYSTEM, code: '3', display: 'Organization' },
      role: { system: OBJECT_ROLE_SYSTEM, code: DATA_REPOSITORY_ROLE, display: 'Data Repository' },
    });
  }
  if (entry.decision) {
    entities.push({
      what: { identifier: { system: SHARING_AGREEMENT_SYSTEM, value: entry.decision.agreementId } },
      type: { system: ENTITY_TYPE_SYSTEM, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE_SYSTEM, code: '13', display: 'Security Resource' },
      detail: decisionDetails(entry.decision),
    });
  }
  const resources = entry.resources ?? [];
  entities.push(...resourceEntities(resources));
  const details: Detail[] = [];
  if (entry.requestedSections)
    details.push(detail('requested-sections', entry.requestedSections.join(',') || '(none)'));
  if (resources.length > 0) details.push(detail('resource-count', String(resources.length)));
  const redactions = Object.entries(entry.redactions ?? {}).filter(([, n]) => (n ?? 0) > 0);
  if (redactions.length > 0) {
    const total = redactions.reduce((sum, [, n]) => sum + (n ?? 0), 0);
    details.push(detail('redactions', `${total} (${redactions.map(([s, n]) => `${s}=${n}`).join(', ')})`));
  }
  if (entry.who.reasonText) details.push(detail('reason-text', entry.who.reasonText));
  const deniedBy = deniedByOf(entry);
  if (deniedBy !== undefined) details.push(detail('denied-by', deniedBy));
  entities.push(requestEntity(entry, details));
  const interaction = { read: 'read', search: 'search-type', operation: 'operation' }[entry.interaction];
  return {
    type: { system: DCM_SYSTEM, code: '110110', display: 'Patient Record' },
    subtype: [{ system: RESTFUL_INTERACTION_SYSTEM, code: interaction }],
    action: 'R',
    entity: entities,
  };
}

function adminChangeEvent(entry: AdminChangeEntry): Pick<AuditEvent, 'type' | 'subtype' | 'action' | 'entity'> {
  const system = entry.target.type === 'SharingAgreement' ? SHARING_AGREEMENT_SYSTEM : ODS_ORGANISATION_SYSTEM;
  const target: Entity = {
    what: { identifier: { system, value: entry.target.id } },
    type: { system: ENTITY_TYPE_SYSTEM, code: '2', display: 'System Object' },
    role: { system: OBJECT_ROLE_SYSTEM, code: '13', display: 'Security Resource' },
    name: `${entry.target.type}/${entry.target.id}`,
  };
  if (entry.value !== undefined) target.detail = [detail('value', JSON.stringify(entry.value))];
  const details = [detail('change', `${entry.action} ${entry.target.type}`)];
  return {
    type: { system: AUDIT_EVENT_TYPE_SYSTEM, code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: RESTFUL_INTERACTION_SYSTEM, code: entry.action === 'create' ? 'create' : 'update' }],
    action: entry.action === 'create' ? 'C' : 'U',
    entity: [target, requestEntity(entry, details)],
  };
}

/** Builds the FHIR R4 AuditEvent for one entry (without the hash chain, which the trail adds when it stores it). */
export function buildAuditEvent(entry: AuditEntry, id: string, recorded: Date): AuditEvent {
  const specific = entry.kind === 'patient-access' ? patientAccessEvent(entry) : adminChangeEvent(entry);
  const outcome = outcomeOf(entry.error);
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id,
    type: specific.type,
    ...(specific.subtype ? { subtype: specific.subtype } : {}),
    ...(specific.action ? { action: specific.action } : {}),
    recorded: recorded.toISOString(),
    outcome,
    agent: agents(entry.who),
    source: {
      site: 'Lloyd',
      observer: { display: 'Lloyd gateway' },
      type: [{ system: SOURCE_TYPE_SYSTEM, code: '4', display: 'Application Server' }],
    },
    ...(specific.entity ? { entity: specific.entity } : {}),
  };
  if (entry.error !== undefined) {
    event.outcomeDesc = describeError(entry.error, entry.kind === 'patient-access' ? deniedByOf(entry) : undefined);
  } else if (entry.kind === 'patient-access' && entry.decision) {
    event.outcomeDesc = `allowed under sharing agreement ${entry.decision.agreementId}${entry.decision.emergency ? ' (emergency access)' : ''}`;
  }
  if (entry.who.reason) {
    event.purposeOfEvent = [
      { coding: [{ system: ACT_REASON_SYSTEM, code: entry.who.reason === 'emergency' ? 'ETREAT' : 'TREAT' }] },
    ];
  }
  return event;
}
