import { Injectable } from '@nestjs/common';
import { encodeResourceId, PatientRegistry, SupplierCaller } from '@lloyd/federation';
import {
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  OperationOutcomeError,
  outcomes,
  searchsetBundle,
  type Bundle,
  type Patient,
} from '@lloyd/fhir';

export interface SearchPatientsCommand {
  /** The raw `identifier` search parameter, `system|value`. */
  identifier: string | undefined;
  baseUrl: string;
  selfUrl: string;
  correlationId: string;
}

/**
 * `GET /fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|N`: finds the registered practice, asks its
 * supplier system, and answers a searchset of zero or one Patient. Not found is an empty Bundle, not an error.
 */
@Injectable()
export class SearchPatients {
  constructor(
    private readonly registry: PatientRegistry,
    private readonly suppliers: SupplierCaller,
  ) {}

  async execute(command: SearchPatientsCommand): Promise<Bundle> {
    const nhsNumber = parseNhsNumberIdentifier(command.identifier);
    const empty = () => searchsetBundle([], { baseUrl: command.baseUrl, selfUrl: command.selfUrl });
    const ods = await this.registry.practiceFor(nhsNumber);
    if (!ods) return empty();
    const found = await this.suppliers.call(ods, (adapter, ctx) => adapter.findPatient(nhsNumber, ctx), command.correlationId);
    if (!found) return empty();
    const { flags } = found;
    // Sensitive, deceased and inactive patients are never disclosed: the search looks exactly like "not found".
    if (flags.sensitive || flags.deceased || !flags.active) return empty();
    if (flags.dissent) {
      throw OperationOutcomeError.of('NO_PATIENT_CONSENT', 'The patient has dissented from sharing their GP record.');
    }
    const patient: Patient = { ...found.patient, id: encodeResourceId(ods, found.sourceId) };
    return searchsetBundle([patient], { baseUrl: command.baseUrl, selfUrl: command.selfUrl });
  }
}

/** Parses `system|value` for an NHS number, with GP Connect's error codes for each way it can be wrong. */
export function parseNhsNumberIdentifier(identifier: string | undefined): string {
  if (!identifier) throw outcomes.badRequest(`The identifier search parameter is required, as ${NHS_NUMBER_SYSTEM}|<NHS number>.`);
  const bar = identifier.indexOf('|');
  if (bar < 0) {
    throw OperationOutcomeError.of('INVALID_IDENTIFIER_SYSTEM', `The identifier must name its system: ${NHS_NUMBER_SYSTEM}|<NHS number>.`);
  }
  const system = identifier.slice(0, bar);
  const value = identifier.slice(bar + 1);
  if (system !== NHS_NUMBER_SYSTEM) throw outcomes.invalidIdentifierSystem(system, NHS_NUMBER_SYSTEM);
  if (!value) throw OperationOutcomeError.of('INVALID_IDENTIFIER_VALUE', 'The identifier has no NHS number after the system.');
  if (!isValidNhsNumber(value)) throw outcomes.invalidNhsNumber(value);
  return value;
}
