import {
  type SupplierDocument,
  getDocumentById,
  deepFreeze,
  getFromSupplier,
  RevalidatedCache,
  SupplierAdapter,
  SupplierProtocolError,
  type CanonicalRecord,
  type RecordQuery,
  type SupplierCallContext,
  type SupplierIdentity,
  type SupplierPatient,
  type RevalidationOutcome,
  type SupplierResponse,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import { mapRecord } from './map-record.js';
import { readNativePatient, toSupplierPatient, type NativePatient } from './patient.js';
import { readNativeRecord, type NativeRecord } from './record-schema.js';
import { parseXml } from './xml.js';

export interface XmlReadV2AdapterOptions {
  /** The practice whose system this is. */
  readonly ods: string;
  /** The system's base URL, e.g. `http://127.0.0.1:8091`. */
  readonly baseUrl: string;
  /** Largest answer accepted to a patient search (default 1 MB). */
  readonly maxPatientBytes?: number;
  /** Largest clinical record accepted (default 20 MB; documents are not inlined, so records stay small). */
  readonly maxRecordBytes?: number;
  /**
   * Bytes of answers kept and revalidated with the system (`If-None-Match`) on every read, so an unchanged record is
   * not parsed and mapped again (default 0: nothing kept).
   */
  readonly cacheBytes?: number;
  /** Told how each conditional read went (for metrics). */
  readonly onRevalidation?: (outcome: RevalidationOutcome) => void;
}

const ACCEPT = 'application/xml';
/** Where the system serves a document's content, by the document's id (`GET /documents/{id}`). */
export const DOCUMENTS_PATH = 'documents/';
const SEARCH_REUSE_MS = 5_000;
const MAX_REUSED_SEARCHES = 1_000;

/**
 * Adapter for supplier systems that speak XML over REST with Read v2 coding (P10001's native format): searches
 * `GET /patients?nhsNumber=N` for demographics and reads `GET /patients/{nhsNumber}/record` for the clinical record,
 * mapping both to FHIR R4 (the canonical record) with the Read v2 codes as sent.
 */
export class XmlReadV2Adapter extends SupplierAdapter {
  readonly format = 'xml-readv2';
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly maxPatientBytes: number;
  private readonly maxRecordBytes: number;
  private readonly recentSearches = new Map<string, { search: Promise<NativePatient | null>; at: number }>();
  private readonly answers: RevalidatedCache;
  /** The canonical record last mapped from a held native record, while both its inputs are still the held ones. */
  private readonly mapped = new WeakMap<NativeRecord, { patient: NativePatient; record: CanonicalRecord }>();
  /** The patient mapped from a held native search answer. */
  private readonly patients = new WeakMap<NativePatient, SupplierPatient>();

  constructor(options: XmlReadV2AdapterOptions) {
    super();
    this.identity = { ods: options.ods, format: this.format };
    this.base = supplierBaseUrl(options.baseUrl);
    this.maxPatientBytes = options.maxPatientBytes ?? 1_000_000;
    this.maxRecordBytes = options.maxRecordBytes ?? 20_000_000;
    this.answers = new RevalidatedCache(options.cacheBytes ?? 0, options.onRevalidation);
  }

  override async findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    const native = await this.searchPatient(nhsNumber, ctx);
    if (!native) return null;
    const held = this.patients.get(native);
    if (held) return held;
    const patient = toSupplierPatient(native);
    if (Object.isFrozen(native)) this.patients.set(native, deepFreeze(patient));
    return patient;
  }

  override async getRecord(
    nhsNumber: string,
    _query: RecordQuery,
    ctx: SupplierCallContext,
  ): Promise<CanonicalRecord | null> {
    // The system answers the whole record in one document, whatever the sections asked for.
    const [native, record] = await Promise.all([this.searchPatient(nhsNumber, ctx), this.readRecord(nhsNumber, ctx)]);
    if (!native || !record) return null;
    if (record['@nhsNumber'] !== nhsNumber || record['@patientId'] !== native['@id'])
      throw this.protocolError('clinical record answer is for another patient than the one asked for');
    // Both answers unchanged since the last mapping (the system said 304 to each): the mapping is the same too.
    const earlier = this.mapped.get(record);
    if (earlier?.patient === native) return earlier.record;
    const mapped = mapRecord(native, toSupplierPatient(native), record);
    if (Object.isFrozen(record) && Object.isFrozen(native)) {
      this.mapped.set(record, { patient: native, record: deepFreeze(mapped) });
    }
    return mapped;
  }

  /** The system serves each document at `GET /documents/{id}`, by the id the record gives it. */
  override getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null> {
    return getDocumentById({ base: this.base, path: DOCUMENTS_PATH, maxBytes }, document, this.identity, ctx);
  }

  private readRecord(nhsNumber: string, ctx: SupplierCallContext): Promise<NativeRecord | null> {
    const url = new URL(`patients/${encodeURIComponent(nhsNumber)}/record`, this.base);
    return this.answers.read(
      `record:${nhsNumber}`,
      (ifNoneMatch) =>
        getFromSupplier(
          {
            url,
            label: 'clinical record',
            accept: ACCEPT,
            maxBytes: this.maxRecordBytes,
            expectedStatuses: [404],
            ...(ifNoneMatch ? { ifNoneMatch } : {}),
          },
          this.identity,
          ctx,
        ),
      (response) => this.recordFrom(response),
    );
  }

  private recordFrom(response: SupplierResponse): NativeRecord | null {
    const parsed = parseXml(response.body);
    if (response.status === 404) {
      // Only the system's own "no such patient" means no record; any other 404 means a wrong base URL or path.
      const error = parsed.ok ? (parsed.document['Error'] as { '@code'?: unknown } | undefined) : undefined;
      if (error?.['@code'] === 'PATIENT_NOT_FOUND') return null;
      throw this.protocolError('clinical record request answered 404 without PATIENT_NOT_FOUND');
    }
    if (!parsed.ok) throw this.protocolError(`clinical record answer: ${parsed.reason}`);
    const native = readNativeRecord(parsed.document['ClinicalRecord']);
    if (!native.ok) throw this.protocolError(native.reason);
    return native.record;
  }

  /**
   * The patient search, shared within one request: Lloyd asks for the patient (access checks) and then for the
   * record, which needs the same search, under one correlation id. A search is reused for a few seconds by calls of
   * the same request only, never across requests, and a failed one not at all. Searches expire by age as later ones
   * come in (oldest first, in insertion order), rather than each setting a timer: a timer per request cost a
   * long-lived object per request, which every young-generation collection then had to copy.
   */
  private searchPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<NativePatient | null> {
    const key = `${ctx.correlationId}\u0000${nhsNumber}`;
    const now = Date.now();
    const held = this.recentSearches.get(key);
    if (held && now - held.at < SEARCH_REUSE_MS) return held.search;
    const search = this.fetchPatient(nhsNumber, ctx);
    this.recentSearches.delete(key);
    this.recentSearches.set(key, { search, at: now });
    search.catch(() => {
      if (this.recentSearches.get(key)?.search === search) this.recentSearches.delete(key);
    });
    for (const [oldest, entry] of this.recentSearches) {
      if (this.recentSearches.size <= MAX_REUSED_SEARCHES && now - entry.at < SEARCH_REUSE_MS) break;
      this.recentSearches.delete(oldest);
    }
    return search;
  }

  private fetchPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<NativePatient | null> {
    const url = new URL('patients', this.base);
    url.searchParams.set('nhsNumber', nhsNumber);
    return this.answers.read(
      `search:${nhsNumber}`,
      (ifNoneMatch) =>
        getFromSupplier(
          {
            url,
            label: 'patient search',
            accept: ACCEPT,
            maxBytes: this.maxPatientBytes,
            ...(ifNoneMatch ? { ifNoneMatch } : {}),
          },
          this.identity,
          ctx,
        ),
      (response) => this.patientFrom(response, nhsNumber),
    );
  }

  private patientFrom(response: SupplierResponse, nhsNumber: string): NativePatient | null {
    const parsed = parseXml(response.body);
    if (!parsed.ok) throw this.protocolError(`patient search answer: ${parsed.reason}`);
    const result = parsed.document['PatientSearchResult'];
    if (typeof result !== 'object' || result === null)
      throw this.protocolError('patient search answer has no <PatientSearchResult>');
    const matches = (result as { Patient?: unknown[] }).Patient ?? [];
    if (matches.length === 0) return null;
    if (matches.length > 1)
      throw this.protocolError(`patient search returned ${matches.length} patients for one NHS number`);

    const native = readNativePatient(matches[0]);
    if (!native.ok) throw this.protocolError(native.reason);
    if (native.patient['@nhsNumber'] !== nhsNumber)
      throw this.protocolError('patient search returned a patient with a different NHS number');
    return native.patient;
  }

  override async health(ctx: SupplierCallContext): Promise<void> {
    await getFromSupplier(
      { url: new URL('health', this.base), label: 'health check', accept: ACCEPT, maxBytes: 64_000 },
      this.identity,
      ctx,
    );
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
