import { Inject, Injectable } from '@nestjs/common';
import { confidentialItemsIssue } from '@lloyd/access';
import { sectionOf, type ClinicalType } from '@lloyd/adapters-core';
import type { VerifiedToken } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig, type RecordSection } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import {
  operationOutcome,
  OperationOutcomeError,
  outcomes,
  searchsetBundle,
  spineIssue,
  type Bundle,
} from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { PageTokens } from '../record/page-tokens.js';
import { resolveIncludes } from '../record/includes.js';
import { RecordReader } from '../record/record-reader.js';

export interface SearchClinicalCommand {
  type: ClinicalType;
  patient: string | undefined;
  count: string | undefined;
  page: string | undefined;
  /** `_include` values, e.g. `MedicationRequest:medication`. */
  include?: readonly string[];
  token: VerifiedToken;
  correlationId: string;
  baseUrl: string;
  now: Date;
}

/** Observations may be investigation results or uncategorised data; every other type sits in one section. */
export function sectionsForType(type: ClinicalType): RecordSection[] {
  if (type === 'Observation') return ['investigations', 'uncategorised'];
  const section = sectionOf({ resourceType: type });
  return section ? [section] : [];
}

const DEFAULT_COUNT = 50;

/**
 * `GET /fhir/{Type}?patient={id}`: one patient's resources of one type, as the caller may see them, paged with
 * signed `next` links. A patient the caller may not see gives the same empty searchset as one that does not exist.
 */
@Injectable()
export class SearchClinical {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly reader: RecordReader,
    private readonly audited: AuditedRead,
    private readonly ids: ResourceIdCodec,
    private readonly pages: PageTokens,
  ) {}

  async execute(command: SearchClinicalCommand): Promise<Bundle> {
    if (!command.patient)
      throw outcomes.badRequest(
        `Searching ${command.type} needs the patient parameter: ${command.type}?patient=<Patient id>.`,
      );
    const patient = patientIdOf(command.patient, command.baseUrl);
    const { count, capped } = parseCount(command.count, this.config.access.maxCount);
    const includes = [...(command.include ?? [])].sort();
    const query = `${command.type}?patient=${patient}&_count=${count}${includes.map((i) => `&_include=${encodeURIComponent(i)}`).join('')}`;
    const offset = command.page ? this.pages.offsetOf(query, command.page) : 0;
    const selfUrl = `${command.baseUrl}/${query}${command.page ? `&_page=${command.page}` : ''}`;
    const empty = (outcome?: fhir4.OperationOutcome) =>
      searchsetBundle([], { baseUrl: command.baseUrl, selfUrl, ...(outcome ? { outcome } : {}) });
    const ref = this.ids.decode(patient);
    const sections = sectionsForType(command.type);
    return this.audited.run(
      {
        token: command.token,
        correlationId: command.correlationId,
        request: `GET /fhir/${query}`,
        interaction: 'search',
        ...(ref ? { patient: ref.nhsNumber } : {}),
        requestedSections: sections,
      },
      async (progress) => {
        if (!ref || ref.sourceId !== '') return { result: empty() };
        let opened;
        try {
          opened = await this.reader.open({ ...command, nhsNumber: ref.nhsNumber, sections }, progress);
        } catch (err) {
          if (err instanceof OperationOutcomeError && err.spineCode === 'PATIENT_NOT_FOUND') return { result: empty() };
          throw err;
        }
        if (opened.ods !== ref.ods) return { result: empty() };
        const warnings = [...opened.decision.warnings];
        if (capped) {
          warnings.push(
            spineIssue(
              'INVALID_PARAMETER',
              `_count was reduced to the maximum page size of ${count}; follow the next link for more.`,
              {
                severity: 'warning',
                expression: ['_count'],
              },
            ),
          );
        }
        if (!sections.some((s) => opened.decision.sections.includes(s))) {
          return { result: empty(warnings.length ? operationOutcome(...warnings) : undefined) };
        }
        const prepared = await this.reader.read(opened, command.correlationId, progress);
        const matches = prepared.record.resources.filter((r) => r.resourceType === command.type);
        if (sections.some((s) => (prepared.redactions[s] ?? 0) > 0)) warnings.push(confidentialItemsIssue());
        const page = matches.slice(offset, offset + count);
        const all = [
          prepared.record.patient,
          prepared.record.practice,
          ...prepared.record.practitioners,
          ...prepared.record.resources,
        ];
        const { included, warnings: includeWarnings } = resolveIncludes(
          command.type,
          includes,
          page,
          all,
          this.config.access.maxCount,
        );
        warnings.push(...includeWarnings);
        const next = offset + count < matches.length ? this.pages.issue(query, offset + count) : undefined;
        const bundle = searchsetBundle(page, {
          baseUrl: command.baseUrl,
          selfUrl,
          total: matches.length,
          includes: included,
          ...(next ? { nextUrl: `${command.baseUrl}/${query}&_page=${next}` } : {}),
          ...(warnings.length ? { outcome: operationOutcome(...warnings) } : {}),
        });
        const served = [...page, ...included];
        this.reader.countServed(opened.ods, served);
        // Included resources are disclosed too, so the audit event names them as well.
        return { result: bundle, resources: served.map((r) => `${r.resourceType}/${r.id ?? ''}`) };
      },
    );
  }
}

/**
 * The Patient id of the `patient` search parameter, which FHIR lets a client give as a reference in any of its forms:
 * the bare id, `Patient/<id>`, or this server's absolute URL of the Patient. Read as an id, the prefixed forms would
 * name no patient and answer an empty searchset, as if the patient had no such items.
 */
function patientIdOf(value: string, baseUrl: string): string {
  const relative = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  return relative.startsWith('Patient/') ? relative.slice('Patient/'.length) : relative;
}

function parseCount(raw: string | undefined, max: number): { count: number; capped: boolean } {
  if (raw === undefined) return { count: Math.min(DEFAULT_COUNT, max), capped: false };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw outcomes.invalidParameter('_count must be a whole number of at least 1.', ['_count']);
  return { count: Math.min(n, max), capped: n > max };
}
