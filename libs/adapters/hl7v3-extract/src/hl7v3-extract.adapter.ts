import { randomUUID } from 'node:crypto';
import {
  getDocumentById,
  getFromSupplier,
  SupplierAdapter,
  type SupplierDocument,
  SupplierProtocolError,
  SupplierUnavailableError,
  type CanonicalRecord,
  type RecordQuery,
  type SupplierCallContext,
  type SupplierIdentity,
  type SupplierPatient,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import { buildEhrRequest, parseAcknowledgement, parseEhrExtract, type ParsedEhrExtract } from '@lloyd/hl7v3';
import { completeRecord } from './complete-record.js';
import { DOCUMENTS_PATH, extractDocumentId } from './document-address.js';
import { readSummary } from './summary.js';
import { asSupplierError, postEhrRequest } from './ehr-request.js';

export interface Hl7v3ExtractAdapterOptions {
  /** The practice whose system this is (the EHR request's destination). */
  readonly ods: string;
  /** The system's base URL, e.g. `http://127.0.0.1:8093`. */
  readonly baseUrl: string;
  /** The system's Spine ASID, addressed in the request (default: unknown, `000000000000`). */
  readonly asid?: string;
  /** Who Lloyd asks as: its ODS code and ASID in the EHR request (default X26, `000000000000`). */
  readonly requester?: { readonly ods: string; readonly asid: string };
  /** Largest extract accepted, in bytes (default 100 MB); it is parsed as it streams, never held whole. */
  readonly maxExtractBytes?: number;
  /** Largest answer accepted to a summary or health check, or as an acknowledgement (default 1 MB). */
  readonly maxSmallAnswerBytes?: number;
  /** Largest extract a transfer export keeps in memory to hand on, rather than asking the system again (5 MB). */
  readonly maxKeptExtractBytes?: number;
}

const XML = 'application/xml';
const UNKNOWN_ASID = '000000000000';

/**
 * GP2GP reasons that say the system could not read Lloyd's request, or that the two sides disagree on the messages:
 * Lloyd's side is wrong, retrying will not help. Every other reason (06 aside) means the system cannot give the
 * record now: unavailable.
 */
const PROTOCOL_REASONS = new Set(['14', '18', '21', '23']);

/**
 * Adapter for supplier systems that answer only GP2GP (P30003's native format): the record comes whole, as an HL7 V3
 * EHR extract (`RCMR_IN030000UK06`/`UK07`) in answer to an EHR request (`RCMR_IN010000UK05`) posted to
 * `POST /gp2gp/ehr-request`; it is parsed as it streams by `@lloyd/hl7v3` into the canonical model. GP2GP has no
 * demographics query, so the patient (and the practice's dissent and S-flag) come from the system's "PDS-like"
 * summary, `GET /gp2gp/patients/{nhsNumber}/summary`. A negative acknowledgement with reason 06 ("patient not at
 * surgery") means the system has no such patient.
 */
export class Hl7v3ExtractAdapter extends SupplierAdapter {
  readonly format = 'hl7v3-extract';
  readonly ods: string;
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly asid: string;
  private readonly requester: { readonly ods: string; readonly asid: string };
  private readonly maxExtractBytes: number;
  private readonly maxSmallAnswerBytes: number;

  constructor(options: Hl7v3ExtractAdapterOptions) {
    super();
    this.ods = options.ods;
    this.identity = { ods: options.ods, format: this.format };
    this.base = supplierBaseUrl(options.baseUrl);
    this.asid = options.asid ?? UNKNOWN_ASID;
    this.requester = options.requester ?? { ods: 'X26', asid: UNKNOWN_ASID };
    this.maxExtractBytes = options.maxExtractBytes ?? 100 * 1024 * 1024;
    this.maxSmallAnswerBytes = options.maxSmallAnswerBytes ?? 1024 * 1024;
  }

  override async health(ctx: SupplierCallContext): Promise<void> {
    await getFromSupplier(
      { url: new URL('health', this.base), label: 'health check', accept: XML, maxBytes: this.maxSmallAnswerBytes },
      this.identity,
      ctx,
    );
  }

  override async findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    const url = new URL(`gp2gp/patients/${encodeURIComponent(nhsNumber)}/summary`, this.base);
    const response = await getFromSupplier(
      { url, label: 'patient summary', accept: XML, expectedStatuses: [404], maxBytes: this.maxSmallAnswerBytes },
      this.identity,
      ctx,
    );
    if (response.status === 404) {
      // Only the system's own "no such patient" is an answer; any other 404 means a wrong base URL.
      if (/<Error\b[^>]*\bcode="PATIENT_NOT_FOUND"/.test(response.body)) return null;
      throw this.protocolError('the patient summary endpoint answered 404 without saying the patient is unknown');
    }
    const summary = readSummary(response.body);
    if (!summary.ok) throw this.protocolError(`patient summary: ${summary.reason}`);
    const nhs = summary.patient.patient.identifier?.[0]?.value;
    if (nhs !== nhsNumber) throw this.protocolError('the patient summary is for a different NHS number');
    return summary.patient;
  }

  /** The system serves each document at `GET /documents/{id}`, the id its extract's address names. */
  override getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null> {
    const id = extractDocumentId(document);
    if (!id) return Promise.resolve(null);
    return getDocumentById({ base: this.base, path: DOCUMENTS_PATH, id, maxBytes }, document, this.identity, ctx);
  }

  override async getRecord(
    nhsNumber: string,
    _query: RecordQuery,
    ctx: SupplierCallContext,
  ): Promise<CanonicalRecord | null> {
    // The extract and the summary are fetched together; the extract is abandoned if the summary ends the call.
    const abandon = new AbortController();
    const extractCtx = { signal: AbortSignal.any([ctx.signal, abandon.signal]), correlationId: ctx.correlationId };
    const extract = this.requestExtract(nhsNumber, extractCtx);
    extract.catch(() => undefined);
    let found: SupplierPatient | null;
    try {
      found = await this.findPatient(nhsNumber, ctx);
    } catch (err) {
      abandon.abort();
      throw err;
    }
    if (!found) {
      abandon.abort();
      return null;
    }
    const parsed = await extract;
    return parsed ? completeRecord(parsed.record, found, this.ods) : null;
  }

  /** Posts an EHR request and parses the answer as it streams; null for a NACK reason 06. */
  private async requestExtract(nhsNumber: string, ctx: SupplierCallContext): Promise<ParsedEhrExtract | null> {
    const messageId = randomUUID().toUpperCase();
    const ehrRequestId = randomUUID().toUpperCase();
    const body = buildEhrRequest({
      messageId,
      fromAsid: this.requester.asid,
      toAsid: this.asid,
      ehrRequestId,
      nhsNumber,
      requestingOds: this.requester.ods,
      sendingOds: this.ods,
    });
    try {
      const { status, kind, peeked } = await postEhrRequest(this.base, body, this.identity, ctx);
      if (kind === 'acknowledgement') return await this.acknowledgement(peeked.body, messageId, status);
      if (kind !== 'ehr-extract' || status !== 200) {
        await peeked.cancel();
        throw this.protocolError(
          `unexpected answer to the EHR request: HTTP ${status} with ${peeked.root ? `<${peeked.root}>` : 'no XML message'}`,
        );
      }
      // Read for viewing: a problem's own entry is the problem, not an Observation beside it (shown twice otherwise).
      const parsed = await parseEhrExtract(peeked.body, {
        limits: { maxBytes: this.maxExtractBytes },
        foldProblemEntries: true,
      });
      if (parsed.header.nhsNumber !== nhsNumber) throw this.protocolError('the EHR extract is for a different patient');
      if (parsed.header.ehrRequestId && parsed.header.ehrRequestId !== ehrRequestId) {
        throw this.protocolError('the EHR extract answers a different EHR request');
      }
      return parsed;
    } catch (err) {
      throw this.supplierError(err, ctx.signal, 'EHR extract');
    }
  }

  /**
   * A negative acknowledgement instead of the extract: reason 06 is "no such patient", others are errors. One that
   * refers to another message is a protocol error, unless it came with a 5xx: a system that failed before it could
   * read the request cannot name it, and its HTTP status already says it is unavailable.
   */
  private async acknowledgement(body: AsyncIterable<Uint8Array>, messageId: string, status: number): Promise<null> {
    const ack = await parseAcknowledgement(body, { maxBytes: this.maxSmallAnswerBytes });
    if (ack.acknowledgedMessageId && ack.acknowledgedMessageId !== messageId) {
      if (status < 500) throw this.protocolError('the acknowledgement refers to another message');
      throw new SupplierUnavailableError({
        ...this.identity,
        status,
        detail: `HTTP ${status} to the EHR request, with a negative acknowledgement (GP2GP reason ${ack.reason?.code ?? '99'}) of no message Lloyd sent`,
      });
    }
    if (ack.typeCode === 'AA') throw this.protocolError('the EHR request was acknowledged but no extract was sent');
    const code = ack.reason?.code ?? '99';
    if (code === '06') return null;
    const detail = `negative acknowledgement, GP2GP reason ${code} (${ack.reason?.display ?? 'no reason given'})`;
    if (PROTOCOL_REASONS.has(code)) throw this.protocolError(detail);
    throw new SupplierUnavailableError({ ...this.identity, detail });
  }

  /** Transport failures and aborts as the shared mapping says; anything unreadable as a protocol error. */
  private supplierError(err: unknown, signal: AbortSignal, what: string): Error {
    return asSupplierError(err, this.identity, signal, what);
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
