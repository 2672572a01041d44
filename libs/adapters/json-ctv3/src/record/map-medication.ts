/**
 * A medication entry becomes GP Connect's medication structure, in R4: a Medication (the coded drug), a
 * MedicationStatement (what the patient takes), a MedicationRequest `plan` (the authorisation) and one
 * MedicationRequest `order` per issue, based on the plan. The first three share the entry's id (they are different
 * resource types); issues keep their own ids. The same shapes as the XML/Read v2 adapter's.
 */
import { compact, courseOfTherapy, EXTENSIONS } from '@lloyd/adapters-core';
import type { EntryOf } from '../native.js';
import {
  codeableConcept,
  confidentialMeta,
  fhirDate,
  practitionerRef,
  quantity,
  reference,
  UCUM,
  type EntryContext,
} from './context.js';

type MedicationEntry = EntryOf<'medication'>;

const STATUS: Record<MedicationEntry['status'], 'active' | 'completed' | 'stopped'> = {
  active: 'active',
  completed: 'completed',
  discontinued: 'stopped',
};
const PRESCRIPTION_TYPE: Record<MedicationEntry['prescriptionType'], string> = {
  acute: 'acute',
  repeat: 'repeat',
  repeatDispensing: 'repeat-dispensing',
};

function amount(value: MedicationEntry['quantity']): fhir4.Quantity | undefined {
  return value ? quantity(value.value, value.units) : undefined;
}

export function mapMedication(e: MedicationEntry, ctx: EntryContext): fhir4.Resource[] {
  const meta = confidentialMeta(ctx.confidential);
  const medication = reference('Medication', e.entryId);
  const plan = reference('MedicationRequest', e.entryId);
  const requester = practitionerRef(e.prescriber?.userId);
  const dosage = e.dosage ? [{ text: e.dosage }] : undefined;
  const course = courseOfTherapy(e.prescriptionType === 'acute' ? 'acute' : 'continuous');
  const start = fhirDate(e.date);
  const period = compact({ start, end: e.endDate ? fhirDate(e.endDate) : undefined });
  const prescriptionType: fhir4.Extension = {
    url: EXTENSIONS.prescriptionType,
    valueCode: PRESCRIPTION_TYPE[e.prescriptionType],
  };
  const repeatInformation: fhir4.Extension | undefined =
    e.prescriptionType !== 'acute' && e.maxIssues !== undefined
      ? { url: EXTENSIONS.repeatInformation, valueUnsignedInt: e.maxIssues }
      : undefined;

  const drug: fhir4.Medication = compact({
    resourceType: 'Medication' as const,
    id: e.entryId,
    meta,
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
  });

  const statement: fhir4.MedicationStatement = compact({
    resourceType: 'MedicationStatement' as const,
    id: e.entryId,
    meta,
    basedOn: [plan],
    status: STATUS[e.status],
    medicationReference: medication,
    subject: ctx.patient,
    context: ctx.encounter,
    effectivePeriod: period,
    dateAsserted: start,
    dosage,
  });

  const authorisation: fhir4.MedicationRequest = compact({
    resourceType: 'MedicationRequest' as const,
    id: e.entryId,
    meta,
    extension: [prescriptionType, repeatInformation].filter((x) => x !== undefined),
    status: STATUS[e.status],
    intent: 'plan' as const,
    courseOfTherapyType: course,
    medicationReference: medication,
    subject: ctx.patient,
    encounter: ctx.encounter,
    authoredOn: start,
    requester,
    dosageInstruction: dosage,
    dispenseRequest: compact({ validityPeriod: period, quantity: amount(e.quantity) }),
  });

  // Issues are made later than the consultation that authorised them, so they do not point at it.
  const orders = e.issues.map((issue): fhir4.MedicationRequest =>
    compact({
      resourceType: 'MedicationRequest' as const,
      id: issue.issueId,
      meta,
      extension: [prescriptionType],
      basedOn: [plan],
      status: 'completed' as const,
      intent: 'order' as const,
      courseOfTherapyType: course,
      medicationReference: medication,
      subject: ctx.patient,
      authoredOn: fhirDate(issue.date),
      requester,
      dosageInstruction: dosage,
      dispenseRequest: compact({
        validityPeriod: { start: fhirDate(issue.date) },
        quantity: amount(issue.quantity),
        expectedSupplyDuration:
          issue.durationDays !== undefined
            ? { value: issue.durationDays, unit: 'day', system: UCUM, code: 'd' }
            : undefined,
      }),
    }),
  );

  return [drug, statement, authorisation, ...orders];
}
