import { deepFreeze, fhirJson, spineIssue } from '@lloyd/fhir';
import type { PreparedRecord } from '../record/record-reader.js';
import {
  allergies,
  allergy,
  area,
  canonicalRecord,
  clinicalResources,
  decision,
  everyArea,
  markedDegraded,
  part,
  prepared,
  request,
} from '../testing/structured-fixtures.js';
import { buildStructuredBundle } from './build-structured-bundle.js';
import { StructuredAnswers, type StructuredAnswerInput } from './structured-answers.js';

const BASE = 'https://lloyd.test/fhir';
const FIRST = new Date('2024-06-15T12:00:00.000Z');
const LATER = new Date('2024-06-15T12:00:07.250Z');

/** A prepared record as the record reader holds it while the supplier answers "not modified": frozen. */
const held = (overrides: Partial<PreparedRecord> = {}): PreparedRecord => deepFreeze(prepared(overrides));

const input = (prep: PreparedRecord, req = everyArea(), dataInTransit = false): StructuredAnswerInput => ({
  request: req,
  prepared: prep,
  baseUrl: BASE,
  dataInTransit,
});

/** What the answer must be: the Bundle built afresh for this request at this time. */
const expected = (answerInput: StructuredAnswerInput, now: Date) =>
  JSON.parse(fhirJson(buildStructuredBundle({ ...answerInput, stamp: now.toISOString() }))) as fhir4.Bundle;

const parsed = (text: string) => JSON.parse(text) as fhir4.Bundle;

describe('StructuredAnswers', () => {
  it('answers exactly the Bundle built afresh, for every request, each time with its own time', () => {
    const answers = new StructuredAnswers();
    const record = held();
    const requests = [
      everyArea(),
      request(allergies(false)),
      request(area('includeProblems', part('filterStatus', { valueCode: 'active' }))),
      request(area('includeMedication', part('includePrescriptionIssues', { valueBoolean: false }))),
    ];
    for (const req of requests) {
      for (const now of [FIRST, LATER]) {
        const answer = answers.answer(input(record, req), now);
        expect(parsed(answer.body.text)).toEqual(expected(input(record, req), now));
      }
    }
  });

  it('puts the time of each request into every List and the Bundle meta', () => {
    const answers = new StructuredAnswers();
    const record = held();
    answers.answer(input(record), FIRST);
    const later = parsed(answers.answer(input(record), LATER).body.text);
    expect(later.meta?.lastUpdated).toBe(LATER.toISOString());
    const lists = (later.entry ?? []).map((e) => e.resource).filter((r): r is fhir4.List => r?.resourceType === 'List');
    expect(lists.length).toBeGreaterThan(3);
    for (const list of lists) expect(list.date).toBe(LATER.toISOString());
    expect(answers.answer(input(record), LATER).body.text).not.toContain(FIRST.toISOString());
  });

  it('writes the answer for a held record once and reuses it for the same request', () => {
    const answers = new StructuredAnswers();
    const record = held();
    const first = answers.answer(input(record), FIRST);
    const second = answers.answer(input(record), LATER);
    // The same kept template: the audit's list of resources is the one written the first time.
    expect(second.resources).toBe(first.resources);
    expect(second.resources).toEqual(
      (expected(input(record), LATER).entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
    );
  });

  it('builds afresh for a record that is not held (not frozen)', () => {
    const answers = new StructuredAnswers();
    const record = prepared();
    const first = answers.answer(input(record), FIRST);
    const second = answers.answer(input(record), LATER);
    expect(second.resources).not.toBe(first.resources);
    expect(parsed(second.body.text)).toEqual(expected(input(record), LATER));
  });

  it('keeps apart what changes the Bundle besides the record: transfer in progress, grant, warnings, base URL', () => {
    const answers = new StructuredAnswers();
    const record = held();
    const warning = spineIssue('INVALID_PARAMETER', 'The referrals area is not shared with your organisation.', {
      severity: 'warning',
    });
    const variants: StructuredAnswerInput[] = [
      input(record),
      input(record, everyArea(), true),
      input({ ...record, decision: decision(['allergies', 'problems']) }),
      input({ ...record, decision: decision(undefined, [warning]) }),
      { ...input(record), baseUrl: 'https://elsewhere.test/fhir' },
    ];
    for (const variant of [...variants, ...variants]) {
      expect(parsed(answers.answer(variant, LATER).body.text)).toEqual(expected(variant, LATER));
    }
  });

  it('does not reuse an answer across different redaction results for the same record', () => {
    const answers = new StructuredAnswers();
    const record = held();
    answers.answer(input(record), FIRST);
    const redacted = { ...record, redactions: { allergies: 1 }, withheld: [] };
    expect(parsed(answers.answer(input(redacted), LATER).body.text)).toEqual(expected(input(redacted), LATER));
  });

  it('is still right when a record happens to contain the text that marks the time slots', () => {
    const answers = new StructuredAnswers();
    const odd: fhir4.AllergyIntolerance = {
      ...allergy('al-odd', 'active'),
      code: { text: '\u0000lloyd:answer-time\u0000' },
    };
    const record = held({
      record: canonicalRecord([...clinicalResources(), odd]),
    });
    for (const now of [FIRST, LATER]) {
      const answer = answers.answer(input(record), now);
      expect(parsed(answer.body.text)).toEqual(expected(input(record), now));
      expect(answer.body.text).toContain('\\u0000lloyd:answer-time\\u0000');
    }
  });

  it('counts the degraded items it serves', () => {
    const answers = new StructuredAnswers();
    const resources = clinicalResources().map((r) =>
      r.id === 'al-active' || r.id === 'cond-active-major' ? markedDegraded(r as fhir4.DomainResource) : r,
    );
    const record = held({ record: canonicalRecord(resources) });
    expect(answers.answer(input(record), FIRST).degraded).toBe(2);
    expect(answers.answer(input(record), LATER).degraded).toBe(2);
    expect(answers.answer(input(record, request(allergies(false))), LATER).degraded).toBe(1);
  });
});
