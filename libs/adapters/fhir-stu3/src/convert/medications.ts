/** Medication, MedicationStatement and MedicationRequest (plan = authorisation, order = issue), STU3 → R4. */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { encounterOnly, header, patientOf, requesterAgent } from './base.js';
import { careConnect, compact, isObject, subExtension, type ConversionContext, type Source } from './context.js';
import { ReportBuilder } from './report.js';

type Json = Record<string, unknown>;

/** STU3 Dosage → R4: dose and rate move into `doseAndRate`. */
export function convertDosage(value: unknown, ctx: ConversionContext, path: string): fhir4.Dosage | undefined {
  if (!isObject(value)) return undefined;
  const { doseQuantity, doseRange, rateRatio, rateRange, rateQuantity, ...rest } = value;
  const dosage = (ctx.convert(rest, path) as fhir4.Dosage | undefined) ?? {};
  const doseAndRate = compact({
    doseQuantity: ctx.convert(doseQuantity, `${path}.doseQuantity`) as fhir4.Quantity | undefined,
    doseRange: ctx.convert(doseRange, `${path}.doseRange`) as fhir4.Range | undefined,
    rateRatio: ctx.convert(rateRatio, `${path}.rateRatio`) as fhir4.Ratio | undefined,
    rateRange: ctx.convert(rateRange, `${path}.rateRange`) as fhir4.Range | undefined,
    rateQuantity: ctx.convert(rateQuantity, `${path}.rateQuantity`) as fhir4.Quantity | undefined,
  });
  if (Object.keys(doseAndRate).length > 0) dosage.doseAndRate = [doseAndRate];
  return Object.keys(dosage).length > 0 ? dosage : undefined;
}

function dosages(src: Source, key: string): fhir4.Dosage[] | undefined {
  const value = src.take(key);
  const list = (Array.isArray(value) ? value : [])
    .map((d) => convertDosage(d, src.ctx, `${src.type}.${key}`))
    .filter((d) => d !== undefined);
  return list.length > 0 ? list : undefined;
}

/** medicationCodeableConcept / medicationReference. */
function medication(src: Source) {
  return {
    medicationCodeableConcept: src.concept('medicationCodeableConcept'),
    medicationReference: src.dt<fhir4.Reference>('medicationReference'),
  };
}

export function convertMedication(src: Source, id: string): fhir4.Medication {
  for (const key of ['isBrand', 'isOverTheCounter', 'image'] as const) {
    if (src.take(key) !== undefined) ReportBuilder.count(src.ctx.report.droppedElements, `Medication.${key}`);
  }
  const ingredients = src.take('ingredient');
  const pack = src.take('package');
  const batch = isObject(pack) && Array.isArray(pack['batch']) ? pack['batch'].find(isObject) : undefined;
  if (isObject(pack) && (pack['container'] !== undefined || pack['content'] !== undefined))
    ReportBuilder.count(src.ctx.report.droppedElements, 'Medication.package');
  return compact({
    ...header(src, 'Medication', id),
    code: src.concept('code'),
    status: src.dt<fhir4.Medication['status']>('status'),
    manufacturer: src.dt<fhir4.Reference>('manufacturer'),
    form: src.concept('form'),
    ingredient: (Array.isArray(ingredients) ? ingredients.filter(isObject) : [])
      .map(({ amount, ...rest }: Json) =>
        compact({
          ...(src.ctx.convert(rest, 'Medication.ingredient') as Partial<fhir4.MedicationIngredient> | undefined),
          strength: src.ctx.convert(amount, 'Medication.ingredient.amount') as fhir4.Ratio | undefined,
        }),
      )
      // R4 requires the ingredient's item.
      .filter((i) => i.itemCodeableConcept !== undefined || i.itemReference !== undefined),
    batch: src.ctx.convert(batch, 'Medication.package.batch') as fhir4.MedicationBatch | undefined,
  });
}

export function convertMedicationStatement(src: Source, id: string): fhir4.MedicationStatement {
  const taken = src.string('taken');
  // R4 removed `taken`: "not taken" became a status, the other answers have no equivalent.
  if (taken !== undefined && taken !== 'n')
    ReportBuilder.count(src.ctx.report.droppedElements, 'MedicationStatement.taken');
  const status = taken === 'n' ? 'not-taken' : (src.string('status') ?? 'unknown');
  const lastIssued = src
    .extension(careConnect('MedicationStatementLastIssueDate'))
    .map((e) => e['valueDateTime'])
    .find((v): v is string => typeof v === 'string' && v !== '');
  return compact({
    ...header(src, 'MedicationStatement', id),
    extension: lastIssued ? [{ url: EXTENSIONS.lastIssueDate, valueDateTime: lastIssued }] : undefined,
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    partOf: src.dt<fhir4.Reference[]>('partOf'),
    status: status as fhir4.MedicationStatement['status'],
    statusReason: src.concepts('reasonNotTaken'),
    category: src.concept('category'),
    ...medication(src),
    subject: patientOf(src, 'subject'),
    context: src.dt<fhir4.Reference>('context'),
    effectiveDateTime: src.string('effectiveDateTime'),
    effectivePeriod: src.dt<fhir4.Period>('effectivePeriod'),
    dateAsserted: src.string('dateAsserted'),
    informationSource: src.dt<fhir4.Reference>('informationSource'),
    derivedFrom: src.dt<fhir4.Reference[]>('derivedFrom'),
    reasonCode: src.concepts('reasonCode'),
    reasonReference: src.dt<fhir4.Reference[]>('reasonReference'),
    note: src.dt<fhir4.Annotation[]>('note'),
    dosage: dosages(src, 'dosage'),
  });
}

const COURSE_OF_THERAPY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';

/** GP Connect's PrescriptionType → the canonical extension (a code) and R4's course of therapy. */
function prescriptionType(src: Source): { extension?: fhir4.Extension; course?: fhir4.CodeableConcept } {
  const code = src
    .extension(careConnect('PrescriptionType'))
    .flatMap((e) => (isObject(e['valueCodeableConcept']) ? [e['valueCodeableConcept']] : []))
    .flatMap((c) => (Array.isArray(c['coding']) ? c['coding'].filter(isObject) : []))
    .map((c) => c['code'])
    .find((c): c is string => typeof c === 'string' && c !== '');
  if (code === undefined) return {};
  const course = code === 'acute' ? 'acute' : code.startsWith('repeat') ? 'continuous' : undefined;
  return {
    extension: { url: EXTENSIONS.prescriptionType, valueCode: code },
    ...(course ? { course: { coding: [{ system: COURSE_OF_THERAPY, code: course }] } } : {}),
  };
}

/**
 * GP Connect's MedicationRepeatInformation → the canonical extension, which carries the number of issues allowed;
 * the issued count and expiry date have no canonical place and are counted as dropped.
 */
function repeatInformation(src: Source): fhir4.Extension | undefined {
  const ext = src.extension(careConnect('MedicationRepeatInformation'))[0];
  if (!ext) return undefined;
  for (const part of ['numberOfRepeatPrescriptionsIssued', 'authorisationExpiryDate']) {
    if (subExtension(ext, part) !== undefined) src.ctx.dropExtensions([{ url: `${String(ext['url'])}#${part}` }]);
  }
  const allowed = subExtension(ext, 'numberOfRepeatPrescriptionsAllowed')?.['valueUnsignedInt'];
  return typeof allowed === 'number' ? { url: EXTENSIONS.repeatInformation, valueUnsignedInt: allowed } : undefined;
}

/** GP Connect's MedicationStatusReason → R4 `statusReason` (the date of the change has no R4 element). */
function statusReason(src: Source): fhir4.CodeableConcept | undefined {
  const ext = src.extension(careConnect('MedicationStatusReason'))[0];
  if (!ext) return undefined;
  if (subExtension(ext, 'statusChangeDate') !== undefined)
    src.ctx.dropExtensions([{ url: `${String(ext['url'])}#statusChangeDate` }]);
  return src.ctx.concept(subExtension(ext, 'statusReason')?.['valueCodeableConcept'], 'MedicationRequest.statusReason');
}

export function convertMedicationRequest(src: Source, id: string): fhir4.MedicationRequest {
  const type = prescriptionType(src);
  const extension = [type.extension, repeatInformation(src)].filter((e) => e !== undefined);
  const substitution = src.take('substitution');
  if (src.take('definition') !== undefined)
    ReportBuilder.count(src.ctx.report.droppedElements, 'MedicationRequest.definition');
  return compact({
    ...header(src, 'MedicationRequest', id),
    extension,
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    groupIdentifier: src.dt<fhir4.Identifier>('groupIdentifier'),
    status: (src.string('status') ?? 'unknown') as fhir4.MedicationRequest['status'],
    statusReason: statusReason(src),
    intent: (src.string('intent') ?? 'order') as fhir4.MedicationRequest['intent'],
    // STU3 has one category, R4 a list.
    category: src.concepts('category'),
    priority: src.dt<fhir4.MedicationRequest['priority']>('priority'),
    ...medication(src),
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    supportingInformation: src.dt<fhir4.Reference[]>('supportingInformation'),
    authoredOn: src.string('authoredOn'),
    requester: requesterAgent(src),
    recorder: src.dt<fhir4.Reference>('recorder'),
    reasonCode: src.concepts('reasonCode'),
    reasonReference: src.dt<fhir4.Reference[]>('reasonReference'),
    courseOfTherapyType: type.course,
    note: src.dt<fhir4.Annotation[]>('note'),
    dosageInstruction: dosages(src, 'dosageInstruction'),
    dispenseRequest: src.dt<fhir4.MedicationRequestDispenseRequest>('dispenseRequest'),
    // R4 requires `allowed[x]`; a substitution without it says nothing.
    substitution:
      isObject(substitution) && typeof substitution['allowed'] === 'boolean'
        ? compact({
            allowedBoolean: substitution['allowed'],
            reason: src.ctx.concept(substitution['reason'], 'MedicationRequest.substitution.reason'),
          })
        : undefined,
    priorPrescription: src.dt<fhir4.Reference>('priorPrescription'),
    detectedIssue: src.dt<fhir4.Reference[]>('detectedIssue'),
    eventHistory: src.dt<fhir4.Reference[]>('eventHistory'),
  });
}
