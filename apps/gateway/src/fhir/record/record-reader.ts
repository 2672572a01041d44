import { Injectable } from '@nestjs/common';
import {
  AccessChain,
  redactConfidential,
  SensitiveCodes,
  sectionOf,
  type AccessDecision,
  type OrganisationDecision,
} from '@lloyd/access';
import { deepFreeze, type CanonicalRecord, type SupplierDocument, type SupplierPatient } from '@lloyd/adapters-core';
import type { VerifiedToken } from '@lloyd/auth';
import type { RecordSection } from '@lloyd/config';
import { PatientRegistry, ResourceIdCodec, SupplierCaller, type ResourceRef } from '@lloyd/federation';
import { OperationOutcomeError, outcomes, type Resource } from '@lloyd/fhir';
import { MetricsService } from '@lloyd/observability';
import { isDegraded, Terminology } from '@lloyd/terminology';
import type { Counter } from 'prom-client';
import { withLastIssueDates } from './last-issue-dates.js';
import { encountersOf, problemLinks } from './links.js';
import { publicReference, publishIds } from './public-ids.js';
import { withLloydDocumentAddresses } from './document-addresses.js';

export interface ReadRequest {
  token: VerifiedToken;
  nhsNumber: string;
  /** The sections the caller asks for; the access chain narrows them. */
  sections: readonly RecordSection[];
  /** Sections wanted only for items linked to the asked-for ones (GP Connect's secondary lists); granted silently. */
  linkedSections?: readonly RecordSection[];
  correlationId: string;
  now: Date;
}

/** A patient located and cleared by the access chain, ready for its record to be read. */
export interface OpenedPatient {
  ods: string;
  nhsNumber: string;
  supplierPatient: SupplierPatient;
  decision: AccessDecision;
}

/** A record as the caller may see it: normalised to SNOMED CT, confidential items removed, public ids. */
export interface PreparedRecord {
  ods: string;
  decision: AccessDecision;
  record: CanonicalRecord;
  /** Confidential items removed, per section. */
  redactions: Partial<Record<RecordSection | 'other', number>>;
  /** Where each removed item would have been: what the structured record's lists need for their warnings. */
  withheld: readonly WithheldItem[];
  /**
   * The documents served, by public id, as the supplier's adapter gave them (with the system's own addresses, which
   * only the adapter sees): what {@link RecordReader.readDocument} may fetch.
   */
  documents: ReadonlyMap<string, fhir4.DocumentReference>;
}

/** An item withheld as confidential, by its public reference: never served, only noted where it would have been. */
export interface WithheldItem {
  /** Its public reference, as the record's other items name it. */
  reference: string;
  section: RecordSection | undefined;
  /** The consultations it was recorded in (public Encounter references). */
  encounters: readonly string[];
  /**
   * The problems that linked to it (public Condition references). The links themselves are taken out of the
   * problems, so that nothing served names the item; this keeps where it was for the problems' list warnings.
   */
  problems: readonly string[];
}

/** Tracks how far a read got, so the audit event records the decision even when a later step fails. */
export interface ReadProgress {
  ods?: string;
  decision?: AccessDecision | OrganisationDecision;
  redactions?: Partial<Record<string, number>>;
}

/**
 * The access-filtered view of the record sources: every patient-data read goes through here, so no path reaches a
 * supplier adapter without the access chain's decision. Unknown, sensitive, deceased and inactive patients all
 * surface as the same 404 PATIENT_NOT_FOUND.
 */
@Injectable()
export class RecordReader {
  private readonly degradedCounter: Counter<'ods'>;
  /**
   * What a held (frozen) supplier record became here: normalised, redacted, published. An adapter hands out the same
   * frozen record while its system says the record has not changed, so that work is done once per version.
   */
  private readonly prepared = new WeakMap<CanonicalRecord, Omit<PreparedRecord, 'decision'> & { nhsNumber: string }>();

  constructor(
    private readonly registry: PatientRegistry,
    private readonly suppliers: SupplierCaller,
    private readonly access: AccessChain,
    private readonly terminology: Terminology,
    private readonly sensitive: SensitiveCodes,
    private readonly ids: ResourceIdCodec,
    metrics: MetricsService,
  ) {
    this.degradedCounter = metrics.counter(
      'lloyd_degraded_codes_total',
      'Record items served with codes that could not be translated to SNOMED CT (kept and marked degraded).',
      ['ods'],
    );
  }

  async open(request: ReadRequest, progress: ReadProgress = {}): Promise<OpenedPatient> {
    await this.access.decideConsumer(request.token, request.now);
    const ods = await this.registry.practiceFor(request.nhsNumber);
    if (!ods) throw outcomes.patientNotFound();
    progress.ods = ods;
    const organisation = await this.access.decideOrganisation({
      token: request.token,
      practiceOds: ods,
      requestedSections: [...request.sections],
      ...(request.linkedSections ? { linkedSections: [...request.linkedSections] } : {}),
      now: request.now,
    });
    progress.decision = organisation;
    const supplierPatient = await this.suppliers.call(
      ods,
      (adapter, ctx) => adapter.findPatient(request.nhsNumber, ctx),
      {
        correlationId: request.correlationId,
      },
    );
    if (!supplierPatient) throw outcomes.patientNotFound();
    const decision = this.access.decidePatient(organisation, supplierPatient.flags, request.now);
    progress.decision = decision;
    return { ods, nhsNumber: request.nhsNumber, supplierPatient, decision };
  }

  /**
   * {@link open} for a read by id: the patient the id routes to. A patient who cannot be found, or whose record is
   * now held by another practice than the id names, answers `notFound()`, exactly as an unknown id does.
   */
  async openById(
    ref: ResourceRef,
    request: Omit<ReadRequest, 'nhsNumber'>,
    notFound: () => Error,
    progress: ReadProgress = {},
  ): Promise<OpenedPatient> {
    let opened: OpenedPatient;
    try {
      opened = await this.open({ ...request, nhsNumber: ref.nhsNumber }, progress);
    } catch (err) {
      if (err instanceof OperationOutcomeError && err.spineCode === 'PATIENT_NOT_FOUND') throw notFound();
      throw err;
    }
    if (opened.ods !== ref.ods) throw notFound();
    return opened;
  }

  /** The patient's demographics as found, under their public id (no record read needed). */
  publicPatient(opened: OpenedPatient): fhir4.Patient {
    return {
      ...opened.supplierPatient.patient,
      id: this.ids.encode({ ods: opened.ods, nhsNumber: opened.nhsNumber, sourceId: '' }),
    };
  }

  async read(opened: OpenedPatient, correlationId: string, progress: ReadProgress = {}): Promise<PreparedRecord> {
    const { ods, nhsNumber, decision } = opened;
    const raw = await this.fetchRecord(ods, nhsNumber, decision, correlationId);
    if (!raw) throw outcomes.patientNotFound();
    const held = this.prepared.get(raw);
    const prepared = held?.ods === ods && held.nhsNumber === nhsNumber ? held : this.prepare(raw, ods, nhsNumber);
    progress.redactions = prepared.redactions;
    return {
      ods,
      decision,
      record: prepared.record,
      redactions: prepared.redactions,
      withheld: prepared.withheld,
      documents: prepared.documents,
    };
  }

  /**
   * The content of one document of a record read for this caller (GP Connect Access Document), by its public id.
   * Only a document the caller was served can be fetched: a confidential one was redacted before, and an id from
   * another record is simply not there. Null when there is no such document, in the record or at the supplier.
   *
   * @throws {DocumentTooLargeError} the document is over `maxBytes`
   */
  readDocument(
    prepared: PreparedRecord,
    id: string,
    maxBytes: number,
    correlationId: string,
  ): Promise<SupplierDocument | null> {
    const document = prepared.documents.get(id);
    if (!document) return Promise.resolve(null);
    return this.suppliers.call(prepared.ods, (adapter, ctx) => adapter.getDocument(document, maxBytes, ctx), {
      correlationId,
    });
  }

  /**
   * Counts the items an answer serves whose codes could not be translated to SNOMED CT (in
   * `lloyd_degraded_codes_total`): what was served, not what the record holds.
   */
  countServed(ods: string, served: readonly Resource[]): void {
    let degraded = 0;
    for (const resource of served) if (isDegraded(resource)) degraded++;
    this.countDegraded(ods, degraded);
  }

  /** {@link countServed} for an answer whose degraded items are already counted. */
  countDegraded(ods: string, degraded: number): void {
    if (degraded > 0) this.degradedCounter.inc({ ods }, degraded);
  }

  private prepare(raw: CanonicalRecord, ods: string, nhsNumber: string) {
    const normalised = this.terminology.normaliseRecord(raw);
    // Tagged after translation, so that items coded in Read v2 or CTV3 are matched on their SNOMED CT codings too.
    const classified = this.sensitive.tag(normalised.record.resources);
    const redaction = redactConfidential(classified);
    const kept = withLastIssueDates(redaction.kept);
    const record = publishIds(this.ids, { ...normalised.record, resources: kept }, ods, nhsNumber);
    // Published in order, so each served resource stands where its source did.
    const documents = new Map<string, fhir4.DocumentReference>();
    record.resources.forEach((served, i) => {
      if (served.resourceType === 'DocumentReference' && served.id) {
        documents.set(served.id, kept[i] as fhir4.DocumentReference);
      }
    });
    record.resources = withLloydDocumentAddresses(record.resources);
    const local = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;
    // Where the withheld items were linked from, read before redaction took the links out of the problems kept.
    const removed = new Set<Resource>(redaction.withheld);
    const linkingProblems = new Map<string, string[]>();
    for (const r of classified) {
      if (r.resourceType !== 'Condition' || removed.has(r)) continue;
      for (const ref of problemLinks(r as fhir4.Condition))
        linkingProblems.set(ref, [...(linkingProblems.get(ref) ?? []), local(r)]);
    }
    const toPublic = (ref: string) => publicReference(this.ids, ref, ods, nhsNumber);
    const withheld = redaction.withheld.map((r): WithheldItem => ({
      reference: toPublic(local(r)),
      section: sectionOf(r),
      encounters: encountersOf(r).map(toPublic),
      problems: (linkingProblems.get(local(r)) ?? []).map(toPublic),
    }));
    const prepared = { ods, nhsNumber, record, redactions: redaction.removed, withheld, documents };
    if (Object.isFrozen(raw)) this.prepared.set(raw, deepFreeze(prepared));
    return prepared;
  }

  /**
   * Reads the record; when the supplier fails (not times out) for a request of several areas, asks for each area on its own and
   * answers with the areas it could read, naming the others (a partial record, never an empty success). When none
   * of the areas asked for can be read (linked areas do not count) the original failure stands.
   */
  private async fetchRecord(
    ods: string,
    nhsNumber: string,
    decision: AccessDecision,
    correlationId: string,
  ): Promise<CanonicalRecord | null> {
    const sections = [...decision.sections, ...decision.linkedSections];
    const read = (wanted: readonly RecordSection[]) =>
      this.suppliers.call(ods, (adapter, ctx) => adapter.getRecord(nhsNumber, { sections: wanted }, ctx), {
        correlationId,
      });
    try {
      return await read(sections);
    } catch (err) {
      // Only a failure is worth reading area by area (one area may be what the system cannot answer). A timeout is
      // not: the system is slow, and one call per area would multiply its load and the caller's wait.
      if (!(err instanceof OperationOutcomeError) || err.status !== 502 || sections.length < 2) throw err;
      const attempts = await Promise.allSettled(sections.map((section) => read([section])));
      const records = attempts.flatMap((a) => (a.status === 'fulfilled' && a.value ? [a.value] : []));
      const askedForRead = sections.some(
        (s, i) => decision.sections.includes(s) && attempts[i]!.status === 'fulfilled',
      );
      if (records.length === 0 || (decision.sections.length > 0 && !askedForRead)) throw err;
      const seen = new Set<string>();
      const resources = records
        .flatMap((r) => r.resources)
        .filter((r) => {
          const key = `${r.resourceType}/${r.id ?? ''}`;
          return seen.has(key) ? false : (seen.add(key), true);
        });
      const unavailableSections = sections.flatMap((section, i) => {
        const attempt = attempts[i]!;
        return attempt.status === 'rejected'
          ? [{ section, reason: attempt.reason instanceof Error ? attempt.reason.message : String(attempt.reason) }]
          : [];
      });
      return { ...records[0]!, resources, unavailableSections };
    }
  }
}
