/**
 * Reads an `<IncomingRecord>` (a record transferred to P10001, in the system's own XML vocabulary) into the neutral
 * model, deciding per item whether it can be filed natively: an item coded in Read v2 is integrated; anything else
 * (another scheme, another practice's local code, no code at all) is filed as transfer-degraded under Read v2
 * `9bJ0.` with its original text and code kept.
 */
import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type {
  Allergy,
  ClinicalRecord,
  Consultation,
  DocumentItem,
  Gender,
  Immunisation,
  ItemBase,
  Medication,
  Observation,
  Practice,
  Problem,
  Referral,
  SyntheticPatient,
  TestResult,
  TestResultValue,
} from '../generator/model.js';
import type { StoredCode } from './xml-readv2-transfer-store.js';

export const DEGRADED_READ_CODE = { code: '9bJ0.', term: 'Transfer-degraded record entry' } as const;

/** What happened to one item, as the receipt reports it. */
export interface ItemOutcome {
  readonly ref: string;
  /** The sender's ids of the item (`<ResourceType>/<id>`), echoed so the sender can match the note to its items. */
  readonly sourceRefs: readonly string[];
  readonly outcome: 'integrated' | 'degraded' | 'not-integrated';
  readonly note?: string;
}

/** An attachment the record announces: the bytes follow as a separate upload. */
export interface ExpectedAttachment {
  readonly id: string;
  readonly documentId: string;
  readonly length?: number;
}

export interface IncomingRecord {
  readonly from: string;
  readonly mode: 'integrate' | 'hold';
  readonly patient: SyntheticPatient;
  readonly codes: ReadonlyMap<string, StoredCode>;
  readonly items: readonly ItemOutcome[];
  readonly attachments: readonly ExpectedAttachment[];
}

export class IncomingRecordError extends Error {}

const REPEATING = new Set([
  'Given',
  'Line',
  'Allergy',
  'Problem',
  'Link',
  'Medication',
  'Issue',
  'Consultation',
  'Entry',
  'Observation',
  'Immunisation',
  'TestResult',
  'Result',
  'Referral',
  'Document',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: { enabled: true, maxEntityCount: 1, maxTotalExpansions: 100_000, maxExpandedLength: 1_000_000 },
  maxNestedTags: 32,
  isArray: (name) => REPEATING.has(name),
  jPath: false,
});

type Node = Record<string, unknown>;

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const READ2 = /^[A-Za-z0-9.]{5}$/;
const SEX: Record<string, Gender> = { M: 'male', F: 'female', I: 'other', U: 'unknown' };

function node(value: unknown): Node {
  return typeof value === 'object' && value !== null ? (value as Node) : {};
}
function list(value: unknown): Node[] {
  return Array.isArray(value) ? value.map(node) : [];
}
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  const inner = node(value)['#text'];
  return typeof inner === 'string' && inner !== '' ? inner : undefined;
}
function attr(n: Node, name: string): string | undefined {
  const value = n[`@${name}`];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
function required(n: Node, name: string, what: string): string {
  const value = attr(n, name);
  if (value === undefined) throw new IncomingRecordError(`${what} has no ${name}`);
  return value;
}
function id(n: Node, what: string): string {
  const value = required(n, 'id', what);
  if (!ID.test(value)) throw new IncomingRecordError(`${what} id "${value.slice(0, 70)}" is not a valid id`);
  return value;
}
function date(n: Node, what: string): string {
  const value = required(n, 'date', what);
  if (!PARTIAL_DATE.test(value)) throw new IncomingRecordError(`${what} date must be YYYY[-MM[-DD]]`);
  return value;
}
function num(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.find((a) => a === value) ?? fallback;
}

/** Parses and checks the document; the error says what is wrong, never echoing patient data. */
export function readIncomingRecord(xml: string, practice: Practice, asOf: string): IncomingRecord {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new IncomingRecordError('document type declarations are not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new IncomingRecordError(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const root = node(node(parser.parse(xml))['IncomingRecord']);
  if (Object.keys(root).length === 0) throw new IncomingRecordError('the document is not an <IncomingRecord>');
  const builder = new RecordReader();
  const patientNode = node(root['Patient']);
  const nhsNumber = required(patientNode, 'nhsNumber', 'Patient');
  if (!/^\d{10}$/.test(nhsNumber)) throw new IncomingRecordError('Patient nhsNumber must be 10 digits');
  const record = builder.record(node(root['ClinicalRecord']));
  const d = node(patientNode['Demographics']);
  const name = node(d['Name']);
  const address = node(d['Address']);
  const birthDate = text(d['DateOfBirth']);
  if (!birthDate) throw new IncomingRecordError('Patient has no DateOfBirth');
  const deceasedDate = text(d['DateOfDeath']);
  const usualGp = practice.clinicians[0];
  if (!usualGp) throw new Error(`Practice ${practice.ods} has no clinicians`);
  const patient: SyntheticPatient = {
    sourceId: patientId(practice.ods, nhsNumber),
    demographics: {
      nhsNumber,
      name: {
        title: text(name['Title']) ?? '',
        given: (name['Given'] as unknown[] | undefined)?.map((g) => text(g) ?? '').filter(Boolean) ?? [],
        family: text(name['Family']) ?? '',
      },
      gender: SEX[text(d['Sex']) ?? 'U'] ?? 'unknown',
      birthDate,
      address: {
        lines: (address['Line'] as unknown[] | undefined)?.map((l) => text(l) ?? '').filter(Boolean) ?? [],
        town: text(address['Town']) ?? '',
        postcode: text(address['Postcode']) ?? '',
      },
      phone: text(d['Telephone']) ?? '',
      registeredPracticeOds: practice.ods,
      usualGp,
      registration: { status: deceasedDate ? 'inactive' : 'active', type: 'GMS', since: asOf },
      ...(deceasedDate ? { deceasedDate } : {}),
      sensitive: attr(node(patientNode['Flags']), 'sensitive') === 'true',
    },
    // The practice keeps the sharing decision the patient made; a record that does not say is filed as sharing.
    consent: { dissent: attr(node(patientNode['Consent']), 'dissent') === 'true' },
    record,
  };
  return {
    from: attr(root, 'from') ?? 'unknown',
    mode: attr(root, 'mode') === 'hold' ? 'hold' : 'integrate',
    patient,
    codes: builder.codes,
    items: builder.items,
    attachments: builder.attachments,
  };
}

/** The same patient gets the same id here however often it arrives. */
function patientId(ods: string, nhsNumber: string): string {
  const h = createHash('sha256').update(`${ods}/${nhsNumber}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

class RecordReader {
  readonly codes = new Map<string, StoredCode>();
  readonly items: ItemOutcome[] = [];
  readonly attachments: ExpectedAttachment[] = [];

  record(r: Node): ClinicalRecord {
    const section = (name: string, item: string) => list(node(r[name])[item]);
    return {
      allergies: section('Allergies', 'Allergy').map((n) => this.allergy(n)),
      problems: section('Problems', 'Problem').map((n) => this.problem(n)),
      medications: section('Medications', 'Medication').map((n) => this.medication(n)),
      consultations: section('Consultations', 'Consultation').map((n) => this.consultation(n)),
      observations: section('Observations', 'Observation').map((n) => this.observation(n)),
      immunisations: section('Immunisations', 'Immunisation').map((n) => this.immunisation(n)),
      testResults: section('TestResults', 'TestResult').map((n) => this.testResult(n)),
      referrals: section('Referrals', 'Referral').map((n) => this.referral(n)),
      documents: section('Documents', 'Document').map((n) => this.document(n)),
    };
  }

  /** Files the item's code (or its degraded stand-in) and notes the outcome. */
  private code(n: Node, itemId: string, what: string): string {
    const key = `${what}:${itemId}`;
    const c = node(n['Code']);
    const scheme = attr(c, 'scheme');
    const code = attr(c, 'code');
    const term = attr(c, 'term') ?? '';
    const sourceRefs = (attr(n, 'sourceRefs') ?? '').split(' ').filter(Boolean);
    if (scheme === 'READ2' && code !== undefined && READ2.test(code)) {
      this.codes.set(key, { scheme: 'READ2', code, term });
      this.items.push({ ref: itemId, sourceRefs, outcome: 'integrated' });
    } else {
      this.codes.set(key, {
        scheme: 'READ2',
        ...DEGRADED_READ_CODE,
        ...(scheme && code ? { original: { scheme, code, term } } : {}),
      });
      const why = scheme && code ? `${scheme} code ${code} has no Read v2 code here` : 'no code';
      this.items.push({
        ref: itemId,
        sourceRefs,
        outcome: 'degraded',
        note: `${why}: filed as ${DEGRADED_READ_CODE.code} with its text`,
      });
    }
    return key;
  }

  private base(n: Node, what: string): ItemBase {
    const itemId = id(n, what);
    const consultation = attr(n, 'consultation');
    const concept = this.code(n, itemId, what);
    return {
      id: itemId,
      date: date(n, what),
      concept,
      term: text(n['Term']) ?? attr(node(n['Code']), 'term') ?? '',
      confidential: attr(n, 'confidential') === 'true',
      ...(consultation && ID.test(consultation) ? { consultationId: consultation } : {}),
    };
  }

  private allergy(n: Node): Allergy {
    const ended = node(n['Ended']);
    const reaction = n['Reaction'];
    const severity = attr(node(reaction), 'severity');
    const severities = ['mild', 'moderate', 'severe'] as const;
    return {
      ...this.base(n, 'Allergy'),
      category: oneOf(attr(n, 'category'), ['drug', 'non-drug'], 'non-drug'),
      status: oneOf(attr(n, 'status'), ['active', 'resolved'], 'active'),
      ...optional('reaction', text(reaction)),
      ...optional(
        'severity',
        severities.find((s) => s === severity),
      ),
      ...optional('endDate', attr(ended, 'date')),
      ...optional('endReason', attr(ended, 'reason')),
    };
  }

  private problem(n: Node): Problem {
    const links = list(n['Link']);
    const refs = (type: string) => links.filter((l) => attr(l, 'type') === type).map((l) => attr(l, 'ref') ?? '');
    return {
      ...this.base(n, 'Problem'),
      status: oneOf(attr(n, 'status'), ['active', 'inactive'], 'active'),
      significance: oneOf(attr(n, 'significance'), ['major', 'minor'], 'minor'),
      ...optional('endDate', attr(n, 'endDate')),
      consultationIds: refs('consultation').filter((r) => ID.test(r)),
      linkedItemIds: refs('item').filter((r) => ID.test(r)),
    };
  }

  private medication(n: Node): Medication {
    const quantity = node(n['Quantity']);
    return {
      ...this.base(n, 'Medication'),
      type: oneOf(attr(n, 'type'), ['acute', 'repeat'], 'acute'),
      status: oneOf(attr(n, 'status'), ['active', 'completed', 'stopped'], 'active'),
      dosage: text(n['Dosage']) ?? '',
      quantity: { value: num(attr(quantity, 'value')) ?? 0, unit: attr(quantity, 'unit') ?? '' },
      prescriberSdsUserId: attr(node(n['Prescriber']), 'sdsUserId') ?? 'unknown',
      ...optional('endDate', attr(n, 'endDate')),
      ...optional('maxIssues', num(attr(n, 'maxIssues'))),
      issues: list(n['Issue']).map((i) => ({
        id: id(i, 'Issue'),
        date: date(i, 'Issue'),
        quantity: { value: num(attr(i, 'quantity')) ?? 0, unit: attr(i, 'unit') ?? '' },
        daysSupply: num(attr(i, 'days')) ?? 0,
      })),
    };
  }

  private consultation(n: Node): Consultation {
    const itemId = id(n, 'Consultation');
    const when = required(n, 'date', 'Consultation');
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(when))
      throw new IncomingRecordError('Consultation date must be YYYY-MM-DDTHH:mm (UK local time)');
    const sourceRefs = (attr(n, 'sourceRefs') ?? '').split(' ').filter(Boolean);
    this.items.push({ ref: itemId, sourceRefs, outcome: 'integrated' });
    return {
      id: itemId,
      date: when,
      type: (attr(n, 'type') ?? 'Surgery consultation') as Consultation['type'],
      clinicianSdsUserId: attr(node(n['Clinician']), 'sdsUserId') ?? 'unknown',
      location: text(n['Location']) ?? '',
      ...optional('narrative', text(n['Narrative'])),
      confidential: attr(n, 'confidential') === 'true',
      itemIds: list(n['Entry'])
        .map((e) => attr(e, 'ref') ?? '')
        .filter((r) => ID.test(r)),
    };
  }

  private observation(n: Node): Observation {
    const value = node(n['Value']);
    const v = num(attr(value, 'value'));
    return {
      ...this.base(n, 'Observation'),
      ...optional('value', v === undefined ? undefined : { value: v, unit: attr(value, 'unit') ?? '' }),
      ...optional('comment', text(n['Comment'])),
    };
  }

  private immunisation(n: Node): Immunisation {
    return {
      ...this.base(n, 'Immunisation'),
      given: attr(n, 'given') !== 'false',
      ...optional('notGivenReason', text(n['NotGivenReason'])),
      ...optional('doseSequence', num(attr(n, 'sequence'))),
      ...optional('batch', text(n['Batch'])),
      ...optional('site', text(n['Site'])),
    };
  }

  private testResult(n: Node): TestResult {
    const base = this.base(n, 'TestResult');
    const results = list(n['Result']).map((r): TestResultValue => {
      const resultId = id(r, 'Result');
      const value = node(r['Value']);
      const range = node(r['Range']);
      return {
        id: resultId,
        concept: this.code(r, resultId, 'Result'),
        term: text(r['Term']) ?? attr(node(r['Code']), 'term') ?? '',
        value: { value: num(attr(value, 'value')) ?? 0, unit: attr(value, 'unit') ?? '' },
        referenceRange: { low: num(attr(range, 'low')) ?? 0, high: num(attr(range, 'high')) ?? 0 },
        interpretation: oneOf(attr(r, 'interpretation'), ['normal', 'low', 'high'], 'normal'),
      };
    });
    return {
      ...base,
      status: 'final',
      laboratory: text(n['Laboratory']) ?? '',
      results,
      ...optional('filingComment', text(n['FilingComment'])),
    };
  }

  private referral(n: Node): Referral {
    return {
      ...this.base(n, 'Referral'),
      specialty: attr(n, 'specialty') ?? '',
      priority: oneOf(attr(n, 'priority'), ['routine', 'urgent', 'two-week-wait'], 'routine'),
      status: oneOf(attr(n, 'status'), ['sent', 'completed'], 'sent'),
      reason: text(n['Reason']) ?? '',
      recipient: text(n['Recipient']) ?? '',
    };
  }

  private document(n: Node): DocumentItem {
    const base = this.base(n, 'Document');
    const attachment = attr(n, 'attachment');
    const length = num(attr(n, 'size'));
    if (attachment !== undefined) {
      if (!ID.test(attachment)) throw new IncomingRecordError(`Document attachment id is not a valid id`);
      this.attachments.push({ id: attachment, documentId: base.id, ...optional('length', length) });
    }
    return {
      ...base,
      title: text(n['Title']) ?? base.term,
      contentType: attr(n, 'contentType') ?? 'application/octet-stream',
      size: length ?? 0,
      authorSdsUserId: attr(node(n['Author']), 'sdsUserId') ?? 'unknown',
    };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
