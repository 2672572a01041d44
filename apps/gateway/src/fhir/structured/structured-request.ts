import {
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  OperationOutcomeError,
  outcomes,
  spineIssue,
  type OperationOutcomeIssue,
} from '@lloyd/fhir';

/** A whole-date period; either end may be open. Dates are `YYYY-MM-DD`. */
export interface DatePeriod {
  start?: string;
  end?: string;
}

/** A validated GP Connect Access Record Structured request (`$gpc.getstructuredrecord`). */
export interface StructuredRecordRequest {
  nhsNumber: string;
  allergies?: { includeResolved: boolean };
  medication?: { includeIssues: boolean; fromDate?: string };
  consultations?: { period?: DatePeriod; mostRecent?: number };
  problems?: { status?: 'active' | 'inactive'; significance?: 'major' | 'minor' };
  immunisations?: { includeNotGiven: boolean; includeStatus: boolean };
  uncategorised?: { period?: DatePeriod };
  investigations?: { period?: DatePeriod };
  referrals?: { period?: DatePeriod };
  /** Warnings for the response: unknown parameters and parts are ignored, not refused. */
  warnings: OperationOutcomeIssue[];
}

type Parameter = fhir4.ParametersParameter;

const KNOWN_PARTS: Record<string, readonly string[]> = {
  includeAllergies: ['includeResolvedAllergies'],
  includeMedication: ['includePrescriptionIssues', 'medicationSearchFromDate'],
  includeConsultations: ['consultationSearchPeriod', 'includeNumberOfMostRecent'],
  includeProblems: ['filterStatus', 'filterSignificance'],
  includeImmunisations: ['includeNotGiven', 'includeStatus'],
  includeUncategorisedData: ['uncategorisedDataSearchPeriod'],
  includeInvestigations: ['investigationSearchPeriod'],
  includeReferrals: ['referralSearchPeriod'],
};

/** Filters that GP Connect does not allow beside consultations or problems (the "invalid combinations"). */
const NOT_WITH_CONSULTATIONS_OR_PROBLEMS = [
  'medicationSearchFromDate',
  'uncategorisedDataSearchPeriod',
  'referralSearchPeriod',
  'includeNotGiven',
  'includeStatus',
];

const invalidParameter = (why: string, expression: string) => outcomes.invalidParameter(why, [expression]);
const invalidResource = (why: string) => OperationOutcomeError.of('INVALID_RESOURCE', why);

/**
 * Parses and validates the `Parameters` body of `$gpc.getstructuredrecord` with GP Connect's rules and error codes
 * (see README, "Structured record"): 422 INVALID_RESOURCE for a body that is not a conformant Parameters resource,
 * 422 INVALID_PARAMETER for a bad or missing value, 400 for a bad NHS number identifier.
 */
export function parseStructuredRecordRequest(body: unknown, today: string): StructuredRecordRequest {
  if (typeof body !== 'object' || body === null || (body as { resourceType?: unknown }).resourceType !== 'Parameters') {
    throw invalidResource('The request body must be a FHIR Parameters resource.');
  }
  const params = (body as fhir4.Parameters).parameter;
  if (params !== undefined && !Array.isArray(params)) throw invalidResource('Parameters.parameter must be an array.');
  const byName = new Map<string, Parameter>();
  const warnings: OperationOutcomeIssue[] = [];
  for (const [index, p] of (params ?? []).entries()) {
    if (typeof p !== 'object' || p === null || typeof p.name !== 'string') {
      throw invalidResource(`Parameters.parameter[${index}] has no name.`);
    }
    if (byName.has(p.name)) throw invalidResource(`The parameter ${p.name} is given more than once.`);
    byName.set(p.name, p);
    if (p.name !== 'patientNHSNumber' && !(p.name in KNOWN_PARTS)) {
      warnings.push(unknownWarning(`The parameter ${p.name} is not supported and was ignored.`, p.name));
    }
  }

  const request: StructuredRecordRequest = {
    nhsNumber: parsePatientNhsNumber(byName.get('patientNHSNumber')),
    warnings,
  };
  const parts = (name: string) => partsOf(byName.get(name), name, warnings);

  if (byName.has('includeAllergies')) {
    const p = parts('includeAllergies');
    const resolved = booleanPart(p, 'includeAllergies', 'includeResolvedAllergies');
    if (resolved === undefined) {
      throw invalidParameter(
        'includeAllergies needs the part includeResolvedAllergies (true or false).',
        'includeAllergies',
      );
    }
    request.allergies = { includeResolved: resolved };
  }
  if (byName.has('includeMedication')) {
    const p = parts('includeMedication');
    const fromDate = datePart(p, 'includeMedication', 'medicationSearchFromDate', today);
    request.medication = {
      includeIssues: booleanPart(p, 'includeMedication', 'includePrescriptionIssues') ?? true,
      ...(fromDate ? { fromDate } : {}),
    };
  }
  if (byName.has('includeConsultations')) {
    const p = parts('includeConsultations');
    if (p.has('consultationSearchPeriod') && p.has('includeNumberOfMostRecent')) {
      throw invalidResource('consultationSearchPeriod and includeNumberOfMostRecent cannot be used together.');
    }
    const period = periodPart(p, 'includeConsultations', 'consultationSearchPeriod', today);
    const mostRecent = positiveIntPart(p, 'includeConsultations', 'includeNumberOfMostRecent');
    request.consultations = { ...(period ? { period } : {}), ...(mostRecent ? { mostRecent } : {}) };
  }
  if (byName.has('includeProblems')) {
    const p = parts('includeProblems');
    const status = codePart(p, 'includeProblems', 'filterStatus', ['active', 'inactive'] as const);
    const significance = codePart(p, 'includeProblems', 'filterSignificance', ['major', 'minor'] as const);
    request.problems = { ...(status ? { status } : {}), ...(significance ? { significance } : {}) };
  }
  if (byName.has('includeImmunisations')) {
    const p = parts('includeImmunisations');
    request.immunisations = {
      includeNotGiven: booleanPart(p, 'includeImmunisations', 'includeNotGiven') ?? false,
      includeStatus: booleanPart(p, 'includeImmunisations', 'includeStatus') ?? true,
    };
  }
  for (const [name, part, key] of [
    ['includeUncategorisedData', 'uncategorisedDataSearchPeriod', 'uncategorised'],
    ['includeInvestigations', 'investigationSearchPeriod', 'investigations'],
    ['includeReferrals', 'referralSearchPeriod', 'referrals'],
  ] as const) {
    if (!byName.has(name)) continue;
    const period = periodPart(parts(name), name, part, today);
    request[key] = period ? { period } : {};
  }
  checkCombinations(byName);
  return request;
}

function parsePatientNhsNumber(p: Parameter | undefined): string {
  if (!p) throw invalidParameter('The parameter patientNHSNumber is required.', 'patientNHSNumber');
  const identifier = p.valueIdentifier;
  if (!identifier) throw invalidParameter('patientNHSNumber must be an Identifier.', 'patientNHSNumber');
  if (identifier.system !== NHS_NUMBER_SYSTEM)
    throw outcomes.invalidIdentifierSystem(identifier.system ?? '', NHS_NUMBER_SYSTEM);
  const value = identifier.value ?? '';
  if (!value) throw OperationOutcomeError.of('INVALID_IDENTIFIER_VALUE', 'patientNHSNumber has no value.');
  if (!isValidNhsNumber(value)) throw outcomes.invalidNhsNumber(value);
  return value;
}

function partsOf(p: Parameter | undefined, name: string, warnings: OperationOutcomeIssue[]): Map<string, Parameter> {
  const parts = new Map<string, Parameter>();
  if (!p?.part) return parts;
  if (!Array.isArray(p.part)) throw invalidResource(`${name}.part must be an array.`);
  for (const part of p.part) {
    if (typeof part?.name !== 'string') throw invalidResource(`${name} has a part with no name.`);
    if (parts.has(part.name)) throw invalidResource(`${name}.${part.name} is given more than once.`);
    parts.set(part.name, part);
    if (!KNOWN_PARTS[name]?.includes(part.name)) {
      warnings.push(
        unknownWarning(`The part ${part.name} of ${name} is not supported and was ignored.`, `${name}.${part.name}`),
      );
    }
  }
  return parts;
}

function booleanPart(parts: Map<string, Parameter>, name: string, part: string): boolean | undefined {
  const p = parts.get(part);
  if (!p) return undefined;
  if (typeof p.valueBoolean !== 'boolean')
    throw invalidParameter(`${name}.${part} must be a valueBoolean.`, `${name}.${part}`);
  return p.valueBoolean;
}

function positiveIntPart(parts: Map<string, Parameter>, name: string, part: string): number | undefined {
  const p = parts.get(part);
  if (!p) return undefined;
  const value = p.valueInteger ?? p.valuePositiveInt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidParameter(`${name}.${part} must be a whole number of at least 1.`, `${name}.${part}`);
  }
  return value;
}

function codePart<T extends string>(
  parts: Map<string, Parameter>,
  name: string,
  part: string,
  allowed: readonly T[],
): T | undefined {
  const p = parts.get(part);
  if (!p) return undefined;
  const value = p.valueCode ?? p.valueString;
  if (!allowed.includes(value as T)) {
    throw invalidParameter(`${name}.${part} must be one of ${allowed.join(', ')}.`, `${name}.${part}`);
  }
  return value as T;
}

const WHOLE_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function wholeDate(value: unknown, where: string, today: string, mustNotBeFuture: boolean): string {
  if (typeof value !== 'string' || !WHOLE_DATE.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalidParameter(`${where} must be a whole date (YYYY-MM-DD) with no time or offset.`, where);
  }
  if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value)
    throw invalidParameter(`${where} is not a real date.`, where);
  if (mustNotBeFuture && value > today) throw invalidParameter(`${where} must not be in the future.`, where);
  return value;
}

function datePart(parts: Map<string, Parameter>, name: string, part: string, today: string): string | undefined {
  const p = parts.get(part);
  if (!p) return undefined;
  return wholeDate(p.valueDate, `${name}.${part}`, today, true);
}

function periodPart(parts: Map<string, Parameter>, name: string, part: string, today: string): DatePeriod | undefined {
  const p = parts.get(part);
  if (!p) return undefined;
  const where = `${name}.${part}`;
  if (!p.valuePeriod) throw invalidParameter(`${where} must be a valuePeriod.`, where);
  const { start, end } = p.valuePeriod;
  const period: DatePeriod = {};
  if (start !== undefined) period.start = wholeDate(start, `${where}.start`, today, true);
  if (end !== undefined) period.end = wholeDate(end, `${where}.end`, today, false);
  if (period.start && period.end && period.end < period.start) {
    throw invalidParameter(`${where} ends before it starts.`, where);
  }
  return period;
}

function checkCombinations(byName: Map<string, Parameter>): void {
  const consultations = byName.has('includeConsultations');
  if (!consultations && !byName.has('includeProblems')) return;
  // Only filters given where they belong count: a part under another parameter is unknown there, so it is ignored
  // with a warning (partsOf) rather than taken for that other area's filter.
  const used = new Set<string>();
  for (const [name, p] of byName) {
    for (const part of p.part ?? []) if (KNOWN_PARTS[name]?.includes(part.name)) used.add(part.name);
  }
  const clash =
    NOT_WITH_CONSULTATIONS_OR_PROBLEMS.find((n) => used.has(n)) ??
    (consultations && used.has('filterStatus') ? 'filterStatus' : undefined);
  if (clash) {
    throw invalidParameter(
      `${clash} cannot be combined with ${consultations ? 'includeConsultations' : 'includeProblems'}: request those areas separately.`,
      clash,
    );
  }
}

function unknownWarning(diagnostics: string, expression: string): OperationOutcomeIssue {
  return spineIssue('INVALID_PARAMETER', diagnostics, {
    severity: 'warning',
    issueType: 'not-supported',
    expression: [expression],
  });
}
