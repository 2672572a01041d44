import { writeConcept } from '../datatypes/codeable-concept.js';
import { formatDecimal, writeQuantity } from '../datatypes/quantity.js';
import { fhirToTs } from '../datatypes/timestamp.js';
import { COMMENT_NOTE_CODE } from '../extract/statements/narrative.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import {
  writeAnnotations,
  writeId,
  writeInterval,
  writeParticipant,
  writeTs,
  type BuildContext,
} from './build-context.js';

/** `<component>` around a statement (nested components carry `contextConductionInd`). */
export function inComponent(w: XmlWriter, nested: boolean, body: () => void): void {
  w.element('component', nested ? { typeCode: 'COMP', contextConductionInd: 'true' } : { typeCode: 'COMP' }, body);
}

/** An Observation that only carries text (GP2GP NarrativeStatement). */
export function isCommentObservation(observation: fhir4.Observation): boolean {
  const comment = (observation.code.coding ?? []).some((c) => c.code === COMMENT_NOTE_CODE.code);
  const hasValue = Object.keys(observation).some((k) => k.startsWith('value'));
  return (
    comment && !hasValue && !observation.interpretation && !observation.hasMember && (observation.note ?? []).length > 0
  );
}

function effectiveOf(observation: fhir4.Observation): { point?: string; period?: fhir4.Period } {
  if (observation.effectiveDateTime) return { point: observation.effectiveDateTime };
  if (observation.effectiveInstant) return { point: observation.effectiveInstant };
  if (observation.effectivePeriod) return { period: observation.effectivePeriod };
  return {};
}

function writeValue(w: XmlWriter, observation: fhir4.Observation): void {
  if (observation.valueQuantity) writeQuantity(w, 'value', observation.valueQuantity, { 'xsi:type': 'PQ' });
  else if (observation.valueCodeableConcept) {
    writeConcept(w, 'value', observation.valueCodeableConcept, { degraded: 'none', attributes: { 'xsi:type': 'CD' } });
  } else if (observation.valueRange) {
    const range = observation.valueRange;
    w.element('value', { 'xsi:type': 'IVL_PQ' }, () => {
      if (range.low) writeQuantity(w, 'low', range.low);
      if (range.high) writeQuantity(w, 'high', range.high);
    });
  } else if (observation.valueBoolean !== undefined)
    w.empty('value', { 'xsi:type': 'BL', value: String(observation.valueBoolean) });
  else if (observation.valueInteger !== undefined)
    w.empty('value', { 'xsi:type': 'INT', value: String(observation.valueInteger) });
  else if (observation.valueDateTime && fhirToTs(observation.valueDateTime)) {
    w.empty('value', { 'xsi:type': 'TS', value: fhirToTs(observation.valueDateTime) });
  } else {
    const text = observation.valueString ?? textOfOtherValue(observation);
    if (text !== undefined) w.text('value', text, { 'xsi:type': 'ST' });
  }
}

function textOfOtherValue(observation: fhir4.Observation): string | undefined {
  if (observation.valueTime) return observation.valueTime;
  if (observation.valueDateTime) return observation.valueDateTime;
  if (observation.valueRatio) {
    const n = observation.valueRatio.numerator?.value;
    const d = observation.valueRatio.denominator?.value;
    if (n !== undefined && d !== undefined) return `${formatDecimal(n)}:${formatDecimal(d)}`;
  }
  return undefined;
}

function writeReferenceRanges(w: XmlWriter, ranges: fhir4.ObservationReferenceRange[] | undefined): void {
  for (const range of ranges ?? []) {
    if (!range.low && !range.high && !range.text) continue;
    w.element('referenceRange', { typeCode: 'REFV' }, () => {
      w.element('referenceInterpretationRange', { classCode: 'OBS', moodCode: 'EVN.CRT' }, () => {
        if (range.text) w.text('text', range.text);
        if (range.low || range.high) {
          w.element('value', undefined, () => {
            if (range.low) writeQuantity(w, 'low', range.low);
            else if (range.high) writeQuantity(w, 'high', range.high);
            if (range.low && range.high) writeQuantity(w, 'high', range.high);
          });
        }
      });
    });
  }
}

/** An Observation as an ObservationStatement. */
export function writeObservationStatement(w: XmlWriter, ctx: BuildContext, observation: fhir4.Observation): void {
  const { point, period } = effectiveOf(observation);
  w.element('ObservationStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(observation));
    writeConcept(w, 'code', observation.code, { degraded: 'generic' });
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', point, period);
    writeTs(w, 'availabilityTime', point ?? period?.start ?? period?.end);
    ctx.writeConfidentiality(w, observation);
    writeValue(w, observation);
    const interpretation = observation.interpretation?.[0];
    if (interpretation)
      writeConcept(w, 'interpretationCode', interpretation, { degraded: 'none', translations: false });
    writeAnnotations(w, observation.note);
    writeReferenceRanges(w, observation.referenceRange);
    writeParticipant(w, ctx, 'PRF', observation.performer?.[0]);
  });
}

/** A comment Observation as a NarrativeStatement. */
export function writeCommentStatement(w: XmlWriter, ctx: BuildContext, observation: fhir4.Observation): void {
  const { point, period } = effectiveOf(observation);
  w.element('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(observation));
    w.text('text', (observation.note ?? []).map((n) => n.text).join('\n\n'));
    w.empty('statusCode', { code: 'COMPLETE' });
    writeTs(w, 'availabilityTime', point ?? period?.start);
    ctx.writeConfidentiality(w, observation);
    writeParticipant(w, ctx, 'PRF', observation.performer?.[0]);
  });
}

/** A free-text note inside a battery or report. */
export function writeNoteStatement(
  w: XmlWriter,
  ctx: BuildContext,
  seed: string,
  text: string,
  when: string | undefined,
  confidentialOf?: fhir4.Resource,
): void {
  w.element('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.derivedId(seed));
    w.text('text', text);
    w.empty('statusCode', { code: 'COMPLETE' });
    writeTs(w, 'availabilityTime', when);
    ctx.writeConfidentiality(w, confidentialOf);
  });
}

/**
 * An Observation with its members: a grouping Observation (`hasMember`) is a BATTERY compound statement whose
 * components are the members (recursively) and whose notes are NarrativeStatements; others are single statements.
 */
export function writeObservationTree(
  w: XmlWriter,
  ctx: BuildContext,
  observation: fhir4.Observation,
  written: Set<fhir4.Resource>,
  nested = false,
): void {
  written.add(observation);
  const members = (observation.hasMember ?? [])
    .map((m) => ctx.resolve<fhir4.Observation>(m))
    .filter((m): m is fhir4.Observation => m?.resourceType === 'Observation' && !written.has(m));
  const comment = members.length === 0 && isCommentObservation(observation);
  if (members.length === 0 && !(comment && nested)) {
    if (comment) writeCommentStatement(w, ctx, observation);
    else writeObservationStatement(w, ctx, observation);
    return;
  }
  // A comment inside a report or battery is kept as a cluster of its own: a bare NarrativeStatement there would be
  // read back as a comment on its parent rather than as an item.
  const { point, period } = effectiveOf(observation);
  w.element('CompoundStatement', { classCode: comment ? 'CLUSTER' : 'BATTERY', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(observation));
    writeConcept(w, 'code', observation.code, { degraded: 'generic' });
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', point, period);
    writeTs(w, 'availabilityTime', point ?? period?.start ?? period?.end);
    ctx.writeConfidentiality(w, observation);
    for (const member of members) {
      if (written.has(member)) continue;
      inComponent(w, true, () => writeObservationTree(w, ctx, member, written, true));
    }
    (observation.note ?? []).forEach((note, i) => {
      inComponent(w, true, () =>
        writeNoteStatement(w, ctx, `note:${observation.id}:${i}`, note.text, point ?? period?.start, observation),
      );
    });
    writeParticipant(w, ctx, 'PRF', observation.performer?.[0]);
  });
}

/** An Immunization as the ObservationStatement GP2GP carries vaccinations in. */
export function writeImmunization(w: XmlWriter, ctx: BuildContext, immunization: fhir4.Immunization): void {
  const when = immunization.occurrenceDateTime;
  w.element('ObservationStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(immunization));
    writeConcept(w, 'code', immunization.vaccineCode, { degraded: 'generic' });
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', when);
    writeTs(w, 'availabilityTime', immunization.recorded ?? when);
    ctx.writeConfidentiality(w, immunization);
    writeAnnotations(w, [...notGivenNotes(immunization), ...(immunization.note ?? [])]);
    writeParticipant(w, ctx, 'PRF', immunization.performer?.[0]?.actor);
  });
}

/**
 * GP2GP has no field for a vaccination that was not given; suppliers say so in the statement's text, in this form,
 * and the parser reads it back (`NOT_GIVEN_NOTE`), so a declined vaccination never arrives as a given one.
 */
function notGivenNotes(immunization: fhir4.Immunization): fhir4.Annotation[] {
  if (immunization.status !== 'not-done') return [];
  const reason = immunization.statusReason?.text ?? immunization.statusReason?.coding?.[0]?.display;
  return [{ text: `${NOT_GIVEN_NOTE}${reason ? ` Reason not given: ${reason}` : ''}` }];
}

export const NOT_GIVEN_NOTE = 'Status: not given';
