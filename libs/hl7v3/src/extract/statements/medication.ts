import { courseOfTherapy, EXTENSIONS } from '@lloyd/adapters-core';
import { parseConcept } from '../../datatypes/codeable-concept.js';
import { parseDecimal, parseQuantity } from '../../datatypes/quantity.js';
import { attr, child, childText, children, path, type XNode } from '../../xml/xml-tree.js';
import {
  availability,
  edText,
  parseInterval,
  participants,
  put,
  statementId,
  statementMeta,
  type CompositionScope,
} from '../statement-common.js';

/** Annotation text Lloyd writes so the GP Connect prescription type survives a GP2GP transfer. */
const PRESCRIPTION_TYPE_NOTE = /^Prescription type: (acute|repeat|repeat-dispensing)$/;

export function prescriptionTypeNote(type: string): string {
  return `Prescription type: ${type}`;
}

interface MedicationParts {
  scope: CompositionScope;
  statement: XNode;
  meta: fhir4.Meta | undefined;
  medication: fhir4.Reference;
  dosage: fhir4.Dosage[] | undefined;
  requester: fhir4.Reference | undefined;
}

const REQUEST_STATUS: Readonly<Record<string, fhir4.MedicationRequest['status']>> = {
  ACTIVE: 'active',
  COMPLETE: 'completed',
  NULLIFIED: 'entered-in-error',
  SUSPENDED: 'on-hold',
};

function requestStatus(code: string | undefined): fhir4.MedicationRequest['status'] {
  return (code && REQUEST_STATUS[code]) || 'unknown';
}

function supplyNotes(supply: XNode): { notes: fhir4.Annotation[]; prescriptionType?: string } {
  const notes: fhir4.Annotation[] = [];
  let prescriptionType: string | undefined;
  for (const p of children(supply, 'pertinentInformation')) {
    const text = childText(child(p, 'pertinentSupplyAnnotation'), 'text');
    if (!text) continue;
    const typed = PRESCRIPTION_TYPE_NOTE.exec(text);
    if (typed) prescriptionType = typed[1];
    else notes.push({ text });
  }
  return prescriptionType ? { notes, prescriptionType } : { notes };
}

function dispenseRequest(
  supply: XNode,
  validity: fhir4.Period | undefined,
): fhir4.MedicationRequestDispenseRequest | undefined {
  const request: fhir4.MedicationRequestDispenseRequest = {};
  put(request, 'validityPeriod', validity);
  put(request, 'quantity', parseQuantity(child(supply, 'quantity')));
  return Object.keys(request).length > 0 ? request : undefined;
}

function period(node: XNode | undefined): fhir4.Period | undefined {
  const interval = parseInterval(node);
  const out: fhir4.Period = {};
  put(out, 'start', interval.low ?? interval.center);
  put(out, 'end', interval.high);
  return out.start || out.end ? out : undefined;
}

function authorisation(parts: MedicationParts, supply: XNode, statementPeriod: fhir4.Period | undefined): void {
  const { scope, statement } = parts;
  const ctx = scope.ctx;
  const supplyId = statementId(supply);
  const id = ctx.uniqueId('MedicationRequest', supplyId, `auth-${ctx.resources.length}`);
  const repeatNumber = parseDecimal(attr(child(supply, 'repeatNumber'), 'value'));
  const { notes, prescriptionType } = supplyNotes(supply);
  const type = prescriptionType ?? (repeatNumber !== undefined && repeatNumber >= 2 ? 'repeat' : 'acute');
  const extension: fhir4.Extension[] = [{ url: EXTENSIONS.prescriptionType, valueCode: type }];
  if (repeatNumber !== undefined && Number.isInteger(repeatNumber) && repeatNumber >= 0) {
    extension.push({ url: EXTENSIONS.repeatInformation, valueUnsignedInt: repeatNumber });
  }
  const validity = period(child(supply, 'effectiveTime')) ?? statementPeriod;
  const request: fhir4.MedicationRequest = {
    resourceType: 'MedicationRequest',
    id,
    extension,
    status: requestStatus(attr(child(supply, 'statusCode'), 'code') ?? attr(child(statement, 'statusCode'), 'code')),
    intent: 'plan',
    courseOfTherapyType: courseOfTherapy(type === 'acute' ? 'acute' : 'continuous'),
    medicationReference: parts.medication,
    subject: ctx.patientRef,
  };
  put(request, 'meta', parts.meta);
  put(request, 'encounter', scope.encounter);
  put(request, 'authoredOn', availability(supply) ?? availability(statement));
  put(request, 'requester', parts.requester);
  put(request, 'note', notes);
  put(request, 'dosageInstruction', parts.dosage);
  put(request, 'dispenseRequest', dispenseRequest(supply, validity));
  ctx.add(request, supplyId);

  const msId = ctx.uniqueId('MedicationStatement', statementId(statement), id);
  const medicationStatement: fhir4.MedicationStatement = {
    resourceType: 'MedicationStatement',
    id: msId,
    basedOn: [{ reference: `MedicationRequest/${id}` }],
    status: request.status === 'active' ? 'active' : request.status === 'completed' ? 'completed' : 'unknown',
    medicationReference: parts.medication,
    subject: ctx.patientRef,
  };
  put(medicationStatement, 'meta', parts.meta);
  put(medicationStatement, 'context', scope.encounter);
  put(medicationStatement, 'effectivePeriod', statementPeriod ?? validity);
  put(medicationStatement, 'dateAsserted', availability(statement) ?? request.authoredOn);
  put(medicationStatement, 'informationSource', parts.requester);
  put(medicationStatement, 'dosage', parts.dosage);
  ctx.add(medicationStatement, statementId(statement));
}

function prescription(parts: MedicationParts, supply: XNode, statementPeriod: fhir4.Period | undefined): void {
  const { scope } = parts;
  const ctx = scope.ctx;
  const supplyId = statementId(supply);
  const { notes, prescriptionType } = supplyNotes(supply);
  const request: fhir4.MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: ctx.uniqueId('MedicationRequest', supplyId, `issue-${ctx.resources.length}`),
    status: 'completed',
    intent: 'order',
    medicationReference: parts.medication,
    subject: ctx.patientRef,
  };
  if (prescriptionType) request.extension = [{ url: EXTENSIONS.prescriptionType, valueCode: prescriptionType }];
  put(request, 'meta', parts.meta);
  put(request, 'encounter', scope.encounter);
  const basedOn = attr(path(supply, 'inFulfillmentOf', 'priorMedicationRef', 'id'), 'root')?.trim();
  if (basedOn) request.basedOn = [{ reference: `MedicationRequest/${basedOn}` }];
  put(request, 'authoredOn', availability(supply) ?? availability(parts.statement));
  put(request, 'requester', parts.requester);
  put(request, 'note', notes);
  put(request, 'dosageInstruction', parts.dosage);
  put(request, 'dispenseRequest', dispenseRequest(supply, statementPeriod));
  ctx.add(request, supplyId);
}

/**
 * A MedicationStatement: its drug becomes a Medication; an authorisation (`ehrSupplyAuthorise`) a MedicationRequest
 * with intent `plan` plus the MedicationStatement based on it; an issue (`ehrSupplyPrescribe`) a MedicationRequest
 * with intent `order` based on the authorisation it fulfils; a discontinuation stops the authorisation it reverses.
 */
export function translateMedicationStatement(scope: CompositionScope, statement: XNode): void {
  const ctx = scope.ctx;
  const material = path(statement, 'consumable', 'manufacturedProduct', 'manufacturedMaterial');
  const code = parseConcept(child(material, 'code')) ?? { text: 'Unknown medication' };
  const meta = statementMeta(scope, statement);
  // Every MedicationStatement of an extract names its drug again (each issue is a statement of its own), so a drug
  // becomes one Medication, which every statement naming it in the same way (code, text, confidentiality) shares.
  const drugKey = JSON.stringify([code, meta ?? null]);
  let medicationId = ctx.medicationIds.get(drugKey);
  if (!medicationId) {
    medicationId = ctx.uniqueId('Medication', statementId(statement), `med-${ctx.resources.length}`);
    const medication: fhir4.Medication = { resourceType: 'Medication', id: medicationId, code };
    put(medication, 'meta', meta);
    ctx.add(medication);
    ctx.medicationIds.set(drugKey, medicationId);
  }

  const dosageText = children(statement, 'pertinentInformation')
    .map((p) => edText(child(child(p, 'pertinentMedicationDosage'), 'text')))
    .filter((t): t is string => t !== undefined);
  const who = participants(scope, statement);
  const parts: MedicationParts = {
    scope,
    statement,
    meta,
    medication: { reference: `Medication/${medicationId}` },
    dosage: dosageText.length > 0 ? dosageText.map((text) => ({ text })) : undefined,
    requester: who.find((p) => p.typeCode === 'AUT')?.reference ?? who[0]?.reference ?? scope.recorder,
  };
  const statementPeriod = period(child(statement, 'effectiveTime'));
  for (const component of children(statement, 'component')) {
    for (const supply of component.children) {
      switch (supply.name) {
        case 'ehrSupplyAuthorise':
          authorisation(parts, supply, statementPeriod);
          break;
        case 'ehrSupplyPrescribe':
          prescription(parts, supply, statementPeriod);
          break;
        case 'ehrSupplyDiscontinue': {
          const reversed = attr(path(supply, 'reversalOf', 'priorMedicationRef', 'id'), 'root')?.trim();
          const reason = childText(child(supply, 'code'), 'originalText') ?? attr(child(supply, 'code'), 'displayName');
          if (reversed) ctx.discontinued.set(reversed, reason);
          else ctx.skip('ehrSupplyDiscontinue(no reference)');
          break;
        }
        default:
          ctx.skip(supply.name);
      }
    }
  }
}
