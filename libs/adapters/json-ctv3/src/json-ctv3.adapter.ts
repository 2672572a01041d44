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
import type { z } from 'zod';
import { JournalPage, NativePatient, parseNative, SearchResult } from './native.js';
import { toSupplierPatient } from './patient.js';
import { mapRecord } from './record/map-record.js';

export interface JsonCtv3AdapterOptions {
  /** The practice whose system this is. */
  readonly ods: string;
  /** The system's base URL, e.g. `http://127.0.0.1:8092`. */
  readonly baseUrl: string;
  /** Largest answer accepted to a patient search (default 1 MB). */
  readonly maxPatientBytes?: number;
  /** Largest journal page accepted (default 16 MB). */
  readonly maxPageBytes?: number;
  /** Journal events asked for per page (default 500, the API's maximum). */
  readonly pageSize?: number;
  /** Pages read at most for one record, so a system that never ends its cursor chain cannot hold a call (default 200). */
  readonly maxPages?: number;
  /**
   * Bytes of answers kept and revalidated with the system (`If-None-Match`) on every read, so an unchanged journal is
   * not parsed and mapped again (default 0: nothing kept).
   */
  readonly cacheBytes?: number;
  /** Told how each conditional read went (for metrics). */
  readonly onRevalidation?: (outcome: RevalidationOutcome) => void;
}

const ACCEPT = 'application/json';
/** Where the system serves a document's content, by the document's id (`GET api/v2/documents/{id}`). */
export const DOCUMENTS_PATH = 'api/v2/documents/';

/**
 * Adapter for supplier systems that speak the JSON/CTV3 vendor API (P20002's native format):
 * `GET /api/v2/patients?nhsNumber=N` finds the patient, and `GET /api/v2/patients/{id}/journal`, paged with its
 * `next` cursor, gives the clinical journal, which is mapped to the canonical record with CTV3 codings kept.
 */
export class JsonCtv3Adapter extends SupplierAdapter {
  readonly format = 'json-ctv3';
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly maxPatientBytes: number;
  private readonly maxPageBytes: number;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly answers: RevalidatedCache;
  /** The canonical record last mapped from held answers, while the patient and every page are still the held ones. */
  private readonly mapped = new WeakMap<NativePatient, { pages: readonly JournalPage[]; record: CanonicalRecord }>();

  constructor(options: JsonCtv3AdapterOptions) {
    super();
    this.identity = { ods: options.ods, format: this.format };
    this.base = supplierBaseUrl(options.baseUrl);
    this.maxPatientBytes = options.maxPatientBytes ?? 1_000_000;
    this.maxPageBytes = options.maxPageBytes ?? 16_000_000;
    this.pageSize = options.pageSize ?? 500;
    this.maxPages = options.maxPages ?? 200;
    this.answers = new RevalidatedCache(options.cacheBytes ?? 0, options.onRevalidation);
  }

  override async findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    const native = await this.search(nhsNumber, ctx);
    return native ? toSupplierPatient(native) : null;
  }

  override async health(ctx: SupplierCallContext): Promise<void> {
    await getFromSupplier(
      { url: new URL('health', this.base), label: 'health check', accept: ACCEPT, maxBytes: 64_000 },
      this.identity,
      ctx,
    );
  }

  /** The system serves each document at `GET api/v2/documents/{id}`, by the id the journal gives it. */
  override getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null> {
    return getDocumentById({ base: this.base, path: DOCUMENTS_PATH, maxBytes }, document, this.identity, ctx);
  }

  override async getRecord(
    nhsNumber: string,
    _query: RecordQuery,
    ctx: SupplierCallContext,
  ): Promise<CanonicalRecord | null> {
    // The journal holds every section; the caller filters, so the query does not narrow what is fetched.
    const native = await this.search(nhsNumber, ctx);
    if (!native) return null;
    const pages = await this.readJournal(native.patient.id, ctx);
    // The patient and every page unchanged since the last mapping (the system said 304 to each): so is the record.
    const earlier = this.mapped.get(native);
    if (earlier && earlier.pages.length === pages.length && earlier.pages.every((p, i) => p === pages[i])) {
      return earlier.record;
    }
    const mapped = mapRecord({
      ods: this.identity.ods,
      found: toSupplierPatient(native),
      native,
      pages,
    });
    if (!mapped.ok) throw this.protocolError(mapped.reason);
    if (Object.isFrozen(native) && pages.every((p) => Object.isFrozen(p))) {
      this.mapped.set(native, { pages, record: deepFreeze(mapped.record) });
    }
    return mapped.record;
  }

  private search(nhsNumber: string, ctx: SupplierCallContext): Promise<NativePatient | null> {
    const url = new URL('api/v2/patients', this.base);
    url.searchParams.set('nhsNumber', nhsNumber);
    return this.answers.read(
      `search:${nhsNumber}`,
      (ifNoneMatch) => this.get(url, 'patient search', this.maxPatientBytes, ctx, ifNoneMatch),
      (response) => this.searchResult(response, nhsNumber),
    );
  }

  private searchResult(response: SupplierResponse, nhsNumber: string): NativePatient | null {
    const result = this.parse(SearchResult, this.json(response, 'patient search'), 'search');
    if (result.results.length === 0) return null;
    if (result.results.length > 1)
      throw this.protocolError(`patient search returned ${result.results.length} patients for one NHS number`);
    const native = this.parse(NativePatient, result.results[0], 'patient');
    if (native.patient.nhsNumber !== nhsNumber)
      throw this.protocolError('patient search returned a patient with a different NHS number');
    return native;
  }

  private async readJournal(patientId: string, ctx: SupplierCallContext): Promise<JournalPage[]> {
    const pages: JournalPage[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      if (pages.length >= this.maxPages)
        throw this.protocolError(`journal has more than ${this.maxPages} pages; raise maxPages if that is genuine`);
      const url = new URL(`api/v2/patients/${encodeURIComponent(patientId)}/journal`, this.base);
      url.searchParams.set('limit', String(this.pageSize));
      if (cursor !== null) url.searchParams.set('cursor', cursor);
      const page = await this.answers.read(
        `page:${url.href}`,
        (ifNoneMatch) => this.get(url, 'journal', this.maxPageBytes, ctx, ifNoneMatch),
        (response) => this.parse(JournalPage, this.json(response, 'journal'), 'journal'),
      );
      pages.push(page);
      cursor = page.next;
      if (cursor !== null) {
        if (seen.has(cursor)) throw this.protocolError('journal paging went round in a circle');
        seen.add(cursor);
      }
    } while (cursor !== null);
    return pages;
  }

  private get(
    url: URL,
    label: string,
    maxBytes: number,
    ctx: SupplierCallContext,
    ifNoneMatch: string | undefined,
  ): Promise<SupplierResponse> {
    return getFromSupplier(
      { url, label, accept: ACCEPT, maxBytes, ...(ifNoneMatch ? { ifNoneMatch } : {}) },
      this.identity,
      ctx,
    );
  }

  private json(response: SupplierResponse, label: string): unknown {
    if (!/^application\/(.+\+)?json\b/i.test(response.contentType))
      throw this.protocolError(`${label} answer is ${response.contentType || 'untyped'}, not JSON`);
    try {
      return JSON.parse(response.body) as unknown;
    } catch {
      throw this.protocolError(`${label} answer is not valid JSON`);
    }
  }

  private parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const parsed = parseNative(schema, value, what);
    if (!parsed.ok) throw this.protocolError(parsed.reason);
    return parsed.value;
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
