import { tsToFhir } from '../datatypes/timestamp.js';
import { attr, child, childText, children, deepText, type XNode } from '../xml/xml-tree.js';
import { confidentialMeta, isConfidentialNode, type ParseContext } from './parse-context.js';

/** What every statement of one composition shares. */
export interface CompositionScope {
  ctx: ParseContext;
  /** `Encounter/<id>` when the composition is a consultation. */
  encounter?: fhir4.Reference;
  /** The composition's own confidentiality code applies to everything in it. */
  confidential: boolean;
  /** The composition author (who recorded the items) and when. */
  recorder?: fhir4.Reference;
  recordedTime?: string;
  /** The first responsible/performing participant of the composition. */
  performer?: fhir4.Reference;
}

/** The interval of an HL7 IVL_TS as FHIR dates. */
export interface Interval {
  center?: string;
  low?: string;
  high?: string;
}

export function parseInterval(node: XNode | undefined): Interval {
  const out: Interval = {};
  const center = tsToFhir(attr(child(node, 'center'), 'value'));
  const low = tsToFhir(attr(child(node, 'low'), 'value'));
  const high = tsToFhir(attr(child(node, 'high'), 'value'));
  if (center) out.center = center;
  if (low) out.low = low;
  if (high) out.high = high;
  // Some systems put a single value on effectiveTime itself.
  if (!center && !low && !high) {
    const value = tsToFhir(attr(node, 'value'));
    if (value) out.center = value;
  }
  return out;
}

/** The main date of an interval: its centre, else its start. */
export function intervalStart(interval: Interval): string | undefined {
  return interval.center ?? interval.low;
}

/** The statement's own id (`id/@root`, or the extension when the root is only an assigning-authority OID). */
export function statementId(node: XNode): string | undefined {
  const id = child(node, 'id');
  const root = attr(id, 'root')?.trim();
  const extension = attr(id, 'extension')?.trim();
  if (extension && root && /^[0-9.]+$/.test(root)) return extension;
  return root ?? extension;
}

export function availability(node: XNode): string | undefined {
  return tsToFhir(attr(child(node, 'availabilityTime'), 'value'));
}

/** `meta` for a statement: NOPAT when it or its composition is confidential. */
export function statementMeta(scope: CompositionScope, node: XNode): fhir4.Meta | undefined {
  return confidentialMeta(scope.confidential || isConfidentialNode(node));
}

/** Participants of a statement (`Participant/agentRef`) by type code, resolved through the agent directory. */
export function participants(scope: CompositionScope, node: XNode): { typeCode: string; reference: fhir4.Reference }[] {
  const out: { typeCode: string; reference: fhir4.Reference }[] = [];
  for (const p of children(node, 'Participant')) {
    const reference = scope.ctx.agentReference(child(p, 'agentRef'));
    if (reference) out.push({ typeCode: attr(p, 'typeCode') ?? 'PRF', reference });
  }
  return out;
}

/** The statement's author/performer: its own participant, else the composition's performer or author. */
export function performerOf(scope: CompositionScope, node: XNode): fhir4.Reference | undefined {
  const own = participants(scope, node);
  return own.find((p) => p.typeCode === 'PRF')?.reference ?? own[0]?.reference ?? scope.performer ?? scope.recorder;
}

/** Free-text annotations (`pertinentInformation/pertinentAnnotation/text`) as FHIR notes. */
export function annotations(node: XNode): fhir4.Annotation[] {
  const notes: fhir4.Annotation[] = [];
  for (const p of children(node, 'pertinentInformation')) {
    const text = childText(child(p, 'pertinentAnnotation'), 'text');
    if (text) notes.push({ text });
  }
  return notes;
}

/** The text of an ED element (`<text>`), ignoring a `reference` child. */
export function edText(node: XNode | undefined): string | undefined {
  if (!node) return undefined;
  const own = node.text.trim();
  if (own) return own;
  const text = deepText(node).trim();
  return text === '' ? undefined : text;
}

/** Sets a property only when the value is present (keeps resources free of `undefined` keys). */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  target[key] = value;
}
