/**
 * P30003's own reader of an inbound EHR extract (`RCMR_IN030000UK06`/`UK07`): it files each statement in the
 * system's store (the generator's neutral model, the codes kept as the sender sent them) and says per statement
 * whether it was integrated, degraded or not integrated. It is deliberately small: what it does not know it keeps as
 * a degraded entry with its text, so nothing clinical is lost.
 *
 * Codes: the system stores SNOMED CT and Read v2 natively (EMIS style). An entry whose code is in neither, or is a
 * transfer-degraded code with no native translation, is filed degraded: the transfer-degraded code with the
 * original text, the original codes kept as translations.
 */
import type {
  Allergy,
  ClinicalRecord,
  Consultation,
  DocumentItem,
  Medication,
  MedicationIssue,
  Observation,
  Problem,
  Referral,
  TestResult,
  TestResultValue,
} from '../generator/model.js';
import { OID, receivedConceptKey, type Coded } from './hl7v3-gp2gp-codes.js';
import { attr, childNames, first, isoOf, kids, parseXml, text, type XmlNode } from './hl7v3-gp2gp-transfer-xml.js';

export type ItemOutcome = 'integrated' | 'degraded' | 'not-integrated';

/** What happened to one statement of the extract, by its id. */
export interface FiledItem {
  readonly id: string;
  readonly kind: string;
  readonly outcome: ItemOutcome;
  readonly note?: string;
}

export interface ReadExtract {
  readonly nhsNumber: string;
  readonly interaction: string;
  readonly record: ClinicalRecord;
  readonly items: readonly FiledItem[];
  /** NarrativeStatement ids that refer to an external document: the attachments the record expects. */
  readonly documentIds: readonly string[];
}

const NATIVE = new Set<string>([OID.snomed, OID.readV2]);
const DEGRADED = new Set([
  '196411000000103',
  '196421000000109',
  '196431000000106',
  '196441000000102',
  '196451000000104',
  '196461000000101',
  '196471000000108',
]);
const NON_CONSULTATION = new Set(['196401000000100', '196391000000103']);
const CONSULTATION_TYPES: Readonly<Record<string, Consultation['type']>> = {
  '25671000000102': 'Surgery consultation',
  '185317003': 'Telephone consultation',
  '25651000000106': 'Home visit',
};
const ALLERGY_HEADERS = new Set(['14L..00', 'SN53.00']);
const LAB_REPORT = '16488004';
const OTHER_DIGITAL_SIGNAL: Coded = {
  code: '37251000000104',
  codeSystem: OID.snomed,
  displayName: 'Other digital signal',
};

/** The consultation type, by its code or, for an uncoded one, by the words of its text. */
function consultationType(code: XmlNode | undefined): Consultation['type'] {
  const byCode = CONSULTATION_TYPES[attr(code, 'code') ?? ''];
  if (byCode) return byCode;
  const words = (text(first(code, 'originalText')) ?? attr(code, 'displayName') ?? '').toLowerCase();
  if (words.includes('telephone')) return 'Telephone consultation';
  if (words.includes('home')) return 'Home visit';
  return 'Surgery consultation';
}

interface CodeResult {
  readonly key: string;
  readonly term: string;
  readonly degraded: boolean;
}

function codedOf(node: XmlNode): Coded | undefined {
  const code = attr(node, 'code');
  const codeSystem = attr(node, 'codeSystem');
  if (!code || !codeSystem) return undefined;
  return { code, codeSystem, displayName: attr(node, 'displayName') ?? code };
}

function isNative(c: Coded | undefined): c is Coded {
  return c !== undefined && NATIVE.has(c.codeSystem) && !DEGRADED.has(c.code) && !/^9bJ[0-5]/.test(c.code);
}

/** Files a coded value natively when it has a native coding, else degraded with its text. */
function readCode(node: XmlNode | undefined, fallbackText: string): CodeResult {
  const lead = node ? codedOf(node) : undefined;
  const translations = kids(node, 'translation')
    .map(codedOf)
    .filter((c): c is Coded => c !== undefined);
  const originalText = text(first(node, 'originalText'));
  const native = isNative(lead) ? lead : translations.find(isNative);
  const term = originalText ?? native?.displayName ?? lead?.displayName ?? fallbackText;
  if (native) {
    const others = [lead, ...translations].filter((c): c is Coded => c !== undefined && c !== native);
    const coded: Coded = {
      ...native,
      ...(originalText && originalText !== native.displayName ? { originalText } : {}),
      ...(others.length > 0 ? { translations: others } : {}),
    };
    return { key: receivedConceptKey(coded), term, degraded: false };
  }
  const originals = [lead, ...translations].filter((c): c is Coded => c !== undefined && !DEGRADED.has(c.code));
  const coded: Coded = {
    code: '196411000000103',
    codeSystem: OID.snomed,
    displayName: 'Transfer-degraded record entry',
    originalText: term,
    ...(originals.length > 0 ? { translations: originals } : {}),
  };
  return { key: receivedConceptKey(coded), term, degraded: true };
}

function dateOf(node: XmlNode | undefined): string | undefined {
  const effective = first(node, 'effectiveTime');
  return (
    isoOf(attr(first(effective, 'center'), 'value')) ??
    isoOf(attr(first(effective, 'low'), 'value')) ??
    isoOf(attr(effective, 'value')) ??
    isoOf(attr(first(node, 'availabilityTime'), 'value'))
  );
}

function endOf(node: XmlNode | undefined): string | undefined {
  return isoOf(attr(first(node, 'effectiveTime', 'high'), 'value'));
}

function idOf(node: XmlNode | undefined): string | undefined {
  return attr(first(node, 'id'), 'root');
}

function confidential(node: XmlNode | undefined): boolean {
  return kids(node, 'confidentialityCode').some((c) => attr(c, 'code') === 'NOPAT');
}

function annotations(node: XmlNode | undefined): string[] {
  return kids(node, 'pertinentInformation')
    .map((p) => text(first(p, 'pertinentAnnotation', 'text')))
    .filter((t): t is string => t !== undefined);
}

function quantityOf(node: XmlNode | undefined): { value: number; unit: string } | undefined {
  if (!node) return undefined;
  const value = Number(attr(node, 'value') ?? NaN);
  if (!Number.isFinite(value)) return undefined;
  const unit = text(first(node, 'translation', 'originalText')) ?? attr(node, 'unit') ?? '1';
  return { value, unit: unit === '1' ? '' : unit };
}

/** The statement elements of a component, with their names. */
function statementsIn(node: XmlNode | undefined): { name: string; node: XmlNode }[] {
  const out: { name: string; node: XmlNode }[] = [];
  for (const component of kids(node, 'component')) {
    for (const name of childNames(component))
      for (const child of kids(component, name)) out.push({ name, node: child });
  }
  return out;
}

class RecordFiler {
  readonly allergies: Allergy[] = [];
  readonly medications: Medication[] = [];
  readonly problems: Problem[] = [];
  readonly consultations: (Consultation & { itemIds: string[] })[] = [];
  readonly observations: Observation[] = [];
  readonly testResults: TestResult[] = [];
  readonly referrals: Referral[] = [];
  readonly documents: DocumentItem[] = [];
  readonly items: FiledItem[] = [];
  private readonly issues = new Map<string, MedicationIssue[]>();
  /** Condition statements named by a problem LinkSet: filed as the problem, not as observations. */
  private readonly named = new Set<string>();
  private readonly linkSets: XmlNode[] = [];
  private readonly conditions = new Map<string, { node: XmlNode; consultationId: string | undefined }>();

  constructor(
    private readonly clinician: string,
    private readonly asOf: string,
  ) {}

  private note(id: string, kind: string, degraded: boolean, term: string): void {
    this.items.push(
      degraded
        ? { id, kind, outcome: 'degraded', note: `Filed as text with a transfer-degraded code: "${term}"` }
        : { id, kind, outcome: 'integrated' },
    );
  }

  private base(node: XmlNode, code: CodeResult, consultationId: string | undefined, fallbackDate?: string) {
    return {
      id: idOf(node) ?? `received-${this.items.length}`,
      date: dateOf(node) ?? fallbackDate ?? this.asOf,
      concept: code.key,
      term: code.term,
      confidential: confidential(node),
      ...(consultationId ? { consultationId } : {}),
    };
  }

  /** Pass one: remember the conditions LinkSets name, so they are not filed twice. */
  collectNamed(root: XmlNode): void {
    const visit = (node: XmlNode): void => {
      for (const { name, node: child } of statementsIn(node)) {
        if (name === 'LinkSet') {
          const named = attr(first(child, 'conditionNamed', 'namedStatementRef', 'id'), 'root');
          if (named) this.named.add(named);
        }
        visit(child);
      }
    };
    visit(root);
  }

  /** A composition; its author is filed as the receiving clinician (the sender's staff do not work here). */
  composition(node: XmlNode): void {
    const code = first(node, 'code');
    const id = idOf(node);
    const consultation = id !== undefined && !NON_CONSULTATION.has(attr(code, 'code') ?? '');
    const consultationId = consultation ? id : undefined;
    const filedBefore = this.items.length;
    const narratives: string[] = [];
    for (const statement of statementsIn(node))
      this.statement(statement.name, statement.node, consultationId, narratives);
    if (!consultation || !id) return;
    const date = dateOf(node) ?? this.asOf;
    this.consultations.push({
      id,
      date: date.length >= 16 ? date : `${date.padEnd(10, '-01').slice(0, 10)}T00:00`,
      type: consultationType(code),
      clinicianSdsUserId: this.clinician,
      location: text(first(node, 'location', 'locatedEntity', 'locatedPlace', 'name')) ?? 'Received by GP2GP',
      ...(narratives.length > 0 ? { narrative: narratives.join('\n\n') } : {}),
      confidential: confidential(node),
      itemIds: this.items.slice(filedBefore).map((i) => i.id),
    });
    this.items.push({ id, kind: 'consultation', outcome: 'integrated' });
  }

  private statement(name: string, node: XmlNode, consultationId: string | undefined, narratives: string[]): void {
    switch (name) {
      case 'ObservationStatement':
        return this.observation(node, consultationId);
      case 'CompoundStatement':
        return this.compound(node, consultationId, narratives);
      case 'LinkSet':
        this.linkSets.push(node);
        return;
      case 'MedicationStatement':
        return this.medication(node, consultationId);
      case 'RequestStatement':
      case 'PlanStatement':
        return this.request(node, consultationId, name);
      case 'NarrativeStatement':
        return this.narrative(node, consultationId, narratives);
      case 'EhrEmpty':
      case 'RegistrationStatement':
        return;
      default:
        this.items.push({
          id: idOf(node) ?? `unknown-${this.items.length}`,
          kind: name,
          outcome: 'not-integrated',
          note: `This system cannot file a ${name}`,
        });
    }
  }

  private observation(node: XmlNode, consultationId: string | undefined): void {
    const id = idOf(node);
    if (id && this.named.has(id)) {
      this.conditions.set(id, { node, consultationId });
      return;
    }
    const code = readCode(first(node, 'code'), 'Observation');
    const value = quantityOf(first(node, 'value'));
    const comment = annotations(node).join('\n');
    this.observations.push({
      ...this.base(node, code, consultationId),
      ...(value ? { value } : {}),
      ...(comment ? { comment } : {}),
    });
    this.note(this.observations.at(-1)!.id, 'observation', code.degraded, code.term);
  }

  private compound(node: XmlNode, consultationId: string | undefined, narratives: string[]): void {
    const code = first(node, 'code');
    const codes = [attr(code, 'code'), ...kids(code, 'translation').map((t) => attr(t, 'code'))];
    if (attr(node, 'classCode') === 'CATEGORY' && ALLERGY_HEADERS.has(attr(code, 'code') ?? '')) {
      return this.allergy(node, attr(code, 'code') === '14L..00' ? 'drug' : 'non-drug', consultationId);
    }
    if (codes.includes(LAB_REPORT)) return this.testResult(node, consultationId);
    for (const s of statementsIn(node)) this.statement(s.name, s.node, consultationId, narratives);
  }

  private allergy(node: XmlNode, category: Allergy['category'], consultationId: string | undefined): void {
    const inner = statementsIn(node).find((s) => s.name === 'ObservationStatement')?.node ?? node;
    const code = readCode(first(inner, 'code'), 'Allergy');
    const end = endOf(inner) ?? endOf(node);
    const notes = annotations(inner).join(' ');
    this.allergies.push({
      ...this.base(inner, code, consultationId, dateOf(node)),
      category,
      status: end ? 'resolved' : 'active',
      ...(end ? { endDate: end } : {}),
      ...(notes ? { reaction: notes } : {}),
    });
    this.note(this.allergies.at(-1)!.id, 'allergy', code.degraded, code.term);
  }

  private testResult(node: XmlNode, consultationId: string | undefined): void {
    const code = first(node, 'code');
    // GP2GP heads every report "laboratory reporting"; the report's own coding is the first other one.
    const own = kids(code, 'translation').find((t) => attr(t, 'code') !== LAB_REPORT);
    const reportCode = readCode(own ?? code, text(first(code, 'originalText')) ?? 'Laboratory report');
    const results: TestResultValue[] = [];
    const comments: string[] = [];
    const visit = (parent: XmlNode): void => {
      for (const s of statementsIn(parent)) {
        if (s.name === 'ObservationStatement') {
          const value = quantityOf(first(s.node, 'value'));
          const c = readCode(first(s.node, 'code'), 'Result');
          if (!value) {
            comments.push(`${c.term}${annotations(s.node).length ? `: ${annotations(s.node).join(' ')}` : ''}`);
            continue;
          }
          const low = Number(
            attr(first(s.node, 'referenceRange', 'referenceInterpretationRange', 'value', 'low'), 'value'),
          );
          const high = Number(
            attr(first(s.node, 'referenceRange', 'referenceInterpretationRange', 'value', 'high'), 'value'),
          );
          const flag = attr(first(s.node, 'interpretationCode'), 'code');
          results.push({
            id: idOf(s.node) ?? `${idOf(node)}-${results.length}`,
            concept: c.key,
            term: c.term,
            value,
            referenceRange: {
              low: Number.isFinite(low) ? low : value.value,
              high: Number.isFinite(high) ? high : value.value,
            },
            interpretation: flag === 'HI' || flag === 'H' ? 'high' : flag === 'LO' || flag === 'L' ? 'low' : 'normal',
          });
        } else if (s.name === 'NarrativeStatement') {
          const t = text(first(s.node, 'text'));
          if (t) comments.push(t);
        } else visit(s.node);
      }
    };
    visit(node);
    this.testResults.push({
      ...this.base(node, reportCode, consultationId),
      status: 'final',
      laboratory: 'Received by GP2GP',
      results,
      ...(comments.length > 0 ? { filingComment: comments.join('\n') } : {}),
    });
    this.note(this.testResults.at(-1)!.id, 'testResult', reportCode.degraded, reportCode.term);
  }

  private medication(node: XmlNode, consultationId: string | undefined): void {
    const authorise = first(node, 'component', 'ehrSupplyAuthorise');
    const prescribe = first(node, 'component', 'ehrSupplyPrescribe');
    const code = readCode(
      first(node, 'consumable', 'manufacturedProduct', 'manufacturedMaterial', 'code'),
      'Medication',
    );
    if (prescribe && !authorise) {
      const planId = attr(first(prescribe, 'inFulfillmentOf', 'priorMedicationRef', 'id'), 'root');
      const quantity = quantityOf(first(prescribe, 'quantity')) ?? { value: 1, unit: '' };
      const issue: MedicationIssue = {
        id: idOf(prescribe) ?? idOf(node) ?? `issue-${this.items.length}`,
        date: dateOf(prescribe) ?? dateOf(node) ?? this.asOf,
        quantity,
        daysSupply: 28,
      };
      if (planId) this.issues.set(planId, [...(this.issues.get(planId) ?? []), issue]);
      this.items.push({ id: issue.id, kind: 'medication-issue', outcome: planId ? 'integrated' : 'not-integrated' });
      return;
    }
    const supply = authorise ?? node;
    const dosage = kids(node, 'pertinentInformation')
      .map((p) => text(first(p, 'pertinentMedicationDosage', 'text')))
      .find((t) => t !== undefined);
    const repeats = Number(attr(first(supply, 'repeatNumber'), 'value') ?? NaN);
    const stopped = first(node, 'component', 'ehrSupplyDiscontinue') !== undefined;
    const active = attr(first(supply, 'statusCode'), 'code') === 'ACTIVE';
    const end = endOf(node);
    this.medications.push({
      ...this.base(supply, code, consultationId, dateOf(node)),
      type: Number.isFinite(repeats) && repeats > 1 ? 'repeat' : 'acute',
      status: stopped ? 'stopped' : active ? 'active' : 'completed',
      dosage: dosage ?? 'As directed',
      quantity: quantityOf(first(supply, 'quantity')) ?? { value: 1, unit: '' },
      prescriberSdsUserId: this.clinician,
      ...(end ? { endDate: end } : {}),
      ...(Number.isFinite(repeats) ? { maxIssues: repeats } : {}),
      issues: [],
    });
    this.note(this.medications.at(-1)!.id, 'medication', code.degraded, code.term);
  }

  private request(node: XmlNode, consultationId: string | undefined, name: string): void {
    const code = readCode(first(node, 'code'), name === 'PlanStatement' ? 'Plan' : 'Referral');
    const priority = attr(first(node, 'priorityCode'), 'code');
    this.referrals.push({
      ...this.base(node, code, consultationId),
      specialty: code.term,
      priority: priority === '394849002' ? 'urgent' : 'routine',
      status: attr(first(node, 'statusCode'), 'code') === 'ACTIVE' ? 'sent' : 'completed',
      reason: text(first(node, 'text')) ?? code.term,
      recipient: 'Received by GP2GP',
    });
    this.note(this.referrals.at(-1)!.id, name === 'PlanStatement' ? 'plan' : 'referral', code.degraded, code.term);
  }

  private narrative(node: XmlNode, consultationId: string | undefined, narratives: string[]): void {
    const body = text(first(node, 'text')) ?? '';
    const external = first(node, 'reference', 'referredToExternalDocument');
    const id = idOf(node) ?? `narrative-${this.items.length}`;
    if (!external) {
      // A note inside a consultation is its narrative; a note on its own is kept as a commented entry.
      if (consultationId) {
        narratives.push(body);
        this.items.push({ id, kind: 'narrative', outcome: 'integrated' });
        return;
      }
      const code = readCode(undefined, body || 'Note');
      this.observations.push({ ...this.base(node, code, undefined), comment: body });
      this.note(id, 'narrative', false, body);
      return;
    }
    // A document's type is not a clinical code: an unknown one is filed as GP2GP's generic "Other digital signal".
    const typed = readCode(first(external, 'code'), body || 'Attached document');
    const code = typed.degraded
      ? { key: receivedConceptKey(OTHER_DIGITAL_SIGNAL), term: typed.term, degraded: false }
      : typed;
    this.documents.push({
      ...this.base(node, code, consultationId),
      title: body || code.term,
      contentType: attr(first(external, 'text'), 'mediaType') ?? 'application/octet-stream',
      size: 0,
      authorSdsUserId: this.clinician,
    });
    this.note(id, 'document', code.degraded, code.term);
  }

  /** Pass three: problems, now that every statement they link is filed. */
  finishProblems(): void {
    for (const linkSet of this.linkSets) {
      const id = idOf(linkSet) ?? `problem-${this.items.length}`;
      const namedId = attr(first(linkSet, 'conditionNamed', 'namedStatementRef', 'id'), 'root');
      const condition = namedId ? this.conditions.get(namedId) : undefined;
      if (!condition) {
        // A LinkSet naming something other than a condition (a referral's documents) files no problem.
        this.items.push({ id, kind: 'link', outcome: 'integrated' });
        continue;
      }
      const code = readCode(first(condition.node, 'code'), 'Problem');
      const statusCode = first(linkSet, 'code');
      const inactive = attr(statusCode, 'code') === '394775005';
      const major = attr(first(statusCode, 'qualifier', 'name'), 'code') === '386134007';
      const end = endOf(linkSet);
      const linked = kids(linkSet, 'component')
        .map((c) => attr(first(c, 'statementRef', 'id'), 'root'))
        .filter((x): x is string => x !== undefined);
      this.problems.push({
        ...this.base(linkSet, code, condition.consultationId, dateOf(condition.node)),
        id,
        status: inactive ? 'inactive' : 'active',
        significance: major ? 'major' : 'minor',
        ...(inactive && end ? { endDate: end } : {}),
        consultationIds: condition.consultationId ? [condition.consultationId] : [],
        linkedItemIds: linked,
      });
      this.note(id, 'problem', code.degraded, code.term);
      // The problem belongs to the consultation that recorded its condition.
      this.consultations.find((c) => c.id === condition.consultationId)?.itemIds.push(id);
    }
  }

  record(): ClinicalRecord {
    return {
      allergies: this.allergies,
      medications: this.medications.map((m) => ({ ...m, issues: this.issues.get(m.id) ?? [] })),
      problems: this.problems,
      consultations: this.consultations,
      observations: this.observations,
      immunisations: [],
      testResults: this.testResults,
      referrals: this.referrals,
      documents: this.documents,
    };
  }
}

export interface ReadOptions {
  /** The SDS user id of the clinician who files the record here (received authors are not staff of this practice). */
  readonly clinician: string;
  readonly asOf: string;
}

/** Reads a whole inbound extract; a failure's reason is GP2GP's 21 (not well-formed or not able to be processed). */
export function readInboundExtract(
  xml: string,
  options: ReadOptions,
): { ok: true; extract: ReadExtract } | { ok: false; reason: string } {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  const interaction = ['RCMR_IN030000UK06', 'RCMR_IN030000UK07'].find((name) => kids(parsed.root, name).length > 0);
  if (!interaction) return { ok: false, reason: 'the message is not an EHR extract (RCMR_IN030000UK06/UK07)' };
  const extract = first(parsed.root, interaction, 'ControlActEvent', 'subject', 'EhrExtract');
  const nhsNumber = attr(first(extract, 'recordTarget', 'patient', 'id'), 'extension');
  if (!nhsNumber || !/^\d{10}$/.test(nhsNumber)) {
    return { ok: false, reason: 'the EhrExtract has no 10-digit NHS number at recordTarget/patient/id/@extension' };
  }
  const folder = first(extract, 'component', 'ehrFolder');
  if (!folder) return { ok: false, reason: 'the EhrExtract has no ehrFolder' };
  const filer = new RecordFiler(options.clinician, options.asOf);
  filer.collectNamed(folder);
  for (const component of kids(folder, 'component')) {
    for (const composition of kids(component, 'ehrComposition')) filer.composition(composition);
  }
  filer.finishProblems();
  return {
    ok: true,
    extract: {
      nhsNumber,
      interaction,
      record: filer.record(),
      items: filer.items,
      documentIds: filer.documents.map((d) => d.id),
    },
  };
}
