import { EXTENSIONS } from '@lloyd/adapters-core';
import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { writeQuantity } from '../datatypes/quantity.js';
import { prescriptionTypeNote } from '../extract/statements/medication.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, writeInterval, writeParticipant, writeTs, type BuildContext } from './build-context.js';

const NHS_PRESCRIPTION = { code: '394823007', codeSystem: OIDS.snomed, displayName: 'NHS Prescription' };

function medicationCode(
  ctx: BuildContext,
  request: { medicationReference?: fhir4.Reference; medicationCodeableConcept?: fhir4.CodeableConcept },
): fhir4.CodeableConcept | undefined {
  return request.medicationCodeableConcept ?? ctx.resolve<fhir4.Medication>(request.medicationReference)?.code;
}

function writeConsumable(w: XmlWriter, code: fhir4.CodeableConcept | undefined): void {
  w.element('consumable', { typeCode: 'CSM' }, () => {
    w.element('manufacturedProduct', { classCode: 'MANU' }, () => {
      w.element('manufacturedMaterial', { classCode: 'MMAT', determinerCode: 'KIND' }, () => {
        writeConcept(w, 'code', code, { degraded: 'medication' });
      });
    });
  });
}

function writeSupplyNotes(w: XmlWriter, texts: string[]): void {
  for (const text of texts) {
    w.element('pertinentInformation', { typeCode: 'PERT' }, () => {
      w.element('pertinentSupplyAnnotation', { classCode: 'OBS', moodCode: 'EVN' }, () => w.text('text', text));
    });
  }
}

function writeDosage(w: XmlWriter, dosage: fhir4.Dosage[] | undefined): void {
  const text = (dosage ?? [])
    .map((d) => d.text)
    .filter((t): t is string => !!t)
    .join('; ');
  if (!text) return;
  w.element('pertinentInformation', { typeCode: 'PERT' }, () => {
    w.element('pertinentMedicationDosage', { classCode: 'SBADM', moodCode: 'RMD' }, () => w.text('text', text));
  });
}

function extensionValue(request: fhir4.MedicationRequest, url: string): fhir4.Extension | undefined {
  return request.extension?.find((e) => e.url === url);
}

/**
 * An authorisation (MedicationRequest, intent `plan`) with the MedicationStatement based on it, as a
 * MedicationStatement (`INT`) holding an `ehrSupplyAuthorise`, and an `ehrSupplyDiscontinue` when it was stopped.
 */
export function writeAuthorisation(
  w: XmlWriter,
  ctx: BuildContext,
  plan: fhir4.MedicationRequest,
  statement: fhir4.MedicationStatement | undefined,
): void {
  const active = plan.status === 'active';
  const validity = plan.dispenseRequest?.validityPeriod;
  const statementPeriod = statement?.effectivePeriod ?? validity;
  const prescriptionType = extensionValue(plan, EXTENSIONS.prescriptionType)?.valueCode;
  const repeats = extensionValue(plan, EXTENSIONS.repeatInformation)?.valueUnsignedInt;
  const statementId = statement ? ctx.xmlId(statement) : ctx.derivedId(`authorisation-statement:${plan.id}`);
  w.element('MedicationStatement', { classCode: 'SBADM', moodCode: 'INT' }, () => {
    writeId(w, statementId);
    w.empty('statusCode', { code: active ? 'ACTIVE' : 'COMPLETE' });
    writeInterval(w, 'effectiveTime', statement?.effectiveDateTime, statementPeriod);
    writeTs(w, 'availabilityTime', statement?.dateAsserted ?? plan.authoredOn);
    ctx.writeConfidentiality(w, plan, statement);
    writeConsumable(w, medicationCode(ctx, plan));
    w.element('component', { typeCode: 'COMP' }, () => {
      w.element('ehrSupplyAuthorise', { classCode: 'SPLY', moodCode: 'INT' }, () => {
        writeId(w, ctx.xmlId(plan));
        w.empty('code', NHS_PRESCRIPTION);
        w.empty('statusCode', { code: active ? 'ACTIVE' : 'COMPLETE' });
        if (validity?.start || validity?.end) writeInterval(w, 'effectiveTime', undefined, validity);
        writeTs(w, 'availabilityTime', plan.authoredOn ?? statement?.dateAsserted);
        if (repeats !== undefined) w.empty('repeatNumber', { value: String(repeats) });
        writeQuantity(w, 'quantity', plan.dispenseRequest?.quantity);
        writeSupplyNotes(w, [
          ...(prescriptionType ? [prescriptionTypeNote(prescriptionType)] : []),
          ...(plan.note ?? []).map((n) => n.text),
        ]);
      });
    });
    if (plan.status === 'stopped') {
      w.element('component', { typeCode: 'COMP' }, () => {
        w.element('ehrSupplyDiscontinue', { classCode: 'SPLY', moodCode: 'RQO' }, () => {
          writeId(w, ctx.derivedId(`discontinue:${plan.id}`));
          const reason = plan.statusReason?.text ?? plan.statusReason?.coding?.[0]?.display;
          writeConcept(w, 'code', reason ? { text: reason } : undefined, { degraded: 'generic' });
          w.empty('statusCode', { code: 'COMPLETE' });
          writeTs(w, 'availabilityTime', statementPeriod?.end);
          w.element('reversalOf', { typeCode: 'REV' }, () => {
            w.element('priorMedicationRef', { classCode: 'SBADM', moodCode: 'INT' }, () => writeId(w, ctx.xmlId(plan)));
          });
        });
      });
    }
    writeDosage(w, plan.dosageInstruction ?? statement?.dosage);
    writeParticipant(w, ctx, 'AUT', plan.requester ?? statement?.informationSource);
  });
}

/** An issue (MedicationRequest, intent `order`) as a MedicationStatement (`ORD`) holding an `ehrSupplyPrescribe`. */
export function writeIssue(w: XmlWriter, ctx: BuildContext, issue: fhir4.MedicationRequest): void {
  const plan = (issue.basedOn ?? [])
    .map((b) => ctx.resolve<fhir4.MedicationRequest>(b))
    .find((p) => p?.resourceType === 'MedicationRequest');
  const validity = issue.dispenseRequest?.validityPeriod;
  const prescriptionType = extensionValue(issue, EXTENSIONS.prescriptionType)?.valueCode;
  w.element('MedicationStatement', { classCode: 'SBADM', moodCode: 'ORD' }, () => {
    writeId(w, ctx.derivedId(`issue-statement:${issue.id}`));
    w.empty('statusCode', { code: 'COMPLETE' });
    writeInterval(w, 'effectiveTime', undefined, validity);
    writeTs(w, 'availabilityTime', issue.authoredOn);
    ctx.writeConfidentiality(w, issue);
    writeConsumable(w, medicationCode(ctx, issue));
    w.element('component', { typeCode: 'COMP' }, () => {
      w.element('ehrSupplyPrescribe', { classCode: 'SPLY', moodCode: 'RQO' }, () => {
        writeId(w, ctx.xmlId(issue));
        w.empty('code', NHS_PRESCRIPTION);
        w.empty('statusCode', { code: 'COMPLETE' });
        writeTs(w, 'availabilityTime', issue.authoredOn);
        writeQuantity(w, 'quantity', issue.dispenseRequest?.quantity);
        if (plan) {
          w.element('inFulfillmentOf', { typeCode: 'FLFS' }, () => {
            w.element('priorMedicationRef', { classCode: 'SBADM', moodCode: 'INT' }, () => writeId(w, ctx.xmlId(plan)));
          });
        }
        writeSupplyNotes(w, [
          ...(prescriptionType ? [prescriptionTypeNote(prescriptionType)] : []),
          ...(issue.note ?? []).map((n) => n.text),
        ]);
      });
    });
    writeDosage(w, issue.dosageInstruction);
    writeParticipant(w, ctx, 'AUT', issue.requester);
  });
}
