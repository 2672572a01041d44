import {
  NHS_NUMBER_SYSTEM,
  OperationOutcomeError,
  outcomes,
  spineIssue,
  truncate,
  type OperationOutcomeIssue,
} from '@lloyd/fhir';

/** A search parameter a search applies, as the CapabilityStatement declares it. */
export interface SearchParameterDeclaration {
  name: string;
  type: 'token' | 'reference' | 'date' | 'string' | 'number';
  documentation: string;
}

/** The search parameters of `GET /fhir/{Type}?patient=…` (every clinical type), besides `_include` and `_format`. */
export const CLINICAL_SEARCH_PARAMETERS: readonly SearchParameterDeclaration[] = [
  {
    name: 'patient',
    type: 'reference',
    documentation:
      'Required, once: the Patient, by the id from a Patient search or read: <id>, Patient/<id> or its absolute URL.',
  },
  {
    name: '_count',
    type: 'number',
    documentation:
      'Page size, once; capped at the configured maximum (next links carry signed paging state). _count=0 answers the total only.',
  },
  {
    name: '_page',
    type: 'string',
    documentation: 'Signed paging state, as the next link gives it; never built by a client.',
  },
];

/** The search parameters of `GET /fhir/Patient?identifier=…`, besides `_format`. */
export const PATIENT_SEARCH_PARAMETERS: readonly SearchParameterDeclaration[] = [
  {
    name: 'identifier',
    type: 'token',
    documentation: `Required, once: the NHS number, ${NHS_NUMBER_SYSTEM}|<10 digits>.`,
  },
];

/** What a search accepts: its declared parameters, and those it may take more than once (`_include`). */
export interface AcceptedParameters {
  single: readonly string[];
  repeatable: readonly string[];
}

export const CLINICAL_SEARCH: AcceptedParameters = {
  single: [...CLINICAL_SEARCH_PARAMETERS.map((p) => p.name), '_format'],
  repeatable: ['_include'],
};

export const PATIENT_SEARCH: AcceptedParameters = {
  single: [...PATIENT_SEARCH_PARAMETERS.map((p) => p.name), '_format'],
  repeatable: [],
};

/** How the search treats parameters it does not support (FHIR's `Prefer: handling`); lenient unless asked. */
export type SearchHandling = 'strict' | 'lenient';

export const HANDLING_DOCUMENTATION =
  'Search parameters a search does not support are ignored by default (Prefer: handling=lenient): they are left out ' +
  "of the Bundle's self link and a warning in the searchset's OperationOutcome (search.mode=outcome) names each one " +
  'and says the results are not filtered by it. With the request header Prefer: handling=strict such a search is ' +
  'refused with 400 BAD_REQUEST naming the parameters. A single-valued parameter given twice is always refused ' +
  '(400); _include may be repeated. _format may name JSON (json, application/json, application/fhir+json, ' +
  'application/json+fhir); any other value is refused with 406 NOT_ACCEPTABLE.';

/** Reads FHIR's `Prefer: handling=strict|lenient` from the request's Prefer header(s). */
export function handlingOf(prefer: string | string[] | undefined): SearchHandling {
  const preferences = ([] as string[])
    .concat(prefer ?? [])
    .flatMap((header) => header.split(/[,;]/))
    .map((p) =>
      p
        .trim()
        .toLowerCase()
        .replace(/\s*=\s*/, '='),
    );
  return preferences.includes('handling=strict') ? 'strict' : 'lenient';
}

/** A search request's parameters, each as the one value it must have (or all values of a repeatable one). */
export interface SearchParameters {
  /** The value of each single-valued parameter the request gave. */
  values: Record<string, string>;
  /** The values of each repeatable parameter, in request order. */
  repeated: Record<string, string[]>;
  /** The parameters the search does not support, ignored (lenient handling): left out of self, warned about. */
  ignored: string[];
}

/**
 * Checks a search's query against what the search supports, following FHIR R4's search rules: a single-valued
 * parameter given more than once is refused (400 BAD_REQUEST naming it), and a parameter the search does not support
 * is refused under `Prefer: handling=strict` (400 naming it) and otherwise ignored, so that the answer can say so.
 * (`_format` is accepted here; a value other than JSON never gets this far: see http/content-negotiation.ts.)
 */
export function readSearchParameters(
  query: Readonly<Record<string, string | string[] | undefined>>,
  accepted: AcceptedParameters,
  handling: SearchHandling,
): SearchParameters {
  const values: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  const ignored: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const given = ([] as string[]).concat(raw);
    if (accepted.repeatable.includes(name)) repeated[name] = given;
    else if (!accepted.single.includes(name)) ignored.push(name);
    else if (given.length > 1) {
      throw OperationOutcomeError.of(
        'BAD_REQUEST',
        `Only one ${name} is supported in this search, but it was given ${given.length} times.`,
        { expression: [name] },
      );
    } else values[name] = given[0]!;
  }
  if (ignored.length && handling === 'strict') {
    const names = ignored.map((name) => truncate(name));
    throw refusedUnderStrict(names, names, `Supported: ${[...accepted.single, ...accepted.repeatable].join(', ')}.`);
  }
  return { values, repeated, ignored };
}

/**
 * 400 for what a search does not support under `Prefer: handling=strict`: parameters (`given` their names), or
 * values such as an unsupported `_include` (`given` as `_include=…`), naming them and what is supported.
 */
export function refusedUnderStrict(
  given: readonly string[],
  expression: readonly string[],
  supported: string,
): OperationOutcomeError {
  return OperationOutcomeError.of(
    'BAD_REQUEST',
    `${given.length === 1 ? 'The search parameter' : 'The search parameters'} ${given.join(', ')} ` +
      `${given.length === 1 ? 'is' : 'are'} not supported by this search (Prefer: handling=strict). ${supported}`,
    { expression: [...expression] },
  );
}

/** The warnings of a lenient search that ignored parameters: one per parameter, so that none goes unnoticed. */
export function ignoredParameterIssues(ignored: readonly string[]): OperationOutcomeIssue[] {
  return ignored.map((name) =>
    spineIssue(
      'INVALID_PARAMETER',
      `The search parameter ${truncate(name)} is not supported and was ignored: these results are NOT filtered by it.`,
      { severity: 'warning', issueType: 'not-supported', expression: [truncate(name)] },
    ),
  );
}

/** Thrown for a search of one patient given several (`patient=A,B`, FHIR's "or"), which Lloyd does not support. */
export function onlyOne(name: string): OperationOutcomeError {
  return outcomes.badRequest(`Only one ${name} is supported in this search; a list of values ("a,b") is not.`);
}
