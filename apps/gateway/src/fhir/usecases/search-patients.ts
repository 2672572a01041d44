import { Injectable } from '@nestjs/common';
import type { VerifiedToken } from '@lloyd/auth';
import {
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  operationOutcome,
  OperationOutcomeError,
  outcomes,
  searchsetBundle,
  type Bundle,
} from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { RecordReader } from '../record/record-reader.js';
import { ignoredParameterIssues, onlyOne } from '../search-parameters.js';

export interface SearchPatientsCommand {
  /** The raw `identifier` search parameter, `system|value`. */
  identifier: string | undefined;
  token: VerifiedToken;
  /** Search parameters the request gave that this search does not support, ignored (lenient handling). */
  ignored?: readonly string[];
  baseUrl: string;
  correlationId: string;
  now: Date;
}

/**
 * `GET /fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|N`: finds the registered practice, asks its
 * supplier system through the access chain, and answers a searchset of zero or one Patient. Not found (and
 * sensitive, deceased or inactive, which look the same) is an empty Bundle, not an error.
 */
@Injectable()
export class SearchPatients {
  constructor(
    private readonly reader: RecordReader,
    private readonly audited: AuditedRead,
  ) {}

  async execute(command: SearchPatientsCommand): Promise<Bundle> {
    const nhsNumber = parseNhsNumberIdentifier(command.identifier);
    // The self link shows only what the search applied; what it ignored is said in a warning instead.
    const selfUrl = `${command.baseUrl}/Patient?identifier=${queryValue(`${NHS_NUMBER_SYSTEM}|${nhsNumber}`)}`;
    const warnings = ignoredParameterIssues(command.ignored ?? []);
    const bundle = (patients: fhir4.Patient[]) =>
      searchsetBundle(patients, {
        baseUrl: command.baseUrl,
        selfUrl,
        ...(warnings.length ? { outcome: operationOutcome(...warnings) } : {}),
      });
    return this.audited.run(
      {
        token: command.token,
        correlationId: command.correlationId,
        request: 'GET /fhir/Patient?identifier',
        interaction: 'search',
        patient: nhsNumber,
      },
      async (progress) => {
        try {
          const opened = await this.reader.open({ ...command, nhsNumber, sections: [] }, progress);
          const patient = this.reader.publicPatient(opened);
          return { result: bundle([patient]), resources: [`Patient/${patient.id ?? ''}`] };
        } catch (err) {
          if (err instanceof OperationOutcomeError && err.spineCode === 'PATIENT_NOT_FOUND')
            return { result: bundle([]), refusal: err };
          throw err;
        }
      },
    );
  }
}

/** Parses `system|value` for an NHS number, with GP Connect's error codes for each way it can be wrong. */
export function parseNhsNumberIdentifier(identifier: string | undefined): string {
  if (!identifier)
    throw outcomes.badRequest(`The identifier search parameter is required, as ${NHS_NUMBER_SYSTEM}|<NHS number>.`);
  // FHIR reads `identifier=a,b` as "a or b": a list of patients, not a malformed NHS number.
  if (identifier.includes(',')) throw onlyOne('identifier');
  const bar = identifier.indexOf('|');
  if (bar < 0) {
    throw OperationOutcomeError.of(
      'INVALID_IDENTIFIER_SYSTEM',
      `The identifier must name its system: ${NHS_NUMBER_SYSTEM}|<NHS number>.`,
    );
  }
  const system = identifier.slice(0, bar);
  const value = identifier.slice(bar + 1);
  if (system !== NHS_NUMBER_SYSTEM) throw outcomes.invalidIdentifierSystem(system, NHS_NUMBER_SYSTEM);
  if (!value)
    throw OperationOutcomeError.of('INVALID_IDENTIFIER_VALUE', 'The identifier has no NHS number after the system.');
  if (!isValidNhsNumber(value)) throw outcomes.invalidNhsNumber(value);
  return value;
}

/** A query parameter value for a link: percent-encoded, keeping the `:` and `/` a query may hold as they are. */
function queryValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%2F/g, '/');
}
