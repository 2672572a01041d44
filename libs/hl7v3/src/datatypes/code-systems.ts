import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { derivedUuid } from './identifiers.js';

/** HL7 V3 code system OIDs used in GP2GP (see reference/gp2gp.md). */
export const OIDS = {
  snomed: '2.16.840.1.113883.2.1.3.2.4.15',
  ctv3: '2.16.840.1.113883.2.1.3.2.4.14',
  readv2: '2.16.840.1.113883.2.1.6.2',
  emisDrug: '2.16.840.1.113883.2.1.6.9',
  nhsNumber: '2.16.840.1.113883.2.1.4.1',
  sdsOrganization: '1.2.826.0.1285.0.1.10',
  asid: '1.2.826.0.1285.0.2.0.107',
  interaction: '2.16.840.1.113883.2.1.3.2.4.12',
  gp2gpReason: '2.16.840.1.113883.2.1.3.2.4.17.101',
  gp2gpPayload: '2.16.840.1.113883.2.1.3.2.4.17.202',
  messageType: '2.16.840.1.113883.2.1.3.2.4.18.17',
  odsOrganization: '2.16.840.1.113883.2.1.4.3',
  sdsUser: '2.16.840.1.113883.2.1.4.2',
  /** The confidentiality code system the GP2GP NOPAT marker is sent with (FHIR v3-ActCode as an OID). */
  actCode: '2.16.840.1.113883.4.642.3.47',
} as const;

const OID_TO_SYSTEM = new Map<string, string>([
  [OIDS.snomed, CODE_SYSTEMS.snomed],
  [OIDS.ctv3, CODE_SYSTEMS.ctv3],
  [OIDS.readv2, CODE_SYSTEMS.readv2],
  ['2.16.840.1.113883.5.83', 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'],
  ['2.16.840.1.113883.5.4', 'http://terminology.hl7.org/CodeSystem/v3-ActCode'],
]);
const SYSTEM_TO_OID = new Map<string, string>([...OID_TO_SYSTEM].map(([oid, system]) => [system, oid]));

/** Local code systems travel as a "ruid" (an HL7 uid that is neither OID nor UUID) so they can come back intact. */
const LOCAL_RUID_PREFIX = 'lloyd-local-';
const OID_PATTERN = /^[0-9]+(\.[0-9]+)*$/;
const UUID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const RUID_PATTERN = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * The FHIR system for an HL7 V3 `codeSystem`: the three NHS schemes by URI, Lloyd's local systems by their URI,
 * anything else kept as `urn:oid:<oid>` (or `urn:uuid:` for a UUID) so no coding is lost.
 */
export function systemForOid(codeSystem: string | undefined): string | undefined {
  if (!codeSystem) return undefined;
  const known = OID_TO_SYSTEM.get(codeSystem);
  if (known) return known;
  if (OID_PATTERN.test(codeSystem)) return `urn:oid:${codeSystem}`;
  if (UUID_PATTERN.test(codeSystem)) return `urn:uuid:${codeSystem.toLowerCase()}`;
  if (codeSystem.startsWith(LOCAL_RUID_PREFIX))
    return `${CODE_SYSTEMS.localPrefix}${codeSystem.slice(LOCAL_RUID_PREFIX.length)}`;
  return `urn:oid:${codeSystem}`;
}

/**
 * A code system that HL7 V3 has no OID for but that FHIR names by an absolute URI (a supplier's local scheme such as
 * `https://fhir.hl7.org.uk/Id/emis-drug-codes`, an NHS or HL7 CodeSystem URL) travels under a UUID that Lloyd derives
 * from the URI, with the URI itself in `codeSystemName`. The UUID is Lloyd's own (name-based, from a Lloyd-only
 * seed), distinct per URI, and lets a reader check that `codeSystemName` really is the URI it was made from, so the
 * system comes back exactly; a foreign receiver sees a well-formed code system it does not know, beside the SNOMED
 * code and the text.
 */
const URL_SYSTEM_SEED = 'lloyd-code-system-url:';
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

const URL_SYSTEM_UIDS = new Map<string, string>();

/** The Lloyd UUID a code system URI travels under (see {@link URL_SYSTEM_SEED}); undefined for anything else. */
export function uidForSystemUrl(system: string): string | undefined {
  let uid = URL_SYSTEM_UIDS.get(system);
  if (uid === undefined && ABSOLUTE_URI.test(system)) {
    uid = derivedUuid(`${URL_SYSTEM_SEED}${system}`);
    // A record names a handful of such systems, once per coding: hash each once (bounded, for hostile input).
    if (URL_SYSTEM_UIDS.size < 1_000) URL_SYSTEM_UIDS.set(system, uid);
  }
  return uid;
}

/** How a FHIR system is written in HL7 V3: `codeSystem`, and `codeSystemName` when the system travels by its URI. */
export interface V3CodeSystem {
  codeSystem: string;
  codeSystemName?: string;
}

/**
 * The HL7 V3 `codeSystem` (and, for a system known only by its URI, `codeSystemName`) for a FHIR system, or undefined
 * when the system cannot be expressed at all (no system, or one that is not an absolute URI).
 */
export function v3CodeSystemFor(system: string | undefined): V3CodeSystem | undefined {
  if (!system) return undefined;
  const known = SYSTEM_TO_OID.get(system);
  if (known) return { codeSystem: known };
  if (system.startsWith('urn:oid:')) {
    const oid = system.slice('urn:oid:'.length);
    if (OID_PATTERN.test(oid) || RUID_PATTERN.test(oid)) return { codeSystem: oid };
  } else if (system.startsWith('urn:uuid:')) {
    const uuid = system.slice('urn:uuid:'.length);
    // Only a lower-case UUID comes back as written (see systemForOid); any other spelling travels by its URI.
    if (UUID_PATTERN.test(uuid) && uuid === uuid.toLowerCase()) return { codeSystem: uuid.toUpperCase() };
  } else if (system.startsWith(CODE_SYSTEMS.localPrefix)) {
    const ruid = `${LOCAL_RUID_PREFIX}${system.slice(CODE_SYSTEMS.localPrefix.length)}`;
    if (RUID_PATTERN.test(ruid)) return { codeSystem: ruid };
  }
  const uid = uidForSystemUrl(system);
  return uid ? { codeSystem: uid, codeSystemName: system } : undefined;
}

/**
 * The HL7 V3 `codeSystem` for a FHIR system, or undefined when the system cannot be expressed (the coding is then
 * only kept as text). A system known only by its URI also needs its `codeSystemName`: see {@link v3CodeSystemFor}.
 */
export function oidForSystem(system: string | undefined): string | undefined {
  return v3CodeSystemFor(system)?.codeSystem;
}

/**
 * The FHIR system for an HL7 V3 `codeSystem` and `codeSystemName`: the URI in `codeSystemName` when `codeSystem` is
 * the Lloyd UUID derived from exactly that URI, else as {@link systemForOid}.
 */
export function systemForCode(codeSystem: string | undefined, codeSystemName: string | undefined): string | undefined {
  if (codeSystem && codeSystemName && uidForSystemUrl(codeSystemName) === codeSystem.toUpperCase())
    return codeSystemName;
  return systemForOid(codeSystem);
}

/** The kinds of entry GP2GP has a transfer-degraded SNOMED code for. */
export type DegradedKind =
  'generic' | 'medication' | 'referral' | 'request' | 'plan' | 'drug-allergy' | 'non-drug-allergy';

/** Transfer-degraded SNOMED CT codes, sent when an entry has no SNOMED coding (reference/gp2gp.md). */
export const DEGRADED_CODES: Readonly<Record<DegradedKind, { code: string; display: string }>> = {
  generic: { code: '196411000000103', display: 'Transfer-degraded record entry' },
  medication: { code: '196421000000109', display: 'Transfer-degraded medication entry' },
  referral: { code: '196431000000106', display: 'Transfer-degraded referral' },
  request: { code: '196441000000102', display: 'Transfer-degraded request' },
  plan: { code: '196451000000104', display: 'Transfer-degraded plan' },
  'drug-allergy': { code: '196461000000101', display: 'Transfer-degraded drug allergy' },
  'non-drug-allergy': { code: '196471000000108', display: 'Transfer-degraded non-drug allergy' },
};

const DEGRADED_SNOMED = new Set(Object.values(DEGRADED_CODES).map((d) => d.code));
const DEGRADED_READ = /^9bJ[0-5]/;

/** True for a transfer-degraded code in SNOMED CT or its Read v2 equivalent (`9bJ0`–`9bJ5`). */
export function isDegradedCode(system: string | undefined, code: string | undefined): boolean {
  if (!code) return false;
  if (system === CODE_SYSTEMS.snomed) return DEGRADED_SNOMED.has(code);
  if (system === CODE_SYSTEMS.readv2) return DEGRADED_READ.test(code);
  return false;
}
