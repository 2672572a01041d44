import { EXTENSIONS } from '@lloyd/adapters-core';
import type { NativeXmlWriter } from './native-writer.js';
import { itemAttributes, partialDate, sourceRef, writeCoded, type ToNativeContext } from './to-native-support.js';

const PLAN = 'plan';

function basedOnPlan(resource: { basedOn?: fhir4.Reference[] }, planId: string): boolean {
  return (resource.basedOn ?? []).some((ref) => ref.reference === `MedicationRequest/${planId}`);
}

function nativeStatus(status: string | undefined): 'active' | 'completed' | 'stopped' {
  if (status === 'completed') return 'completed';
  if (status === 'stopped' || status === 'cancelled' || status === 'entered-in-error') return 'stopped';
  return 'active';
}

function isRepeat(request: fhir4.MedicationRequest | undefined): boolean {
  const type = request?.extension?.find((e) => e.url === EXTENSIONS.prescriptionType)?.valueCode;
  if (type) return type.startsWith('repeat');
  return request?.courseOfTherapyType?.coding?.some((c) => c.code === 'continuous') ?? false;
}

/**
 * The system keeps a medication as one authorisation with its issues. The canonical record's plan MedicationRequest
 * is the authorisation, its MedicationStatement and Medication come with it, and the order MedicationRequests based
 * on it are its issues; a statement or order without a plan becomes an authorisation of its own.
 *
 * @returns the resources placed, so the caller can report the rest
 */
export function writeMedications(ctx: ToNativeContext, w: NativeXmlWriter, usable: fhir4.Resource[]): Set<string> {
  const placed = new Set<string>();
  const requests = usable.filter((r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest');
  const statements = usable.filter((r): r is fhir4.MedicationStatement => r.resourceType === 'MedicationStatement');
  const plans = requests.filter((r) => r.intent === PLAN);
  const orders = requests.filter((r) => r.intent !== PLAN);

  const concept = (r: fhir4.MedicationRequest | fhir4.MedicationStatement) => {
    const medication = ctx.resolve<fhir4.Medication>(r.medicationReference, 'Medication');
    if (medication) placed.add(sourceRef(medication));
    return { concept: medication?.code ?? r.medicationCodeableConcept, medication };
  };

  w.start('Medications');
  for (const plan of plans) {
    const statement = statements.find((s) => basedOnPlan(s, plan.id!));
    const issues = orders.filter((o) => basedOnPlan(o, plan.id!));
    const { concept: code, medication } = concept(plan);
    const refs: fhir4.Resource[] = [plan, ...issues];
    if (statement) refs.splice(1, 0, statement);
    if (medication) refs.push(medication);
    refs.forEach((r) => placed.add(sourceRef(r)));
    writeMedication(ctx, w, plan, statement, code, refs.map(sourceRef), issues);
  }
  for (const statement of statements.filter((s) => !placed.has(sourceRef(s)))) {
    const { concept: code, medication } = concept(statement);
    placed.add(sourceRef(statement));
    const refs = [sourceRef(statement), ...(medication ? [sourceRef(medication)] : [])];
    writeMedication(ctx, w, undefined, statement, code, refs, [], statement);
  }
  for (const order of orders.filter((o) => !placed.has(sourceRef(o)))) {
    const { concept: code, medication } = concept(order);
    placed.add(sourceRef(order));
    const refs = [sourceRef(order), ...(medication ? [sourceRef(medication)] : [])];
    writeMedication(ctx, w, order, undefined, code, refs, []);
  }
  w.end();
  return placed;
}

function writeMedication(
  ctx: ToNativeContext,
  w: NativeXmlWriter,
  plan: fhir4.MedicationRequest | undefined,
  statement: fhir4.MedicationStatement | undefined,
  code: fhir4.CodeableConcept | undefined,
  sourceRefs: string[],
  issues: fhir4.MedicationRequest[],
  item: fhir4.Resource = plan ?? statement!,
): void {
  const repeat = isRepeat(plan);
  const maxIssues = plan?.extension?.find((e) => e.url === EXTENSIONS.repeatInformation)?.valueUnsignedInt;
  const period = plan?.dispenseRequest?.validityPeriod ?? statement?.effectivePeriod;
  const date = plan?.authoredOn ?? statement?.dateAsserted ?? period?.start ?? statement?.effectiveDateTime;
  const quantity = plan?.dispenseRequest?.quantity;
  w.start('Medication', {
    ...itemAttributes(ctx, item, date, plan?.encounter ?? statement?.context, sourceRefs),
    type: repeat ? 'repeat' : 'acute',
    status: nativeStatus(statement?.status ?? plan?.status),
    endDate: partialDate(period?.end),
    maxIssues: repeat ? maxIssues : undefined,
  });
  writeCoded(w, code);
  w.text('Dosage', (plan?.dosageInstruction ?? statement?.dosage)?.[0]?.text);
  if (quantity?.value !== undefined) w.element('Quantity', { value: quantity.value, unit: quantity.unit ?? '' });
  const prescriber = ctx.sdsUserId(plan?.requester);
  if (prescriber) w.element('Prescriber', { sdsUserId: prescriber });
  for (const issue of issues) {
    const supply = issue.dispenseRequest;
    const day = partialDate(issue.authoredOn ?? supply?.validityPeriod?.start);
    w.element('Issue', {
      id: issue.id,
      date: day && day.length === 10 ? day : (partialDate(date) ?? '1900-01-01').padEnd(10, '-01'),
      quantity: supply?.quantity?.value ?? 0,
      unit: supply?.quantity?.unit ?? '',
      days: supply?.expectedSupplyDuration?.value,
    });
  }
  w.end();
}
