import type { Readable } from 'node:stream';
import type { CanonicalRecord } from './canonical.js';
import type { SupplierCallContext } from './supplier-adapter.js';

/**
 * Context of every GP2GP call Lloyd makes to a supplier system. The conversation id is the GP2GP ConversationId of
 * the transfer: an endpoint uses it as its idempotency key (GP2GP duplicate elimination is "always").
 */
export interface TransferCallContext extends SupplierCallContext {
  /** The GP2GP ConversationId (an upper-case UUID) correlating every message of one transfer. */
  readonly conversationId: string;
  /** ODS code of the other practice: the requester when exporting, the sender when importing. */
  readonly counterpartOds: string;
}

/**
 * One document of the record that travels beside the extract (GP2GP 2.2 attachments: scanned letters, images,
 * PDFs). Content is opened as a stream, possibly more than once (a retried step opens it again); it is never expected
 * to fit in memory (GP2GP allows 100 MB per attachment).
 */
export interface AttachmentSource {
  /** The item's id within the record (a DocumentReference id when the record has one for it); unique per record. */
  readonly id: string;
  /** The file name, as GP2GP's `Filename` attachment description carries it. */
  readonly filename: string;
  /** MIME type, e.g. `application/pdf` (GP2GP `ContentType`). */
  readonly contentType: string;
  /** Length in bytes when known beforehand (GP2GP `Length`); Lloyd checks it against what arrives. */
  readonly length?: number;
  /** Opens the content. Each call returns a fresh stream from the start. */
  open(): Promise<Readable>;
}

/**
 * The extract a sending system gives. A GP2GP-native system (HL7 V3, e.g. P30003) gives its own
 * `RCMR_IN030000UK06`/`UK07` message or bare `EhrExtract`; any other system gives its record in Lloyd's canonical
 * model and Lloyd builds the extract from it.
 */
export type ExportedExtract =
  | { readonly format: 'hl7v3'; open(): Promise<Readable> }
  | { readonly format: 'canonical'; readonly record: CanonicalRecord };

/** Everything a sending system exports for one transfer: the extract and its attachments. */
export interface ExportedRecord {
  readonly extract: ExportedExtract;
  readonly attachments: readonly AttachmentSource[];
}

/**
 * How the receiving system is asked to file a record. Lloyd's broker always asks `hold`, and accepts at once for a
 * practice that opted in to auto-integration when the system's answer shows nothing degraded or left out.
 */
export type IntegrationMode =
  /** Integrate straight away (tools and tests that file a record directly). */
  | 'integrate'
  /** Hold it for a clinician's review; Lloyd later calls {@link TransferEndpoint.completeImport}. */
  | 'hold';

/**
 * What the sending practice holds about the patient's sharing status, which GP2GP's extract does not carry but the
 * receiving practice must keep (as it would from the patient's PDS trace and registration): without it, a patient who
 * dissented or is S-flagged would be served freely once registered at the new practice.
 */
export interface TransferredPatientStatus {
  /** The patient has dissented from record sharing (the receiving system must report the same dissent). */
  readonly dissent: boolean;
  /** The S-flag: the patient's demographics are sensitive (the receiving system must keep the flag). */
  readonly sensitive: boolean;
}

/** A record delivered to a receiving system, translated for it. */
export interface RecordDelivery {
  /** The record, codes translated to SNOMED CT where a map exists; untranslatable items are marked degraded. */
  readonly record: CanonicalRecord;
  /** The attachments, streamed from Lloyd's blob store. */
  readonly attachments: readonly AttachmentSource[];
  /** ODS code of the practice the record comes from. */
  readonly fromOds: string;
  readonly mode: IntegrationMode;
  /** Resources of {@link record} carrying the degraded-code marker. */
  readonly degradedCount: number;
  /** Attachments the sender listed but that never arrived (GP2GP placeholders); normally empty. */
  readonly missingAttachments: readonly string[];
  /**
   * The patient's dissent and S-flag as the sending practice holds them. The receiving system files the patient with
   * them, so that its reads report them exactly as the sending system's did.
   */
  readonly patientStatus: TransferredPatientStatus;
}

/** What happened to one item of a delivered record: the GP2GP 2.2 integration note, per item. */
export interface IntegrationItem {
  /** The item's id in the delivered record (`<ResourceType>/<id>`, or an attachment id). */
  readonly sourceId: string;
  readonly outcome: 'integrated' | 'degraded' | 'not-integrated';
  /** Why, for degraded and not-integrated items (shown to the sending practice). */
  readonly note?: string;
}

/** The receiving system's answer to a delivery or to an acceptance decision. */
export interface IntegrationResult {
  /**
   * `integrated`: filed in the patient's record; `awaiting-acceptance`: held for a clinician's review (the answer to
   * mode `hold`, or the system's own choice); `rejected`: refused, with a GP2GP reason code.
   */
  readonly status: 'integrated' | 'rejected' | 'awaiting-acceptance';
  /**
   * GP2GP negative acknowledgement reason code when rejected (code system 2.16.840.1.113883.2.1.3.2.4.17.101),
   * e.g. `11` failed to integrate, `17`/`28` wrong patient.
   */
  readonly reasonCode?: string;
  readonly items: readonly IntegrationItem[];
}

/** The practice's decision on a held record ({@link IntegrationMode} `hold`). */
export type ImportDecision = { readonly accept: true } | { readonly accept: false; readonly reasonCode: string };

const REJECTED_NOTE = 'the practice rejected the record';

/**
 * The integration note after a decision on a held record: every item of the held note, in its order and under its
 * id, with the outcome the receiving system's answer to the decision gives it; an item the answer does not mention
 * keeps its held outcome (an item the adapter could not send stays not integrated, with its reason). A rejected
 * record files nothing, so every item is then not integrated. Items the answer adds are kept after the held ones:
 * nothing is left out silently.
 */
export function settleHeldImport(held: IntegrationResult, decided: IntegrationResult): IntegrationResult {
  const rejected = decided.status === 'rejected';
  const answered = new Map(decided.items.map((i) => [i.sourceId, i]));
  const settle = (item: IntegrationItem): IntegrationItem => {
    if (!rejected || item.outcome === 'not-integrated') return item;
    return { sourceId: item.sourceId, outcome: 'not-integrated', note: REJECTED_NOTE };
  };
  const items = held.items.map((item) => settle(answered.get(item.sourceId) ?? item));
  const known = new Set(held.items.map((i) => i.sourceId));
  items.push(...decided.items.filter((i) => !known.has(i.sourceId)).map(settle));
  return { ...decided, items };
}

/**
 * A sending system refused the EHR request (GP2GP: the sender NACKs it with an MCCI_IN010000UK13 AE/AR). Lloyd fails
 * the transfer with this reason code rather than retrying.
 */
export class TransferRefusedError extends Error {
  override readonly name = 'TransferRefusedError';

  /**
   * @param reasonCode a GP2GP reason code: `06` patient not at surgery, `07` GP2GP not enabled, `10` extract could
   *   not be generated, `19` requester is not the patient's current provider, …
   */
  constructor(
    readonly reasonCode: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The GP2GP transfer port: what a supplier system does to send and receive whole records through Lloyd. Implemented
 * by the supplier adapters beside {@link SupplierAdapter}; Lloyd's transfer broker (`@lloyd/gp2gp`) drives it, plays
 * the HL7 V3 messaging (GP2GP 2.2: `RCMR_IN010000UK05` request, `RCMR_IN030000UK06` extract, `COPC_IN000001UK01`
 * large-message fragments, `MCCI_IN010000UK13` acknowledgements) on the systems' behalf, and translates codes.
 *
 * GP2GP 2.2 specification: https://digital.nhs.uk/services/gp2gp (message specification in the NHS GP2GP
 * Requirements and the NHS adaptors: https://github.com/NHSDigital/integration-adaptor-gp2gp (sending side),
 * https://github.com/NHSDigital/nia-patient-switching-standard-adaptor (receiving side)).
 *
 * Every method honours `ctx.signal`, and fails with the supplier errors of this library
 * (`SupplierUnavailableError`, `SupplierTimeoutError`, `SupplierProtocolError`) for technical trouble, which Lloyd
 * retries with backoff. Every method is idempotent per `ctx.conversationId`: Lloyd may repeat a call after a crash,
 * and a repeated call must not duplicate anything (GP2GP duplicate elimination).
 */
export abstract class TransferEndpoint {
  /**
   * Sending side: answers an EHR request (GP2GP `RCMR_IN010000UK05`) for a patient registered at this practice with
   * the whole record and its attachments. A GP2GP-native system returns its own HL7 V3 extract; others return the
   * canonical record (native codes kept; Lloyd adds SNOMED CT and builds the extract).
   *
   * @throws {TransferRefusedError} the system refuses the request with a GP2GP reason code (e.g. `06` patient not
   *   at surgery, `10` the extract could not be generated)
   */
  abstract exportRecord(nhsNumber: string, ctx: TransferCallContext): Promise<ExportedRecord>;

  /**
   * Receiving side: files a transferred record (GP2GP: the requester integrates the extract, then sends the final
   * `MCCI_IN010000UK13`). Stores it in the system's own format. With mode `integrate` it files the record at once
   * and answers `integrated` (or `rejected`); with mode `hold` it keeps it for review and answers
   * `awaiting-acceptance`; Lloyd then calls {@link completeImport} with the practice's decision.
   *
   * Repeating the call for the same conversation returns the first answer and files nothing twice.
   */
  abstract importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult>;

  /**
   * Receiving side: the practice accepted or rejected a record held by {@link importRecord} (mode `hold`). Accepting
   * files it (answer `integrated`); rejecting discards it (answer `rejected` with the decision's reason code).
   * Repeating a decision returns the same answer.
   *
   * The answer is the integration note sent back with the final acknowledgement, so it covers every item of `held`
   * under the same ids (see {@link settleHeldImport}): items the adapter could not send at all stay not integrated
   * with their reason, and a rejected record's items are all not integrated.
   *
   * @param held the answer {@link importRecord} gave when it held the record (the integration note so far)
   */
  abstract completeImport(
    nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    held: IntegrationResult,
  ): Promise<IntegrationResult>;
}

/** True when `value` implements {@link TransferEndpoint} (adapters implement it beside `SupplierAdapter`). */
export function isTransferEndpoint(value: unknown): value is TransferEndpoint {
  if (value instanceof TransferEndpoint) return true;
  const candidate = value as Partial<Record<keyof TransferEndpoint, unknown>> | null | undefined;
  return (
    typeof candidate?.exportRecord === 'function' &&
    typeof candidate.importRecord === 'function' &&
    typeof candidate.completeImport === 'function'
  );
}
