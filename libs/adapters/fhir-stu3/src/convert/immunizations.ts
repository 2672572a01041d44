/** Immunization (STU3 → R4): `notGiven` + `explanation` become status `not-done` + `statusReason`. */
import { header, patientOf } from './base.js';
import { careConnect, compact, isObject, type Source } from './context.js';
import { ReportBuilder } from './report.js';

const NULL_FLAVOR = /\/v3-NullFlavor$|\/v3\/NullFlavor$/;

/**
 * GP Connect providers often send the vaccine product as a NullFlavor and put what was given in the
 * VaccinationProcedure extension; R4 has no procedure element, so the procedure's codes then describe the vaccine.
 */
function vaccineCode(src: Source): fhir4.CodeableConcept {
  const product = src.concept('vaccineCode');
  const procedure = src
    .extension(careConnect('VaccinationProcedure'))
    .map((e) => src.ctx.concept(e['valueCodeableConcept'], 'Immunization.vaccinationProcedure'))
    .find((c) => c !== undefined);
  const unknownProduct = !product?.coding?.some((c) => !NULL_FLAVOR.test(c.system ?? ''));
  if (procedure && unknownProduct) return procedure;
  return product ?? procedure ?? { text: 'unknown' };
}

function explanation(src: Source): { statusReason?: fhir4.CodeableConcept; reasonCode?: fhir4.CodeableConcept[] } {
  const value = src.take('explanation');
  if (!isObject(value)) return {};
  const notGiven = Array.isArray(value['reasonNotGiven']) ? value['reasonNotGiven'] : [];
  if (notGiven.length > 1)
    ReportBuilder.count(src.ctx.report.droppedElements, 'Immunization.explanation.reasonNotGiven');
  const reasons = (Array.isArray(value['reason']) ? value['reason'] : [])
    .map((r) => src.ctx.concept(r, 'Immunization.explanation.reason'))
    .filter((r) => r !== undefined);
  return compact({
    statusReason: src.ctx.concept(notGiven[0], 'Immunization.explanation.reasonNotGiven'),
    reasonCode: reasons,
  });
}

/** STU3 practitioner `{ role, actor }` → R4 performer `{ function, actor }`. */
function performers(src: Source): fhir4.ImmunizationPerformer[] {
  const value = src.take('practitioner');
  return (Array.isArray(value) ? value.filter(isObject) : []).flatMap((p) => {
    const actor = src.ctx.convert(p['actor'], 'Immunization.practitioner.actor') as fhir4.Reference | undefined;
    if (!actor) return [];
    return [compact({ function: src.ctx.concept(p['role'], 'Immunization.practitioner.role'), actor })];
  });
}

/** STU3 vaccinationProtocol → R4 protocolApplied (R4 requires a dose number; an unrecorded one is "unknown"). */
function protocols(src: Source): fhir4.ImmunizationProtocolApplied[] {
  const value = src.take('vaccinationProtocol');
  return (Array.isArray(value) ? value.filter(isObject) : []).map((p) => {
    for (const dropped of ['description', 'doseStatus', 'doseStatusReason']) {
      if (p[dropped] !== undefined)
        ReportBuilder.count(src.ctx.report.droppedElements, `Immunization.vaccinationProtocol.${dropped}`);
    }
    const dose = p['doseSequence'];
    const doses = p['seriesDoses'];
    return compact({
      series: typeof p['series'] === 'string' ? p['series'] : undefined,
      authority: src.ctx.convert(p['authority'], 'Immunization.vaccinationProtocol.authority') as
        fhir4.Reference | undefined,
      targetDisease: (Array.isArray(p['targetDisease']) ? p['targetDisease'] : [])
        .map((t) => src.ctx.concept(t, 'Immunization.vaccinationProtocol.targetDisease'))
        .filter((t) => t !== undefined),
      ...(typeof dose === 'number' && dose > 0 ? { doseNumberPositiveInt: dose } : { doseNumberString: 'unknown' }),
      seriesDosesPositiveInt: typeof doses === 'number' && doses > 0 ? doses : undefined,
    });
  });
}

export function convertImmunization(src: Source, id: string): fhir4.Immunization {
  const notGiven = src.boolean('notGiven') === true;
  const status = src.string('status');
  const recorded = src
    .extension(careConnect('DateRecorded'))
    .map((e) => e['valueDateTime'])
    .find((d): d is string => typeof d === 'string');
  const date = src.string('date');
  const reactions = src.take('reaction');
  return compact({
    ...header(src, 'Immunization', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    status: status === 'entered-in-error' ? status : notGiven ? 'not-done' : 'completed',
    ...explanation(src),
    vaccineCode: vaccineCode(src),
    patient: patientOf(src, 'patient'),
    encounter: src.dt<fhir4.Reference>('encounter'),
    // R4 requires an occurrence; GP Connect allows an immunisation without a date.
    ...(date ? { occurrenceDateTime: date } : { occurrenceString: 'unknown' }),
    recorded,
    primarySource: src.boolean('primarySource'),
    reportOrigin: src.concept('reportOrigin'),
    location: src.dt<fhir4.Reference>('location'),
    manufacturer: src.dt<fhir4.Reference>('manufacturer'),
    lotNumber: src.string('lotNumber'),
    expirationDate: src.string('expirationDate'),
    site: src.concept('site'),
    route: src.concept('route'),
    doseQuantity: src.dt<fhir4.Quantity>('doseQuantity'),
    performer: performers(src),
    note: src.dt<fhir4.Annotation[]>('note'),
    reaction: src.ctx.convert(reactions, 'Immunization.reaction') as fhir4.ImmunizationReaction[] | undefined,
    protocolApplied: protocols(src),
  });
}
