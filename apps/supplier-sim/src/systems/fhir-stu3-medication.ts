/** A medication as GP Connect STU3 gives it: statement, authorisation, issues and the Medication. */
import { addDays } from '../generator/dates.js';
import type { Medication } from '../generator/model.js';
import { codeable, EXT, identifier, meta, practitionerRef, ref, type Json } from './fhir-stu3-common.js';
import { encounter, quantity, subject, UCUM, type ItemContext } from './fhir-stu3-items.js';

const PRESCRIPTION_TYPE = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescriptionType-1';

/**
 * A medication as GP Connect gives it: the Medication, the authorisation (MedicationRequest `plan`), one
 * MedicationRequest `order` per issue, and the MedicationStatement summarising them.
 */
export function renderMedication(m: Medication, ctx: ItemContext, includeIssues: boolean): Json[] {
  const medicationRef = ref('Medication', `${m.id}-MED`);
  const prescriber = practitionerRef(ctx.clinicians.get(m.prescriberSdsUserId), m.prescriberSdsUserId);
  const type = {
    url: EXT.prescriptionType,
    valueCodeableConcept: {
      coding: [{ system: PRESCRIPTION_TYPE, code: m.type, display: m.type === 'acute' ? 'Acute' : 'Repeat' }],
    },
  };
  const dispense = (start: string, q: { value: number; unit: string }, days: number) => ({
    validityPeriod: { start, end: addDays(start, days) },
    quantity: quantity(q, false),
    expectedSupplyDuration: { value: days, unit: 'day', system: UCUM, code: 'd' },
  });
  const lastIssue = m.issues[m.issues.length - 1];
  const status = m.status === 'active' ? 'active' : m.status === 'stopped' ? 'stopped' : 'completed';
  const common = (confidential: boolean, profile: string) => ({ meta: meta(profile, confidential) });
  const plan: Json = {
    resourceType: 'MedicationRequest',
    id: m.id,
    ...common(m.confidential, 'MedicationRequest'),
    extension: [
      type,
      ...(m.type === 'repeat'
        ? [
            {
              url: EXT.repeatInformation,
              extension: [
                ...(m.maxIssues !== undefined
                  ? [{ url: 'numberOfRepeatPrescriptionsAllowed', valueUnsignedInt: m.maxIssues }]
                  : []),
                { url: 'numberOfRepeatPrescriptionsIssued', valueUnsignedInt: m.issues.length },
              ],
            },
          ]
        : []),
      ...(m.status === 'stopped'
        ? [
            {
              url: EXT.statusReason,
              extension: [
                { url: 'statusReason', valueCodeableConcept: { text: 'Stopped by the prescriber' } },
                ...(m.endDate ? [{ url: 'statusChangeDate', valueDateTime: m.endDate }] : []),
              ],
            },
          ]
        : []),
    ],
    identifier: identifier(ctx.practice.ods, m.id),
    groupIdentifier: { value: m.id },
    status,
    intent: 'plan',
    medicationReference: medicationRef,
    subject: subject(ctx),
    ...(m.consultationId ? { context: encounter(m.consultationId) } : {}),
    authoredOn: m.date,
    requester: { agent: prescriber },
    recorder: prescriber,
    dosageInstruction: [{ text: m.dosage }],
    dispenseRequest: dispense(m.date, m.quantity, m.issues[0]?.daysSupply ?? 28),
  };
  const orders = includeIssues
    ? m.issues.map((issue) => ({
        resourceType: 'MedicationRequest',
        id: issue.id,
        ...common(m.confidential, 'MedicationRequest'),
        extension: [type],
        identifier: identifier(ctx.practice.ods, issue.id),
        basedOn: [ref('MedicationRequest', m.id)],
        groupIdentifier: { value: m.id },
        status: 'completed',
        intent: 'order',
        medicationReference: medicationRef,
        subject: subject(ctx),
        authoredOn: issue.date,
        requester: { agent: prescriber },
        recorder: prescriber,
        dosageInstruction: [{ text: m.dosage }],
        dispenseRequest: dispense(issue.date, issue.quantity, issue.daysSupply),
      }))
    : [];
  const statement: Json = {
    resourceType: 'MedicationStatement',
    id: `${m.id}-MS`,
    ...common(m.confidential, 'MedicationStatement'),
    extension: [
      ...(lastIssue ? [{ url: EXT.lastIssueDate, valueDateTime: lastIssue.date }] : []),
      {
        url: EXT.prescribingAgency,
        valueCodeableConcept: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescribingAgency-1',
              code: 'prescribed-at-gp-practice',
              display: 'Prescribed at GP practice',
            },
          ],
        },
      },
    ],
    identifier: identifier(ctx.practice.ods, `${m.id}-MS`),
    basedOn: [ref('MedicationRequest', m.id)],
    ...(m.consultationId ? { context: encounter(m.consultationId) } : {}),
    status,
    medicationReference: medicationRef,
    effectivePeriod: { start: m.date, ...(m.endDate ? { end: m.endDate } : {}) },
    dateAsserted: m.date,
    subject: subject(ctx),
    taken: 'unk',
    dosage: [{ text: m.dosage }],
  };
  const medication: Json = {
    resourceType: 'Medication',
    id: `${m.id}-MED`,
    meta: meta('Medication'),
    code: codeable(m.concept),
  };
  return [statement, plan, ...orders, medication];
}
