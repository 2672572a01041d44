import { EXTENSIONS } from '@lloyd/adapters-core';
import { FIXTURE_EXTRACT } from '../testing/fixture-extract.js';
import { parseEhrExtract, type ParsedEhrExtract } from './parse-ehr-extract.js';

/**
 * What a LinkSet is, by its code: "Active problem" / "Inactive problem" LinkSets are problems whatever statement they
 * name (here a plan and a referral, as a GP Connect record sent by Lloyd can produce); only a LinkSet coded otherwise
 * that names a referral is that referral's links to its letters. The fixture's plan (PLAN1), referral (REF1) and
 * letter (DOC1) are named.
 */

const SNOMED = '2.16.840.1.113883.2.1.3.2.4.15';
const STATUS = {
  active: `<code code="394774009" codeSystem="${SNOMED}" displayName="Active problem"/>`,
  inactive: `<code code="394775005" codeSystem="${SNOMED}" displayName="Inactive problem"/>`,
  unspecified: `<code code="394776006" codeSystem="${SNOMED}" displayName="Unspecified problem"/>`,
};

function linkSet(id: string, code: string, named: string, components: string[] = []): string {
  const links = components
    .map(
      (c) => `<component typeCode="COMP"><statementRef classCode="OBS" moodCode="EVN"><id root="${c}"/></statementRef>
      </component>`,
    )
    .join('');
  return `<component typeCode="COMP"><LinkSet classCode="OBS" moodCode="EVN">
    <id root="${id}"/>${code}<statusCode code="COMPLETE"/><availabilityTime value="20190314"/>${links}
    <conditionNamed typeCode="NAME" inversionInd="true"><namedStatementRef classCode="OBS" moodCode="EVN"><id root="${named}"/></namedStatementRef></conditionNamed>
  </LinkSet></component>`;
}

function withLinkSets(...linkSets: string[]): string {
  const anchor = '</LinkSet></component>';
  const at = FIXTURE_EXTRACT.indexOf(anchor) + anchor.length;
  return `${FIXTURE_EXTRACT.slice(0, at)}${linkSets.join('')}${FIXTURE_EXTRACT.slice(at)}`;
}

function conditions(parsed: ParsedEhrExtract): fhir4.Condition[] {
  return parsed.record.resources.filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
}

function related(condition: fhir4.Condition | undefined): (string | undefined)[] {
  return (condition?.extension ?? [])
    .filter((e) => e.url === EXTENSIONS.relatedClinicalContent)
    .map((e) => e.valueReference?.reference);
}

describe('reading problem LinkSets', () => {
  it('keeps a problem whose conditionNamed is a plan, coded as the plan, the plan related', async () => {
    const parsed = await parseEhrExtract(withLinkSets(linkSet('PROB-PLAN', STATUS.active, 'PLAN1', ['OBS1'])));
    const problem = conditions(parsed).find((c) => c.id === 'PROB-PLAN');
    expect(problem?.code?.coding?.[0]?.code).toBe('390906007');
    expect(problem?.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(related(problem)).toEqual(['ServiceRequest/PLAN1', 'Observation/OBS1', 'Encounter/ENC1']);
    expect(parsed.stats.resources['Condition']).toBe(2);
  });

  it('keeps an active or inactive problem even when it names a referral, and leaves the referral alone', async () => {
    const parsed = await parseEhrExtract(
      withLinkSets(linkSet('PROB-REF', STATUS.inactive, 'REF1', ['DOC1']), linkSet('PROB-REF2', STATUS.active, 'REF1')),
    );
    const ids = conditions(parsed).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['PROB1', 'PROB-REF', 'PROB-REF2']));
    const problem = conditions(parsed).find((c) => c.id === 'PROB-REF');
    expect(problem?.clinicalStatus?.coding?.[0]?.code).toBe('inactive');
    expect(related(problem)).toEqual(['ServiceRequest/REF1', 'DocumentReference/DOC1', 'Encounter/ENC1']);
    const referral = parsed.record.resources.find((r) => r.id === 'REF1') as fhir4.ServiceRequest;
    expect(referral.supportingInfo).toBeUndefined();
  });

  it('reads an "Unspecified problem" LinkSet naming a referral as the referral’s letters, not a problem', async () => {
    const parsed = await parseEhrExtract(withLinkSets(linkSet('REF-LINKS', STATUS.unspecified, 'REF1', ['DOC1'])));
    expect(conditions(parsed).map((c) => c.id)).toEqual(['PROB1']);
    const referral = parsed.record.resources.find((r) => r.id === 'REF1') as fhir4.ServiceRequest;
    expect(referral.supportingInfo).toEqual([{ reference: 'DocumentReference/DOC1' }]);
  });

  it('keeps an "Unspecified problem" LinkSet naming a plan as a problem: a plan has no letters', async () => {
    const parsed = await parseEhrExtract(withLinkSets(linkSet('PROB-UNSPEC', STATUS.unspecified, 'PLAN1')));
    expect(conditions(parsed).map((c) => c.id)).toEqual(['PROB1', 'PROB-UNSPEC']);
  });

  it('keeps a problem whose named statement is missing, and reports it', async () => {
    const parsed = await parseEhrExtract(withLinkSets(linkSet('PROB-LOST', STATUS.active, 'NOWHERE', ['OBS1'])));
    const problem = conditions(parsed).find((c) => c.id === 'PROB-LOST');
    expect(problem?.code).toEqual({ text: 'Problem' });
    expect(parsed.stats.skipped['conditionNamed(unresolved)']).toBe(1);
  });

  describe('a problem’s own entry (the plain ObservationStatement its LinkSet names)', () => {
    const observations = (parsed: ParsedEhrExtract) =>
      parsed.record.resources.filter((r) => r.resourceType === 'Observation').map((r) => r.id);

    it('is kept beside the problem by default, as a transfer or round trip needs', async () => {
      const parsed = await parseEhrExtract(FIXTURE_EXTRACT);
      expect(observations(parsed)).toContain('PROB-OBS');
      expect(related(conditions(parsed).find((c) => c.id === 'PROB1'))).toContain('Observation/PROB-OBS');
    });

    it('becomes the problem itself when folded, linked to the consultation it was recorded in', async () => {
      const kept = await parseEhrExtract(FIXTURE_EXTRACT);
      const parsed = await parseEhrExtract(FIXTURE_EXTRACT, { foldProblemEntries: true });
      expect(observations(parsed)).not.toContain('PROB-OBS');
      expect(observations(parsed)).toHaveLength(observations(kept).length - 1);
      expect(parsed.stats.resources['Observation']).toBe(kept.stats.resources['Observation']! - 1);
      const problem = conditions(parsed).find((c) => c.id === 'PROB1');
      expect(problem?.code?.text).toBe('Asthma');
      expect(problem?.encounter).toEqual({ reference: 'Encounter/ENC1' });
      expect(related(problem)).toEqual(['Observation/OBS1', 'Encounter/ENC1']);
    });

    it('leads links to it to the problem, and leaves a named observation with a value alone', async () => {
      const parsed = await parseEhrExtract(
        withLinkSets(
          linkSet('PROB-BP', STATUS.active, 'OBS1'),
          linkSet('PROB-PARENT', STATUS.active, 'PLAN1', ['PROB-OBS']),
        ),
        { foldProblemEntries: true },
      );
      // OBS1 carries a blood pressure: it stays an Observation, which the problem links.
      expect(observations(parsed)).toContain('OBS1');
      expect(related(conditions(parsed).find((c) => c.id === 'PROB-BP'))).toContain('Observation/OBS1');
      // A link to PROB1's entry is a link to PROB1: here its parent problem.
      const parent = conditions(parsed).find((c) => c.id === 'PROB-PARENT');
      expect(related(parent)).not.toContain('Observation/PROB-OBS');
      const children = (parent?.extension ?? [])
        .filter((e) => e.url === EXTENSIONS.relatedProblem)
        .map((e) => e.extension?.find((p) => p.url === 'target')?.valueReference?.reference);
      expect(children).toEqual(['Condition/PROB1']);
    });
  });
});
