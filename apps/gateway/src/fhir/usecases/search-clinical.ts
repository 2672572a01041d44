import { Inject, Injectable } from '@nestjs/common';
import { confidentialItemsIssue, sectionsForResourceType } from '@lloyd/access';
import type { ClinicalType } from '@lloyd/adapters-core';
import { grantsRead, type VerifiedToken } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { ResourceIdCodec } from '@lloyd/federation';
import {
  operationOutcome,
  OperationOutcomeError,
  outcomes,
  searchsetBundle,
  spineIssue,
  type Bundle,
  type OperationOutcomeIssue,
} from '@lloyd/fhir';
import { degradedItemsIssue, isDegraded } from '@lloyd/terminology';
import { AuditedRead } from '../record/audited-read.js';
import { PageTokens } from '../record/page-tokens.js';
import { includeDefinition, isSupportedInclude, resolveIncludes, unsupportedIncludeIssue } from '../record/includes.js';
import { RecordReader } from '../record/record-reader.js';
import { inUnavailableArea, unavailableAmong, unavailableAreaIssue } from '../record/unavailable-areas.js';
import { linkTargetAreas, referenceResolver, withheldAreas, withoutWithheldLinks } from '../record/withheld-links.js';
import { ignoredParameterIssues, onlyOne, refusedUnderStrict, type SearchHandling } from '../search-parameters.js';

export interface SearchClinicalCommand {
  type: ClinicalType;
  patient: string | undefined;
  count: string | undefined;
  page: string | undefined;
  /** `_include` values, e.g. `MedicationRequest:medication`. */
  include?: readonly string[];
  /** Search parameters the request gave that this search does not support, ignored (lenient handling). */
  ignored?: readonly string[];
  /** `Prefer: handling=strict` refuses an unsupported `_include` (400) rather than ignoring it with a warning. */
  handling?: SearchHandling;
  token: VerifiedToken;
  correlationId: string;
  baseUrl: string;
  now: Date;
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
    // FHIR reads `patient=A,B` as "A or B"; ids never hold a comma, so this can only be a list of patients.
    if (command.patient.includes(',')) throw onlyOne('patient');
    const patient = patientIdOf(command.patient, command.baseUrl);
    const { count, capped } = parseCount(command.count, this.config.access.maxCount);
    const requested = [...new Set(command.include ?? [])].sort();
    const includes = requested.filter((i) => isSupportedInclude(command.type, i));
    const unsupported = requested.filter((i) => !includes.includes(i));
    if (unsupported.length && command.handling === 'strict') {
      throw refusedUnderStrict(
        unsupported.map((i) => `_include=${i}`),
        ['_include'],
        `The CapabilityStatement lists the _include values ${command.type} supports.`,
      );
    }
    // What the search ignores is said in every answer, and left out of its links, which show only what was applied.
    const ignoredWarnings = [
      ...ignoredParameterIssues(command.ignored ?? []),
      ...unsupported.map((i) => unsupportedIncludeIssue(command.type, i)),
    ];
    const query = `${command.type}?patient=${encodeURIComponent(patient)}&_count=${count}${includes.map((i) => `&_include=${encodeURIComponent(i)}`).join('')}`;
    const offset = command.page ? this.pages.offsetOf(query, command.page) : 0;
    const selfUrl = `${command.baseUrl}/${query}${command.page ? `&_page=${command.page}` : ''}`;
    const cappedIssue = (hasNext: boolean) =>
      spineIssue(
        'INVALID_PARAMETER',
        `_count was reduced to the maximum page size of ${count}${hasNext ? '; follow the next link for more' : ''}.`,
        { severity: 'warning', expression: ['_count'] },
      );
    const empty = (warnings: OperationOutcomeIssue[]) =>
      searchsetBundle([], {
        baseUrl: command.baseUrl,
        selfUrl,
        ...(warnings.length ? { outcome: operationOutcome(...warnings) } : {}),
      });
    const notFound = () => empty([...ignoredWarnings, ...(capped ? [cappedIssue(false)] : [])]);
    const ref = this.ids.decode(patient);
    const sections = sectionsForResourceType(command.type);
    // What the includes name may sit in other areas: read as linked areas, served only where the agreement covers them.
    // So are the areas a problem links to, so that the links into areas the caller is not given can be left out.
    const linkedSections = [
      ...new Set([
        ...includes.flatMap((i) => includeDefinition(command.type, i)!.targets.flatMap(sectionsForResourceType)),
        ...linkTargetAreas(command.type),
      ]),
    ].filter((s) => !sections.includes(s));
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
        if (!ref || ref.sourceId !== '') return { result: notFound() };
        let opened;
        try {
          opened = await this.reader.open(
            {
              ...command,
              nhsNumber: ref.nhsNumber,
              sections,
              ...(linkedSections.length ? { linkedSections } : {}),
            },
            progress,
          );
        } catch (err) {
          if (err instanceof OperationOutcomeError && err.spineCode === 'PATIENT_NOT_FOUND')
            return { result: notFound() };
          throw err;
        }
        if (opened.ods !== ref.ods) return { result: notFound() };
        const warnings = [...ignoredWarnings, ...opened.decision.warnings];
        if (!sections.some((s) => opened.decision.sections.includes(s))) {
          return { result: empty([...warnings, ...(capped ? [cappedIssue(false)] : [])]) };
        }
        const prepared = await this.reader.read(opened, command.correlationId, progress);
        // An area the supplier could not give is named, never silently missing; what of it came in through another
        // area (a linked one read for an include) is left out with it, so that no include changes the match set.
        const granted = sections.filter((s) => opened.decision.sections.includes(s));
        const unavailable = unavailableAmong(prepared.record, granted);
        for (const section of unavailable)
          warnings.push(unavailableAreaIssue(section, `its ${command.type} resources are missing from this searchset`));
        if (includes.length)
          for (const section of unavailableAmong(prepared.record, opened.decision.linkedSections))
            warnings.push(unavailableAreaIssue(section, 'what the includes name in it is missing from this searchset'));
        // Only items of granted sections: an Observation search may reach two sections (investigations and
        // uncategorised data) where the agreement grants one, and a supplier may answer with more than was asked.
        const matches = prepared.record.resources.filter(
          (r) => r.resourceType === command.type && opened.decision.permits(r) && !inUnavailableArea(r, unavailable),
        );
        // `_count=0` asks for the total only: no entries and no next link. No link served names an item of an area the
        // caller is not given (switched off at the practice, or outside the agreement), as in the structured record.
        const page = withoutWithheldLinks(
          count === 0 ? [] : matches.slice(offset, offset + count),
          withheldAreas(opened.decision, sections, linkedSections),
          referenceResolver(prepared.record.resources),
        );
        const next = count > 0 && offset + count < matches.length ? this.pages.issue(query, offset + count) : undefined;
        if (capped) warnings.push(cappedIssue(next !== undefined));
        if (sections.some((s) => (prepared.redactions[s] ?? 0) > 0)) warnings.push(confidentialItemsIssue());
        // A supplier may answer with more areas than were asked for: an include reaches only what the caller may see,
        // and only the types its token may read (the guard refuses such an _include first; this denies by default).
        const { decision } = opened;
        const all = [
          prepared.record.patient,
          prepared.record.practice,
          ...prepared.record.practitioners,
          ...prepared.record.practitionerRoles,
          ...prepared.record.resources,
        ].filter((r) => decision.permitsLinked(r) && grantsRead(command.token.scopes, r.resourceType));
        const { included, warnings: includeWarnings } = resolveIncludes(
          command.type,
          includes,
          page,
          all,
          this.config.access.maxCount,
        );
        warnings.push(...includeWarnings);
        const served = [...page, ...included];
        // Items served with untranslated codes are said in the answer, as in the structured record, and counted.
        const degraded = served.filter((r) => isDegraded(r)).length;
        if (degraded > 0) warnings.push(degradedItemsIssue(degraded));
        this.reader.countDegraded(opened.ods, degraded);
        const bundle = searchsetBundle(page, {
          baseUrl: command.baseUrl,
          selfUrl,
          total: matches.length,
          includes: included,
          ...(next ? { nextUrl: `${command.baseUrl}/${query}&_page=${next}` } : {}),
          ...(warnings.length ? { outcome: operationOutcome(...warnings) } : {}),
        });
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
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw outcomes.invalidParameter('_count must be a whole number: 0 for the total only, or the page size.', [
      '_count',
    ]);
  return { count: Math.min(n, max), capped: n > max };
}
