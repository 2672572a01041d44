/**
 * R4 → STU3 for medication: the reverse of medications.ts (GP Connect's prescription type, repeat information and
 * status reason extensions; `taken`; dosage dose and rate; `requester.agent`).
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import {
  compact,
  PRESCRIPTION_TYPE_SYSTEM,
  rest,
  STU3_EXT,
  stu3Header,
  toStu3Dosage,
  toStu3Requester,
  toStu3Value,
  type Json,
} from './to-stu3-base.js';

export function toStu3Medication(r: fhir4.Medication): Json {
  return compact({
    ...stu3Header(r, 'Medication'),
    code: toStu3Value(r.code),
    status: r.status,
    manufacturer: toStu3Value(r.manufacturer),
    form: toStu3Value(r.form),
    ingredient: r.ingredient?.map((i) => compact({ ...rest(i, ['strength']), amount: toStu3Value(i.strength) })),
    package: r.batch ? { batch: [toStu3Value(r.batch)] } : undefined,
  });
}

const STATEMENT_STATUSES = new Set(['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold']);

export function toStu3MedicationStatement(r: fhir4.MedicationStatement): Json {
  const notTaken = r.status === 'not-taken';
  return compact({
    ...stu3Header(r, 'MedicationStatement'),
    ...rest(r, ['status', 'statusReason', 'dosage', 'encounter']),
    status: notTaken ? 'completed' : STATEMENT_STATUSES.has(r.status) ? r.status : 'active',
    // STU3 requires `taken`; R4 only says when it was not.
    taken: notTaken ? 'n' : 'unk',
    reasonNotTaken: toStu3Value(r.statusReason),
    dosage: r.dosage?.map(toStu3Dosage),
  });
}

function prescriptionType(r: fhir4.MedicationRequest): Json | undefined {
  const code = r.extension?.find((e) => e.url === EXTENSIONS.prescriptionType)?.valueCode;
  return code
    ? { url: STU3_EXT.prescriptionType, valueCodeableConcept: { coding: [{ system: PRESCRIPTION_TYPE_SYSTEM, code }] } }
    : undefined;
}

function repeatInformation(r: fhir4.MedicationRequest): Json | undefined {
  const allowed = r.extension?.find((e) => e.url === EXTENSIONS.repeatInformation)?.valueUnsignedInt;
  return allowed === undefined
    ? undefined
    : {
        url: STU3_EXT.repeatInformation,
        extension: [{ url: 'numberOfRepeatPrescriptionsAllowed', valueUnsignedInt: allowed }],
      };
}

export function toStu3MedicationRequest(r: fhir4.MedicationRequest): Json {
  const header = stu3Header(r, 'MedicationRequest', [EXTENSIONS.prescriptionType, EXTENSIONS.repeatInformation]);
  const reason = r.statusReason
    ? {
        url: STU3_EXT.statusReason,
        extension: [{ url: 'statusReason', valueCodeableConcept: toStu3Value(r.statusReason) }],
      }
    : undefined;
  const extension = [
    ...((header['extension'] as Json[] | undefined) ?? []),
    prescriptionType(r),
    repeatInformation(r),
    reason,
  ].filter((e) => e !== undefined);
  return compact({
    ...header,
    extension,
    identifier: toStu3Value(r.identifier),
    basedOn: toStu3Value(r.basedOn),
    groupIdentifier: toStu3Value(r.groupIdentifier),
    status: r.status,
    intent: ['proposal', 'plan', 'order', 'instance-order'].includes(r.intent) ? r.intent : 'order',
    category: toStu3Value(r.category?.[0]),
    priority: r.priority,
    medicationCodeableConcept: toStu3Value(r.medicationCodeableConcept),
    medicationReference: toStu3Value(r.medicationReference),
    subject: toStu3Value(r.subject),
    context: toStu3Value(r.encounter),
    supportingInformation: toStu3Value(r.supportingInformation),
    authoredOn: r.authoredOn,
    requester: toStu3Requester(r.requester),
    recorder: toStu3Value(r.recorder),
    reasonCode: toStu3Value(r.reasonCode),
    reasonReference: toStu3Value(r.reasonReference),
    note: toStu3Value(r.note),
    dosageInstruction: r.dosageInstruction?.map(toStu3Dosage),
    dispenseRequest: toStu3Value(r.dispenseRequest),
    substitution:
      r.substitution?.allowedBoolean === undefined
        ? undefined
        : compact({ allowed: r.substitution.allowedBoolean, reason: toStu3Value(r.substitution.reason) }),
    priorPrescription: toStu3Value(r.priorPrescription),
    detectedIssue: toStu3Value(r.detectedIssue),
    eventHistory: toStu3Value(r.eventHistory),
  });
}
