import { Injectable } from '@nestjs/common';
import type { VerifiedToken } from '@lloyd/auth';
import {
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  OperationOutcomeError,
  outcomes,
  searchsetBundle,
  type Bundle,
} from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { RecordReader } from '../record/record-reader.js';

export interface SearchPatientsCommand {
  /** The raw `identifier` search parameter, `system|value`. */
  identifier: string | undefined;
  token: VerifiedToken;
  baseUrl: string;
  selfUrl: string;
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
    const bundle = (patients: fhir4.Patient[]) =>
      searchsetBundle(patients, { baseUrl: command.baseUrl, selfUrl: command.selfUrl });
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
            return { result: bundle([]) };
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
