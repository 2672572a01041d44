import type { CanonicalRecord } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { OIDS } from '../datatypes/code-systems.js';
import { derivedUuid, toXmlId } from '../datatypes/identifiers.js';
import { fhirToTs } from '../datatypes/timestamp.js';
import type { XmlWriter } from '../xml/xml-writer.js';

export type ExtractInteraction = 'RCMR_IN030000UK06' | 'RCMR_IN030000UK07';

/** Why a canonical resource could not be sent (reported through `onSkipped`). */
export type SkipReason = 'not-a-clinical-item' | 'unsupported-type' | 'orphan-specimen';

/**
 * A part of a resource that travels without it (reported through `onPartNotCarried`): a coding whose system HL7 V3
 * cannot name, a link the extract has no place for. The resource itself is sent.
 */
export interface PartNotCarried {
  kind: 'coding' | 'related-problem' | 'practitioner-role';
  /** What was left out, for people: e.g. `coding (no system)|X1`, `sibling Condition/2`. */
  detail: string;
}

/**
 * Everything the statement writers share while one extract is built: lookups over the record, the HL7 id given to
 * each resource, the agent directory ids, and small writing helpers.
 */
export class BuildContext {
  private readonly byRef = new Map<string, fhir4.Resource>();
  private readonly xmlIds = new Map<fhir4.Resource, string>();
  private readonly usedXmlIds = new Set<string>();
  /** `Practitioner/<id>` or `Organization/<id>` → agent id in the directory. */
  readonly agentIds = new Map<string, string>();
  readonly practiceAgentId: string;
  /** The build time as a FHIR dateTime (used where GP2GP requires a date that the record lacks). */
  readonly now: string;

  constructor(
    readonly record: CanonicalRecord,
    readonly interaction: ExtractInteraction,
    now: Date,
    readonly onSkipped: (resource: fhir4.Resource, reason: SkipReason) => void,
    readonly onPartNotCarried: (resource: fhir4.Resource, part: PartNotCarried) => void = () => undefined,
  ) {
    this.now = now.toISOString().replace(/\.\d+Z$/, 'Z');
    for (const r of [
      record.patient,
      record.practice,
      ...record.practitioners,
      ...record.practitionerRoles,
      ...record.resources,
    ]) {
      if (r.id) this.byRef.set(`${r.resourceType}/${r.id}`, r);
    }
    this.practiceAgentId = derivedUuid(`lloyd-practice-agent:${record.practice.id ?? 'practice'}`);
    this.agentIds.set(`Organization/${record.practice.id}`, this.practiceAgentId);
    for (const p of record.practitioners) if (p.id) this.agentIds.set(`Practitioner/${p.id}`, this.xmlId(p));
  }

  /** The resource a relative reference points at, if it is in the record. */
  resolve<T extends fhir4.Resource = fhir4.Resource>(reference: fhir4.Reference | undefined): T | undefined {
    return reference?.reference ? (this.byRef.get(reference.reference) as T | undefined) : undefined;
  }

  /**
   * The HL7 id of a resource's statement. Ids are kept when they are valid HL7 uids; two resources of different types
   * sharing an id (common: a MedicationStatement and its authorisation) get distinct ids, the later one name-based.
   */
  xmlId(resource: fhir4.Resource): string {
    const known = this.xmlIds.get(resource);
    if (known) return known;
    let id = toXmlId(resource.id ?? derivedUuid(`lloyd-anon:${this.xmlIds.size}`));
    if (this.usedXmlIds.has(id)) id = derivedUuid(`lloyd-xml:${resource.resourceType}/${resource.id}`);
    this.usedXmlIds.add(id);
    this.xmlIds.set(resource, id);
    return id;
  }

  /** A fresh, stable id for an element that has no resource of its own (a wrapper, a discontinuation). */
  derivedId(seed: string): string {
    const id = derivedUuid(`lloyd-derived:${seed}`);
    this.usedXmlIds.add(id);
    return id;
  }

  /** The agent directory id for a reference to a practitioner or the practice. */
  agentId(reference: fhir4.Reference | undefined): string | undefined {
    if (!reference?.reference) return undefined;
    const direct = this.agentIds.get(reference.reference);
    if (direct) return direct;
    // A PractitionerRole stands for its practitioner.
    const role = this.resolve<fhir4.PractitionerRole>(reference);
    if (role?.resourceType === 'PractitionerRole') return this.agentIds.get(role.practitioner?.reference ?? '');
    return undefined;
  }

  /** The usual author of items: the first practitioner, else the practice itself. */
  get defaultAgentId(): string {
    const first = this.record.practitioners[0];
    return first?.id ? this.agentIds.get(`Practitioner/${first.id}`)! : this.practiceAgentId;
  }

  get withConfidentiality(): boolean {
    return this.interaction === 'RCMR_IN030000UK07';
  }

  /** `<confidentialityCode>` for a confidential item (only the UK07 schema has it). */
  writeConfidentiality(w: XmlWriter, ...resources: (fhir4.Resource | undefined)[]): void {
    if (!this.withConfidentiality) return;
    if (!resources.some((r) => r && hasConfidentialityLabel(r))) return;
    w.empty('confidentialityCode', {
      code: 'NOPAT',
      codeSystem: OIDS.actCode,
      displayName: "no disclosure to patient, family or caregivers without attending provider's authorization",
    });
  }
}

/** `<name value="TS"/>`, or `nullFlavor="UNK"` when the date is unknown. */
export function writeTs(w: XmlWriter, name: string, fhirDate: string | undefined): void {
  const ts = fhirToTs(fhirDate);
  w.empty(name, ts ? { value: ts } : { nullFlavor: 'UNK' });
}

/** An IVL_TS from a point or a period; `center nullFlavor="UNK"` when nothing is known. */
export function writeInterval(w: XmlWriter, name: string, point: string | undefined, period?: fhir4.Period): void {
  const center = fhirToTs(point);
  const low = fhirToTs(period?.start);
  const high = fhirToTs(period?.end);
  w.element(name, undefined, () => {
    if (center) w.empty('center', { value: center });
    else if (low || high) {
      if (low) w.empty('low', { value: low });
      if (high) w.empty('high', { value: high });
    } else w.empty('center', { nullFlavor: 'UNK' });
  });
}

/** `<id root="…"/>` */
export function writeId(w: XmlWriter, root: string, extension?: string): void {
  w.empty('id', { root, extension });
}

/** A statement participant (`Participant` with an `agentRef`). */
export function writeParticipant(
  w: XmlWriter,
  ctx: BuildContext,
  typeCode: string,
  reference: fhir4.Reference | undefined,
): void {
  const agentId = ctx.agentId(reference);
  if (!agentId) return;
  w.element('Participant', { typeCode, contextControlCode: 'OP' }, () => {
    w.element('agentRef', { classCode: 'AGNT' }, () => writeId(w, agentId));
  });
}

/** Up to three annotations (`pertinentInformation`); any further notes are joined into the third. */
export function writeAnnotations(w: XmlWriter, notes: readonly (fhir4.Annotation | string)[] | undefined): void {
  const texts = (notes ?? []).map((n) => (typeof n === 'string' ? n : n.text)).filter((t) => t && t.trim() !== '');
  if (texts.length > 3) texts.splice(2, texts.length - 2, texts.slice(2).join('\n\n'));
  for (const text of texts) {
    w.element('pertinentInformation', { typeCode: 'PERT' }, () => {
      w.empty('sequenceNumber', { value: '1' });
      w.element('pertinentAnnotation', { classCode: 'OBS', moodCode: 'EVN' }, () => w.text('text', text));
    });
  }
}
