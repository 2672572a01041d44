import { CODE_SYSTEMS } from '@lloyd/adapters-core';

/** The XML system's names (`scheme` attributes) for the code systems it knows by name. */
const SYSTEM_OF_SCHEME: Readonly<Record<string, string>> = {
  SNOMED: CODE_SYSTEMS.snomed,
  READ2: CODE_SYSTEMS.readv2,
  CTV3: CODE_SYSTEMS.ctv3,
};

const LOCAL = 'LOCAL-';

/**
 * The scheme the system writes for a FHIR code system: its name for a known one, `LOCAL-<ODS>` for a practice's local
 * codes, else the system URL itself (`UNKNOWN` when there is none).
 */
export function schemeOfSystem(system: string | undefined): string {
  const named = Object.entries(SYSTEM_OF_SCHEME).find(([, url]) => url === system)?.[0];
  if (named) return named;
  if (system?.startsWith(CODE_SYSTEMS.localPrefix)) return `${LOCAL}${system.slice(CODE_SYSTEMS.localPrefix.length)}`;
  return system ?? 'UNKNOWN';
}

/**
 * The FHIR code system a scheme names, the reverse of {@link schemeOfSystem}: plain `LOCAL` is the reading practice's
 * own (`ods`); undefined for a scheme that names none.
 */
export function systemOfScheme(scheme: string, ods: string): string | undefined {
  const named = SYSTEM_OF_SCHEME[scheme];
  if (named) return named;
  if (scheme === 'LOCAL') return `${CODE_SYSTEMS.localPrefix}${ods}`;
  if (scheme.startsWith(LOCAL)) return `${CODE_SYSTEMS.localPrefix}${scheme.slice(LOCAL.length)}`;
  return scheme.includes(':') ? scheme : undefined;
}
