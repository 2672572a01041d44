import { EXTENSIONS } from '@lloyd/adapters-core';
import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { MAJOR_SIGNIFICANCE, PROBLEM_STATUS, relatedProblemsOf } from '../extract/statements/linkset.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, writeParticipant, writeTs, type BuildContext } from './build-context.js';
import { primaryCodeOf, sameConcept } from './resource-codes.js';

/** Types written as a statement of their own, with their own id and code, so that a problem can name them. */
const NAMEABLE = new Set([
  'Observation',
  'AllergyIntolerance',
  'Immunization',
  'ServiceRequest',
  'DocumentReference',
  'DiagnosticReport',
]);

function nameable(resource: fhir4.Resource): boolean {
  return NAMEABLE.has(resource.resourceType) && primaryCodeOf(resource) !== undefined;
}

function related(ctx: BuildContext, condition: fhir4.Condition): fhir4.Resource[] {
  const linked: fhir4.Resource[] = [];
  for (const e of condition.extension ?? []) {
    if (e.url !== EXTENSIONS.relatedClinicalContent) continue;
    const target = ctx.resolve(e.valueReference);
    if (target && target !== condition && !linked.includes(target)) {
      // GP2GP reads a problem's link to another problem's LinkSet as the problem hierarchy.
      if (target.resourceType === 'Condition' && !childProblemsOf(ctx, condition).includes(target as fhir4.Condition))
        ctx.onPartNotCarried(condition, {
          kind: 'related-problem',
          detail: `related clinical content ${e.valueReference?.reference ?? ''} (sent as a child problem)`,
        });
      linked.push(target);
    }
  }
  return linked;
}

/** The item the record says is the problem (see {@link EXTENSIONS.actualProblem}), if it is in the record. */
export function actualProblemOf(ctx: BuildContext, condition: fhir4.Condition): fhir4.Resource | undefined {
  return (condition.extension ?? [])
    .filter((e) => e.url === EXTENSIONS.actualProblem)
    .map((e) => ctx.resolve(e.valueReference))
    .find((r): r is fhir4.Resource => r !== undefined && r !== condition);
}

/**
 * The statement a problem names (`conditionNamed`) and the items it links. The problem's actual item when the record
 * says which it is (and it travels as a statement coding the problem's concept); otherwise, a guess: a linked item
 * coding the same concept, an observation-like one before a plan or referral. Without either, `named` is undefined
 * and the caller writes an ObservationStatement for the problem. An actual item that is not named is still linked.
 */
export function namedStatementOf(
  ctx: BuildContext,
  condition: fhir4.Condition,
): { named?: fhir4.Resource; linked: fhir4.Resource[] } {
  const linked = related(ctx, condition);
  const actual = actualProblemOf(ctx, condition);
  let named: fhir4.Resource | undefined;
  if (actual && nameable(actual) && (!condition.code || sameConcept(primaryCodeOf(actual), condition.code))) {
    named = actual;
  } else {
    const sameCode = linked.filter((r) => nameable(r) && sameConcept(primaryCodeOf(r), condition.code));
    named = sameCode.find((r) => r.resourceType !== 'ServiceRequest') ?? sameCode[0];
  }
  const all = actual && !linked.includes(actual) ? [actual, ...linked] : linked;
  return { named, linked: all.filter((r) => r !== named) };
}

const hierarchies = new WeakMap<BuildContext, Map<fhir4.Condition, fhir4.Condition[]>>();

/**
 * The record's problem hierarchy: each problem's child problems, from either side of a related-problem link (a
 * `child` on the parent, a `parent` on the child). A sibling link travels as the children of one parent; one between
 * problems with no common parent, or a link to a problem not in the record, is reported through `onPartNotCarried`.
 */
function problemHierarchy(ctx: BuildContext): Map<fhir4.Condition, fhir4.Condition[]> {
  const known = hierarchies.get(ctx);
  if (known) return known;
  const children = new Map<fhir4.Condition, fhir4.Condition[]>();
  const link = (parent: fhir4.Condition, child: fhir4.Condition) => {
    const list = children.get(parent) ?? [];
    if (parent !== child && !list.includes(child)) list.push(child);
    children.set(parent, list);
  };
  const conditions = ctx.record.resources.filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
  const siblings: [fhir4.Condition, fhir4.Condition, string][] = [];
  for (const condition of conditions) {
    for (const { type, reference } of relatedProblemsOf(condition)) {
      const target = ctx.resolve<fhir4.Condition>({ reference });
      if (target?.resourceType !== 'Condition' || !['parent', 'child', 'sibling'].includes(type)) {
        ctx.onPartNotCarried(condition, { kind: 'related-problem', detail: `${type} ${reference}` });
      } else if (type === 'child') link(condition, target);
      else if (type === 'parent') link(target, condition);
      else siblings.push([condition, target, reference]);
    }
  }
  for (const [a, b, reference] of siblings) {
    const shareParent = [...children.values()].some((kids) => kids.includes(a) && kids.includes(b));
    if (!shareParent) ctx.onPartNotCarried(a, { kind: 'related-problem', detail: `sibling ${reference}` });
  }
  hierarchies.set(ctx, children);
  return children;
}

/** The problems the record says are children of this one (written as links to their LinkSets). */
export function childProblemsOf(ctx: BuildContext, condition: fhir4.Condition): fhir4.Condition[] {
  return problemHierarchy(ctx).get(condition) ?? [];
}

/** The ObservationStatement written for a problem that names no other item. */
export function writeProblemObservation(w: XmlWriter, ctx: BuildContext, condition: fhir4.Condition): string {
  const id = ctx.derivedId(`problem:${condition.id}`);
  w.element('ObservationStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, id);
    writeConcept(w, 'code', condition.code, { degraded: 'generic' });
    w.empty('statusCode', { code: 'COMPLETE' });
    w.element('effectiveTime', undefined, () => {
      const onset = condition.onsetDateTime;
      if (onset) writeTs(w, 'center', onset);
      else w.empty('center', { nullFlavor: 'UNK' });
    });
    writeTs(w, 'availabilityTime', condition.recordedDate ?? condition.onsetDateTime);
    ctx.writeConfidentiality(w, condition);
    writeParticipant(w, ctx, 'PRF', condition.asserter ?? condition.recorder);
  });
  return id;
}

function isInactive(condition: fhir4.Condition): boolean {
  const code = condition.clinicalStatus?.coding?.find((c) => c.code)?.code;
  return code === 'inactive' || code === 'resolved' || code === 'remission';
}

/**
 * A Condition as a LinkSet: its code says active or inactive (qualified "Significant" when major), it names the
 * problem's statement and links the related clinical content.
 */
export function writeProblem(
  w: XmlWriter,
  ctx: BuildContext,
  condition: fhir4.Condition,
  namedId: string,
  linked: fhir4.Resource[],
): void {
  const inactive = isInactive(condition);
  const major = (condition.extension ?? []).some(
    (e) => e.url === EXTENSIONS.problemSignificance && e.valueCode === 'major',
  );
  const code = inactive
    ? { code: PROBLEM_STATUS.inactive, codeSystem: OIDS.snomed, displayName: 'Inactive problem' }
    : { code: PROBLEM_STATUS.active, codeSystem: OIDS.snomed, displayName: 'Active problem' };
  w.element('LinkSet', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(condition));
    if (major) {
      w.element('code', code, () => {
        w.element('qualifier', { inverted: 'false' }, () => {
          w.empty('name', { code: MAJOR_SIGNIFICANCE, codeSystem: OIDS.snomed, displayName: 'Significant' });
        });
      });
    } else w.empty('code', code);
    w.empty('statusCode', { code: 'COMPLETE' });
    const onset = condition.onsetDateTime;
    const abatement = condition.abatementDateTime;
    if (onset || abatement) {
      w.element('effectiveTime', undefined, () => {
        if (onset) writeTs(w, 'low', onset);
        if (abatement) writeTs(w, 'high', abatement);
      });
    }
    writeTs(w, 'availabilityTime', condition.recordedDate ?? onset);
    ctx.writeConfidentiality(w, condition);
    // A child problem is linked by its own LinkSet: GP2GP's problem hierarchy.
    const children = childProblemsOf(ctx, condition).filter((c) => !linked.includes(c));
    for (const item of [...linked, ...children]) {
      w.element('component', { typeCode: 'COMP' }, () => {
        w.element('statementRef', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, ctx.xmlId(item)));
      });
    }
    w.element('conditionNamed', { typeCode: 'NAME', inversionInd: 'true' }, () => {
      w.element('namedStatementRef', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, namedId));
    });
    writeParticipant(w, ctx, 'PRF', condition.asserter ?? condition.recorder);
  });
}
