import { courseOfTherapy, EXTENSIONS } from '@lloyd/adapters-core';
import type { NativeMedication } from './record-schema.js';
import {
  compact,
  concept,
  encounterOf,
  metaFor,
  quantity,
  reference,
  UCUM,
  type MappingContext,
} from './mapping-support.js';

/**
 * One medication authorisation becomes, as in GP Connect: a Medication (the Read v2 coded drug), a
 * MedicationStatement (the patient takes or took it), a MedicationRequest `plan` (the authorisation, acute or
 * repeat) and one MedicationRequest `order` per issue, based on the plan. All four share the item's id where the
 * native record has one id (they are different resource types); issues keep their own ids.
 */
export function mapMedication(ctx: MappingContext, m: NativeMedication): fhir4.Resource[] {
  const id = m['@id'];
  const meta = metaFor(m['@confidential']);
  const medicationReference = reference('Medication', id);
  const plan = reference('MedicationRequest', id);
  const requester = m.Prescriber ? ctx.practitioner(m.Prescriber['@sdsUserId']) : undefined;
  const dosage = m.Dosage ? [{ text: m.Dosage }] : undefined;
  const repeat = m['@type'] === 'repeat';
  const course = courseOfTherapy(repeat ? 'continuous' : 'acute');
  const prescriptionType: fhir4.Extension = { url: EXTENSIONS.prescriptionType, valueCode: m['@type'] };
  const encounter = encounterOf(ctx, m['@consultation']);
  const period = compact({ start: m['@date'], end: m['@endDate'] });

  const medication: fhir4.Medication = {
    resourceType: 'Medication',
    id,
    ...meta,
    code: concept(ctx, m),
  };

  const statement: fhir4.MedicationStatement = compact({
    resourceType: 'MedicationStatement' as const,
    id,
    ...meta,
    basedOn: [plan],
    status: m['@status'],
    medicationReference,
    subject: ctx.patient,
    context: encounter,
    effectivePeriod: period,
    dateAsserted: m['@date'],
    dosage,
  });

  const authorisation: fhir4.MedicationRequest = compact({
    resourceType: 'MedicationRequest' as const,
    id,
    ...meta,
    extension: [
      prescriptionType,
      ...(repeat && m['@maxIssues'] !== undefined
        ? [{ url: EXTENSIONS.repeatInformation, valueUnsignedInt: m['@maxIssues'] }]
        : []),
    ],
    status: m['@status'],
    intent: 'plan' as const,
    courseOfTherapyType: course,
    medicationReference,
    subject: ctx.patient,
    encounter,
    authoredOn: m['@date'],
    requester,
    dosageInstruction: dosage,
    dispenseRequest: compact({
      validityPeriod: period,
      quantity: m.Quantity ? quantity(m.Quantity['@value'], m.Quantity['@unit']) : undefined,
    }),
  });

  const issues = m.Issue.map((issue): fhir4.MedicationRequest =>
    compact({
      resourceType: 'MedicationRequest' as const,
      id: issue['@id'],
      ...meta,
      extension: [prescriptionType],
      basedOn: [plan],
      status: 'completed' as const,
      intent: 'order' as const,
      courseOfTherapyType: course,
      medicationReference,
      subject: ctx.patient,
      authoredOn: issue['@date'],
      requester,
      dosageInstruction: dosage,
      dispenseRequest: compact({
        validityPeriod: { start: issue['@date'] },
        quantity: quantity(issue['@quantity'], issue['@unit']),
        expectedSupplyDuration:
          issue['@days'] !== undefined ? { value: issue['@days'], unit: 'day', system: UCUM, code: 'd' } : undefined,
      }),
    }),
  );

  return [medication, statement, authorisation, ...issues];
}
