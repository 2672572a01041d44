import type { CanonicalRecord, RecordQuery } from './canonical.js';

/**
 * Context Lloyd passes on every call to a supplier system.
 */
export interface SupplierCallContext {
  /**
   * Aborts the call. The caller (libs/federation) applies the deadline through it; an adapter must pass it to
   * every I/O it starts and reject with {@link SupplierTimeoutError} once it fires.
   */
  readonly signal: AbortSignal;
  /** Correlates the supplier call with the request that caused it; adapters forward it where the system allows. */
  readonly correlationId: string;
}

/**
 * What the supplier system says about the patient beyond demographics. Lloyd's access chain decides what to
 * disclose from these; an adapter only reports them, faithfully.
 */
export interface SupplierPatientFlags {
  /** The patient has dissented from record sharing (GP Connect answers NO_PATIENT_CONSENT). */
  readonly dissent: boolean;
  /** The S-flag: demographics are sensitive (GP Connect answers PATIENT_NOT_FOUND). */
  readonly sensitive: boolean;
  /** The patient has died. */
  readonly deceased: boolean;
  /** The patient is currently registered at the practice (GMS); false for deducted, departed or deceased. */
  readonly active: boolean;
}

/** A document's content as a supplier system serves it (GP Connect Access Document). */
export interface SupplierDocument {
  /** MIME type, as the system sent it (e.g. `application/pdf`). */
  readonly contentType: string;
  /** The bytes, whole (documents served this way are small: GP Connect allows 5 MB). */
  readonly content: Buffer;
}

/** A patient as found in a supplier system. */
export interface SupplierPatient {
  /**
   * FHIR R4 Patient: an identifier `https://fhir.nhs.uk/Id/nhs-number`, name, gender, birthDate, address, telecom,
   * deceasedDateTime when deceased, and generalPractitioner / managingOrganization references by ODS code and SDS
   * user id. It has no `id`: the gateway assigns the public resource id.
   */
  readonly patient: fhir4.Patient;
  readonly flags: SupplierPatientFlags;
  /** The supplier system's own identifier for the patient (opaque to Lloyd). */
  readonly sourceId: string;
}

/**
 * The supplier adapter port: one implementation per native supplier format (XML/Read v2, JSON/CTV3, HL7 V3 GP2GP
 * extract, FHIR STU3 GP Connect). Each adapter translates its system's answers into Lloyd's canonical model, FHIR
 * R4, keeping the original coding beside any mapped one.
 *
 * Every method must honour `ctx.signal` and fail only with the supplier errors of this library:
 * {@link SupplierUnavailableError}, {@link SupplierTimeoutError} or {@link SupplierProtocolError}. Timeouts,
 * retries and circuit breaking belong to the caller (libs/federation), not to adapters.
 *
 * The clinical record comes from {@link SupplierAdapter.getRecord} as a {@link CanonicalRecord}.
 *
 * Conformance: `describeSupplierAdapterContract` (in `@lloyd/adapters-core-testing`) runs the shared contract
 * suite against any implementation.
 */
export abstract class SupplierAdapter {
  /** The native format this adapter speaks, e.g. `xml-readv2`; names the adapter in logs and error messages. */
  abstract readonly format: string;

  /**
   * Finds the patient with this NHS number in the supplier system.
   *
   * Follows the "find a patient" interaction of GP Connect Foundations
   * (https://developer.nhs.uk/apis/gpconnect-1-6-0/foundations_use_case_find_a_patient.html), and maps
   * demographics as PDS FHIR does
   * (https://digital.nhs.uk/developer/api-catalogue/personal-demographics-service-fhir).
   *
   * Resolves `null` when the system has no such patient; a dissented, deceased, sensitive or deregistered patient
   * is still returned, with {@link SupplierPatient.flags} saying so: the access chain decides what to disclose.
   *
   * @param nhsNumber a 10-digit NHS number (already validated by the caller)
   * @throws {SupplierUnavailableError} the system cannot be reached or fails (connection refused or reset, 5xx)
   * @throws {SupplierTimeoutError} `ctx.signal` aborted the call
   * @throws {SupplierProtocolError} the system answered something the adapter cannot understand
   */
  abstract findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null>;

  /**
   * Checks that the supplier system is reachable and answering, for readiness probes. Resolves when it is.
   *
   * The analogue of reading a GP Connect provider's CapabilityStatement
   * (https://developer.nhs.uk/apis/gpconnect-1-6-0/foundations_use_case_get_the_fhir_capability_statement.html).
   *
   * @throws {SupplierUnavailableError} the system is unreachable or unhealthy
   * @throws {SupplierTimeoutError} `ctx.signal` aborted the call
   */
  abstract health(ctx: SupplierCallContext): Promise<void>;

  /**
   * Reads the patient's GP record and translates it into the canonical model (see {@link CanonicalRecord} for the
   * conventions): FHIR R4 resources with the source's original codings, confidential items marked, not removed.
   *
   * Follows GP Connect Access Record Structured 1.6
   * (https://developer.nhs.uk/apis/gpconnect-1-6-0/accessrecord_structured_development_retrieve_patient_record.html)
   * in what it returns per clinical area. Filters (dates, statuses) are applied by the caller, uniformly for every
   * supplier; an adapter returns at least every item of the requested sections and may return more.
   *
   * Resolves `null` when the system has no such patient.
   *
   * @throws {SupplierUnavailableError} the system cannot be reached or fails
   * @throws {SupplierTimeoutError} `ctx.signal` aborted the call
   * @throws {SupplierProtocolError} the system answered something the adapter cannot understand
   */
  abstract getRecord(nhsNumber: string, query: RecordQuery, ctx: SupplierCallContext): Promise<CanonicalRecord | null>;

  /**
   * Reads the content of one document of the record: the file a DocumentReference describes (a letter, a scan).
   *
   * Follows GP Connect Access Document 1.6
   * (https://developer.nhs.uk/apis/gpconnect-1-6-0/accessdocument_use_case_retrieve_a_document.html): Lloyd first
   * reads the record, and asks only for a document the record holds and the access chain lets the caller see.
   *
   * @param document the DocumentReference exactly as this adapter put it in the canonical record (with the
   *   system's own id and, where the system gives one, its own attachment address, which must be on the system)
   * @param maxBytes the largest document to read; a larger one fails with {@link DocumentTooLargeError}
   * @returns null when the system has no such document
   * @throws {DocumentTooLargeError} the document is larger than `maxBytes`
   * @throws {SupplierUnavailableError} the system cannot be reached or fails
   * @throws {SupplierTimeoutError} `ctx.signal` aborted the call
   * @throws {SupplierProtocolError} the system answered something the adapter cannot understand, or the record's
   *   address for the document is not on the system
   */
  abstract getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null>;
}
