/**
 * The conformance CLI's own check of its options before the kit runs: that the system holds the --patient the checks
 * read, and serves the --ods practice. Without it a wrong option shows as many failed checks that blame the adapter.
 */
import type { SupplierAdapter, SupplierCallContext } from '@lloyd/adapters-core';
import type { ConformanceFixture } from '@lloyd/adapters-core-testing';
import { ODS_ORGANISATION_SYSTEM } from '@lloyd/fhir';

export interface FixtureTarget {
  readonly baseUrl: string;
  readonly ods: string;
  /** Whether the person running the kit gave --ods (or --patient), for the advice. */
  readonly odsGiven: boolean;
  readonly patientGiven: boolean;
}

function context(fixture: ConformanceFixture): SupplierCallContext {
  const signal =
    fixture.timeoutMs !== undefined ? AbortSignal.timeout(fixture.timeoutMs) : new AbortController().signal;
  return { correlationId: 'adapter-conformance', signal };
}

/** The distinct ODS codes among the identifiers. */
function odsCodes(identifiers: readonly (fhir4.Identifier | undefined)[]): string[] {
  const codes = identifiers.filter((i) => i?.system === ODS_ORGANISATION_SYSTEM).map((i) => i?.value);
  return [...new Set(codes.filter((c): c is string => typeof c === 'string'))];
}

/** The practice ODS codes the Patient's references name (generalPractitioner, managingOrganization). */
function patientPracticeCodes(patient: fhir4.Patient): string[] {
  return odsCodes([...(patient.generalPractitioner ?? []), patient.managingOrganization].map((r) => r?.identifier));
}

/**
 * The ODS codes the system names for the patient's practice: from the Patient's references, or else the record's
 * practice Organization. Null when the system does not hold the patient; empty when it names no code the adapter
 * could read.
 */
async function practiceOf(adapter: SupplierAdapter, fixture: ConformanceFixture, nhs: string) {
  const found = await adapter.findPatient(nhs, context(fixture));
  if (found === null) return null;
  const named = patientPracticeCodes(found.patient);
  if (named.length > 0) return named;
  const record = await adapter.getRecord(nhs, { sections: [] }, context(fixture));
  return record === null ? null : odsCodes(record.practice?.identifier ?? []);
}

/**
 * Why the options do not fit the system, or null when they do or when it cannot be told here (the system does not
 * answer, or answers in a way the adapter cannot read: the kit's own pre-check and checks report that).
 */
export async function fixtureProblem(
  adapter: SupplierAdapter,
  fixture: ConformanceFixture,
  target: FixtureTarget,
): Promise<string | null> {
  const patient = fixture.fullRecordPatient ?? fixture.knownPatient;
  let codes: string[] | null;
  try {
    codes = await practiceOf(adapter, fixture, patient);
  } catch {
    return null;
  }
  if (codes === null) {
    return (
      `the system at ${target.baseUrl} does not hold patient ${patient}: check --patient` +
      `${target.patientGiven ? '' : ` (the default is the ${target.ods} demo patient)`}. The checks need a ` +
      `patient with a full record at practice ${target.ods}.`
    );
  }
  if (codes.length === 0 || codes.includes(target.ods)) return null;
  return (
    `--ods ${target.ods} does not match the system at ${target.baseUrl}: the system names the practice of patient ` +
    `${patient} as ${codes.join(', ')}. Give --ods ${codes[0]}${target.odsGiven ? '' : ' (the default is the demo practice of the adapter)'}, ` +
    `or --base-url of the system that serves ${target.ods}.`
  );
}
