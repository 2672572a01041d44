import { z } from 'zod';
import type { Transfer } from '../model/transfer.js';
import type { Gp2gpClock } from '../options.js';
import { isCalendarDay } from '../store/london-day.js';
import type { TransferRepository } from '../store/transfer-repository.js';
import { invalidInput } from '../usecases/caller.js';
import { classifyTransfer } from './classify-transfer.js';

/** GP2GP management information for one receiving practice. The integration bands are exclusive. */
export interface PracticeIntegrationStats {
  /** The receiving (requesting) practice. */
  ods: string;
  /** Transfers requested in the period. */
  transfers: number;
  /** Integrated at most 3×24 h after the extract arrived. */
  integratedWithin3Days: number;
  /** Integrated more than 3×24 h and at most 8×24 h after the extract arrived. */
  integratedWithin8Days: number;
  /**
   * Not integrated within 8×24 h of the extract arriving: integrated late, or still not integrated (process
   * failure). These are the transfers where the sending practice falls back to paper (the Lloyd George envelope).
   */
  notIntegratedWithin8Days: number;
  /** Technical failures (failed transfers and rejections), in all and by GP2GP reason code. */
  technicalFailures: number;
  technicalFailuresByReason: Record<string, number>;
  /** Not integrated yet, and less than 8×24 h since the extract arrived. */
  inProgress: number;
  /** Median time from the extract arriving to integration, of the integrated transfers; null when none. */
  medianSecondsToIntegrate: number | null;
}

export interface IntegrationReport {
  /** First and last London calendar day of the period (inclusive): transfers requested on these days count. */
  from: string;
  to: string;
  timeZone: 'Europe/London';
  generatedAt: string;
  practices: PracticeIntegrationStats[];
  /** All practices together. */
  total: Omit<PracticeIntegrationStats, 'ods'>;
}

const MAX_DAYS = 366;

const querySchema = z
  .object({
    from: z.string().refine(isCalendarDay, 'must be a calendar date as YYYY-MM-DD'),
    to: z.string().refine(isCalendarDay, 'must be a calendar date as YYYY-MM-DD'),
  })
  .refine((q) => q.from <= q.to, { message: 'must not be before from', path: ['to'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_DAYS, {
    message: `the period may cover at most ${MAX_DAYS} days`,
    path: ['to'],
  });

function emptyStats(): Omit<PracticeIntegrationStats, 'ods'> {
  return {
    transfers: 0,
    integratedWithin3Days: 0,
    integratedWithin8Days: 0,
    notIntegratedWithin8Days: 0,
    technicalFailures: 0,
    technicalFailuresByReason: {},
    inProgress: 0,
    medianSecondsToIntegrate: null,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Adds up classified transfers into one practice's (or the total) figures. */
function tally(transfers: readonly Transfer[], now: number): Omit<PracticeIntegrationStats, 'ods'> {
  const stats = emptyStats();
  const durations: number[] = [];
  for (const t of transfers) {
    stats.transfers++;
    const c = classifyTransfer(t, now);
    switch (c.kind) {
      case 'integrated':
        durations.push(c.durationMs / 1000);
        if (c.band === 'within-3-days') stats.integratedWithin3Days++;
        else if (c.band === 'within-8-days') stats.integratedWithin8Days++;
        else stats.notIntegratedWithin8Days++;
        break;
      case 'technical-failure':
        stats.technicalFailures++;
        stats.technicalFailuresByReason[c.code] = (stats.technicalFailuresByReason[c.code] ?? 0) + 1;
        break;
      case 'not-integrated-within-8-days':
        stats.notIntegratedWithin8Days++;
        break;
      case 'in-progress':
        stats.inProgress++;
        break;
    }
  }
  stats.medianSecondsToIntegrate = median(durations);
  return stats;
}

/**
 * `GET /gp2gp/reports/integrations?from=&to=`: GP2GP management information per receiving practice, for transfers
 * requested on London calendar days `from`..`to`, classified as of the injected clock's now.
 */
export class BuildIntegrationReport {
  constructor(
    private readonly repository: TransferRepository,
    private readonly clock: Gp2gpClock,
  ) {}

  async execute(query: unknown): Promise<IntegrationReport> {
    const parsed = querySchema.safeParse(query ?? {});
    if (!parsed.success) throw invalidInput(parsed.error, 'from');
    const { from, to } = parsed.data;
    const now = this.clock();
    const transfers = await this.repository.requestedBetween(from, to);
    const byPractice = new Map<string, Transfer[]>();
    for (const t of transfers) byPractice.set(t.toOds, [...(byPractice.get(t.toOds) ?? []), t]);
    const practices = [...byPractice.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ods, list]) => ({ ods, ...tally(list, now) }));
    return {
      from,
      to,
      timeZone: 'Europe/London',
      generatedAt: new Date(now).toISOString(),
      practices,
      total: tally(transfers, now),
    };
  }
}
