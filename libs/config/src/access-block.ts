import {
  describePeriod,
  describeSharedConsumer,
  isCalendarDate,
  overlappingAgreements,
  unknownDataControllers,
  type AgreementTerms,
} from './agreement-rules.js';

/** A problem found in the configuration, at `path` (e.g. `['agreements', 1]`), said in `message`. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

/** The parts of the `access` block the policy rules read. */
export interface AccessBlock {
  practices: readonly { ods: string }[];
  agreements: readonly AgreementTerms[];
  organisationTypes: Readonly<Record<string, string>>;
}

const at = (list: 'practices' | 'agreements', index: number) => `access.${list}[${index}]`;

/**
 * What the admin API would refuse in the `access` block on its own (paths relative to it): a practice listed twice,
 * an agreement id used twice, a date that is not a calendar date, and agreements that overlap (the same rules as
 * `checkAgreementInPolicy` in libs/access). Each overlap is reported once, at the later agreement.
 */
export function accessBlockProblems(access: AccessBlock): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstPractice = new Map<string, number>();
  access.practices.forEach(({ ods }, index) => {
    const first = firstPractice.get(ods);
    if (first === undefined) firstPractice.set(ods, index);
    else {
      problems.push({
        path: ['practices', index],
        message: `practice ${ods} is listed again (first at ${at('practices', first)}); list each practice once, with all its settings, as Lloyd will not guess which entry applies`,
      });
    }
  });
  const firstAgreement = new Map<string, number>();
  access.agreements.forEach((agreement, index) => {
    const first = firstAgreement.get(agreement.id);
    if (first === undefined) firstAgreement.set(agreement.id, index);
    else {
      problems.push({
        path: ['agreements', index, 'id'],
        message: `"${agreement.id}" is also the id of ${at('agreements', first)}; give each agreement its own id`,
      });
    }
  });
  const dated: boolean[] = access.agreements.map((agreement, index) => {
    const bad = (['validFrom', 'validTo'] as const).filter((key) => {
      const value = agreement[key];
      return value !== undefined && !isCalendarDate(value);
    });
    for (const key of bad) {
      problems.push({
        path: ['agreements', index, key],
        message: `"${agreement[key]}" is not a calendar date (YYYY-MM-DD)`,
      });
    }
    return bad.length === 0;
  });
  access.agreements.forEach((agreement, index) => {
    if (!dated[index]) return;
    const earlier = access.agreements.slice(0, index).filter((_, j) => dated[j]);
    for (const { other, dataControllers } of overlappingAgreements(agreement, earlier, access.organisationTypes)) {
      const plural = dataControllers.length > 1 ? 's' : '';
      problems.push({
        path: ['agreements', index],
        message:
          `overlaps agreement ${other.id} (${at('agreements', access.agreements.indexOf(other))}) for ${describeSharedConsumer(agreement, other)} ` +
          `and data controller${plural} ${dataControllers.join(', ')}: ${agreement.id} runs ${describePeriod(agreement)}, ${other.id} ${describePeriod(other)}. ` +
          'Two agreements that cover the same consumer and practice may not be valid on the same day; end one (validTo) on or before the day the other starts, or narrow its consumer or data controllers',
      });
    }
  });
  return problems;
}

/**
 * What the admin API would refuse about practices (paths from the configuration's root): an agreement whose data
 * controller is not a known practice. Practice settings for a practice with no configured supplier are allowed: the
 * defaults list every demo practice, and a configuration that serves fewer systems keeps that list, to no effect.
 */
export function accessPracticeProblems(access: AccessBlock, supplierOds: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const known = new Set([...supplierOds, ...access.practices.map((p) => p.ods)]);
  access.agreements.forEach((agreement, index) => {
    for (const { index: k, ods } of unknownDataControllers(agreement, known)) {
      problems.push({
        path: ['access', 'agreements', index, 'dataControllers', k],
        message: `practice ${ods} is unknown to Lloyd (neither a configured supplier nor in access.practices). Correct the code, or add the practice's supplier system to suppliers`,
      });
    }
  });
  return problems;
}
