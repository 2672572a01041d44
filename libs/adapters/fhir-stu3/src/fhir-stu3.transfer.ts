import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  readTextCapped,
  throwIfServerError,
  SupplierProtocolError,
  toSupplierError,
  TransferEndpoint,
  TransferRefusedError,
  type AttachmentSource,
  type ExportedRecord,
  type ImportDecision,
  type IntegrationItem,
  type IntegrationResult,
  type RecordDelivery,
  type SupplierIdentity,
  type TransferCallContext,
  settleHeldImport,
  supplierBaseUrl,
} from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';
import { recordSections } from '@lloyd/config';
import { providerBinary } from './binary-address.js';
import { toStu3Record } from './convert/to-stu3-record.js';
import { FhirStu3Adapter, type FhirStu3AdapterOptions } from './fhir-stu3.adapter.js';
import { OPT_IN, OPT_OUT } from './patient.js';

type Json = Record<string, unknown>;

/** The header carrying the GP2GP conversation id on the provider's transfer endpoints. */
const CONVERSATION_HEADER = 'x-gp2gp-conversationid';
const FHIR_JSON = 'application/fhir+json';
/** The provider's answers to an import are small (one item per record entry); the cap guards against a runaway. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const CONFIDENTIALITY_SYSTEMS = new Set([
  'http://hl7.org/fhir/v3/Confidentiality',
  'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
]);
/** The S-flag as the provider marks it on a Patient (PDS: v3 Confidentiality R, restricted). */
const RESTRICTED = { system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R', display: 'restricted' };

/** Sets the bundle's Patient's S-flag label to the sending practice's: R when sensitive, no R or V label otherwise. */
function withSensitivity(bundle: Json, sensitive: boolean): void {
  const entries = Array.isArray(bundle['entry']) ? bundle['entry'].filter(isObject) : [];
  for (const entry of entries) {
    const patient = entry['resource'];
    if (!isObject(patient) || patient['resourceType'] !== 'Patient') continue;
    const meta = isObject(patient['meta']) ? patient['meta'] : {};
    const others = (Array.isArray(meta['security']) ? meta['security'].filter(isObject) : []).filter(
      (s) => !(CONFIDENTIALITY_SYSTEMS.has(String(s['system'])) && (s['code'] === 'R' || s['code'] === 'V')),
    );
    const security = sensitive ? [...others, { ...RESTRICTED }] : others;
    const { security: _dropped, ...rest } = meta;
    patient['meta'] = security.length > 0 ? { ...rest, security } : rest;
  }
}

/**
 * GP2GP transfers for GP Connect-style FHIR STU3 providers (P40004). Sending: the record read through the adapter's
 * structured record (canonical, native codes kept) plus every document as a streamed attachment from the provider's
 * `Binary` endpoint. Receiving: the canonical record converted back to STU3 (`toStu3Record`), each attachment
 * streamed to `PUT /Binary/{id}`, then `POST /Patient/$gp2gp.import`; a held record is decided with
 * `POST /Patient/$gp2gp.decision`. Every call carries the conversation id, the provider's idempotency key.
 */
export class FhirStu3Transfer extends TransferEndpoint {
  private readonly adapter: FhirStu3Adapter;
  private readonly base: URL;
  private readonly identity: SupplierIdentity;

  constructor(options: FhirStu3AdapterOptions) {
    super();
    this.adapter = new FhirStu3Adapter(options);
    this.base = supplierBaseUrl(options.baseUrl);
    this.identity = { ods: options.ods, format: 'fhir-stu3' };
  }

  override async exportRecord(nhsNumber: string, ctx: TransferCallContext): Promise<ExportedRecord> {
    const record = await this.adapter.getRecord(nhsNumber, { sections: recordSections }, ctx);
    if (!record)
      throw new TransferRefusedError('06', `Patient ${nhsNumber} is not registered at ${this.identity.ods}.`);
    const attachments = record.resources
      .filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference')
      .flatMap((doc) => this.attachmentOf(doc, ctx));
    return { extract: { format: 'canonical', record }, attachments };
  }

  override async importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult> {
    const attachmentIds = new Set([...delivery.attachments.map((a) => a.id), ...delivery.missingAttachments]);
    const { bundle, sourceIds, unconverted } = toStu3Record(delivery.record, { attachmentIds });
    withSensitivity(bundle, delivery.patientStatus.sensitive);
    for (const attachment of delivery.attachments) await this.upload(attachment, ctx);
    const answer = await this.operation(
      '$gp2gp.import',
      [
        { name: 'conversationId', valueString: ctx.conversationId },
        { name: 'patientNHSNumber', valueIdentifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
        { name: 'fromOds', valueString: delivery.fromOds },
        { name: 'mode', valueCode: delivery.mode },
        { name: 'record', resource: bundle },
        // The patient's sharing decision, as the provider answers it beside the Patient in every search.
        {
          name: 'consent',
          resource: {
            resourceType: 'Consent',
            status: 'active',
            policyRule: delivery.patientStatus.dissent ? OPT_OUT : OPT_IN,
          },
        },
      ],
      'record import',
      ctx,
    );
    const result = this.readAnswer(answer, sourceIds);
    const skipped: IntegrationItem[] = unconverted.map((sourceId) => ({
      sourceId,
      outcome: 'not-integrated',
      note: 'The receiving system has no FHIR STU3 resource for this item.',
    }));
    return { ...result, items: [...result.items, ...skipped] };
  }

  override async completeImport(
    _nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    held: IntegrationResult,
  ): Promise<IntegrationResult> {
    const answer = await this.operation(
      '$gp2gp.decision',
      [
        { name: 'conversationId', valueString: ctx.conversationId },
        { name: 'accept', valueBoolean: decision.accept },
        ...(decision.accept ? [] : [{ name: 'reasonCode', valueString: decision.reasonCode }]),
      ],
      'import decision',
      ctx,
    );
    return settleHeldImport(held, this.readAnswer(answer, stu3NamesOf(held)));
  }

  private attachmentOf(doc: fhir4.DocumentReference, ctx: TransferCallContext): AttachmentSource[] {
    const attachment = doc.content[0]?.attachment;
    // Documents are only ever read from the provider's own Binary endpoint.
    const url = providerBinary(this.base, attachment?.url)?.url;
    if (!doc.id || !attachment || !url) return [];
    return [
      {
        id: doc.id,
        filename: attachment.title ?? doc.description ?? doc.id,
        contentType: attachment.contentType ?? 'application/octet-stream',
        ...(attachment.size !== undefined ? { length: attachment.size } : {}),
        open: () => this.download(url, ctx),
      },
    ];
  }

  private async download(url: URL, ctx: TransferCallContext): Promise<Readable> {
    const response = await this.send(url, { method: 'GET', headers: { accept: '*/*' } }, 'document download', ctx);
    if (!response.body) throw new SupplierProtocolError({ ...this.identity, detail: 'document download has no body' });
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  private async upload(attachment: AttachmentSource, ctx: TransferCallContext): Promise<void> {
    const content = await attachment.open();
    const url = new URL(`Binary/${encodeURIComponent(attachment.id)}`, this.base);
    const response = await this.send(
      url,
      {
        method: 'PUT',
        headers: {
          'content-type': attachment.contentType,
          'content-disposition': `attachment; filename="${attachment.filename.replace(/["\\\r\n]/g, '_')}"`,
        },
        body: Readable.toWeb(content) as ReadableStream<Uint8Array>,
        duplex: 'half',
      },
      'attachment upload',
      ctx,
    );
    await response.body?.cancel();
  }

  private async operation(name: string, parameter: Json[], label: string, ctx: TransferCallContext): Promise<Json> {
    const url = new URL(`Patient/${name}`, this.base);
    const response = await this.send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON },
        body: JSON.stringify({ resourceType: 'Parameters', parameter }),
      },
      label,
      ctx,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readTextCapped(response, MAX_ANSWER_BYTES, this.identity));
    } catch (err) {
      if (err instanceof SyntaxError)
        throw new SupplierProtocolError({ ...this.identity, detail: `${label} answer is not JSON` });
      throw toSupplierError(err, this.identity, ctx.signal);
    }
    if (!isObject(parsed) || parsed['resourceType'] !== 'Parameters')
      throw new SupplierProtocolError({ ...this.identity, detail: `${label} answer is not a Parameters resource` });
    return parsed;
  }

  /** One HTTP exchange with the provider: 2xx answers are returned, everything else becomes a supplier error. */
  private async send(url: URL, init: RequestInit, label: string, ctx: TransferCallContext): Promise<Response> {
    try {
      const response = await fetch(url, {
        ...init,
        signal: ctx.signal,
        headers: {
          ...init.headers,
          'x-correlation-id': ctx.correlationId,
          [CONVERSATION_HEADER]: ctx.conversationId,
        },
      });
      if (response.status >= 200 && response.status < 300) return response;
      await throwIfServerError(response, this.identity, label);
      await response.body?.cancel();
      throw new SupplierProtocolError({
        ...this.identity,
        detail: `unexpected HTTP ${response.status} to the ${label}`,
      });
    } catch (err) {
      throw toSupplierError(err, this.identity, ctx.signal);
    }
  }

  private readAnswer(answer: Json, sourceIds: ReadonlyMap<string, string>): IntegrationResult {
    const params = Array.isArray(answer['parameter']) ? answer['parameter'].filter(isObject) : [];
    const value = (p: Json | undefined, key: string) => (typeof p?.[key] === 'string' ? p[key] : undefined);
    const status = value(
      params.find((p) => p['name'] === 'status'),
      'valueCode',
    );
    if (status !== 'integrated' && status !== 'awaiting-acceptance' && status !== 'rejected')
      throw new SupplierProtocolError({
        ...this.identity,
        detail: `import answer has an unknown status ${String(status)}`,
      });
    const reasonCode = value(
      params.find((p) => p['name'] === 'reasonCode'),
      'valueString',
    );
    const items = params
      .filter((p) => p['name'] === 'item')
      .flatMap((p): IntegrationItem[] => {
        const parts = Array.isArray(p['part']) ? p['part'].filter(isObject) : [];
        const part = (name: string, key: string) =>
          value(
            parts.find((x) => x['name'] === name),
            key,
          );
        const sourceId = part('sourceId', 'valueString');
        const outcome = part('outcome', 'valueCode');
        const note = part('note', 'valueString');
        if (!sourceId || (outcome !== 'integrated' && outcome !== 'degraded' && outcome !== 'not-integrated'))
          return [];
        return [{ sourceId: sourceIds.get(sourceId) ?? sourceId, outcome, ...(note ? { note } : {}) }];
      });
    return { status, ...(reasonCode ? { reasonCode } : {}), items };
  }
}

/**
 * STU3 `Type/id` → the held item's `Type/id`, for answers given without the record at hand: a ServiceRequest travels
 * as a ReferralRequest or a ProcedureRequest (as {@link toStu3Record} converts it); every other type keeps its name.
 */
function stu3NamesOf(held: IntegrationResult): Map<string, string> {
  const names = new Map<string, string>();
  for (const { sourceId } of held.items) {
    const slash = sourceId.indexOf('/');
    if (sourceId.slice(0, slash) !== 'ServiceRequest') continue;
    const id = sourceId.slice(slash + 1);
    for (const type of ['ReferralRequest', 'ProcedureRequest']) names.set(`${type}/${id}`, sourceId);
  }
  return names;
}
