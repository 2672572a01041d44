import {
  describePeriod,
  describeSharedConsumer,
  isCalendarDate,
  overlappingAgreements,
  practiceSettingsSchema,
  recordSections,
  sharingAgreementSchema,
  unknownDataControllers,
  type PracticeSettings,
  type SharingAgreement,
} from '@lloyd/config';
import { OperationOutcomeError, operationOutcome, spineIssue, type OperationOutcomeIssue } from '@lloyd/fhir';
import type { z } from 'zod';

type Path = readonly PropertyKey[];

/** `agreement.sections[2]`: a FHIRPath-like name of the offending field, as GP Connect's `expression`. */
export function fieldExpression(root: string, path: Path): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`),
    root,
  );
}

function valueAt(input: unknown, path: Path): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function issue(root: string, path: Path, diagnostics: string): OperationOutcomeIssue {
  return spineIssue('INVALID_RESOURCE', diagnostics, { expression: [fieldExpression(root, path)] });
}

/** The 422 `INVALID_RESOURCE` answer carrying one issue per problem, each naming its field. */
export function invalid(issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError(422, operationOutcome(...issues));
}

/** Schema issues for fields the structural checks already explained are noise. */
function merge(structural: OperationOutcomeIssue[], schema: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const named = new Set(structural.flatMap((i) => i.expression ?? []));
  return [...structural, ...schema.filter((i) => !(i.expression ?? []).some((e) => named.has(e)))];
}

function zodIssues(root: string, error: z.ZodError, input: unknown): OperationOutcomeIssue[] {
  // Unknown top-level fields and a consumer's extra fields are named by the structural checks (unknownKeys,
  // consumerShape) before the schema runs; the schema's own report of them would say the same again, less clearly.
  const covered = (i: z.core.$ZodIssue) =>
    i.code === 'unrecognized_keys' && (i.path.length === 0 || i.path[0] === 'consumer');
  const issues = error.issues.filter((i) => !covered(i));
  return issues.map((i) => {
    const name = fieldExpression(root, i.path);
    const value = valueAt(input, i.path);
    if (i.path[0] === 'sections' || i.path[0] === 'disabledSections') {
      if (i.code === 'invalid_value') {
        return issue(
          root,
          i.path,
          `${name}: ${JSON.stringify(value)} is not a record section; use one of ${recordSections.join(', ')}.`,
        );
      }
    }
    if (i.path[0] === 'consumer' && i.path.length === 1) {
      return issue(root, i.path, `${name} must be either { "ods": "<ODS code>" } or { "organisationType": "<type>" }.`);
    }
    return issue(root, i.path, `${name}: ${i.message}.`);
  });
}

function unknownKeys(root: string, input: unknown, allowed: readonly string[]): OperationOutcomeIssue[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((k) => !allowed.includes(k))
    .map((k) => issue(root, [k], `${fieldExpression(root, [k])} is not a known field; use ${allowed.join(', ')}.`));
}

function consumerShape(root: string, input: unknown): OperationOutcomeIssue[] {
  const consumer = valueAt(input, ['consumer']);
  if (consumer === null || typeof consumer !== 'object' || Array.isArray(consumer)) return [];
  const keys = Object.keys(consumer);
  if (keys.length === 1 && (keys[0] === 'ods' || keys[0] === 'organisationType')) return [];
  return [
    issue(
      root,
      ['consumer'],
      `${root}.consumer must name exactly one of ods (one organisation) or organisationType (every organisation of a type).`,
    ),
  ];
}

function dates(root: string, agreement: SharingAgreement): OperationOutcomeIssue[] {
  const out: OperationOutcomeIssue[] = [];
  if (!isCalendarDate(agreement.validFrom)) {
    out.push(issue(root, ['validFrom'], `${root}.validFrom "${agreement.validFrom}" is not a calendar date.`));
  }
  if (agreement.validTo !== undefined && !isCalendarDate(agreement.validTo)) {
    out.push(issue(root, ['validTo'], `${root}.validTo "${agreement.validTo}" is not a calendar date.`));
  }
  return out;
}

/**
 * Parses an agreement from an admin request (with the config schema) and checks what the schema cannot: unknown
 * fields, a consumer with both or neither form, impossible dates. Throws 422 naming every bad field.
 */
export function parseAgreement(input: unknown, root = 'agreement'): SharingAgreement {
  const structural = [
    ...unknownKeys(root, input, Object.keys(sharingAgreementSchema.shape)),
    ...consumerShape(root, input),
  ];
  const parsed = sharingAgreementSchema.safeParse(input);
  const issues = merge(structural, parsed.success ? dates(root, parsed.data) : zodIssues(root, parsed.error, input));
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  return parsed.data;
}

/** Parses practice settings for `ods` from an admin request; the body may repeat the ODS code but not contradict it. */
export function parsePracticeSettings(ods: string, input: unknown, root = 'practice'): PracticeSettings {
  const body = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : {};
  const given = (body as { ods?: unknown }).ods;
  if (given !== undefined && given !== ods) {
    throw invalid([
      issue(root, ['ods'], `${root}.ods ${JSON.stringify(given)} does not match the practice in the URL (${ods}).`),
    ]);
  }
  const candidate = { ...body, ods };
  const structural = unknownKeys(root, input, Object.keys(practiceSettingsSchema.shape));
  const parsed = practiceSettingsSchema.safeParse(candidate);
  const issues = merge(structural, parsed.success ? [] : zodIssues(root, parsed.error, candidate));
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  return parsed.data;
}

/**
 * Checks an agreement against the rest of the policy: every data controller is a known practice, and no other
 * agreement that covers any of the same consumers (by ODS code, or by organisation type through `organisationTypes`)
 * and data controllers has an overlapping validity period (the one in force must be unambiguous).
 */
export function checkAgreementInPolicy(
  agreement: SharingAgreement,
  others: readonly SharingAgreement[],
  knownPractices: ReadonlySet<string>,
  organisationTypes: Readonly<Record<string, string>>,
  root = 'agreement',
): void {
  const issues: OperationOutcomeIssue[] = [];
  for (const { index, ods } of unknownDataControllers(agreement, knownPractices)) {
    issues.push(
      issue(
        root,
        ['dataControllers', index],
        `${root}.dataControllers[${index}]: practice ${ods} is unknown to Lloyd (neither a configured supplier nor in the practice settings). ` +
          "Correct the code, or add the practice's supplier system to the configuration (suppliers) and restart Lloyd first.",
      ),
    );
  }
  for (const { other, dataControllers: shared } of overlappingAgreements(agreement, others, organisationTypes)) {
    issues.push(
      spineIssue(
        'INVALID_RESOURCE',
        `${root}.validFrom/validTo: ${describePeriod(agreement)} overlaps agreement ${other.id} (${describePeriod(other)}) for ${describeSharedConsumer(agreement, other)} ` +
          `and data controller${shared.length > 1 ? 's' : ''} ${shared.join(', ')}. ` +
          `End ${other.id} first (POST /admin/agreements/${other.id}/$end) or choose dates that do not overlap.`,
        { expression: [fieldExpression(root, ['validFrom']), fieldExpression(root, ['validTo'])] },
      ),
    );
  }
  if (issues.length > 0) throw invalid(issues);
}
