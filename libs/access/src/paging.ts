import { outcomes, spineIssue, type OperationOutcomeIssue } from '@lloyd/fhir';

export interface PageSize {
  count: number;
  /** Present when the requested `_count` was above the maximum and was capped. */
  warning?: OperationOutcomeIssue;
}

const WHOLE_NUMBER = /^\d{1,9}$/;

/**
 * Parses `_count`: absent means `defaultCount`; above `maxCount` (config `access.maxCount`) it is capped, with a
 * warning for the response's OperationOutcome; anything but a whole number is 422 `INVALID_PARAMETER`.
 */
export function parseCount(raw: string | undefined, maxCount: number, defaultCount = maxCount): PageSize {
  if (raw === undefined || raw === '') return { count: Math.min(defaultCount, maxCount) };
  if (!WHOLE_NUMBER.test(raw)) {
    throw outcomes.invalidParameter(`_count "${raw}" must be a whole number from 0 to ${maxCount}.`, ['_count']);
  }
  const requested = Number(raw);
  if (requested <= maxCount) return { count: requested };
  return {
    count: maxCount,
    warning: spineIssue(
      'INVALID_PARAMETER',
      `_count=${requested} is above the maximum of ${maxCount}, so pages hold ${maxCount} results; follow the next link for more.`,
      { severity: 'warning', expression: ['_count'] },
    ),
  };
}

/** Parses `_offset` (default 0); anything but a whole number is 422 `INVALID_PARAMETER`. */
export function parseOffset(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!WHOLE_NUMBER.test(raw))
    throw outcomes.invalidParameter(`_offset "${raw}" must be a whole number, 0 or more.`, ['_offset']);
  return Number(raw);
}
