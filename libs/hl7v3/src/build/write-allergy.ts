import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import {
  writeAnnotations,
  writeId,
  writeInterval,
  writeParticipant,
  writeTs,
  type BuildContext,
} from './build-context.js';
import { inComponent } from './write-observation.js';

function isResolved(allergy: fhir4.AllergyIntolerance): boolean {
  const code = allergy.clinicalStatus?.coding?.find((c) => c.code)?.code;
  return code === 'resolved' || code === 'inactive';
}

/**
 * An AllergyIntolerance as GP2GP sends it: a CATEGORY compound statement headed `14L..00` (drug allergy) or
 * `SN53.00` (non-drug allergy) around the ObservationStatement that names the allergy. A resolved allergy has an end
 * to its effective time.
 */
export function writeAllergy(w: XmlWriter, ctx: BuildContext, allergy: fhir4.AllergyIntolerance): void {
  const drug = (allergy.category ?? []).includes('medication');
  const onset = allergy.onsetDateTime;
  const end = isResolved(allergy) ? (allergy.lastOccurrence ?? allergy.recordedDate ?? onset ?? ctx.now) : undefined;
  const period: fhir4.Period | undefined = end ? { ...(onset ? { start: onset } : {}), end } : undefined;
  const interval = (): void => writeInterval(w, 'effectiveTime', end ? undefined : onset, period);
  w.element('CompoundStatement', { classCode: 'CATEGORY', moodCode: 'EVN' }, () => {
    writeId(w, ctx.derivedId(`allergy:${allergy.id}`));
    w.empty(
      'code',
      drug
        ? { code: '14L..00', codeSystem: OIDS.readv2, displayName: 'H/O: drug allergy' }
        : { code: 'SN53.00', codeSystem: OIDS.readv2, displayName: 'Allergy, unspecified' },
    );
    w.empty('statusCode', { code: 'COMPLETE' });
    interval();
    writeTs(w, 'availabilityTime', allergy.recordedDate ?? onset);
    ctx.writeConfidentiality(w, allergy);
    inComponent(w, true, () => {
      w.element('ObservationStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
        writeId(w, ctx.xmlId(allergy));
        writeConcept(w, 'code', allergy.code, { degraded: drug ? 'drug-allergy' : 'non-drug-allergy' });
        w.empty('statusCode', { code: 'COMPLETE' });
        interval();
        writeTs(w, 'availabilityTime', allergy.recordedDate ?? onset);
        ctx.writeConfidentiality(w, allergy);
        writeAnnotations(w, allergy.note);
        writeParticipant(w, ctx, 'PRF', allergy.asserter ?? allergy.recorder);
      });
    });
  });
}
