import { CONFIDENTIAL_SECURITY_LABEL } from '@lloyd/adapters-core';
import { isDegraded } from '../datatypes/codeable-concept.js';
import { markDegraded } from './degraded-markers.js';
import { toFhirId } from '../datatypes/identifiers.js';
import { attr, child, type XNode } from '../xml/xml-tree.js';

/** What a `agentRef` id points at, from the extract's agent directory. */
export interface AgentEntry {
  reference: fhir4.Reference;
  kind: 'person' | 'organization' | 'device';
}

/** Counts reported with every parsed extract, so what was not carried is visible rather than silently lost. */
export interface ExtractStats {
  compositions: number;
  /** Resources produced, by type. */
  resources: Record<string, number>;
  /** Source elements that had no place in the canonical model, by element name (e.g. `EhrEmpty`). */
  skipped: Record<string, number>;
  /** Coded items marked transfer-degraded. */
  degraded: number;
}

/** A LinkSet waiting for the end of the extract, when every statement it names has been read. */
export interface PendingLinkSet {
  condition: fhir4.Condition;
  /** The LinkSet's own code: "Active problem" / "Inactive problem" (a problem whatever it names), or another. */
  statusCode?: string;
  namedId?: string;
  componentIds: string[];
  fallbackCode?: fhir4.CodeableConcept;
  sourceId?: string;
}

/**
 * State shared while one extract is read: the patient, the agent directory, the output and the few cross-composition
 * links (problems, discontinued authorisations) resolved at the end. Only the output grows with the extract.
 */
export class ParseContext {
  readonly resources: fhir4.Resource[] = [];
  readonly practitioners: fhir4.Practitioner[] = [];
  readonly practitionerRoles: fhir4.PractitionerRole[] = [];
  readonly agents = new Map<string, AgentEntry>();
  readonly linkSets: PendingLinkSet[] = [];
  /** Discontinue statements: authorisation id → reason text. */
  readonly discontinued = new Map<string, string | undefined>();
  readonly stats: ExtractStats = { compositions: 0, resources: {}, skipped: {}, degraded: 0 };
  private readonly usedIds = new Map<string, Set<string>>();
  private readonly nextSuffix = new Map<string, number>();
  /** Medication ids by drug (code and meta): an extract names one drug once per issue, the record holds it once. */
  readonly medicationIds = new Map<string, string>();
  /** The resource produced for each source statement id, for statementRef / namedStatementRef resolution. */
  readonly bySourceId = new Map<string, fhir4.Resource>();
  patientId = 'patient';
  practiceId = 'practice';
  practiceOds: string | undefined;
  practiceName: string | undefined;

  get patientRef(): fhir4.Reference {
    return { reference: `Patient/${this.patientId}` };
  }

  skip(element: string, count = 1): void {
    this.stats.skipped[element] = (this.stats.skipped[element] ?? 0) + count;
  }

  /** A FHIR id for a source id, unique within its resource type (repeated source ids get a suffix). */
  uniqueId(type: string, raw: string | undefined, fallbackSeed: string): string {
    const base = toFhirId(raw) ?? toFhirId(fallbackSeed) ?? 'item';
    let used = this.usedIds.get(type);
    if (!used) {
      used = new Set();
      this.usedIds.set(type, used);
    }
    let id = base;
    if (used.has(id)) {
      const key = `${type}/${base}`;
      let n = this.nextSuffix.get(key) ?? 2;
      do id = `${base.slice(0, 58)}-${n++}`;
      while (used.has(id));
      this.nextSuffix.set(key, n);
    }
    used.add(id);
    return id;
  }

  /** Adds a finished resource to the output and indexes it under the statement id it came from. */
  add<T extends fhir4.Resource>(resource: T, sourceId?: string): T {
    const concept = primaryConcept(resource);
    if (concept && isDegraded(concept)) {
      this.stats.degraded++;
      markDegraded(resource, concept);
    }
    this.resources.push(resource);
    this.stats.resources[resource.resourceType] = (this.stats.resources[resource.resourceType] ?? 0) + 1;
    if (sourceId && !this.bySourceId.has(sourceId)) this.bySourceId.set(sourceId, resource);
    return resource;
  }

  /** A reference to the agent an `agentRef` names, or undefined when the directory does not list it. */
  agentReference(agentRefNode: XNode | undefined): fhir4.Reference | undefined {
    const id = attr(child(agentRefNode, 'id'), 'root');
    if (!id) return undefined;
    const entry = this.agents.get(id.trim());
    if (!entry) {
      this.skip('agentRef(unknown agent)');
      return undefined;
    }
    return { ...entry.reference };
  }

  /** A reference to a person agent only (for fields that must point at a Practitioner). */
  practitionerReference(agentRefNode: XNode | undefined): fhir4.Reference | undefined {
    const id = attr(child(agentRefNode, 'id'), 'root');
    const entry = id ? this.agents.get(id.trim()) : undefined;
    return entry?.kind === 'person' ? { ...entry.reference } : undefined;
  }
}

/** `meta.security` NOPAT for a confidential item (its own or its composition's confidentiality code). */
export function confidentialMeta(confidential: boolean): fhir4.Meta | undefined {
  return confidential ? { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] } : undefined;
}

/** True when an element carries a NOPAT-style confidentiality code. */
export function isConfidentialNode(node: XNode | undefined): boolean {
  const code = attr(child(node, 'confidentialityCode'), 'code');
  return code === 'NOPAT' || code === 'NOSCRUB' || code === 'R' || code === 'V';
}

/** The concept that names a resource (the one GP2GP degrades). */
export function primaryConcept(resource: fhir4.Resource): fhir4.CodeableConcept | undefined {
  switch (resource.resourceType) {
    case 'Observation':
    case 'AllergyIntolerance':
    case 'Condition':
    case 'ServiceRequest':
    case 'Medication':
    case 'DiagnosticReport':
      return (resource as { code?: fhir4.CodeableConcept }).code;
    case 'Immunization':
      return (resource as fhir4.Immunization).vaccineCode;
    case 'DocumentReference':
      return (resource as fhir4.DocumentReference).type;
    case 'Encounter':
      return (resource as fhir4.Encounter).type?.[0];
    default:
      return undefined;
  }
}
