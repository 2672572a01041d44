/**
 * The HL7 V3 vocabulary of P30003's GP2GP system: OIDs, the codes GP2GP fixes for structural elements, coded values
 * built from the generator's catalogue, timestamps and identifiers. The fixed codes are those of real GP2GP extracts
 * (the NHS sample messages), except two that the samples lack: SNOMED CT 185317003 "Telephone encounter" and the
 * `HI`/`LO` result flags beside the samples' `PA`.
 *
 * Clinical codes are Read v2 in their 5-character form (the catalogue's), not EMIS's 7-character code + term id:
 * the catalogue does not know every term id, and a wrong one would pose as a real code.
 */
import { createHash } from 'node:crypto';
import { concept } from '../generator/catalogue.js';
import type { Hl7Writer } from './hl7v3-gp2gp-xml.js';

export const OID = {
  snomed: '2.16.840.1.113883.2.1.3.2.4.15',
  readV2: '2.16.840.1.113883.2.1.6.2',
  /** EMIS local codes (`EMISNQ…`): the scheme real EMIS extracts use for codes with no national equivalent. */
  emisLocal: '2.16.840.1.113883.2.1.6.3',
  /** Result interpretation flags as EMIS sends them (`PA` potentially abnormal, `HI`, `LO`). */
  interpretation: '2.16.840.1.113883.2.1.6.5',
  nhsNumber: '2.16.840.1.113883.2.1.4.1',
  odsOrganisation: '2.16.840.1.113883.2.1.4.3',
  sdsUser: '2.16.840.1.113883.2.1.4.2',
  sdsOrganisation: '1.2.826.0.1285.0.1.10',
  asid: '1.2.826.0.1285.0.2.0.107',
  interaction: '2.16.840.1.113883.2.1.3.2.4.12',
  gp2gpReason: '2.16.840.1.113883.2.1.3.2.4.17.101',
  /** The FHIR v3-ActCode code system as an OID: the system GP2GP's `NOPAT` confidentiality code is sent with. */
  actCode: '2.16.840.1.113883.4.642.3.47',
} as const;

export const VERSION_CODE = 'V3NPfIT3.1.10';

/** A coded value (HL7 CD/CV), with the alternative codings a real system sends as `translation`s. */
export interface Coded {
  readonly code: string;
  readonly codeSystem: string;
  readonly displayName: string;
  readonly originalText?: string;
  readonly qualifier?: Coded;
  readonly translations?: readonly Coded[];
}

export const SNOMED = (code: string, displayName: string, originalText?: string): Coded => ({
  code,
  codeSystem: OID.snomed,
  displayName,
  ...(originalText ? { originalText } : {}),
});

export const READ_V2 = (code: string, displayName: string): Coded => ({ code, codeSystem: OID.readV2, displayName });

/** Which scheme leads: EMIS-style entries are Read v2 coded with SNOMED CT translations; drugs lead with dm+d. */
export type CodingStyle = 'read' | 'snomed';

/**
 * The coded value of a catalogue concept: the leading scheme with the other as a translation, the recorded text as
 * `originalText` when it differs from the code's term, and, for supplier-local concepts, the EMIS local code alone
 * (which no map can translate: the receiver must degrade it).
 */
export function conceptCode(key: string, recordedTerm: string, style: CodingStyle = 'read'): Coded {
  const received = receivedCode(key);
  if (received) return received;
  const c = concept(key);
  const read = READ_V2(c.readV2.code, c.readV2.term);
  if (c.localOnly || c.snomed === null) {
    return {
      code: c.readV2.code,
      codeSystem: OID.emisLocal,
      displayName: c.readV2.term,
      ...(recordedTerm !== c.readV2.term ? { originalText: recordedTerm } : {}),
    };
  }
  const snomed = SNOMED(c.snomed.code, c.snomed.term);
  const [lead, other] = style === 'read' ? [read, snomed] : [snomed, read];
  return {
    ...lead,
    ...(recordedTerm !== lead.displayName ? { originalText: recordedTerm } : {}),
    translations: [other],
  };
}

const RECEIVED_PREFIX = 'received:';

/**
 * The concept key of an item filed from a received extract: its coded value as the sender coded it, kept inline.
 * The system stores a received code as it came (GP2GP systems keep the sender's codes and translations), rather
 * than forcing it into its own catalogue.
 */
export function receivedConceptKey(coded: Coded): string {
  return `${RECEIVED_PREFIX}${JSON.stringify(coded)}`;
}

function receivedCode(key: string): Coded | undefined {
  return key.startsWith(RECEIVED_PREFIX) ? (JSON.parse(key.slice(RECEIVED_PREFIX.length)) as Coded) : undefined;
}

export function writeCoded(w: Hl7Writer, name: string, coded: Coded, attrs: Record<string, string> = {}): void {
  const simple = !coded.originalText && !coded.qualifier && !coded.translations?.length;
  const own = { code: coded.code, codeSystem: coded.codeSystem, displayName: coded.displayName, ...attrs };
  if (simple) {
    w.element(name, own);
    return;
  }
  w.wrap(name, own, () => {
    w.text('originalText', coded.originalText);
    if (coded.qualifier) {
      const q = coded.qualifier;
      w.wrap('qualifier', { inverted: 'false' }, () =>
        w.element('name', { code: q.code, codeSystem: q.codeSystem, displayName: q.displayName }),
      );
    }
    for (const t of coded.translations ?? []) {
      w.element('translation', { code: t.code, codeSystem: t.codeSystem, displayName: t.displayName });
    }
  });
}

/** GP2GP's structural codes, as they appear in real extracts. */
export const CODES = {
  nhsPrescription: SNOMED('394823007', 'NHS prescription'),
  // The allergy headers travel with their term id, as in every real extract (receivers match the 7 characters).
  drugAllergy: READ_V2('14L..00', 'H/O: drug allergy'),
  nonDrugAllergy: READ_V2('SN53.00', 'Allergy, unspecified'),
  activeProblem: SNOMED('394774009', 'Active problem'),
  inactiveProblem: SNOMED('394775005', 'Inactive problem'),
  significant: SNOMED('386134007', 'Significant'),
  unspecifiedSignificance: SNOMED('394847000', 'Unspecified significance'),
  laboratoryReporting: SNOMED('16488004', 'laboratory reporting', 'Filed Report'),
  specimen: SNOMED('123038009', 'specimen (specimen)'),
  otherDigitalSignal: SNOMED('37251000000104', 'Other digital signal'),
  entireRecord: SNOMED('37241000000102', 'Entire record available to originator (administrative concept)'),
  nonConsultation: SNOMED('196401000000100', 'Non-consultation data'),
  nonConsultationMedication: SNOMED('196391000000103', 'Non-consultation medication data'),
  surgeryConsultation: SNOMED('25671000000102', 'Surgery Consultation Note'),
  homeVisit: SNOMED('25651000000106', 'Home Visit Note'),
  telephoneConsultation: SNOMED('185317003', 'Telephone encounter', 'Telephone consultation'),
  /** Referral priorities (GP2GP RequestStatement priorityCode). */
  normalPriority: SNOMED('394848005', 'Normal', 'Routine'),
  highPriority: SNOMED('394849002', 'High', 'Urgent'),
  twoWeekWait: SNOMED('394849002', 'High', 'Two week wait'),
  nopat: {
    code: 'NOPAT',
    codeSystem: OID.actCode,
    displayName: "no disclosure to patient, family or caregivers without attending provider's authorization",
  },
} as const satisfies Record<string, Coded>;

/** HL7 TS from an ISO date or date-time, keeping its precision: `2019`, `201903`, `20190314`, `201903141030`. */
export function ts(iso: string): string {
  const digits = iso.replace(/[-:T]/g, '');
  if (!/^\d{4}(\d{2}){0,5}$/.test(digits)) throw new Error(`Not an ISO date or date-time: "${iso}"`);
  return digits;
}

/**
 * A stable UUID for something the neutral model has no id for (a wrapper statement, a message), derived from the
 * ids it belongs to, so the same record always yields the same extract.
 */
export function derivedId(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('|')).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('').toUpperCase();
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The practice system's ASID (Spine accredited system id, 12 digits), derived from its ODS code. */
export function asidOf(ods: string): string {
  return `2000000${ods.replace(/\D/g, '').padStart(5, '0').slice(-5)}`;
}
