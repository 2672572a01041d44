import { Injectable } from '@nestjs/common';
import { sectionOf, sectionsForResourceType } from '@lloyd/access';
import { CLINICAL_TYPES } from '@lloyd/adapters-core';
import type { VerifiedToken } from '@lloyd/auth';
import { ResourceIdCodec } from '@lloyd/federation';
import { outcomes, type Resource } from '@lloyd/fhir';
import { AuditedRead } from '../record/audited-read.js';
import { RecordReader } from '../record/record-reader.js';
import { inUnavailableArea, unavailableAmong, unavailableItemError } from '../record/unavailable-areas.js';
import { linkTargetAreas, referenceResolver, withheldAreas, withoutWithheldLinks } from '../record/withheld-links.js';

export const READABLE_TYPES = [
  'Patient',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  ...CLINICAL_TYPES,
  // Not searchable on their own (they name no patient), but referenced by the record's items, returned by
  // `_include`, and read by id, so that every reference a read serves can be followed.
  'Medication',
  'Location',
  'Specimen',
] as const;
export type ReadableType = (typeof READABLE_TYPES)[number];

export interface ReadResourceCommand {
  type: ReadableType;
  id: string;
  token: VerifiedToken;
  correlationId: string;
  now: Date;
}

/**
 * `GET /fhir/{Type}/{id}`: one resource, routed back to its practice and patient by its id. Anything the caller may
 * not see (another practice's patient, a withheld section, a confidential item) answers exactly as "not found".
 */
@Injectable()
export class ReadResource {
  constructor(
    private readonly reader: RecordReader,
    private readonly audited: AuditedRead,
    private readonly ids: ResourceIdCodec,
  ) {}

  async execute(command: ReadResourceCommand): Promise<Resource> {
    const ref = this.ids.decode(command.id);
    const notFound = () =>
      command.type === 'Patient' ? outcomes.patientNotFound() : outcomes.notFound(`${command.type}/${command.id}`);
    const sections = sectionsForResourceType(command.type);
    // The areas a problem links to are read as linked areas, so that links into those the caller is not given go.
    const linkedSections = linkTargetAreas(command.type);
    return this.audited.run(
      {
        token: command.token,
        correlationId: command.correlationId,
        request: `GET /fhir/${command.type}/${command.id}`,
        interaction: 'read',
        ...(ref ? { patient: ref.nhsNumber } : {}),
        requestedSections: sections,
      },
      async (progress) => {
        if (!ref || (command.type === 'Patient') !== (ref.sourceId === '')) throw notFound();
        const opened = await this.reader.openById(
          ref,
          { ...command, sections, ...(linkedSections.length ? { linkedSections } : {}) },
          notFound,
          progress,
        );
        if (command.type === 'Patient')
          return { result: this.reader.publicPatient(opened), resources: [`Patient/${command.id}`] };
        if (sections.length && !sections.some((s) => opened.decision.sections.includes(s))) throw notFound();
        const { record } = await this.reader.read(opened, command.correlationId, progress);
        const candidates = [
          record.patient,
          record.practice,
          ...record.practitioners,
          ...record.practitionerRoles,
          ...record.resources,
        ];
        // Public ids are derived from the supplier's ids, so the same id names the same item on every read.
        const found = candidates.find((r) => r.resourceType === command.type && r.id === command.id);
        // An area the item is or could be in could not be read this time: not "not found" but a retry. An item of
        // such an area that came in through another one is not served either, as a search leaves it out.
        const unavailable = unavailableAmong(
          record,
          sections.filter((s) => opened.decision.sections.includes(s)),
        );
        if (unavailable.length && (!found || inUnavailableArea(found, unavailable)))
          throw unavailableItemError(`${command.type}/${command.id}`, found ? [sectionOf(found)!] : unavailable);
        // The item's own section must be granted (an Observation type spans two sections; an agreement may grant one).
        if (!found || !opened.decision.permits(found)) throw notFound();
        this.reader.countServed(opened.ods, [found]);
        // No link served names an item of an area the caller is not given, as in searches and the structured record.
        const [served] = withoutWithheldLinks(
          [found],
          withheldAreas(opened.decision, sections, linkedSections),
          referenceResolver(record.resources),
        );
        return { result: served!, resources: [`${found.resourceType}/${found.id ?? ''}`] };
      },
    );
  }
}
