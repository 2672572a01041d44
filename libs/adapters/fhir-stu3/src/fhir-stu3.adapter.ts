import {
  DocumentTooLargeError,
  SupplierAdapter,
  supplierBaseUrl,
  type SupplierDocument,
  SupplierProtocolError,
  SupplierUnavailableError,
  toSupplierError,
  type CanonicalRecord,
  type RecordQuery,
  type SupplierCallContext,
  type SupplierIdentity,
  type SupplierPatient,
} from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';
import { Client, type RequestOptions } from 'fhir-kit-client';
import { providerBinary } from './binary-address.js';
import { Stu3ConversionError } from './convert/context.js';
import type { ConversionReport } from './convert/report.js';
import { convertStructuredRecordWithReport } from './convert/structured-record.js';
import { structuredRecordParameters } from './parameters.js';
import { readPatientSearch } from './patient.js';

/** Where the adapter reports what a conversion dropped (pino's `debug(object, message)` fits). */
export interface FhirStu3AdapterLogger {
  debug(details: object, message: string): void;
}

export interface FhirStu3AdapterOptions {
  /** The practice whose system this is. */
  readonly ods: string;
  /** The provider's FHIR STU3 base URL, e.g. `http://127.0.0.1:8094`. */
  readonly baseUrl: string;
  readonly logger?: FhirStu3AdapterLogger;
  /** Today's date, for registration periods (default: the system clock). */
  readonly today?: () => string;
}

type Json = Record<string, unknown>;

/** fhir-kit-client rejects non-2xx and non-JSON answers with an Error carrying the status and parsed body. */
interface ClientHttpError {
  readonly response: { readonly status: number; readonly data?: unknown };
}

function httpError(err: unknown): ClientHttpError | undefined {
  const response = (err as { response?: { status?: unknown } } | null)?.response;
  return typeof response?.status === 'number' ? (err as ClientHttpError) : undefined;
}

/** The Spine error code of a GP Connect OperationOutcome, e.g. PATIENT_NOT_FOUND. */
function spineCode(data: unknown): string | undefined {
  const issue = (data as { issue?: { details?: { coding?: { code?: unknown }[] } }[] } | null)?.issue?.[0];
  const code = issue?.details?.coding?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Adapter for GP Connect-style FHIR STU3 providers (P40004's native format), through fhir-kit-client: finds
 * patients with `GET /Patient?identifier=…`, reads records with `POST /Patient/$gpc.getstructuredrecord` (plus
 * Access Document's `GET /Patient/{id}/DocumentReference` when documents are asked for), and converts the STU3
 * answer to Lloyd's canonical R4 record.
 */
export class FhirStu3Adapter extends SupplierAdapter {
  readonly format = 'fhir-stu3';
  private readonly identity: SupplierIdentity;
  private readonly client: Client;
  private readonly base: URL;
  private readonly logger: FhirStu3AdapterLogger | undefined;
  private readonly today: () => string;

  constructor(options: FhirStu3AdapterOptions) {
    super();
    this.identity = { ods: options.ods, format: this.format };
    this.client = new Client({ baseUrl: options.baseUrl });
    this.base = supplierBaseUrl(options.baseUrl);
    this.logger = options.logger;
    this.today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  }

  override async findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    const bundle = await this.call('patient search', ctx, (options) =>
      this.client.search({
        resourceType: 'Patient',
        searchParams: { identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` },
        options,
      }),
    );
    const read = readPatientSearch(bundle, nhsNumber, this.today());
    if (!read.ok) throw this.protocolError(read.reason);
    return read.patient;
  }

  override async health(ctx: SupplierCallContext): Promise<void> {
    const statement = await this.call('capability statement', ctx, (options) =>
      this.client.capabilityStatement(options),
    );
    if (statement['resourceType'] !== 'CapabilityStatement' || !String(statement['fhirVersion']).startsWith('3.0.')) {
      throw this.protocolError(
        `metadata is not an STU3 CapabilityStatement (fhirVersion ${String(statement['fhirVersion'])})`,
      );
    }
  }

  override async getRecord(
    nhsNumber: string,
    query: RecordQuery,
    ctx: SupplierCallContext,
  ): Promise<CanonicalRecord | null> {
    let bundle: Json;
    try {
      bundle = await this.client.operation({
        name: 'gpc.getstructuredrecord',
        resourceType: 'Patient',
        input: structuredRecordParameters(nhsNumber, query.sections) as unknown as Json & { resourceType: string },
        options: this.requestOptions(ctx),
      });
    } catch (err) {
      const http = httpError(err);
      if (http?.response.status === 404 && spineCode(http.response.data) === 'PATIENT_NOT_FOUND' && !ctx.signal.aborted)
        return null;
      throw this.supplierError(err, 'structured record request', ctx);
    }
    if (bundle['resourceType'] !== 'Bundle') throw this.protocolError('structured record answer is not a Bundle');
    const entries: unknown[] = Array.isArray(bundle['entry']) ? (bundle['entry'] as unknown[]) : [];
    const stu3Patient = entries
      .map((e: unknown) => (isObject(e) ? e['resource'] : undefined))
      .find((r): r is Json => isObject(r) && r['resourceType'] === 'Patient');
    const identifiers = Array.isArray(stu3Patient?.['identifier']) ? stu3Patient['identifier'] : [];
    if (
      !identifiers.some((i: unknown) => isObject(i) && i['system'] === NHS_NUMBER_SYSTEM && i['value'] === nhsNumber)
    ) {
      throw this.protocolError(
        'structured record is not about the patient asked for (NHS number differs or is missing)',
      );
    }
    const documents =
      query.sections.includes('documents') && typeof stu3Patient?.['id'] === 'string'
        ? await this.documentEntries(stu3Patient['id'], ctx)
        : [];

    try {
      const { record, report } = convertStructuredRecordWithReport(
        { ...bundle, entry: [...entries, ...documents] },
        { ods: this.identity.ods },
      );
      this.logDropped(report);
      return record;
    } catch (err) {
      if (err instanceof Stu3ConversionError) throw this.protocolError(`structured record: ${err.message}`);
      throw err;
    }
  }

  /**
   * GP Connect Access Document: `GET /Binary/{id}` on the provider, answered as FHIR (a Binary with its content in
   * base64). The id comes from the DocumentReference's attachment address, which must be the provider's own
   * `Binary/{id}`; GP Connect providers refuse documents over 5 MB (422), as Lloyd does any over `maxBytes`.
   */
  override async getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null> {
    const address = document.content[0]?.attachment.url;
    if (!address) return null;
    const id = providerBinary(this.base, address)?.id;
    if (!id) throw this.protocolError('a document address points outside the system');
    let binary: Json;
    try {
      binary = await this.client.read({ resourceType: 'Binary', id, options: this.requestOptions(ctx) });
    } catch (err) {
      const status = httpError(err)?.response.status;
      if (status === 404 && !ctx.signal.aborted) return null;
      if ((status === 413 || status === 422) && !ctx.signal.aborted) throw new DocumentTooLargeError(maxBytes);
      throw this.supplierError(err, 'document request', ctx);
    }
    if (binary['resourceType'] !== 'Binary' || typeof binary['content'] !== 'string')
      throw this.protocolError('document answer is not a Binary with content');
    const content = Buffer.from(binary['content'], 'base64');
    if (content.length > maxBytes) throw new DocumentTooLargeError(maxBytes);
    const contentType =
      typeof binary['contentType'] === 'string'
        ? binary['contentType']
        : (document.content[0]?.attachment.contentType ?? 'application/octet-stream');
    return { contentType, content };
  }

  /** GP Connect Access Document: the patient's DocumentReferences, as Bundle entries to convert with the record. */
  private async documentEntries(patientId: string, ctx: SupplierCallContext): Promise<unknown[]> {
    const bundle = await this.call('document search', ctx, (options) =>
      this.client.search({
        resourceType: 'DocumentReference',
        compartment: { resourceType: 'Patient', id: encodeURIComponent(patientId) },
        options,
      }),
    );
    if (bundle['resourceType'] !== 'Bundle') throw this.protocolError('document search answer is not a Bundle');
    const entries: unknown[] = Array.isArray(bundle['entry']) ? (bundle['entry'] as unknown[]) : [];
    return entries.filter(
      (e: unknown) => isObject(e) && isObject(e['resource']) && e['resource']['resourceType'] === 'DocumentReference',
    );
  }

  private requestOptions(ctx: SupplierCallContext): RequestOptions {
    return {
      signal: ctx.signal,
      headers: { 'x-correlation-id': ctx.correlationId, 'ssp-traceid': ctx.correlationId },
    };
  }

  /** Runs a client call with the context's signal and maps its failures to supplier errors. */
  private async call(
    label: string,
    ctx: SupplierCallContext,
    run: (options: RequestOptions) => Promise<Json>,
  ): Promise<Json> {
    try {
      // fhir-kit-client hands the signal to fetch, which abandons the request (and the body) on abort.
      return await run(this.requestOptions(ctx));
    } catch (err) {
      throw this.supplierError(err, label, ctx);
    }
  }

  private supplierError(err: unknown, label: string, ctx: SupplierCallContext): Error {
    const http = httpError(err);
    if (http && !ctx.signal.aborted) {
      const { status, data } = http.response;
      if (status >= 500) {
        return new SupplierUnavailableError({
          ...this.identity,
          status,
          detail: `HTTP ${status} to the ${label}`,
          cause: err,
        });
      }
      const code = spineCode(data);
      return status >= 200 && status < 300
        ? this.protocolError(`${label} answer is not FHIR JSON`)
        : this.protocolError(`unexpected HTTP ${status}${code ? ` ${code}` : ''} to the ${label}`);
    }
    return toSupplierError(err, this.identity, ctx.signal);
  }

  private logDropped(report: ConversionReport): void {
    const extensions = Object.values(report.droppedExtensions).reduce((a, b) => a + b, 0);
    const elements = Object.values(report.droppedElements).reduce((a, b) => a + b, 0);
    this.logger?.debug(
      {
        ods: this.identity.ods,
        format: this.format,
        droppedResources: report.droppedResources,
        droppedExtensions: report.droppedExtensions,
        droppedElements: report.droppedElements,
        encounterLinksDerived: report.encounterLinksDerived,
      },
      `STU3 → R4: dropped ${extensions} extension(s) and ${elements} element(s) with no canonical equivalent`,
    );
  }

  private protocolError(detail: string): SupplierProtocolError {
    return new SupplierProtocolError({ ...this.identity, detail });
  }
}
