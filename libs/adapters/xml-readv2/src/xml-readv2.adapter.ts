import {
  getFromSupplier,
  SupplierAdapter,
  SupplierProtocolError,
  type SupplierCallContext,
  type SupplierIdentity,
  type SupplierPatient,
} from '@lloyd/adapters-core';
import { readNativePatient, toSupplierPatient } from './patient.js';
import { parseXml } from './xml.js';

export interface XmlReadV2AdapterOptions {
  /** The practice whose system this is. */
  readonly ods: string;
  /** The system's base URL, e.g. `http://127.0.0.1:8091`. */
  readonly baseUrl: string;
  /** Largest answer accepted to a patient search (default 1 MB). */
  readonly maxPatientBytes?: number;
}

const ACCEPT = 'application/xml';

/**
 * Adapter for supplier systems that speak XML over REST with Read v2 coding (P10001's native format): searches
 * `GET /patients?nhsNumber=N` and maps the `<Patient>` answer to FHIR R4.
 */
export class XmlReadV2Adapter extends SupplierAdapter {
  readonly format = 'xml-readv2';
  private readonly identity: SupplierIdentity;
  private readonly base: URL;
  private readonly maxPatientBytes: number;

  constructor(options: XmlReadV2AdapterOptions) {
    super();
    this.identity = { ods: options.ods, format: this.format };
    // A trailing slash makes relative paths resolve under the base path rather than beside it.
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.maxPatientBytes = options.maxPatientBytes ?? 1_000_000;
  }

  override async findPatient(nhsNumber: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    const url = new URL('patients', this.base);
    url.searchParams.set('nhsNumber', nhsNumber);
    const response = await getFromSupplier(
      { url, label: 'patient search', accept: ACCEPT, maxBytes: this.maxPatientBytes },
      this.identity,
      ctx,
    );

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
    return toSupplierPatient(native.patient);
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
