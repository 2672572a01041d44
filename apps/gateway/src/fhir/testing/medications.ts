/** Medication builders for the gateway's record specs, with fixed defaults (patient `pat-1`, drug `Medication/m`). */

const ref = (type: string, id: string): fhir4.Reference => ({ reference: `${type}/${id}` });

export const TEST_PATIENT = ref('Patient', 'pat-1');

/** A MedicationStatement, based on authorisation `plan` when given. */
export function medicationStatement(
  id: string,
  options: {
    status?: fhir4.MedicationStatement['status'];
    effective?: Pick<fhir4.MedicationStatement, 'effectivePeriod' | 'effectiveDateTime'>;
    med?: string;
    plan?: string;
    extension?: fhir4.Extension[];
  } = {},
): fhir4.MedicationStatement {
  return {
    resourceType: 'MedicationStatement',
    id,
    ...(options.extension ? { extension: options.extension } : {}),
    status: options.status ?? 'active',
    subject: TEST_PATIENT,
    medicationReference: ref('Medication', options.med ?? 'm'),
    ...options.effective,
    ...(options.plan ? { basedOn: [ref('MedicationRequest', options.plan)] } : {}),
  };
}

/** An authorisation (`plan`) or an issue (`order`, based on authorisation `plan` when given). */
export function medicationRequest(
  id: string,
  intent: 'plan' | 'order',
  options: { med?: string; authoredOn?: string; plan?: string } = {},
): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: intent === 'plan' ? 'active' : 'completed',
    intent,
    subject: TEST_PATIENT,
    medicationReference: ref('Medication', options.med ?? 'm'),
    ...(options.authoredOn ? { authoredOn: options.authoredOn } : {}),
    ...(options.plan ? { basedOn: [ref('MedicationRequest', options.plan)] } : {}),
  };
}
