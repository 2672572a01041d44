import type { IntegrationReport, PracticeIntegrationStats } from './integration-report.js';

const COLUMNS = [
  'ods',
  'transfers',
  'integratedWithin3Days',
  'integratedWithin8Days',
  'notIntegratedWithin8Days',
  'technicalFailures',
  'technicalFailuresByReason',
  'inProgress',
  'medianSecondsToIntegrate',
] as const;

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function row(stats: Omit<PracticeIntegrationStats, 'ods'> & { ods: string }): string {
  const reasons = Object.entries(stats.technicalFailuresByReason)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}=${n}`)
    .join(';');
  const values: Record<(typeof COLUMNS)[number], string> = {
    ods: stats.ods,
    transfers: String(stats.transfers),
    integratedWithin3Days: String(stats.integratedWithin3Days),
    integratedWithin8Days: String(stats.integratedWithin8Days),
    notIntegratedWithin8Days: String(stats.notIntegratedWithin8Days),
    technicalFailures: String(stats.technicalFailures),
    technicalFailuresByReason: reasons,
    inProgress: String(stats.inProgress),
    medianSecondsToIntegrate:
      stats.medianSecondsToIntegrate === null ? '' : String(Math.round(stats.medianSecondsToIntegrate)),
  };
  return COLUMNS.map((c) => cell(values[c])).join(',');
}

/**
 * The report as CSV (RFC 4180, CRLF line ends): a header, one row per receiving practice and a final `TOTAL` row.
 * Failures by reason are written `code=count` joined by `;` (e.g. `25=1;31=2`).
 */
export function renderIntegrationReportCsv(report: IntegrationReport): string {
  const lines = [COLUMNS.join(','), ...report.practices.map(row), row({ ods: 'TOTAL', ...report.total })];
  return `${lines.join('\r\n')}\r\n`;
}
