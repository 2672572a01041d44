/**
 * The rules a sharing policy must keep, shared by the configuration's `access` block (checked at start-up) and the
 * admin API (checked on every change), so both refuse the same things. Pure functions over the fields they read; no
 * imports, so the schema can use them (see libs/access/README.md, "Writing an agreement").
 */

/** An agreement's consumer: one organisation, or every organisation of a type. */
export type AgreementConsumer = { ods: string } | { organisationType: string };

/** The fields of a sharing agreement the policy rules read. */
export interface AgreementTerms {
  id: string;
  dataControllers: readonly string[];
  consumer: AgreementConsumer;
  validFrom: string;
  validTo?: string | undefined;
}

type Period = Pick<AgreementTerms, 'validFrom' | 'validTo'>;

/** True when `value` is a real calendar date written YYYY-MM-DD (rejects 2025-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

/** True when the two agreements' validity periods share at least one day. */
export function periodsOverlap(a: Period, b: Period): boolean {
  const aEndsAfterBStarts = a.validTo === undefined || b.validFrom < a.validTo;
  const bEndsAfterAStarts = b.validTo === undefined || a.validFrom < b.validTo;
  // An empty period (validTo = validFrom, e.g. an agreement ended before it started) overlaps nothing.
  const aEmpty = a.validTo !== undefined && a.validTo <= a.validFrom;
  const bEmpty = b.validTo !== undefined && b.validTo <= b.validFrom;
  return aEndsAfterBStarts && bEndsAfterAStarts && !aEmpty && !bEmpty;
}

/** True when the agreement's consumer is this organisation, by ODS code or by its organisation type. */
export function consumerMatches(
  agreement: { consumer: AgreementConsumer },
  organisation: string,
  organisationTypes: Readonly<Record<string, string>>,
): boolean {
  const { consumer } = agreement;
  if ('ods' in consumer) return consumer.ods === organisation;
  return organisationTypes[organisation] === consumer.organisationType;
}

/** A readable name for an agreement's consumer, for messages. */
export function describeConsumer(agreement: { consumer: AgreementConsumer }): string {
  const { consumer } = agreement;
  return 'ods' in consumer ? `organisation ${consumer.ods}` : `organisations of type ${consumer.organisationType}`;
}

/**
 * True when some organisation is a consumer of both agreements: the same ODS code, the same organisation type, or an
 * organisation named by one whose configured type (`organisationTypes`) the other names.
 */
export function consumersOverlap(
  a: { consumer: AgreementConsumer },
  b: { consumer: AgreementConsumer },
  organisationTypes: Readonly<Record<string, string>>,
): boolean {
  if ('ods' in a.consumer) return consumerMatches(b, a.consumer.ods, organisationTypes);
  if ('ods' in b.consumer) return consumerMatches(a, b.consumer.ods, organisationTypes);
  return a.consumer.organisationType === b.consumer.organisationType;
}

/** `2026-01-01 to open-ended`: an agreement's validity, for messages. */
export function describePeriod(a: Period): string {
  return `${a.validFrom} to ${a.validTo ?? 'open-ended'}`;
}

/** Who both agreements cover, in words: the same consumer, or an organisation one names and the other covers by type. */
export function describeSharedConsumer(a: AgreementTerms, b: AgreementTerms): string {
  const [x, y] = [describeConsumer(a), describeConsumer(b)];
  return x === y ? `the same consumer (${x})` : `consumers that overlap (${x}; ${y} in agreement ${b.id})`;
}

/** A data controller of an agreement that is not a known practice, with its index in `dataControllers`. */
export interface UnknownDataController {
  index: number;
  ods: string;
}

/** Rule: every data controller is a known practice (a configured supplier, or one with practice settings). */
export function unknownDataControllers(
  agreement: Pick<AgreementTerms, 'dataControllers'>,
  knownPractices: ReadonlySet<string>,
): UnknownDataController[] {
  return agreement.dataControllers.flatMap((ods, index) => (knownPractices.has(ods) ? [] : [{ index, ods }]));
}

/** Another agreement in force on some of the same days for some of the same consumers and data controllers. */
export interface AgreementOverlap<T extends AgreementTerms> {
  other: T;
  /** The data controllers both agreements name. */
  dataControllers: string[];
}

/**
 * Rule: no two agreements that cover any of the same consumers (by ODS code, or by organisation type through
 * `organisationTypes`) and data controllers are valid on the same day, so the one in force is never in doubt.
 * Returns each agreement of `others` (other than one with the same id, which it replaces) that breaks it.
 */
export function overlappingAgreements<T extends AgreementTerms>(
  agreement: AgreementTerms,
  others: readonly T[],
  organisationTypes: Readonly<Record<string, string>>,
): AgreementOverlap<T>[] {
  const out: AgreementOverlap<T>[] = [];
  for (const other of others) {
    if (other.id === agreement.id || !periodsOverlap(agreement, other)) continue;
    if (!consumersOverlap(agreement, other, organisationTypes)) continue;
    const shared = agreement.dataControllers.filter((ods) => other.dataControllers.includes(ods));
    if (shared.length > 0) out.push({ other, dataControllers: shared });
  }
  return out;
}
