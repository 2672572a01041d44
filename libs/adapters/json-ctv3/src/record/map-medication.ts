/**
 * A medication entry becomes GP Connect's medication structure, in R4: a Medication (the coded drug), a
 * MedicationStatement (what the patient takes), a MedicationRequest `plan` (the authorisation) and one
 * MedicationRequest `order` per issue, based on the plan.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { compact } from '../compact.js';
import type { EntryOf } from '../native.js';
import {
  codeableConcept,
  confidentialMeta,
  fhirDate,
  practitionerRef,
  reference,
  type EntryContext,
} from './context.js';

type MedicationEntry = EntryOf<'medication'>;

const STATEMENT_STATUS: Record<MedicationEntry['status'], fhir4.MedicationStatement['status']> = {
  active: 'active',
  completed: 'completed',
  discontinued: 'stopped',
};
const REQUEST_STATUS: Record<MedicationEntry['status'], fhir4.MedicationRequest['status']> = {
  active: 'active',
  completed: 'completed',
  discontinued: 'stopped',
};
const PRESCRIPTION_TYPE: Record<MedicationEntry['prescriptionType'], string> = {
  acute: 'acute',
  repeat: 'repeat',
  repeatDispensing: 'repeat-dispensing',
};

function quantity(amount: MedicationEntry['quantity']): fhir4.Quantity | undefined {
  return amount ? compact({ value: amount.value, unit: amount.units || undefined }) : undefined;
}

export function mapMedication(e: MedicationEntry, ctx: EntryContext): fhir4.Resource[] {
  const meta = confidentialMeta(ctx.confidential);
  const medication = reference('Medication', e.entryId);
  const plan = reference('MedicationRequest', e.entryId);
  const requester = practitionerRef(e.prescriber?.userId) ?? ctx.clinician;
  const dosage = e.dosage ? [{ text: e.dosage }] : undefined;
  const start = fhirDate(e.date);
  const end = e.endDate ? fhirDate(e.endDate) : undefined;
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
    code: codeableConcept(e.readCode, e.text, ctx.ods),
  });

  const statement: fhir4.MedicationStatement = compact({
    resourceType: 'MedicationStatement' as const,
    id: e.entryId,
    meta,
    basedOn: [plan],
    status: STATEMENT_STATUS[e.status],
    medicationReference: medication,
    subject: ctx.patient,
    context: ctx.encounter,
    effectivePeriod: compact({ start, end }),
    dateAsserted: start,
    informationSource: requester,
    dosage,
  });

  const authorisation: fhir4.MedicationRequest = compact({
    resourceType: 'MedicationRequest' as const,
    id: e.entryId,
    meta,
    extension: [prescriptionType, repeatInformation].filter((x) => x !== undefined),
    status: REQUEST_STATUS[e.status],
    intent: 'plan' as const,
    medicationReference: medication,
    subject: ctx.patient,
    encounter: ctx.encounter,
    authoredOn: start,
    requester,
    dosageInstruction: dosage,
    dispenseRequest: compact({ validityPeriod: compact({ start, end }), quantity: quantity(e.quantity) }),
  });

  const orders = e.issues.map((issue): fhir4.MedicationRequest =>
    compact({
      resourceType: 'MedicationRequest' as const,
      id: issue.issueId,
      meta,
      extension: [prescriptionType],
      basedOn: [plan],
      status: 'completed' as const,
      intent: 'order' as const,
      medicationReference: medication,
      subject: ctx.patient,
      encounter: ctx.encounter,
      authoredOn: fhirDate(issue.date),
      requester,
      dosageInstruction: dosage,
      dispenseRequest: compact({
        validityPeriod: { start: fhirDate(issue.date) },
        quantity: quantity(issue.quantity),
        expectedSupplyDuration:
          issue.durationDays !== undefined
            ? { value: issue.durationDays, unit: 'day', system: 'http://unitsofmeasure.org', code: 'd' }
            : undefined,
      }),
    }),
  );

  return [drug, statement, authorisation, ...orders];
}
