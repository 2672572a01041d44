import { SECTION_PARAMETERS, sectionsForResourceType } from '@lloyd/access';
import type { ScopeDemand, ScopedRequest } from '@lloyd/auth';
import type { RecordSection } from '@lloyd/config';
import { READABLE_TYPES } from '../usecases/read-resource.js';
import { linkedSectionsFor } from './build-structured-bundle.js';
import { SECTION_LISTS } from './list-sections.js';

/** What every structured record holds (the Patient, the practice, the usual GP and their role, the places they name). */
const RECORD_FRAME = ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'Location', 'List'] as const;

/**
 * The structured record reads every type its answer can hold: the frame, and the types of each requested area and of
 * the areas it links to (GP Connect's secondary lists). The body is read leniently here, for parameter names only;
 * the use case validates it (422), after the scope (403) and the claims (400).
 */
export function structuredRecordScopes({ body }: ScopedRequest): ScopeDemand[] {
  const given = (body as { parameter?: unknown } | null)?.parameter;
  const names = new Set(
    (Array.isArray(given) ? (given as unknown[]) : []).map((p) => (p as { name?: unknown } | null)?.name),
  );
  const requested = (Object.keys(SECTION_LISTS) as RecordSection[]).filter((s) => names.has(SECTION_PARAMETERS[s]));
  const reached = (section: RecordSection) =>
    requested
      .filter((r) => r === section || linkedSectionsFor([r]).includes(section))
      .map((r) => SECTION_PARAMETERS[r]);
  const otherwise = 'ask for fewer areas (each area needs its own types, and problems and consultations need them all)';
  return [
    ...RECORD_FRAME.map((type): ScopeDemand => ({ requirement: `read:${type}`, because: 'every structured record' })),
    ...READABLE_TYPES.flatMap((type): ScopeDemand[] => {
      const because = [...new Set(sectionsForResourceType(type).flatMap(reached))];
      return because.length ? [{ requirement: `read:${type}`, because: because.join(', '), otherwise }] : [];
    }),
  ];
}
